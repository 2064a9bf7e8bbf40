// What a source expression means, decided outside the compiler: each row of
// the table is an expression in the language and the same formula written by
// hand in JavaScript on concrete numbers. The cell is elaborated and lowered
// like any other, run one step through the float64 interpreter, and every
// element must match the hand-written value (relative 1e-12).
//
// The interpreter, the WGSL and finite differences all run the lowered IR, so
// a parser that builds the wrong tree (precedence, associativity, unary
// minus) or sugar that expands into the wrong ops (layernorm, softmax, mean)
// is invisible to every other comparison; only an answer written without the
// compiler catches it. SPEC.md §3 (precedence), §5.5–5.7 and §6 (built-ins).

import { describe, expect, it } from 'vitest';
import { CellInterpreter } from '../../compiler/tools/index.js';
import { cellFromText } from '../autodiff/util.js';

const N = 5;
const K = 3;
const B = 2;

/** The values every row sees, for one batch row b. Vectors have N entries, W is K×N, S is N×N. */
interface Env {
  x: number[]; // input, any sign
  z: number[]; // input, any sign
  p: number[]; // input, positive
  h: number[]; // state (its initial value)
  a: number[]; // parameter [N]
  c: number; // scalar parameter
  W: number[][]; // parameter [K, N]
  S: number[][]; // parameter [N, N], well conditioned
  o: number; // index input in 0 … K−1
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const vmap = (u: number[], f: (v: number, i: number) => number) => u.map(f);
const sum = (u: number[]) => u.reduce((s, v) => s + v, 0);
const dot = (u: number[], v: number[]) => sum(u.map((ui, i) => ui * v[i]));
const matvec = (M: number[][], v: number[]) => M.map((row) => dot(row, v));
const vecmat = (v: number[], M: number[][]) => range(M[0].length).map((j) => sum(v.map((vi, i) => vi * M[i][j])));
const transposeM = (M: number[][]) => range(M[0].length).map((j) => M.map((r) => r[j]));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const softplus = (v: number) => Math.log(1 + Math.exp(v));
const lse = (u: number[]) => {
  const m = Math.max(...u);
  return m + Math.log(sum(u.map((v) => Math.exp(v - m))));
};
const mean = (u: number[]) => sum(u) / u.length;
/** 3×3 and general inverse by Gauss–Jordan with partial pivoting, in float64. */
function inverse(M: number[][]): number[][] {
  const n = M.length;
  const A = M.map((r, i) => [...r, ...range(n).map((j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    const d = A[c][c];
    A[c] = A[c].map((v) => v / d);
    for (let r = 0; r < n; r++) if (r !== c) A[r] = A[r].map((v, j) => v - A[r][c] * A[c][j]);
  }
  return A.map((r) => r.slice(n));
}
function logAbsDet(M: number[][]): number {
  const A = M.map((r) => [...r]);
  const n = A.length;
  let s = 0;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    s += Math.log(Math.abs(A[c][c]));
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      A[r] = A[r].map((v, j) => v - f * A[c][j]);
    }
  }
  return s;
}

type Value = number | number[] | number[][];
interface Row {
  readonly src: string;
  readonly want: (e: Env) => Value;
}

// Each row reads the values it needs; `x`, `z`, `p`, `h`, `a`, `c`, `W`, `S`, `o` are declared in every cell.
const ROWS: readonly Row[] = [
  // operators: precedence and left associativity (SPEC §3)
  { src: 'x - h + x * h / x', want: (e) => vmap(e.x, (x, i) => x - e.h[i] + (x * e.h[i]) / x) },
  { src: 'x - h - z', want: (e) => vmap(e.x, (x, i) => x - e.h[i] - e.z[i]) },
  { src: 'x / h / z', want: (e) => vmap(e.x, (x, i) => x / e.h[i] / e.z[i]) },
  { src: 'x / h * z', want: (e) => vmap(e.x, (x, i) => (x / e.h[i]) * e.z[i]) },
  { src: 'x - h * z + c', want: (e) => vmap(e.x, (x, i) => x - e.h[i] * e.z[i] + e.c) },
  { src: 'x + h * z - c / x', want: (e) => vmap(e.x, (x, i) => x + e.h[i] * e.z[i] - e.c / x) },
  { src: '(x - h) * (z + c)', want: (e) => vmap(e.x, (x, i) => (x - e.h[i]) * (e.z[i] + e.c)) },
  { src: 'x - (h - z)', want: (e) => vmap(e.x, (x, i) => x - (e.h[i] - e.z[i])) },
  { src: '2 - 3 - x', want: (e) => vmap(e.x, (x) => 2 - 3 - x) },
  { src: '12 / 3 / x', want: (e) => vmap(e.x, (x) => 12 / 3 / x) },
  // unary minus binds tighter than * and looser than slicing
  { src: '-x * h', want: (e) => vmap(e.x, (x, i) => -x * e.h[i]) },
  { src: '-2 * x + h', want: (e) => vmap(e.x, (x, i) => -2 * x + e.h[i]) },
  { src: 'h - -x', want: (e) => vmap(e.x, (x, i) => e.h[i] + x) },
  { src: '--x - h', want: (e) => vmap(e.x, (x, i) => x - e.h[i]) },
  { src: '-x[J:K + 1]', want: (e) => e.x.slice(1, 4).map((v) => -v) },
  { src: 'c * -h / 4', want: (e) => vmap(e.h, (h) => (e.c * -h) / 4) },
  // comparisons through select (each comparison op once, and broadcasting c)
  { src: 'select(x < h, x, h)', want: (e) => vmap(e.x, (x, i) => (x < e.h[i] ? x : e.h[i])) },
  { src: 'select(x <= z, 1, -1)', want: (e) => vmap(e.x, (x, i) => (x <= e.z[i] ? 1 : -1)) },
  { src: 'select(x > c, x - c, z)', want: (e) => vmap(e.x, (x, i) => (x > e.c ? x - e.c : e.z[i])) },
  { src: 'select(x >= h + 0.1, z, 2 * x)', want: (e) => vmap(e.x, (x, i) => (x >= e.h[i] + 0.1 ? e.z[i] : 2 * x)) },
  { src: 'select(x * 0 == 0, h, x)', want: (e) => [...e.h] },
  { src: 'select(x != max(x), x, 7)', want: (e) => vmap(e.x, (x) => (x !== Math.max(...e.x) ? x : 7)) },
  // ties: the comparison with equality, and the strict one, at the element that equals the bound
  { src: 'select(x >= max(x), x, 0)', want: (e) => vmap(e.x, (x) => (x >= Math.max(...e.x) ? x : 0)) },
  { src: 'select(x > max(x), 1, 0)', want: (e) => vmap(e.x, () => 0) },
  { src: 'select(h <= -max(-h), 1, 2)', want: (e) => vmap(e.h, (h) => (h <= Math.min(...e.h) ? 1 : 2)) },
  { src: 'select(h < -max(-h), 1, 2)', want: (e) => vmap(e.h, () => 2) },
  { src: 'select(x - h < z, x, h) + 1', want: (e) => vmap(e.x, (x, i) => (x - e.h[i] < e.z[i] ? x : e.h[i]) + 1) },
  // elementwise built-ins
  { src: 'tanh(3 * x)', want: (e) => e.x.map((v) => Math.tanh(3 * v)) },
  { src: 'sigmoid(x - h)', want: (e) => vmap(e.x, (x, i) => sigmoid(x - e.h[i])) },
  { src: 'relu(x)', want: (e) => e.x.map((v) => Math.max(0, v)) },
  { src: 'exp(x)', want: (e) => e.x.map(Math.exp) },
  { src: 'log(p)', want: (e) => e.p.map(Math.log) },
  { src: 'sqrt(p)', want: (e) => e.p.map(Math.sqrt) },
  { src: 'rsqrt(p)', want: (e) => e.p.map((v) => 1 / Math.sqrt(v)) },
  { src: 'abs(x)', want: (e) => e.x.map(Math.abs) },
  { src: 'softplus(4 * x)', want: (e) => e.x.map((v) => softplus(4 * v)) },
  { src: 'square(x - h)', want: (e) => vmap(e.x, (x, i) => (x - e.h[i]) ** 2) },
  { src: 'silu(x)', want: (e) => e.x.map((v) => v * sigmoid(v)) },
  { src: 'maximum(x, h)', want: (e) => vmap(e.x, (x, i) => Math.max(x, e.h[i])) },
  { src: 'minimum(x, c)', want: (e) => vmap(e.x, (x) => Math.min(x, e.c)) },
  { src: 'minimum(c, h) - maximum(z, c)', want: (e) => vmap(e.h, (h, i) => Math.min(e.c, h) - Math.max(e.z[i], e.c)) },
  // reductions and the sugar built on them
  { src: 'sum(x)', want: (e) => sum(e.x) },
  { src: 'sum(W, axis = 0)', want: (e) => range(N).map((j) => sum(e.W.map((r) => r[j]))) },
  { src: 'sum(W, axis = 1)', want: (e) => e.W.map(sum) },
  { src: 'max(x - h)', want: (e) => Math.max(...vmap(e.x, (x, i) => x - e.h[i])) },
  { src: 'max(W, axis = 0)', want: (e) => range(N).map((j) => Math.max(...e.W.map((r) => r[j]))) },
  { src: 'logsumexp(x)', want: (e) => lse(e.x) },
  { src: 'logsumexp(W, axis = 0)', want: (e) => range(N).map((j) => lse(e.W.map((r) => r[j]))) },
  { src: 'mean(x)', want: (e) => mean(e.x) },
  { src: 'mean(W, axis = 0)', want: (e) => range(N).map((j) => mean(e.W.map((r) => r[j]))) },
  { src: 'mean(W)', want: (e) => e.W.map(mean) },
  { src: 'softmax(x)', want: (e) => e.x.map((v) => Math.exp(v - lse(e.x))) },
  { src: 'softmax(W, axis = 0)', want: (e) => e.W.map((r, i) => r.map((v, j) => Math.exp(v - lse(e.W.map((q) => q[j]))))).map((r) => r) },
  { src: 'logsoftmax(x + h)', want: (e) => { const u = vmap(e.x, (x, i) => x + e.h[i]); return u.map((v) => v - lse(u)); } },
  { src: 'logsoftmax(W)', want: (e) => e.W.map((r) => r.map((v) => v - lse(r))) },
  { src: 'logsoftmax(W, axis = 0)', want: (e) => e.W.map((r) => r.map((v, j) => v - lse(e.W.map((q) => q[j])))) },
  { src: 'softmax(S)', want: (e) => e.S.map((r) => r.map((v) => Math.exp(v - lse(r)))) },
  { src: 'logsoftmax(S, axis = 0)', want: (e) => e.S.map((r) => r.map((v, j) => v - lse(e.S.map((q) => q[j])))) },
  {
    src: 'layernorm(x)',
    want: (e) => { const m = mean(e.x); const v = mean(e.x.map((u) => (u - m) ** 2)); return e.x.map((u) => (u - m) / Math.sqrt(v + 1e-5)); },
  },
  {
    src: 'layernorm(W, eps = 0.5)',
    want: (e) => e.W.map((r) => { const m = mean(r); const v = mean(r.map((u) => (u - m) ** 2)); return r.map((u) => (u - m) / Math.sqrt(v + 0.5)); }),
  },
  // structure: matrix products in every operand order, concat, transpose, slices
  { src: 'W @ x', want: (e) => matvec(e.W, e.x) },
  { src: 'x @ S', want: (e) => vecmat(e.x, e.S) },
  { src: 'x @ h', want: (e) => dot(e.x, e.h) },
  { src: 'W @ S', want: (e) => e.W.map((r) => vecmat(r, e.S)) },
  { src: 'W @ x - W @ h * 2', want: (e) => { const u = matvec(e.W, e.x); const v = matvec(e.W, e.h); return u.map((ui, i) => ui - v[i] * 2); } },
  { src: 'a * W @ x', want: (e) => matvec(e.W.map((r) => r.map((v, j) => e.a[j] * v)), e.x) },
  { src: 'transpose(W)', want: (e) => transposeM(e.W) },
  { src: 'transpose(W) @ (W @ x)', want: (e) => vecmat(matvec(e.W, e.x), e.W) },
  { src: 'concat(x, h[0:J + 1])', want: (e) => [...e.x, ...e.h.slice(0, 2)] },
  { src: 'concat(W, W[0:J + 1], axis = 0)', want: (e) => [...e.W, ...e.W.slice(0, 2)] },
  { src: 'concat(transpose(W), S[:, 0:J + 1], axis = 1)', want: (e) => transposeM(e.W).map((r, i) => [...r, ...e.S[i].slice(0, 2)]) },
  { src: 'x[J + 1:]', want: (e) => e.x.slice(2) },
  { src: 'x[J:K] - h[K:N]', want: (e) => range(2).map((i) => e.x[1 + i] - e.h[3 + i]) },
  { src: 'x[:K] * c', want: (e) => e.x.slice(0, 3).map((v) => v * e.c) },
  { src: 'W[J:K, J + 1:N]', want: (e) => e.W.slice(1, 3).map((r) => r.slice(2, 5)) },
  { src: 'W[J + 1:K]', want: (e) => [[...e.W[2]]] },
  { src: 'x + W', want: (e) => e.W.map((r) => r.map((v, j) => v + e.x[j])) },
  { src: 'reshape(W, N, K)', want: (e) => range(N).map((i) => e.W.flat().slice(i * K, i * K + K)) },
  { src: 'reshape(W, K * N) * 2', want: (e) => e.W.flat().map((v) => v * 2) },
  { src: 'sum(reshape(x, 1, N), axis = 1) + reshape(transpose(W), N, K)', want: (e) => { const s = e.x.reduce((p, q) => p + q, 0); return transposeM(e.W).map((r) => r.map((v) => v + s)); } },
  // index built-ins, eye, linear algebra
  { src: 'onehot(o)', want: (e) => range(K).map((k) => (k === e.o ? 1 : 0)) },
  { src: 'gather(W, o)', want: (e) => [...e.W[e.o]] },
  { src: 'onehot(argmax(x), N)', want: (e) => { const m = e.x.indexOf(Math.max(...e.x)); return range(N).map((k) => (k === m ? 1 : 0)); } },
  { src: 'onehot(argmax(W, axis = 1), N)', want: (e) => e.W.map((r) => { const m = r.indexOf(Math.max(...r)); return range(N).map((k) => (k === m ? 1 : 0)); }) },
  { src: 'gather(transpose(W), argmax(x))', want: (e) => { const m = e.x.indexOf(Math.max(...e.x)); return e.W.map((r) => r[m]); } },
  { src: 'eye(K) * 3 - 1', want: () => range(K).map((i) => range(K).map((j) => (i === j ? 3 : 0) - 1)) },
  { src: 'inv(S)', want: (e) => inverse(e.S) },
  { src: 'logdet(S)', want: (e) => logAbsDet(e.S) },
  { src: 'solve(S, x)', want: (e) => matvec(inverse(e.S), e.x) },
  { src: 'solve(S, transpose(W))', want: (e) => { const Si = inverse(e.S); return range(N).map((i) => range(K).map((k) => dot(Si[i], e.W[k]))); } },
];

const flat = (v: Value): number[] => (typeof v === 'number' ? [v] : (v as (number | number[])[]).flat());

/** Deterministic values: x, z any sign; p positive; S diagonally dominant; o per row. */
function environment(b: number): Env {
  const wave = (n: number, f: number, ph: number) => range(n).map((i) => Math.sin(f * (i + 1) + ph + 1.7 * b));
  return {
    x: wave(N, 1.3, 0.2).map((v) => 1.5 * v),
    z: wave(N, 0.7, 1.1),
    p: wave(N, 2.1, 0.4).map((v) => 0.3 + v * v),
    h: wave(N, 0.9, 2.3).map((v) => 0.8 * v + 0.05),
    a: wave(N, 1.9, 0.5),
    c: 0.35,
    W: range(K).map((k) => wave(N, 1.1 + 0.3 * k, 0.6 * k).map((v) => 1.2 * v)),
    S: range(N).map((i) => wave(N, 0.5 + 0.2 * i, i).map((v, j) => 0.4 * v + (i === j ? 2.5 : 0))),
    o: (2 * b + 1) % K,
  };
}

function evaluate(expr: string): number[][] {
  const src = `cell E(x[N], z[N], p[N], o: index(K)) {
  size J = 1
  size K = J + 2
  size N = K + 2
  param a[N] init 0
  param c init 0
  param W[K, N] init 0
  param S[N, N] init 0
  state h[N] = 0
  h' = x
  output y = ${expr}
}`;
  const g = cellFromText('semantics.cell', src);
  const interp = new CellInterpreter(g, { J: 1, K, N }, B);
  const envs = range(B).map(environment);
  const e0 = envs[0]; // parameters are shared by the batch
  const params = new Map([
    ['a', Float64Array.from(e0.a)],
    ['c', Float64Array.of(e0.c)],
    ['W', Float64Array.from(e0.W.flat())],
    ['S', Float64Array.from(e0.S.flat())],
  ]);
  const batch = (f: (e: Env) => number[]) => [Float64Array.from(envs.flatMap(f))];
  const inputs = new Map([
    ['x', batch((e) => e.x)],
    ['z', batch((e) => e.z)],
    ['p', batch((e) => e.p)],
    ['o', batch((e) => [e.o])],
  ]);
  const tape = interp.forward(params, inputs, new Map([['h', batch((e) => e.h)[0]]]), 1);
  const y = tape.outputs.get('y')![0];
  const n = y.length / B;
  return range(B).map((b) => [...y.subarray(b * n, (b + 1) * n)]);
}

describe('source expressions mean what the hand-written formula says (float64 interpreter)', () => {
  it.each(ROWS.map((r) => [r.src, r] as const))('%s', (_, row) => {
    const got = evaluate(row.src);
    for (let b = 0; b < B; b++) {
      const e = environment(b);
      // the parameters of row 0 are the ones every row sees
      const want = flat(row.want({ ...e, a: environment(0).a, c: environment(0).c, W: environment(0).W, S: environment(0).S }));
      expect(got[b].length, `${row.src}: element count`).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        const tol = 1e-12 * Math.max(1, Math.abs(want[i]));
        expect(Math.abs(got[b][i] - want[i]), `${row.src} [b=${b}, ${i}]: got ${got[b][i]}, want ${want[i]}`).toBeLessThanOrEqual(tol);
      }
    }
  });

  it('the table covers every operator and built-in of SPEC §5.5 and §6 that computes a value', () => {
    const text = ROWS.map((r) => r.src).join('\n');
    const builtins = ['tanh', 'sigmoid', 'relu', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'softplus', 'square', 'silu', 'maximum', 'minimum', 'select', 'sum', 'max', 'logsumexp', 'argmax', 'mean', 'softmax', 'logsoftmax', 'layernorm', 'concat', 'transpose', 'reshape', 'onehot', 'gather', 'inv', 'logdet', 'solve', 'eye'];
    for (const f of builtins) expect(text, f).toMatch(new RegExp(`\\b${f}\\(`));
    for (const op of [' + ', ' - ', ' * ', ' / ', ' @ ', ' < ', ' <= ', ' > ', ' >= ', ' == ', ' != ', '-x', '[']) expect(text, op).toContain(op);
  });
});

describe('dense and delay against hand-written formulas', () => {
  it('dense(x, h) = W_x x + W_h h + b, with the parameters named after the arguments', () => {
    const src = `cell D(x[N]) {
  size N = 4
  size M = 3
  state h[N] = 0
  h' = x
  output y = dense(x, h, out = M)
}`;
    const g = cellFromText('dense.cell', src);
    expect(g.params.map((p) => p.name).sort()).toEqual(['y.W_h', 'y.W_x', 'y.b']);
    const Wx = [[0.1, -0.2, 0.3, 0.4], [0.5, 0.6, -0.7, 0.8], [-0.9, 1.0, 1.1, -1.2]];
    const Wh = [[1.3, 0.2, -0.1, 0.05], [-0.4, 0.3, 0.2, 0.1], [0.7, -0.6, 0.5, -0.4]];
    const bias = [0.01, -0.02, 0.03];
    const x = [0.5, -1.5, 2, 0.25];
    const h = [-0.3, 0.7, 1.1, -2];
    const interp = new CellInterpreter(g, { N: 4, M: 3 }, 1);
    const tape = interp.forward(
      new Map([['y.W_x', Float64Array.from(Wx.flat())], ['y.W_h', Float64Array.from(Wh.flat())], ['y.b', Float64Array.from(bias)]]),
      new Map([['x', [Float64Array.from(x)]]]),
      new Map([['h', Float64Array.from(h)]]),
      1,
    );
    const want = range(3).map((i) => dot(Wx[i], x) + dot(Wh[i], h) + bias[i]);
    const got = [...tape.outputs.get('y')![0]];
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(want[i], 12);
  });

  it('delay(x, 3) holds x_{t−1}, x_{t−2}, x_{t−3}, newest first, zero before the start', () => {
    const src = `cell L(x[N]) {
  size N = 2
  output y = delay(x, 3)
}`;
    const g = cellFromText('delay.cell', src);
    const T = 5;
    const xs = range(T).map((t) => [t + 1, -(t + 1) * 10]);
    const interp = new CellInterpreter(g, { N: 2 }, 1);
    const tape = interp.forward(new Map(), new Map([['x', xs.map((v) => Float64Array.from(v))]]), interp.initialStates(), T);
    for (let t = 0; t < T; t++) {
      const want = [1, 2, 3].flatMap((d) => (t - d >= 0 ? xs[t - d] : [0, 0]));
      expect([...tape.outputs.get('y')![t]], `t=${t}`).toEqual(want);
    }
  });
});
