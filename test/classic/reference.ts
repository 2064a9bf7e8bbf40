// Independent references for the classic sequence-model tests: brute-force
// sums and maxima over all hidden paths of an HMM, a textbook
// forward–backward smoother, direct Gaussian conditioning of an LDS's joint
// distribution, and the small dense linear algebra they need. Nothing here
// uses the compiler; the cells under test are run through the reference
// interpreter (float64) and the GPU runtime (float32).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSource } from '../../compiler/frontend.js';
import { formatDiagnostic } from '../../compiler/diagnostics.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { CellInterpreter, type Tape } from '../../compiler/tools/interp/scan.js';
import { compileBound } from '../../compiler/index.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import type { GpuContext } from '../../runtime/core/device.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The cells of a source text (a diagnostic fails the test). */
export function cells(path: string, text: string): readonly Graph[] {
  const r = checkSource(path, text);
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d, r.file)).join('\n'));
  return r.graphs;
}

/** A cell of dsl-examples/FILE by name (or the only one). */
export function exampleCell(file: string, name?: string): Graph {
  const gs = cells(`dsl-examples/${file}`, readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'));
  const g = name ? gs.find((x) => x.name === name) : gs.length === 1 ? gs[0] : undefined;
  if (!g) throw new Error(`${file}: no cell ${name ?? '(only one expected)'}`);
  return g;
}

// ---- running a cell ------------------------------------------------------

export type Seq = Float64Array[]; // T arrays of B·n values

/** One forward pass in the float64 reference interpreter; states from their declared initial values. */
export function runReference(g: Graph, sizes: Record<string, number>, B: number, params: Map<string, Float64Array>, inputs: Map<string, Seq>, T: number): { interp: CellInterpreter; tape: Tape } {
  const interp = new CellInterpreter(g, sizes, B);
  return { interp, tape: interp.forward(params, inputs, interp.initialStates(), T) };
}

/** One forward pass on the GPU (float32); returns every output as T·B·n values, time-major. */
export async function runGpu(ctx: GpuContext, g: Graph, sizes: Record<string, number>, B: number, params: Map<string, Float64Array>, inputs: Map<string, Seq>, T: number): Promise<Map<string, Float32Array>> {
  const rt = await CellRuntime.create(ctx, compileBound({ graph: g, sizes }), { B, T });
  try {
    rt.setParams(new Map([...params].map(([k, v]) => [k, Float32Array.from(v)])));
    rt.setInputs(new Map([...inputs].map(([k, v]) => [k, Float32Array.from(concat(v))])));
    rt.setInitialStates();
    await rt.forward();
    const out = new Map<string, Float32Array>();
    for (const o of g.outputs) out.set(o.name, await rt.readOutput(o.name));
    return out;
  } finally {
    rt.destroy();
  }
}

export function concat(xs: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) (out.set(x, o), (o += x.length));
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32), uniform in [0, 1). */
export function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// ---- HMMs ----------------------------------------------------------------

export interface Hmm {
  readonly pi: number[];
  /** A[i][j] = p(z_t = j | z_{t−1} = i) */
  readonly A: number[][];
  /** E[j][v] = p(o_t = v | z_t = j) */
  readonly E: number[][];
}

