// What a built-in task is: a generator of batches from a seeded stream, with
// the shapes of its inputs and targets (see tasks.ts for the tasks).

import { Rng } from '../../../compiler/index.js';

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
  /**
   * Its sequences differ in length: every batch has an input `alive` (1 at
   * the steps of each example's sequence, 0 on the padding after it), and the
   * model holds its states where it is 0 (ModelSpec.lengths).
   */
  readonly lengths?: boolean;
  /** Its sequences are streams of episodes: every batch has an input `done` (1 at an episode's last step; ModelSpec.episodes). */
  readonly episodes?: boolean;
}

export interface Task extends TaskInfo {
  batch(rng: Rng, B: number, T: number): Batch;
  /** Index → character, for text tasks. */
  readonly alphabet?: string;
  /** Tasks over a fixed data set (--data): a held-out split, scored every epoch. */
  readonly heldOut?: HeldOut;
  /** Extra checkpoint metadata (strings) that a later eval needs to rebuild the task. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The held-out split of a data task. */
export interface HeldOut {
  /** Optimizer steps in one epoch (one pass over the training windows) at batch size B. */
  epochSteps(B: number): number;
  /** Every held-out window once, in batches of B (the last padded with rows of weight 0); their losses add up to the mean loss. */
  batches(B: number): Batch[];
  /** Trivial predictors scored on the same windows, with the same normalisation and loss. */
  readonly baselines: readonly { readonly name: string; readonly loss: number; readonly what: string }[];
  /** What is held out, in words. */
  readonly describe: string;
}

/** Batch k of stream `stream` (0 training, 1 held-out) of a run with this seed. */
export function batchRng(seed: number, stream: number, k: number): Rng {
  return new Rng((Math.imul(seed ^ 0x5bd1e995, 2654435761) + Math.imul(stream + 1, 40503) + Math.imul(k + 1, 97531)) >>> 0);
}

export function uniformMask(T: number, B: number, steps: readonly number[]): Float32Array {
  const mask = new Float32Array(T * B);
  const w = 1 / (steps.length * B);
  for (const t of steps) for (let b = 0; b < B; b++) mask[t * B + b] = w;
  return mask;
}
