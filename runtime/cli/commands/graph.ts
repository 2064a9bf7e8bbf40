// `cellc graph FILE [--set NAME=VALUE…] [--dot]`: the step IR as text or DOT.

import { graphToDot } from '../../../compiler/ir/dot.js';
import { printGraph } from '../../../compiler/ir/print.js';
import { loadCells } from '../io.js';

export function graphCommand(file: string, opts: { set: string[]; dot?: boolean; cell?: string }): number {
  const { graphs } = loadCells(file, opts.set, opts.cell);
  process.stdout.write(graphs.map((g) => (opts.dot ? graphToDot(g) : printGraph(g))).join('\n'));
  return 0;
}
