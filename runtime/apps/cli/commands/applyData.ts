// `cellc apply --params CHECKPOINT` of a run trained with --data: the cell's
// input is normalised with the checkpoint's statistics (the training split's
// mean and std, and --relative), so the cell sees what it saw in training.

import { readFileSync } from 'node:fs';
import { DataError } from '../../train/data/dataset.js';
import { parseStoredData } from '../../train/data/load.js';
import { normaliseSteps } from '../../train/data/normalise.js';
import { decodeSafetensors } from '../../train/safetensors.js';
import { UserError } from '../io.js';

/** Normalises the input of `features` values per step in place when `paramsPath` holds data metadata; says what it did. */
export function normaliseLikeTraining(paramsPath: string, inputs: Map<string, { shape: number[]; data: Float64Array }>, T: number, B: number): string | undefined {
  const { metadata } = decodeSafetensors(readFileSync(paramsPath), paramsPath);
  if (metadata.data === undefined) return undefined;
  let stored;
  try {
    stored = parseStoredData(metadata.data, paramsPath);
  } catch (e) {
    if (e instanceof DataError) throw new UserError(e.message);
    throw e;
  }
  const entry = [...inputs].find(([, v]) => v.shape.length === 1 && v.shape[0] === stored.features);
  if (!entry) throw new UserError(`${paramsPath} was trained on ${stored.features} feature(s) per step; the cell has no input of that size to normalise`);
  normaliseSteps(entry[1].data, T, B, stored, stored.relative === true);
  return `input ${entry[0]} normalised with the checkpoint's training-split mean and std${stored.relative ? ', relative to each sequence\'s first step' : ''}`;
}
