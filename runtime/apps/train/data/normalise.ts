// Normalisation: mean and standard deviation per feature, computed on the
// training split only, applied to every split (and by eval to held-out data,
// from the statistics stored in the checkpoint).

import { DataError, type Sequence } from './dataset.js';

export interface FeatureStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Per-feature mean and (population) standard deviation over every step of the sequences; a constant feature gets std 1. */
export function featureStats(sequences: readonly Sequence[], F: number): FeatureStats {
  const mean = new Array<number>(F).fill(0);
  const sq = new Array<number>(F).fill(0);
  let n = 0;
  for (const s of sequences) {
    n += s.steps;
    for (let t = 0; t < s.steps; t++) for (let f = 0; f < F; f++) mean[f] += s.values[t * F + f];
  }
  for (let f = 0; f < F; f++) mean[f] /= Math.max(1, n);
  for (const s of sequences) for (let t = 0; t < s.steps; t++) for (let f = 0; f < F; f++) sq[f] += (s.values[t * F + f] - mean[f]) ** 2;
  const std = sq.map((v, f) => {
    const sd = Math.sqrt(v / Math.max(1, n));
    return sd > 1e-12 * (1 + Math.abs(mean[f])) ? sd : 1;
  });
  return { mean, std };
}

/** (v − mean) / std per feature, as a new sequence. */
export function normaliseSequence(s: Sequence, stats: FeatureStats): Sequence {
  const F = stats.mean.length;
  const values = s.values.map((v, i) => (v - stats.mean[i % F]) / stats.std[i % F]);
  return { ...s, values };
}

/** Statistics read back from a checkpoint: F finite means and positive standard deviations. */
export function checkStats(v: unknown, F: number, where: string): FeatureStats {
  const o = v as { mean?: unknown; std?: unknown } | null;
  const ok = (a: unknown, pos: boolean) => Array.isArray(a) && a.length === F && a.every((x) => typeof x === 'number' && Number.isFinite(x) && (!pos || x > 0));
  if (!o || !ok(o.mean, false) || !ok(o.std, true)) throw new DataError(`${where}: the stored normalisation is not ${F} finite means and ${F} positive standard deviations`);
  return { mean: o.mean as number[], std: o.std as number[] };
}

/**
 * Normalises time-major steps (T · B rows of F values) in place, as training
 * did: (v − mean) / std per feature, then with `relative` minus each
 * sequence's first step.
 */
export function normaliseSteps(data: Float64Array, T: number, B: number, stats: FeatureStats, relative = false): void {
  const F = stats.mean.length;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - stats.mean[i % F]) / stats.std[i % F];
  if (!relative) return;
  for (let t = T - 1; t >= 0; t--) for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) data[(t * B + b) * F + f] -= data[b * F + f];
}
