// What the benchmark's jobs exchange: the spec a child process is given (one
// cell at one size), the timing it prints back, and the outcome of one
// implementation at one cell and size as the tables show it.

import type { CellKey, Size } from './options.js';

/** One job's input, passed to the child as one JSON argument. */
export interface JobSpec extends Size {
  readonly cell: CellKey;
  readonly runs: number;
  readonly warmup: number;
  readonly seed: number;
}

/** Medians and every timed run, in ms: forward, and a training step. */
export interface Timing {
  readonly fwd_ms: number;
  readonly train_ms: number;
  readonly fwd_runs: readonly number[];
  readonly train_runs: readonly number[];
}

/** The columns of the table, in order. */
export const IMPLS = ['cellc', 'tfjs-webgpu', 'tfjs-cpu', 'torch-nn', 'torch-eager'] as const;
export type Impl = (typeof IMPLS)[number];

export type Outcome =
  | ({ readonly status: 'ok'; readonly detail?: Readonly<Record<string, unknown>> } & Timing)
  /** The peer is not installed here: no figure at all. */
  | { readonly status: 'absent'; readonly reason: string }
  /** The job ran and did not give a figure (a crash, an error, a timeout). */
  | { readonly status: 'failed'; readonly reason: string }
  /** The peer has no such thing (TF.js and torch have no MUT1 layer). */
  | { readonly status: 'n/a'; readonly reason: string };

/** One implementation at one cell and size. */
export interface Entry extends Size {
  readonly cell: CellKey;
  readonly impl: Impl;
  readonly outcome: Outcome;
}

/** The line a child prints its result on (stdout), and its error on (stderr); other output (library banners) is ignored. */
export const RESULT_PREFIX = 'cellc-bench-result ';
export const ERROR_PREFIX = 'cellc-bench-error ';

/** The median of a non-empty list (the mean of the middle two for an even length), as `cellc bench` takes it. */
export { median } from '../../cli/commands/gpuCommon.js';
