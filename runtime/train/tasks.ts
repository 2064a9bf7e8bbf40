import { Rng } from '../../compiler/index.js';
// Built-in tasks, generated from a seed: batch k of a run depends only on
// (seed, k), so runs are reproducible and a resumed run sees the same data.
//
// A batch holds, per step t and example b (step-major, T·B rows):
//   x (float inputs) or tok (index inputs), target (float or class index),
//   mask: the weight of the loss at (t, b) — they sum to 1 over the batch, so
//   the objective is the mean loss over the steps that carry one.


export interface Batch {
  readonly inputs: Map<string, Float32Array>;
  /** Steps that carry a loss, for reporting. */
  readonly lossSteps: number;
}

export interface TaskInfo {
  readonly name: string;
  readonly input: { kind: 'float'; size: number } | { kind: 'index'; vocab: number };
  /** likelihood: the model's cell outputs a per-step log-likelihood, maximised directly (no readout, no target). */
  readonly output: { kind: 'mse'; size: number } | { kind: 'xent'; classes: number } | { kind: 'likelihood' };
  /** What a trivial predictor scores (mean loss), for context in reports. */
  readonly baseline?: { readonly loss: number; readonly what: string };
  readonly describe: string;
}

export interface Task extends TaskInfo {
  batch(rng: Rng, B: number, T: number): Batch;
  /** Index → character, for text tasks. */
  readonly alphabet?: string;
}

/** Batch k of stream `stream` (0 training, 1 held-out) of a run with this seed. */
export function batchRng(seed: number, stream: number, k: number): Rng {
  return new Rng((Math.imul(seed ^ 0x5bd1e995, 2654435761) + Math.imul(stream + 1, 40503) + Math.imul(k + 1, 97531)) >>> 0);
}

function uniformMask(T: number, B: number, steps: readonly number[]): Float32Array {
  const mask = new Float32Array(T * B);
  const w = 1 / (steps.length * B);
  for (const t of steps) for (let b = 0; b < B; b++) mask[t * B + b] = w;
  return mask;
}

/** The adding problem (Hochreiter & Schmidhuber 1997): sum the two marked values; MSE at the last step. */
export const adding: Task = {
  name: 'adding',
  input: { kind: 'float', size: 2 },
  output: { kind: 'mse', size: 1 },
  baseline: { loss: 1 / 6, what: 'predicting the mean sum 1 (variance of the sum of two U(0,1))' },
  describe: 'x_t = (value ~ U(0,1), marker); two markers, one in each half; target at the last step: the sum of the two marked values',
  batch(rng, B, T) {
    const x = new Float32Array(T * B * 2);
    const target = new Float32Array(T * B);
    for (let b = 0; b < B; b++) {
      const half = Math.max(1, Math.floor(T / 2));
      const i = rng.int(half);
      const j = half + rng.int(Math.max(1, T - half));
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const v = rng.uniform();
        const marked = t === i || t === j;
        x[(t * B + b) * 2] = v;
        x[(t * B + b) * 2 + 1] = marked ? 1 : 0;
        if (marked) sum += v;
      }
      target[(T - 1) * B + b] = sum;
    }
    return { inputs: new Map([['x', x], ['target', target], ['mask', uniformMask(T, B, [T - 1])]]), lossSteps: 1 };
  },
};

