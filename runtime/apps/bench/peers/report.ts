// The whole result of one benchmark run, as bench.json holds it: the options,
// the machine, which peers were there, and every entry with its raw figures.

import type { PeerStatus } from './detect.js';
import type { Entry } from './jobs.js';
import type { Machine } from './machine.js';
import type { BenchOptions } from './options.js';

export interface Report {
  readonly schema: 'cellc-peer-bench/1';
  readonly started: string;
  readonly duration_s: number;
  readonly options: Pick<BenchOptions, 'grid' | 'cells' | 'peers' | 'runs' | 'warmup' | 'timeout' | 'quick'>;
  readonly machine: Machine;
  readonly peers: readonly PeerStatus[];
  readonly entries: readonly Entry[];
}

/** bench.json: the report, indented. */
export function reportJson(r: Report): string {
  return JSON.stringify(r, null, 2) + '\n';
}
