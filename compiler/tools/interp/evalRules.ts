// Float64 evaluation of every op (a Record<Op, …>): the oracle every other
// implementation is compared with. Clarity over speed, but no per-element
// allocation: shapes and index maps are computed once per node (prepare.ts).

import type { Node } from '../../ir/graph.js';
import type { Op, OpAttrs } from '../../ir/ops.js';
import { CompilerBug } from '../../util/assert.js';
import { numel, type Tensor } from './tensor.js';
import { maskBit, maskThreshold, PER_SEQUENCE_STEP, type RandomKey } from '../../numeric/philox.js';

export interface EvalCtx {
  readonly node: Node;
  /** Concrete shape of the result (without the batch axis). */
  readonly shape: readonly number[];
  readonly B: number;
  /** For broadcast/sumto: output-of-broadcast flat index → input flat index. */
  readonly indexMap?: Int32Array;
  /** Values of every size symbol. */
  readonly sizes: Readonly<Record<string, number>>;
  readonly dimValue: (d: OpAttrs['slice']['start']) => number;
  /** The step being evaluated and the run's mask key (none: evaluation, masks are their expectation). */
  readonly draw: () => StepDraw;
}

export interface StepDraw {
  /** The scan step t. */
  readonly step: number;
  readonly key?: RandomKey;
}

export type EvalRule = (args: readonly Tensor[], c: EvalCtx) => Float64Array;

const outLen = (c: EvalCtx) => numel(c.shape) * (c.node.type.batched ? c.B : 1);
const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const softplus = (v: number) => (v > 30 ? v : v < -30 ? Math.exp(v) : Math.log1p(Math.exp(v)));

/** Element i of example b of t (unbatched tensors are shared by all examples). */
const at = (t: Tensor, n: number, b: number, i: number) => t.data[t.batched ? b * n + i : i];

function map1(f: (v: number) => number): EvalRule {
  return ([x], c) => {
    const out = new Float64Array(outLen(c));
    const n = numel(c.shape);
    const nb = c.node.type.batched ? c.B : 1;
    for (let b = 0; b < nb; b++) for (let i = 0; i < n; i++) out[b * n + i] = f(at(x, n, b, i));
    return out;
  };
}

function map2(f: (a: number, b: number) => number): EvalRule {
  return ([x, y], c) => {
    const out = new Float64Array(outLen(c));
    const n = numel(c.shape);
    const nb = c.node.type.batched ? c.B : 1;
    for (let b = 0; b < nb; b++) for (let i = 0; i < n; i++) out[b * n + i] = f(at(x, n, b, i), at(y, n, b, i));
    return out;
  };
}

function reduce(init: (xs: number[]) => number): EvalRule {
  return ([x], c) => {
    const axis = (c.node.attrs as { axis: number }).axis;
    const outer = numel(x.shape.slice(0, axis));
    const len = x.shape[axis];
    const inner = numel(x.shape.slice(axis + 1));
    const nIn = numel(x.shape);
    const nOut = outer * inner;
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * nOut);
    const xs = new Array<number>(len);
    for (let b = 0; b < nb; b++) {
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          for (let k = 0; k < len; k++) xs[k] = at(x, nIn, b, (o * len + k) * inner + i);
          out[b * nOut + o * inner + i] = init(xs);
        }
      }
    }
    return out;
  };
}

const logsumexp = (xs: number[]) => {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const v of xs) s += Math.exp(v - m);
  return m + Math.log(s);
};

const argmax = (xs: number[]) => {
  let best = 0;
  for (let k = 1; k < xs.length; k++) if (xs[k] > xs[best]) best = k;
  return best;
};

/** C[M,N] = A[M,K]·B[K,N] per example; vectors are a 1-row or 1-column matrix. */
function matmulRule(args: readonly Tensor[], c: EvalCtx, outer: boolean): Float64Array {
  const [A, Bm] = args;
  const M = outer ? A.shape[0] : A.shape.length === 2 ? A.shape[0] : 1;
  const K = outer ? 1 : A.shape[A.shape.length - 1];
  const N = outer ? Bm.shape[0] : Bm.shape.length === 2 ? Bm.shape[1] : 1;
  const nA = numel(A.shape);
  const nB = numel(Bm.shape);
  const nb = c.node.type.batched ? c.B : 1;
  const out = new Float64Array(nb * M * N);
  for (let b = 0; b < nb; b++) {
    const oa = A.batched ? b * nA : 0;
    const ob = Bm.batched ? b * nB : 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A.data[oa + m * K + k] * Bm.data[ob + k * N + n];
        out[b * M * N + m * N + n] = s;
      }
    }
  }
  return out;
}

/**
 * Gauss–Jordan elimination with partial pivoting of one n×n matrix (a copy):
 * its inverse, and log|det|. A singular matrix gives non-finite values, as
 * float division does.
 */
