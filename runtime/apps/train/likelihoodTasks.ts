// Built-in tasks whose data come from known generative models (an HMM, an
// AR(2) process, a linear dynamical system), for likelihood training; each
// also computes the true model's log-likelihood as the baseline to approach.
//
// The model's cell computes a per-step log-likelihood ℓ_t of the data (its
// first output); training maximises Σ_t mask_t ℓ_t. Each task knows the true
// model and reports its negative log-likelihood per step as the baseline: a
// fitted model should come close to it (on held-out data, not below it).

import { Rng } from '../../../compiler/index.js';
import { uniformMask, type Task } from './task.js';

/** A categorical draw from probabilities p. */
function draw(rng: Rng, p: readonly number[]): number {
  let u = rng.uniform();
  for (let i = 0; i < p.length - 1; i++) {
    u -= p[i];
    if (u < 0) return i;
  }
  return p.length - 1;
}

export interface HmmParams {
  /** Initial distribution π[S]. */
  readonly pi: readonly number[];
  /** Transitions A[i][j] = p(z_t = j | z_{t−1} = i). */
  readonly A: readonly (readonly number[])[];
  /** Emissions E[j][v] = p(o_t = v | z_t = j). */
  readonly E: readonly (readonly number[])[];
}

/** The HMM the `hmm` task samples from: 3 sticky states, 4 symbols. */
export const TRUE_HMM: HmmParams = {
  pi: [0.6, 0.3, 0.1],
  A: [
    [0.8, 0.15, 0.05],
    [0.1, 0.8, 0.1],
    [0.2, 0.1, 0.7],
  ],
  E: [
    [0.7, 0.1, 0.1, 0.1],
    [0.1, 0.6, 0.2, 0.1],
    [0.05, 0.05, 0.2, 0.7],
  ],
};

/** log p(o_0 … o_{T−1}) under an HMM (the scaled forward algorithm). */
export function hmmLogLikelihood(h: HmmParams, obs: ArrayLike<number>): number {
  const S = h.pi.length;
  let alpha = h.pi.map((p, j) => p * h.E[j][obs[0]]);
  let ll = 0;
  for (let t = 0; ; t++) {
    const c = alpha.reduce((a, b) => a + b, 0);
    ll += Math.log(c);
    alpha = alpha.map((a) => a / c);
    if (t + 1 >= obs.length) return ll;
    const o = obs[t + 1];
    alpha = Array.from({ length: S }, (_, j) => h.E[j][o] * alpha.reduce((acc, a, i) => acc + a * h.A[i][j], 0));
  }
}

export function hmmTask(h: HmmParams = TRUE_HMM): Task {
  const V = h.E[0].length;
  // the true model's entropy rate, estimated once on a fixed sample
  const rng = new Rng(12345);
  let nll = 0;
  let n = 0;
  for (let k = 0; k < 64; k++) {
    const obs = sampleHmm(h, rng, 200);
    nll -= hmmLogLikelihood(h, obs);
    n += obs.length;
  }
  return {
    name: 'hmm',
    input: { kind: 'index', vocab: V },
    output: { kind: 'likelihood' },
    baseline: { loss: nll / n, what: 'the true HMM (negative log-likelihood per symbol)' },
    describe: `symbols from a known HMM (${h.pi.length} states, ${V} symbols); maximise the log-likelihood of each sequence (a forward-algorithm cell such as hmm_forward.cell)`,
    batch(rng, B, T) {
      const tok = new Float32Array(T * B);
      for (let b = 0; b < B; b++) sampleHmm(h, rng, T).forEach((o, t) => (tok[t * B + b] = o));
      return { inputs: new Map([['tok', tok], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
    },
  };
}

/** One observation sequence of length T from an HMM. */
export function sampleHmm(h: HmmParams, rng: Rng, T: number): number[] {
  const obs: number[] = [];
  let z = draw(rng, h.pi);
  for (let t = 0; t < T; t++) {
    if (t > 0) z = draw(rng, h.A[z]);
    obs.push(draw(rng, h.E[z]));
  }
  return obs;
}

/** AR(2) data for maximum-likelihood fitting: x_t = a1 x_{t−1} + a2 x_{t−2} + N(0, σ²), stationary start. */
export function arMleTask(a1 = 0.6, a2 = -0.3, sigma = 0.5, warmup = 4): Task {
  return {
    name: 'ar-mle',
    input: { kind: 'float', size: 1 },
    output: { kind: 'likelihood' },
    baseline: { loss: 0.5 * Math.log(2 * Math.PI * sigma * sigma) + 0.5, what: 'the true AR(2) model (Gaussian negative log-likelihood per step)' },
    describe: `AR(2): x_t = ${a1}·x_{t−1} + ${a2}·x_{t−2} + N(0, ${sigma}²); maximise Σ_t log p(x_t | x_{<t}) (e.g. ar.cell); the first ${warmup} steps carry no loss (the delay taps are still filling)`,
    batch(rng, B, T) {
      const x = new Float32Array(T * B);
      for (let b = 0; b < B; b++) {
        let p2 = 0;
        let p1 = 0;
        for (let k = 0; k < 50; k++) [p2, p1] = [p1, a1 * p1 + a2 * p2 + sigma * rng.normal()];
        for (let t = 0; t < T; t++) {
          const v = a1 * p1 + a2 * p2 + sigma * rng.normal();
          x[t * B + b] = v;
          [p2, p1] = [p1, v];
        }
      }
      const steps = [...Array(T).keys()].filter((t) => t >= warmup);
      return { inputs: new Map([['x', x], ['mask', uniformMask(T, B, steps.length ? steps : [T - 1])]]), lossSteps: steps.length };
    },
  };
}

export interface LdsParams {
  /** Dynamics A[N][N], observation C[M][N], noise covariances Q[N][N] and R[M][M], x_0 ~ N(0, P0). */
  readonly A: readonly (readonly number[])[];
  readonly C: readonly (readonly number[])[];
  readonly Q: readonly (readonly number[])[];
  readonly R: readonly (readonly number[])[];
  readonly P0: readonly (readonly number[])[];
}

const rot = (w: number, r: number) => [
  [r * Math.cos(w), -r * Math.sin(w)],
  [r * Math.sin(w), r * Math.cos(w)],
];

/** The LDS the `lds` task samples from: a damped rotation in 2-D, observed through one noisy projection. */
export const TRUE_LDS: LdsParams = {
  A: rot(0.3, 0.95),
  C: [[1, 0.5]],
  Q: [
    [0.05, 0],
    [0, 0.05],
  ],
  R: [[0.1]],
  P0: [
    [1, 0],
    [0, 1],
  ],
};

type Mat = number[][];
const mm = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]): Mat => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const tr = (a: readonly (readonly number[])[]): Mat => a[0].map((_, j) => a.map((row) => row[j]));
const madd = (a: readonly (readonly number[])[], b: readonly (readonly number[])[], s = 1): Mat => a.map((row, i) => row.map((v, j) => v + s * b[i][j]));

/** Cholesky factor L (L Lᵀ = S) of a small positive definite matrix. */
function cholesky(S: readonly (readonly number[])[]): Mat {
  const n = S.length;
  const L: Mat = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  return L;
}

/** One sequence y_0 … y_{T−1} (each of length M) from an LDS. */
export function sampleLds(p: LdsParams, rng: Rng, T: number): number[][] {
  const gauss = (cov: readonly (readonly number[])[]) => {
    const L = cholesky(cov);
    const z = L.map(() => rng.normal());
    return L.map((row) => row.reduce((s, v, k) => s + v * z[k], 0));
  };
  let x = gauss(p.P0);
  const ys: number[][] = [];
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      const w = gauss(p.Q);
      x = p.A.map((row, i) => row.reduce((s, v, k) => s + v * x[k], 0) + w[i]);
    }
    const v = gauss(p.R);
    ys.push(p.C.map((row, i) => row.reduce((s, c, k) => s + c * x[k], 0) + v[i]));
  }
  return ys;
}

