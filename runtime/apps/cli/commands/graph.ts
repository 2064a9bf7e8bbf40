// `cellc graph FILE [--set NAME=VALUE…] [--dot | --backward]`: the step IR as
// text or DOT, or the backward step graph of reverse-mode autodiff.

import { buildBackward, dumpStage, graphToDot, printBackward, printGraph, STAGE_NAMES, type DriverStage } from '../../../../compiler/index.js';
import { bindCells } from './gpuCommon.js';
import { loadCells, UserError } from '../io.js';

export function graphCommand(file: string, opts: { set: string[]; dot?: boolean; cell?: string; backward?: boolean; after?: string }): number {
  if (opts.dot && opts.backward) throw new UserError('--dot and --backward cannot be combined (the backward graph prints as text only)');
  if (opts.after !== undefined) {
    if (!(STAGE_NAMES as readonly string[]).includes(opts.after)) throw new UserError(`--after expects one of the driver's stages: ${STAGE_NAMES.join(', ')}; got '${opts.after}'`);
    if (opts.dot || opts.backward) throw new UserError('--after cannot be combined with --dot or --backward');
    const stage = opts.after as DriverStage;
    // check shows the cell as written: free sizes need no value there
    const text = stage === 'check' ? loadCells(file, opts.set, opts.cell).graphs.map(printGraph) : bindCells(file, opts.set, opts.cell).map((b) => dumpStage(b, stage));
    process.stdout.write(text.join('\n'));
    return 0;
  }
  const { graphs } = loadCells(file, opts.set, opts.cell);
  process.stdout.write(graphs.map((g) => (opts.backward ? printBackward(buildBackward(g)) : opts.dot ? graphToDot(g) : printGraph(g))).join('\n'));
  return 0;
}
