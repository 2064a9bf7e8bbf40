// The validation split: the last part of a single series in time (no window
// of the held-out part was seen in training), or a fixed share of the
// sequences, chosen by a fixed-seed shuffle (the same for every run and for
// eval, whatever --seed).

import { Rng } from '../../../../compiler/index.js';
import { DataError, type Dataset, type Sequence } from './dataset.js';

export interface Split {
  readonly train: readonly Sequence[];
  readonly val: readonly Sequence[];
  /** In words, for reports: 'the last 29 of 144 steps in time'. */
  readonly how: string;
}

const SPLIT_SEED = 0x5eed;

function slice(s: Sequence, a: number, b: number, F: number): Sequence {
  return {
    values: s.values.slice(a * F, b * F),
    steps: b - a,
    where: s.where,
    ...(s.label !== undefined ? { label: s.label } : {}),
    ...(s.labels ? { labels: s.labels.slice(a, b) } : {}),
  };
}

export function splitData(ds: Dataset, valFraction: number): Split {
  if (!(valFraction > 0 && valFraction < 1)) throw new RangeError(`the validation fraction must be in (0, 1), got ${valFraction}`);
  const seqs = ds.sequences;
  if (seqs.length === 1) {
    const L = seqs[0].steps;
    const nVal = Math.round(valFraction * L);
    if (nVal < 1 || nVal >= L) throw new DataError(`${ds.source}: the series has ${L} steps, too few to hold out ${valFraction} of them in time`);
    return { train: [slice(seqs[0], 0, L - nVal, ds.features)], val: [slice(seqs[0], L - nVal, L, ds.features)], how: `the last ${nVal} of ${L} steps in time` };
  }
  const order = [...seqs.keys()];
  const rng = new Rng(SPLIT_SEED);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nVal = Math.min(seqs.length - 1, Math.max(1, Math.round(valFraction * seqs.length)));
  const val = new Set(order.slice(0, nVal));
  return { train: seqs.filter((_, i) => !val.has(i)), val: seqs.filter((_, i) => val.has(i)), how: `${nVal} of ${seqs.length} sequences` };
}
