// Windows of T steps over the sequences of a split: what one row of a batch
// holds. Forecasting slides over every start with room for T steps and the
// horizon; sequence labelling over every start with T steps; classification
// takes the last T steps of each sequence.

import { DataError, type Sequence } from './dataset.js';

export interface Window {
  readonly seq: Sequence;
  readonly start: number;
  /** Steps of the sequence in the window (T, or fewer for a short sequence classified whole: the rest is padding). */
  readonly steps: number;
}

export type WindowKind = 'forecast' | 'classify' | 'label';

export function windowsOf(seqs: readonly Sequence[], kind: WindowKind, T: number, horizon: number): Window[] {
  const out: Window[] = [];
  for (const seq of seqs) {
    if (kind === 'classify') {
      // the last T steps, or a shorter sequence whole (padded: the model holds its state after the end)
      if (seq.steps >= 1) out.push({ seq, start: Math.max(0, seq.steps - T), steps: Math.min(T, seq.steps) });
      continue;
    }
    const need = kind === 'forecast' ? T + horizon : T;
    for (let s = 0; s + need <= seq.steps; s++) out.push({ seq, start: s, steps: T });
  }
  return out;
}

/** Steps a window needs, in words, for messages. */
export function windowNeed(kind: WindowKind, T: number, horizon: number): string {
  return kind === 'forecast' ? `--T ${T} + --horizon ${horizon} = ${T + horizon} steps` : `--T ${T} steps`;
}
