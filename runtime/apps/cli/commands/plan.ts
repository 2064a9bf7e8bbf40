// `cellc plan FILE [--set NAME=VALUE…] [--cell NAME] [--B n] [--T n]`: the
// schedule of each cell — forward and backward stages, every kernel and GEMM
// with what it fuses and its dispatch size, and the dispatch counts per step
// and per call (compiler/artifact/inspect.ts, formatPlan), and the schedule
// (--schedule sequential|scan|auto) with the recurrence analysis behind it. Needs no GPU.

import { formatPlan } from '../../../../compiler/index.js';
import { compileCells, scheduleOption, wholeOption } from './gpuCommon.js';

export interface PlanCliOptions {
  set: string[];
  cell?: string;
  B: string;
  T: string;
  schedule?: string;
}

export function planCommand(file: string, opts: PlanCliOptions): number {
  const B = wholeOption('--B', opts.B);
  const T = wholeOption('--T', opts.T);
  const cells = compileCells(file, opts.set, opts.cell, undefined, { schedule: scheduleOption(opts.schedule), shape: { B, T } });
  process.stdout.write(cells.map((c) => formatPlan(c.artifact, { B, T })).join('\n'));
  return 0;
}
