// Windows of T steps over the sequences of a split: what one row of a batch
// holds. Forecasting slides over every start with room for T steps and the
// horizon; sequence labelling over every start with T steps; classification
// takes the last T steps of each sequence.

import { DataError, type Sequence } from './dataset.js';

export interface Window {
  readonly seq: Sequence;
  readonly start: number;
}

export type WindowKind = 'forecast' | 'classify' | 'label';

export function windowsOf(seqs: readonly Sequence[], kind: WindowKind, T: number, horizon: number): Window[] {
  const out: Window[] = [];
  for (const seq of seqs) {
    if (kind === 'classify') {
      if (seq.steps >= T) out.push({ seq, start: seq.steps - T });
      continue;
    }
    const need = kind === 'forecast' ? T + horizon : T;
    for (let s = 0; s + need <= seq.steps; s++) out.push({ seq, start: s });
  }
  return out;
}

/** Steps a window needs, in words, for messages. */
export function windowNeed(kind: WindowKind, T: number, horizon: number): string {
  return kind === 'forecast' ? `--T ${T} + --horizon ${horizon} = ${T + horizon} steps` : `--T ${T} steps`;
}

/** Classification: every sequence must be long enough (its last T steps are its window); a short one is named. */
export function checkClassifyLengths(seqs: readonly Sequence[], T: number, source: string): void {
  const short = seqs.find((s) => s.steps < T);
  if (short) throw new DataError(`${source}, ${short.where}: the sequence has ${short.steps} step(s), fewer than --T ${T} (a sequence is classified from its last T steps)`);
}