/** Copy memory: remember L symbols, wait, reproduce them after a delimiter. */
export function copyTask(L = 10, symbols = 8): Task {
  const blank = 0;
  const delim = symbols + 1;
  return {
    name: 'copy',
    input: { kind: 'index', vocab: symbols + 2 },
    output: { kind: 'xent', classes: symbols + 2 },
    baseline: { loss: Math.log(symbols), what: 'guessing uniformly among the symbols' },
    describe: `${L} random symbols of ${symbols}, blanks, a delimiter, then reproduce the symbols; loss on the last ${L} steps`,
    batch(rng, B, T) {
      if (T < 2 * L + 1) throw new RangeError(`the copy task needs T ≥ ${2 * L + 1}, got ${T}`);
      const tok = new Float32Array(T * B);
      const target = new Float32Array(T * B).fill(blank);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) tok[t * B + b] = blank;
        for (let k = 0; k < L; k++) {
          const s = 1 + rng.int(symbols);
          tok[k * B + b] = s;
          target[(T - L + k) * B + b] = s;
        }
        tok[(T - L - 1) * B + b] = delim;
      }
      const steps = Array.from({ length: L }, (_, k) => T - L + k);
      return { inputs: new Map([['tok', tok], ['target', target], ['mask', uniformMask(T, B, steps)]]), lossSteps: L };
    },
  };
}

// The embedded Reber grammar: B (T reber T | P reber P) E, with the Reber
// grammar's transition graph; symbols B T P S X V E.
const REBER = 'BTPSXVE';
const REBER_GRAPH: [string, number][][] = [
  [['T', 1], ['P', 2]],
  [['S', 1], ['X', 3]],
  [['T', 2], ['V', 4]],
  [['X', 2], ['S', 5]],
  [['P', 3], ['V', 5]],
];

function reberString(rng: Rng): string {
  let s = 'B';
  let node = 0;
  while (node !== 5) {
    const [sym, next] = REBER_GRAPH[node][rng.int(2)];
    s += sym;
    node = next;
  }
  return s + 'E';
}

function embeddedReber(rng: Rng): string {
  const c = rng.int(2) ? 'T' : 'P';
  return 'B' + c + reberString(rng) + c + 'E';
}