export function invertSmall(a: Float64Array, n: number): { inv: Float64Array; logAbsDet: number } {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  let logAbsDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let r = k + 1; r < n; r++) if (Math.abs(m[r * n + k]) > Math.abs(m[p * n + k])) p = r;
    if (p !== k) {
      for (let c = 0; c < n; c++) {
        [m[k * n + c], m[p * n + c]] = [m[p * n + c], m[k * n + c]];
        [inv[k * n + c], inv[p * n + c]] = [inv[p * n + c], inv[k * n + c]];
      }
    }
    const pivot = m[k * n + k];
    logAbsDet += Math.log(Math.abs(pivot));
    const d = 1 / pivot;
    for (let c = 0; c < n; c++) {
      m[k * n + c] *= d;
      inv[k * n + c] *= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === k) continue;
      const f = m[r * n + k];
      if (f === 0) continue;
      for (let c = 0; c < n; c++) {
        m[r * n + c] -= f * m[k * n + c];
        inv[r * n + c] -= f * inv[k * n + c];
      }
    }
  }
  return { inv, logAbsDet };
}

/** inv or logdet of every example's matrix. */
function matrixRule(which: 'inv' | 'logdet'): EvalRule {
  return ([x], c) => {
    const n = x.shape[0];
    const nb = c.node.type.batched ? c.B : 1;
    const per = which === 'inv' ? n * n : 1;
    const out = new Float64Array(nb * per);
    for (let b = 0; b < nb; b++) {
      const r = invertSmall(x.data.subarray(x.batched ? b * n * n : 0, (x.batched ? b * n * n : 0) + n * n), n);
      if (which === 'inv') out.set(r.inv, b * per);
      else out[b] = r.logAbsDet;
    }
    return out;
  };
}

/** Copies contiguous blocks along one axis: the shared loop of concat and slice. */
function blocks(shape: readonly number[], axis: number) {
  return { outer: numel(shape.slice(0, axis)), inner: numel(shape.slice(axis + 1)) };
}