/** log p(y_0 … y_{T−1}) under an LDS (the Kalman filter's prediction-error decomposition). */
export function ldsLogLikelihood(p: LdsParams, ys: readonly (readonly number[])[]): number {
  const N = p.A.length;
  let m: number[] = new Array<number>(N).fill(0);
  let P: Mat = p.P0.map((r) => [...r]);
  let ll = 0;
  ys.forEach((y, t) => {
    if (t > 0) {
      m = p.A.map((row) => row.reduce((s, v, k) => s + v * m[k], 0));
      P = madd(mm(mm(p.A, P), tr(p.A)), p.Q);
    }
    const S = madd(mm(mm(p.C, P), tr(p.C)), p.R);
    const e = y.map((v, i) => v - p.C[i].reduce((s, c, k) => s + c * m[k], 0));
    const L = cholesky(S);
    // S⁻¹ e by two triangular solves
    const z: number[] = [];
    for (let i = 0; i < e.length; i++) z.push((e[i] - L[i].slice(0, i).reduce((s, v, k) => s + v * z[k], 0)) / L[i][i]);
    ll -= 0.5 * (z.reduce((s, v) => s + v * v, 0) + 2 * L.reduce((s, row, i) => s + Math.log(row[i]), 0) + e.length * Math.log(2 * Math.PI));
    const K = mm(mm(P, tr(p.C)), invFromChol(L));
    m = m.map((v, i) => v + K[i].reduce((s, k, j) => s + k * e[j], 0));
    P = madd(P, mm(mm(K, p.C), P), -1);
  });
  return ll;
}

/** L⁻¹ of a lower-triangular L. */
function cholInverse(L: readonly (readonly number[])[]): Mat {
  const n = L.length;
  const X: Mat = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i][k] * X[k][c];
      X[i][c] = s / L[i][i];
    }
  }
  return X;
}

/** S⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor of S. */
function invFromChol(L: readonly (readonly number[])[]): Mat {
  const Li = cholInverse(L);
  return mm(tr(Li), Li);
}

export function ldsTask(p: LdsParams = TRUE_LDS): Task {
  const M = p.C.length;
  const rng = new Rng(54321);
  let nll = 0;
  let n = 0;
  for (let k = 0; k < 64; k++) {
    const ys = sampleLds(p, rng, 200);
    nll -= ldsLogLikelihood(p, ys);
    n += ys.length;
  }
  return {
    name: 'lds',
    input: { kind: 'float', size: M },
    output: { kind: 'likelihood' },
    baseline: { loss: nll / n, what: 'the true linear dynamical system (negative log-likelihood per step)' },
    describe: `observations of a known linear dynamical system (${p.A.length}-D state, ${M}-D observations); maximise Σ_t log p(y_t | y_{<t}) (a Kalman-filter cell such as kalman.cell)`,
    batch(rng, B, T) {
      const y = new Float32Array(T * B * M);
      for (let b = 0; b < B; b++) sampleLds(p, rng, T).forEach((v, t) => y.set(v, (t * B + b) * M));
      return { inputs: new Map([['x', y], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
    },
  };
}