export const reber: Task = {
  name: 'reber',
  input: { kind: 'index', vocab: 7 },
  output: { kind: 'xent', classes: 7 },
  baseline: { loss: Math.log(7), what: 'guessing uniformly among 7 symbols' },
  describe: 'next-symbol prediction on a stream of embedded Reber grammar strings (Hochreiter & Schmidhuber 1997)',
  batch(rng, B, T) {
    const tok = new Float32Array(T * B);
    const target = new Float32Array(T * B);
    for (let b = 0; b < B; b++) {
      let s = '';
      while (s.length < T + 1) s += embeddedReber(rng);
      for (let t = 0; t < T; t++) {
        tok[t * B + b] = REBER.indexOf(s[t]);
        target[t * B + b] = REBER.indexOf(s[t + 1]);
      }
    }
    return { inputs: new Map([['tok', tok], ['target', target], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
  },
};

/** Next-value prediction on a noisy sine wave with a random frequency and phase per sequence. */
export const sine: Task = {
  name: 'sine',
  input: { kind: 'float', size: 1 },
  output: { kind: 'mse', size: 1 },
  baseline: { loss: 0.5, what: 'predicting 0 (the variance of a unit sine)' },
  describe: 'x_t = sin(ω t + φ) + 0.05·noise, ω ~ U(0.1, 0.4); predict x_{t+1}; MSE at every step',
  batch(rng, B, T) {
    const x = new Float32Array(T * B);
    const target = new Float32Array(T * B);
    for (let b = 0; b < B; b++) {
      const w = rng.range(0.1, 0.4);
      const phi = rng.range(0, 2 * Math.PI);
      const v = (t: number) => Math.sin(w * t + phi) + 0.05 * rng.normal();
      let cur = v(0);
      for (let t = 0; t < T; t++) {
        const next = v(t + 1);
        x[t * B + b] = cur;
        target[t * B + b] = next;
        cur = next;
      }
    }
    return { inputs: new Map([['x', x], ['target', target], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
  },
};

/** Next-value prediction on an AR(2) process x_t = a1 x_{t−1} + a2 x_{t−2} + ε, ε ~ N(0, σ²). */
export function arTask(a1 = 0.6, a2 = -0.3, sigma = 0.5): Task {
  return {
    name: 'ar',
    input: { kind: 'float', size: 1 },
    output: { kind: 'mse', size: 1 },
    baseline: { loss: sigma * sigma, what: `the noise variance σ² = ${sigma * sigma} (the best possible predictor)` },
    describe: `AR(2): x_t = ${a1}·x_{t−1} + ${a2}·x_{t−2} + N(0, ${sigma}²); predict x_{t+1}; MSE at every step`,
    batch(rng, B, T) {
      const x = new Float32Array(T * B);
      const target = new Float32Array(T * B);
      for (let b = 0; b < B; b++) {
        let p2 = 0;
        let p1 = 0;
        for (let k = 0; k < 50; k++) [p2, p1] = [p1, a1 * p1 + a2 * p2 + sigma * rng.normal()];
        for (let t = 0; t < T; t++) {
          const next = a1 * p1 + a2 * p2 + sigma * rng.normal();
          x[t * B + b] = p1;
          target[t * B + b] = next;
          [p2, p1] = [p1, next];
        }
      }
      return { inputs: new Map([['x', x], ['target', target], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
    },
  };
}

/** Character-level language modelling on a text: random windows, next-character prediction. */
export function textTask(text: string, name = 'text'): Task & { readonly alphabet: string; readonly unigramBits: number } {
  const symbols = [...new Set(text)].sort();
  const alphabet = symbols.join('');
  // by code point: a character outside the BMP is one symbol (alphabet.length counts UTF-16 units)
  const V = symbols.length;
  const index = new Map(symbols.map((ch, i) => [ch, i]));
  const ids = Uint16Array.from(text, (ch) => index.get(ch)!);
  const counts = new Float64Array(V);
  for (const i of ids) counts[i]++;
  let unigram = 0;
  for (const c of counts) if (c > 0) unigram -= (c / ids.length) * Math.log2(c / ids.length);
  return {
    name,
    alphabet,
    unigramBits: unigram,
    input: { kind: 'index', vocab: V },
    output: { kind: 'xent', classes: V },
    baseline: { loss: unigram * Math.LN2, what: `the unigram model (${unigram.toFixed(3)} bits per character)` },
    describe: `next-character prediction on ${ids.length} characters, ${V} distinct`,
    batch(rng, B, T) {
      if (ids.length < T + 2) throw new RangeError(`the text has ${ids.length} characters; T must be below ${ids.length - 1}`);
      const tok = new Float32Array(T * B);
      const target = new Float32Array(T * B);
      for (let b = 0; b < B; b++) {
        const start = rng.int(ids.length - T - 1);
        for (let t = 0; t < T; t++) {
          tok[t * B + b] = ids[start + t];
          target[t * B + b] = ids[start + t + 1];
        }
      }
      return { inputs: new Map([['tok', tok], ['target', target], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
    },
  };
}

// ---- data from known generative models, for likelihood training -----------
//
// The model's cell computes a per-step log-likelihood ℓ_t of the data (its
// first output); training maximises Σ_t mask_t ℓ_t. Each task knows the true
// model and reports its negative log-likelihood per step as the baseline: a
// fitted model should come close to it (on held-out data, not below it).

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

export const TASK_NAMES = ['adding', 'copy', 'reber', 'sine', 'ar', 'text', 'hmm', 'ar-mle', 'lds'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** A built-in task by name; `text` needs the text (see taskFiles.ts for reading it from a file in Node). */
export function getTask(name: string, opts: { text?: string } = {}): Task {
  switch (name) {
    case 'adding':
      return adding;
    case 'copy':
      return copyTask();
    case 'reber':
      return reber;
    case 'sine':
      return sine;
    case 'ar':
      return arTask();
    case 'text':
      if (opts.text === undefined) throw new RangeError('the text task needs a text');
      return textTask(opts.text, 'text');
    case 'hmm':
      return hmmTask();
    case 'ar-mle':
      return arMleTask();
    case 'lds':
      return ldsTask();
    default:
      throw new RangeError(`unknown task '${name}'; the tasks are: ${TASK_NAMES.join(', ')}`);
  }
}
