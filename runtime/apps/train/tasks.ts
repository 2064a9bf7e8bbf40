// Built-in tasks, generated from a seed: batch k of a run depends only on
// (seed, k), so runs are reproducible and a resumed run sees the same data.
//
// A batch holds, per step t and example b (step-major, T·B rows):
//   x (float inputs) or tok (index inputs), target (float or class index),
//   mask: the weight of the loss at (t, b) — they sum to 1 over the batch, so
//   the objective is the mean loss over the steps that carry one.

import { Rng } from '../../../compiler/index.js';

export { batchRng, type Batch, type Task, type TaskInfo } from './task.js';
import { uniformMask, type Task } from './task.js';

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

/**
 * A stream of episodes per row (ModelSpec.episodes): episodes of 2 … 8 steps back to back (the last
 * one cut at T); x_t ~ U(−1, 1); the target is the running sum of x over the episode so far, at every
 * step; `done` is 1 at each episode's last step, so the state the next step reads is the initial
 * state again. A cell that adds its input to its state solves it — only with the resets.
 */
export const episodes: Task = {
  name: 'episodes',
  input: { kind: 'float', size: 1 },
  output: { kind: 'mse', size: 1 },
  // E[k]/3 over the steps k = 1 … L of an episode, L uniform on 2 … 8: E[L(L+1)/2] / E[L] / 3 = 17/15
  baseline: { loss: 17 / 15, what: 'predicting 0 (the variance of a running sum of U(−1, 1) over an episode, ≈ 1.13 for long rows)' },
  describe: 'streams of episodes of 2 … 8 steps (done = 1 at the last step of each); x_t ~ U(−1, 1); target: the sum of x over the episode so far; MSE at every step',
  episodes: true,
  batch(rng, B, T) {
    const x = new Float32Array(T * B);
    const target = new Float32Array(T * B);
    const done = new Float32Array(T * B);
    for (let b = 0; b < B; b++) {
      let left = 0;
      let sum = 0;
      for (let t = 0; t < T; t++) {
        if (left === 0) [left, sum] = [2 + rng.int(7), 0];
        const v = rng.range(-1, 1);
        sum += v;
        x[t * B + b] = v;
        target[t * B + b] = sum;
        if (--left === 0) done[t * B + b] = 1;
      }
    }
    return { inputs: new Map([['x', x], ['target', target], ['done', done], ['mask', uniformMask(T, B, [...Array(T).keys()])]]), lossSteps: T };
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

import { arMleTask, hmmTask, ldsTask } from './likelihoodTasks.js';

export { arMleTask, hmmLogLikelihood, hmmTask, ldsLogLikelihood, ldsTask, sampleHmm, sampleLds, TRUE_HMM, TRUE_LDS, type HmmParams, type LdsParams } from './likelihoodTasks.js';

export const TASK_NAMES = ['adding', 'copy', 'reber', 'sine', 'episodes', 'ar', 'text', 'hmm', 'ar-mle', 'lds'] as const;
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
    case 'episodes':
      return episodes;
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