const softmaxRow = (xs: ArrayLike<number>) => {
  const m = Math.max(...Array.from(xs));
  const e = Array.from(xs, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** π, A, E from the logits of hmm_forward.cell / viterbi.cell (softmax rows). */
export function hmmFromLogits(S: number, V: number, p: Map<string, Float64Array>): Hmm {
  const init = p.get('init_logits')!;
  const trans = p.get('trans_logits')!;
  const emit = p.get('emit_logits')!;
  return {
    pi: softmaxRow(init),
    A: Array.from({ length: S }, (_, i) => softmaxRow(trans.subarray(i * S, (i + 1) * S))),
    E: Array.from({ length: S }, (_, j) => softmaxRow(emit.subarray(j * V, (j + 1) * V))),
  };
}

/** Every state path of length T over S states. */
export function* paths(S: number, T: number): Generator<number[]> {
  const z = new Array<number>(T).fill(0);
  for (;;) {
    yield [...z];
    let k = T - 1;
    while (k >= 0 && z[k] === S - 1) z[k--] = 0;
    if (k < 0) return;
    z[k]++;
  }
}

/** p(z, o) of one path. */
export function pathProbability(h: Hmm, z: readonly number[], o: readonly number[]): number {
  let p = h.pi[z[0]] * h.E[z[0]][o[0]];
  for (let t = 1; t < z.length; t++) p *= h.A[z[t - 1]][z[t]] * h.E[z[t]][o[t]];
  return p;
}

/** log p(o) by summing p(z, o) over all S^T paths. */
export function bruteForceLogLikelihood(h: Hmm, o: readonly number[]): number {
  let s = 0;
  for (const z of paths(h.pi.length, o.length)) s += pathProbability(h, z, o);
  return Math.log(s);
}

/** The most probable path and its log-probability max_z log p(z, o), by enumeration. */
export function bruteForceViterbi(h: Hmm, o: readonly number[]): { path: number[]; score: number; runnerUp: number } {
  let best: number[] = [];
  let score = -Infinity;
  let runnerUp = -Infinity;
  for (const z of paths(h.pi.length, o.length)) {
    const v = Math.log(pathProbability(h, z, o));
    if (v > score) {
      runnerUp = score;
      score = v;
      best = z;
    } else if (v > runnerUp) runnerUp = v;
  }
  return { path: best, score, runnerUp };
}

/**
 * The textbook forward–backward smoother (probability space, Rabiner's
 * scaling): posterior marginals γ_t(j) = p(z_t = j | o) and expected
 * transition counts N(i, j) = Σ_{t≥1} p(z_{t−1} = i, z_t = j | o).
 */
export function forwardBackward(h: Hmm, o: readonly number[]): { gamma: number[][]; counts: number[][]; logLikelihood: number } {
  const S = h.pi.length;
  const T = o.length;
  const alpha: number[][] = [];
  const c: number[] = [];
  for (let t = 0; t < T; t++) {
    const a = Array.from({ length: S }, (_, j) => h.E[j][o[t]] * (t === 0 ? h.pi[j] : alpha[t - 1].reduce((s, v, i) => s + v * h.A[i][j], 0)));
    const ct = a.reduce((x, y) => x + y, 0);
    c.push(ct);
    alpha.push(a.map((v) => v / ct));
  }
  const beta: number[][] = new Array(T);
  beta[T - 1] = new Array<number>(S).fill(1);
  for (let t = T - 2; t >= 0; t--) {
    beta[t] = Array.from({ length: S }, (_, i) => h.A[i].reduce((s, a, j) => s + a * h.E[j][o[t + 1]] * beta[t + 1][j], 0) / c[t + 1]);
  }
  const gamma = alpha.map((a, t) => a.map((v, j) => v * beta[t][j]));
  const counts = Array.from({ length: S }, () => new Array<number>(S).fill(0));
  for (let t = 1; t < T; t++) {
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) counts[i][j] += (alpha[t - 1][i] * h.A[i][j] * h.E[j][o[t]] * beta[t][j]) / c[t];
  }
  return { gamma, counts, logLikelihood: c.reduce((s, v) => s + Math.log(v), 0) };
}

// ---- dense linear algebra and Gaussians ------------------------------------

export type Matrix = number[][];

export const zeros = (r: number, c: number): Matrix => Array.from({ length: r }, () => new Array<number>(c).fill(0));
export const identity = (n: number): Matrix => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
export const matmul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
export const transpose = (a: Matrix): Matrix => a[0].map((_, j) => a.map((row) => row[j]));
export const add = (a: Matrix, b: Matrix, s = 1): Matrix => a.map((row, i) => row.map((v, j) => v + s * b[i][j]));
export const power = (a: Matrix, k: number): Matrix => (k === 0 ? identity(a.length) : matmul(a, power(a, k - 1)));
export const col = (v: readonly number[]): Matrix => v.map((x) => [x]);

/** X = A⁻¹ B by Gaussian elimination with partial pivoting, and log|det A|. */
export function solve(A: Matrix, B: Matrix): { X: Matrix; logdet: number } {
  const n = A.length;
  const M = A.map((r, i) => [...r, ...B[i]]);
  let logdet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let r = k + 1; r < n; r++) if (Math.abs(M[r][k]) > Math.abs(M[p][k])) p = r;
    [M[k], M[p]] = [M[p], M[k]];
    logdet += Math.log(Math.abs(M[k][k]));
    for (let r = k + 1; r < n; r++) {
      const f = M[r][k] / M[k][k];
      for (let c = k; c < M[r].length; c++) M[r][c] -= f * M[k][c];
    }
  }
  const m = B[0].length;
  const X = zeros(n, m);
  for (let c = 0; c < m; c++) {
    for (let i = n - 1; i >= 0; i--) {
      let s = M[i][n + c];
      for (let k = i + 1; k < n; k++) s -= M[i][k] * X[k][c];
      X[i][c] = s / M[i][i];
    }
  }
  return { X, logdet };
}

/** log N(y; μ, Σ). */
export function gaussianLogDensity(y: readonly number[], mu: readonly number[], Sigma: Matrix): number {
  const d = y.map((v, i) => v - mu[i]);
  const { X, logdet } = solve(Sigma, col(d));
  const q = d.reduce((s, v, i) => s + v * X[i][0], 0);
  return -0.5 * (q + logdet + y.length * Math.log(2 * Math.PI));
}

/** p(a | b = β) for a jointly Gaussian (a, b): the conditional mean and covariance. */
export function condition(muA: readonly number[], muB: readonly number[], Saa: Matrix, Sab: Matrix, Sbb: Matrix, beta: readonly number[]): { mean: number[]; cov: Matrix } {
  const K = transpose(solve(Sbb, transpose(Sab)).X); // Σab Σbb⁻¹ (Σbb symmetric)
  const mean = muA.map((m, i) => m + K[i].reduce((s, k, j) => s + k * (beta[j] - muB[j]), 0));
  return { mean, cov: add(Saa, matmul(K, transpose(Sab)), -1) };
}
