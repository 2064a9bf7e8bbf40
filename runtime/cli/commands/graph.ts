// `cellc graph FILE [--set NAME=VALUE…] [--dot | --backward]`: the step IR as
// text or DOT, or the backward step graph of reverse-mode autodiff.

import { buildBackward } from '../../../compiler/autodiff/backward.js';
import { graphToDot } from '../../../compiler/ir/dot.js';
import { printBackward, printGraph } from '../../../compiler/ir/print.js';
import { loadCells, UserError } from '../io.js';

export function graphCommand(file: string, opts: { set: string[]; dot?: boolean; cell?: string; backward?: boolean }): number {
  if (opts.dot && opts.backward) throw new UserError('--dot and --backward cannot be combined (the backward graph prints as text only)');
  const { graphs } = loadCells(file, opts.set, opts.cell);
  process.stdout.write(graphs.map((g) => (opts.backward ? printBackward(buildBackward(g)) : opts.dot ? graphToDot(g) : printGraph(g))).join('\n'));
  return 0;
}
