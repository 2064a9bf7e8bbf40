// The public compiler API (package entry "cellc/compiler"): cell source text →
// artifact (plain JSON-serialisable data: WGSL kernels, GEMM descriptors,
// memory layout, forward and backward schedules), or diagnostics.
//
//   const r = compile(text, { path: 'lstm.cell', sizes: { H: 256 } });
//   if ('diagnostics' in r) console.error(r.formatted);
//   else useArtifact(r.artifact);
//
// Nothing here (nor anywhere under compiler/) imports the runtime or WebGPU:
// the compiler runs in any JavaScript environment.

import { compileGraph } from './codegen/compile.js';
import type { Artifact } from './codegen/artifact.js';
import { diag, formatDiagnostic, type Diagnostic } from './diagnostics.js';
import { checkSource } from './frontend.js';
import { overrideSizes, parseSizeSettings, sizeValues } from './ir/sizeBinding.js';

export interface CompileOptions {
  /** File name used in diagnostics (default "<input>"). */
  readonly path?: string;
  /** The cell to compile; required when the source defines several. */
  readonly cell?: string;
  /** Size overrides (like `--set H=256`): positive integers for declared or free sizes. */
  readonly sizes?: Readonly<Record<string, number>>;
}

export type CompileResult =
  | { readonly artifact: Artifact }
  | {
      readonly diagnostics: readonly Diagnostic[];
      /** The diagnostics as the CLI prints them (FILE:LINE:COL: error CODE: message + source excerpt). */
      readonly formatted: string;
    };

/**
 * Checks `source` and compiles one cell at concrete sizes: the cell's defaults
 * overridden by `options.sizes`. Every user error is returned as diagnostics
 * (E0xx–E3xx from the front end; E401 bad size override; E402 a free size
 * without a value; E101 no such cell / several cells and no `cell` option);
 * never thrown.
 */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const path = options.path ?? '<input>';
  const checked = checkSource(path, source);
  const fail = (ds: readonly Diagnostic[]): CompileResult => ({
    diagnostics: ds,
    formatted: ds.map((d) => formatDiagnostic(d, d.span ? checked.file : undefined)).join('\n'),
  });
  if (checked.diagnostics.length) return fail(checked.diagnostics);

  const names = checked.graphs.map((g) => g.name);
  let graph = checked.graphs[0];
  if (options.cell !== undefined) {
    const g = checked.graphs.find((x) => x.name === options.cell);
    if (!g) return fail([diag('E101', `${path} has no cell named '${options.cell}' (it has: ${names.join(', ')})`)]);
    graph = g;
  } else if (checked.graphs.length > 1) {
    return fail([diag('E101', `${path} defines several cells (${names.join(', ')}): choose one with the 'cell' option`)]);
  }

  const ds: Diagnostic[] = [];
  const settings = Object.entries(options.sizes ?? {}).map(([k, v]) => `${k}=${v}`);
  const overrides = parseSizeSettings(settings, ds);
  graph = overrideSizes(graph, overrides, ds);
  const sizes = sizeValues(graph, ds);
  if (ds.length || !sizes) return fail(ds);
  return { artifact: compileGraph(graph, sizes) };
}

export { checkSource, type FrontEndResult } from './frontend.js';
export { printGraph, printBackward, describeNode } from './ir/print.js';
export { compileGraph } from './codegen/compile.js';
export { formatDiagnostic, DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
export type { Graph, Origin, Origins, SourceAt } from './ir/graph.js';
export {
  ARTIFACT_FORMAT,
  type Artifact,
  type ArtifactGemm,
  type ArtifactKernel,
  type ArtifactParam,
  type ArtifactTensor,
  type PassPlan,
  type PlanStep,
  type TensorRef,
} from './codegen/artifact.js';
export type { KernelDispatch } from './codegen/fusedKernel.js';
export type { ArenaName, Lin } from './codegen/layout.js';
export { dispatchCounts, dispatchTotals, estimateFlops, formatPlan, wgslListing, type DispatchCounts, type FlopEstimate } from './codegen/inspect.js';