export const EVAL_RULES: Record<Op, EvalRule> = {
  input: () => {
    throw new CompilerBug('leaf evaluated without a value');
  },
  state: () => {
    throw new CompilerBug('leaf evaluated without a value');
  },
  param: () => {
    throw new CompilerBug('leaf evaluated without a value');
  },
  const: (_a, c) => new Float64Array(outLen(c)).fill((c.node.attrs as OpAttrs['const']).value),
  dim: (_a, c) => Float64Array.of(c.dimValue((c.node.attrs as OpAttrs['dim']).dim)),
  mask: (_a, c) => {
    const a = c.node.attrs as OpAttrs['mask'];
    const out = new Float64Array(outLen(c));
    const { step, key } = c.draw();
    if (!key?.training) return out.fill(a.prob * a.scale);
    const n = numel(c.shape);
    const threshold = maskThreshold(a.prob);
    const t = a.perSequence ? PER_SEQUENCE_STEP : step;
    for (let b = 0; b < c.B; b++) for (let i = 0; i < n; i++) out[b * n + i] = maskBit(key, a.stream, t, b, i, threshold) ? a.scale : 0;
    return out;
  },

  neg: map1((v) => -v),
  exp: map1(Math.exp),
  log: map1(Math.log),
  tanh: map1(Math.tanh),
  sigmoid: map1(sigmoid),
  relu: map1((v) => (v > 0 || Number.isNaN(v) ? v : 0)), // NaN stays NaN, as on the GPU
  sqrt: map1(Math.sqrt),
  rsqrt: map1((v) => 1 / Math.sqrt(v)),
  abs: map1(Math.abs),
  softplus: map1(softplus),
  square: map1((v) => v * v),
  recip: map1((v) => 1 / v),
  silu: map1((v) => v * sigmoid(v)),
  add: map2((a, b) => a + b),
  sub: map2((a, b) => a - b),
  mul: map2((a, b) => a * b),
  div: map2((a, b) => a / b),
  max: map2((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a >= b ? a : b)),
  min: map2((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a <= b ? a : b)),
  lt: map2((a, b) => +(a < b)),
  le: map2((a, b) => +(a <= b)),
  gt: map2((a, b) => +(a > b)),
  ge: map2((a, b) => +(a >= b)),
  eq: map2((a, b) => +(a === b)),
  ne: map2((a, b) => +(a !== b)),
  select: ([cnd, x, y], c) => {
    const out = new Float64Array(outLen(c));
    const n = numel(c.shape);
    const nb = c.node.type.batched ? c.B : 1;
    for (let b = 0; b < nb; b++) for (let i = 0; i < n; i++) out[b * n + i] = at(cnd, n, b, i) ? at(x, n, b, i) : at(y, n, b, i);
    return out;
  },
  matmul: (args, c) => matmulRule(args, c, false),
  outer: (args, c) => matmulRule(args, c, true),
  headmatvec: ([A, v], c) => {
    const [N, P, Q] = A.shape;
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * N * P);
    for (let b = 0; b < nb; b++) {
      const oa = A.batched ? b * N * P * Q : 0;
      const ov = v.batched ? b * N * Q : 0;
      for (let n = 0; n < N; n++) {
        for (let p = 0; p < P; p++) {
          let s = 0;
          for (let q = 0; q < Q; q++) s += A.data[oa + (n * P + p) * Q + q] * v.data[ov + n * Q + q];
          out[b * N * P + n * P + p] = s;
        }
      }
    }
    return out;
  },
  headouter: ([a, v], c) => {
    const [N, P, Q] = c.shape;
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * N * P * Q);
    for (let b = 0; b < nb; b++) {
      const oa = a.batched ? b * N * P : 0;
      const ov = v.batched ? b * N * Q : 0;
      for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) out[((b * N + n) * P + p) * Q + q] = a.data[oa + n * P + p] * v.data[ov + n * Q + q];
    }
    return out;
  },
  // a matrix [R, C] or a stack [N, R, C] of them: each [R, C] block is transposed
  transpose: ([x], c) => {
    const [R, C] = x.shape.slice(-2);
    const N = x.shape.length === 3 ? x.shape[0] : 1;
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * N * R * C);
    for (let b = 0; b < nb * N; b++) {
      const from = (x.batched ? b : b % N) * R * C;
      for (let r = 0; r < R; r++) for (let q = 0; q < C; q++) out[b * R * C + q * R + r] = x.data[from + r * C + q];
    }
    return out;
  },
  // row-major elements under another shape: the same data
  reshape: ([x]) => Float64Array.from(x.data),
  inv: matrixRule('inv'),
  logdet: matrixRule('logdet'),
  eye: (_a, c) => {
    const n = c.shape[0];
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) out[i * n + i] = 1;
    return out;
  },
  sum: reduce((xs) => xs.reduce((a, b) => a + b, 0)),
  rmax: reduce((xs) => Math.max(...xs)),
  logsumexp: reduce(logsumexp),
  argmax: reduce(argmax),
  broadcast: ([x], c) => {
    const map = c.indexMap!;
    const n = map.length;
    const nIn = numel(x.shape);
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * n);
    for (let b = 0; b < nb; b++) for (let j = 0; j < n; j++) out[b * n + j] = at(x, nIn, b, map[j]);
    return out;
  },
  sumto: ([x], c) => {
    const map = c.indexMap!;
    const nIn = map.length;
    const n = numel(c.shape);
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * n);
    for (let b = 0; b < nb; b++) for (let j = 0; j < nIn; j++) out[b * n + map[j]] += at(x, nIn, b, j);
    return out;
  },
  concat: (args, c) => {
    const axis = (c.node.attrs as OpAttrs['concat']).axis;
    const { outer, inner } = blocks(c.shape, axis);
    const n = numel(c.shape);
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * n);
    const rowOut = c.shape[axis] * inner;
    for (let b = 0; b < nb; b++) {
      let offset = 0;
      for (const x of args) {
        const len = x.shape[axis] * inner;
        const nx = numel(x.shape);
        for (let o = 0; o < outer; o++) for (let k = 0; k < len; k++) out[b * n + o * rowOut + offset + k] = at(x, nx, b, o * len + k);
        offset += len;
      }
    }
    return out;
  },
  slice: ([x], c) => {
    const a = c.node.attrs as OpAttrs['slice'];
    const { outer, inner } = blocks(x.shape, a.axis);
    const start = c.dimValue(a.start) * inner;
    const len = c.shape[a.axis] * inner;
    const rowIn = x.shape[a.axis] * inner;
    const nx = numel(x.shape);
    const n = numel(c.shape);
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * n);
    for (let b = 0; b < nb; b++) for (let o = 0; o < outer; o++) for (let k = 0; k < len; k++) out[b * n + o * len + k] = at(x, nx, b, o * rowIn + start + k);
    return out;
  },
  gather: ([table, idx], c) => {
    const [V, D] = table.shape;
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * D);
    for (let b = 0; b < nb; b++) {
      const r = at(idx, 1, b, 0);
      if (!(r >= 0 && r < V)) continue; // outside the table: a zero row (SPEC §6)
      for (let d = 0; d < D; d++) out[b * D + d] = at(table, V * D, b, r * D + d);
    }
    return out;
  },
  onehot: ([idx], c) => {
    const V = c.shape[c.shape.length - 1];
    const k = numel(idx.shape); // 1 for a scalar index, n for a vector of indices
    const nb = c.node.type.batched ? c.B : 1;
    const out = new Float64Array(nb * k * V);
    for (let b = 0; b < nb; b++) {
      for (let i = 0; i < k; i++) {
        const r = at(idx, k, b, i);
        if (r >= 0 && r < V) out[(b * k + i) * V + r] = 1; // outside 0 … V−1: a zero row (SPEC §6)
      }
    }
    return out;
  },
};
