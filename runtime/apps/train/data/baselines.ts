// Trivial predictors, scored on the held-out windows with the same
// normalisation and loss as the model: persistence (the value at t+h is the
// value at t), a least-squares AR(p) per feature fitted on the training split,
// and for classes the training split's class frequencies.

import type { Sequence } from './dataset.js';
import type { Window } from './windows.js';

export interface Baseline {
  readonly name: string;
  readonly loss: number;
  readonly what: string;
}

/** Mean over the windows' T steps of (1/F) Σ_f (prediction − x_{t+h})². */
function forecastLoss(windows: readonly Window[], T: number, h: number, F: number, predict: (w: Window, t: number, f: number) => number): number {
  let sum = 0;
  for (const w of windows) {
    for (let t = 0; t < T; t++) {
      for (let f = 0; f < F; f++) sum += (predict(w, t, f) - w.seq.values[(w.start + t + h) * F + f]) ** 2 / F;
    }
  }
  return sum / (windows.length * T);
}

export function persistence(windows: readonly Window[], T: number, h: number, F: number): Baseline {
  const loss = forecastLoss(windows, T, h, F, (w, t, f) => w.seq.values[(w.start + t) * F + f]);
  return { name: 'persistence', loss, what: `y(t+${h}) = y(t)` };
}

/** Solves A x = b (n × n, row-major) by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const M = A.slice();
  const x = b.slice();
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]) > Math.abs(M[p * n + c])) p = r;
    if (!(Math.abs(M[p * n + c]) > 1e-12)) return undefined;
    if (p !== c) {
      for (let k = 0; k < n; k++) [M[c * n + k], M[p * n + k]] = [M[p * n + k], M[c * n + k]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const m = M[r * n + c] / M[c * n + c];
      for (let k = c; k < n; k++) M[r * n + k] -= m * M[c * n + k];
      x[r] -= m * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= M[r * n + k] * x[k];
    x[r] = s / M[r * n + r];
  }
  return x;
}

/** Per feature f: x_{t+h} ≈ c_0 + Σ_{j<p} a_j x_{t−j}, least squares over every t of the training sequences. */
export function fitAr(train: readonly Sequence[], p: number, h: number, F: number): Float64Array[] | undefined {
  const n = p + 1;
  const coef: Float64Array[] = [];
  for (let f = 0; f < F; f++) {
    const A = new Float64Array(n * n);
    const b = new Float64Array(n);
    const row = new Float64Array(n);
    let samples = 0;
    for (const s of train) {
      for (let t = p - 1; t + h < s.steps; t++) {
        row[0] = 1;
        for (let j = 0; j < p; j++) row[j + 1] = s.values[(t - j) * F + f];
        const y = s.values[(t + h) * F + f];
        for (let r = 0; r < n; r++) {
          b[r] += row[r] * y;
          for (let c = 0; c < n; c++) A[r * n + c] += row[r] * row[c];
        }
        samples++;
      }
    }
    if (samples <= n) return undefined;
    const x = solve(A, b, n);
    if (!x) return undefined;
    coef.push(x);
  }
  return coef;
}

/** AR(p) on held-out windows: the lags come from inside the window (what the model sees), the first value repeated before its start. */
export function autoregressive(train: readonly Sequence[], windows: readonly Window[], T: number, h: number, F: number, p: number): Baseline | undefined {
  const coef = fitAr(train, p, h, F);
  if (!coef) return undefined;
  const loss = forecastLoss(windows, T, h, F, (w, t, f) => {
    let z = coef[f][0];
    for (let j = 0; j < p; j++) z += coef[f][j + 1] * w.seq.values[(w.start + Math.max(0, t - j)) * F + f];
    return z;
  });
  return { name: `AR(${p})`, loss, what: `least squares on the training split, per feature, lags inside the window` };
}

/** Cross-entropy of the training split's class frequencies (add-one smoothed) on the held-out labels. */
export function classPrior(trainLabels: readonly number[], heldOutLabels: readonly number[], K: number): Baseline {
  const count = new Float64Array(K).fill(1);
  for (const c of trainLabels) count[c]++;
  const total = trainLabels.length + K;
  const loss = heldOutLabels.reduce((s, c) => s - Math.log(count[c] / total), 0) / heldOutLabels.length;
  const majority = count.indexOf(Math.max(...count));
  const acc = heldOutLabels.filter((c) => c === majority).length / heldOutLabels.length;
  return { name: 'class frequencies', loss, what: `the training split's class frequencies (always class ${majority}: ${(100 * acc).toFixed(1)}% accuracy)` };
}
