// `cellc emit FILE [--target wgsl] [--set NAME=VALUE…] [--cell NAME]`: the
// generated code of each cell at concrete sizes. WGSL: every fused kernel with
// a header line (where it runs, its dispatch size, its bindings), then the
// GEMM descriptors as comments (compiler/codegen/inspect.ts, wgslListing).

import { wgslListing } from '../../../compiler/codegen/inspect.js';
import { UserError } from '../io.js';
import { compileCells } from './gpuCommon.js';

export interface EmitCliOptions {
  target: string;
  set: string[];
  cell?: string;
}

export function emitCommand(file: string, opts: EmitCliOptions): number {
  const target = String(opts.target).trim().toLowerCase();
  if (target === 'ts' || target === 'typescript')
    throw new UserError("--target ts is not implemented yet (a later version emits a TypeScript module); use --target wgsl");
  if (target !== 'wgsl') throw new UserError(`unknown --target '${opts.target}' (supported: wgsl)`);
  const cells = compileCells(file, opts.set, opts.cell);
  process.stdout.write(cells.map((c) => wgslListing(c.artifact)).join('\n'));
  return 0;
}
