// The one door into the compiler. Every client — the CLI, the playground, the
// trainer, the evaluator, the GPU-vs-interpreter comparison and the public
// `compile()` — goes through these stages, in this order:
//
//   check     source text → checked step IR graphs, or located diagnostics (SPEC §3–§8)
//   bind      one graph + a sizes record → the graph at concrete sizes (E401, E402)
//   lower     autodiff and tensor binding: forward and backward step functions (§9)
//   schedule  regions, fusion, GEMM stages, memory layout
//   generate  a backend (backend/backend.ts) → the artifact: kernel records, plans
//
// Each stage is a function whose result can be printed (`dumpStage`, and
// `cellc graph --after STAGE`). Sizes are a typed record end to end: the CLI
// parses `--set NAME=N` into one and hands it over; nothing is re-parsed.
// User errors are diagnostics, never exceptions; an exception is a bug.

import type { Artifact } from './artifact/artifact.js';
import { wgslListing } from './artifact/inspect.js';
import { diag, formatDiagnostic, type Diagnostic } from './diagnostics.js';
import { checkSource, type FrontEndResult } from './frontend.js';
import { drawsMasks, type Graph } from './ir/graph.js';
import { printGraph } from './ir/print.js';
import { printBackward } from './autodiff/printBackward.js';
import { overrideSizes, sizeValues, type SizeValues } from './ir/sizeBinding.js';
import { lowerCell, scheduleCell, type Lowered, type Scheduled } from './schedule/cellSchedule.js';
import { printSchedule } from './schedule/printSchedule.js';
import { BACKENDS, type BackendName, type GenerateOptions } from './backend/backend.js';
import { generatePerStep } from './backend/webgpu/perStep.js';
import { tryGenerateScan } from './backend/webgpu/scan.js';
import { tryGenerateLanes } from './backend/webgpu/rowOwned.js';
import { cellFindings } from './analysis/findings.js';
import { chooseSchedule, type Choice, type ScheduleOption } from './analysis/choice.js';
import { initialize } from './numeric/initializers.js';
import { Rng } from './numeric/random.js';

export const STAGE_NAMES = ['check', 'bind', 'lower', 'schedule', 'generate'] as const;
export type DriverStage = (typeof STAGE_NAMES)[number];

/** A graph bound to concrete sizes. */
export interface Bound {
  readonly graph: Graph;
  readonly sizes: SizeValues;
}

export type Failed = { readonly diagnostics: readonly Diagnostic[] };
export const failed = (r: object): r is Failed => 'diagnostics' in r && (r as Failed).diagnostics.length > 0;

// ---- stage 1: check ---------------------------------------------------------

/** Parses and checks `source`; diagnostics carry spans into `result.file`. */
export function check(source: string, path = '<input>'): FrontEndResult {
  return checkSource(path, source);
}

/** The graph named `cell`, or the only one (E101 otherwise). */
export function selectCell(checked: FrontEndResult, cell?: string): Graph | Failed {
  const names = checked.graphs.map((g) => g.name);
  const path = checked.file.path;
  if (cell !== undefined) {
    const g = checked.graphs.find((x) => x.name === cell);
    return g ?? { diagnostics: [diag('E101', `${path} has no cell named '${cell}' (it has: ${names.join(', ')})`)] };
  }
  if (checked.graphs.length > 1) return { diagnostics: [diag('E101', `${path} defines several cells (${names.join(', ')}): choose one with the 'cell' option (--cell on the command line)`)] };
  return checked.graphs[0];
}

// ---- stage 2: bind sizes ------------------------------------------------------

/**
 * The cell's size defaults overridden by `sizes`. Every value must be a
 * positive safe integer naming a size of the cell (E401); every size must end
 * with a value (E402).
 */
export function bindSizes(graph: Graph, sizes: Readonly<Record<string, number>> = {}): Bound | Failed {
  const r = applySizes(graph, sizes);
  const ds = [...r.diagnostics];
  const values = sizeValues(r.graph, ds);
  if (ds.length || !values) return { diagnostics: ds };
  checkInitializers(r.graph, values, ds);
  if (ds.length) return { diagnostics: ds };
  return { graph: r.graph, sizes: values };
}

/** An initialiser expression that cannot be drawn at these sizes (`uniform(1, T_max - 1)` at T_max = 2) is E306. */
function checkInitializers(g: Graph, sizes: SizeValues, out: Diagnostic[]): void {
  for (const p of g.params) {
    if (p.init.kind !== 'expr') continue;
    try {
      initialize(p.init, [1], new Rng(0), sizes);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      out.push(diag('E306', `parameter ${p.name}: ${e.message} (${Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(', ')}); choose other sizes with --set`));
    }
  }
}

/**
 * The first half of binding: overrides applied to the size defaults (E401 for
 * a value that is not a positive integer or a name the cell does not have),
 * without requiring every size to have a value (`cellc check` on a cell with
 * free sizes).
 */
export function applySizes(graph: Graph, sizes: Readonly<Record<string, number>>): { readonly graph: Graph; readonly diagnostics: readonly Diagnostic[] } {
  const ds: Diagnostic[] = [];
  const ok: Record<string, number> = {};
  for (const [name, v] of Object.entries(sizes)) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) ds.push(diag('E401', `size ${name}: the value must be a positive integer, got ${JSON.stringify(v)}`));
    else ok[name] = v;
  }
  return { graph: overrideSizes(graph, ok, ds), diagnostics: ds };
}

// ---- stages 3–5 ------------------------------------------------------------------

export interface CompileBoundOptions extends GenerateOptions {
  /** Compute ∂L/∂x_t (default true); training turns it off. */
  readonly inputGradients?: boolean;
  /** The backend, overriding the schedule choice (tests, tools). */
  readonly backend?: BackendName;
  /** sequential (a loop over time), scan (parallel scans where exact), auto (default: the scan where exact and estimated faster). */
  readonly schedule?: ScheduleOption;
  /** The (B, T) the caller expects, for auto's cost model. */
  readonly shape?: { readonly B: number; readonly T: number };
}

export function lower(b: Bound, options: Pick<CompileBoundOptions, 'inputGradients'> = {}): Lowered {
  return lowerCell(b.graph, b.sizes, options);
}

export function schedule(l: Lowered): Scheduled {
  return scheduleCell(l);
}

/** Picks the schedule (analysis/choice.ts), generates it, and records which and why in the artifact. */
export function generate(s: Scheduled, options: CompileBoundOptions = {}): Artifact {
  const findings = cellFindings(s.forwardFn, s.backwardFn);
  const rowOwned = (name: string) => name === 'step-fused' || name === 'persistent';
  // trial k's masks would have to be those of its run alone: keyed by its own seed, which the shared dims records do not hold
  if (options.trialAxis && drawsMasks(s.forwardFn.nodes)) throw new RangeError('a trial axis cannot run a cell with random masks (dropout, zoneout): train its trials one by one');
  if (options.trialAxis && rowOwned(options.backend ?? options.schedule ?? '')) throw new RangeError(`a trial axis needs the sequential or scan schedule, not ${options.backend ?? options.schedule}`);
  if (options.backend) return { ...BACKENDS[options.backend].generate(s, options), schedule: { name: options.backend === 'per-step' ? 'sequential' : options.backend, reason: `backend ${options.backend}`, ...findings } };
  // where `auto` would run the sequential loop: an elementwise recurrence loops inside one kernel instead
  const sequential = (choice: Choice, seq?: Artifact): Artifact => {
    const lanes = (options.schedule ?? 'auto') === 'auto' ? tryGenerateLanes(s, options) : undefined;
    if (lanes) return { ...lanes, schedule: { name: 'persistent', reason: `${choice.reason}; but every step reads its carried values only at its own elements (elementwise recurrences), so one thread per element loops over all T steps, one dispatch per pass`, ...findings } };
    return { ...(seq ?? generatePerStep(s, options)), schedule: { ...choice, ...findings } };
  };
  let choice = chooseSchedule(findings, options.schedule ?? 'auto', undefined, undefined);
  if (rowOwned(choice.name) && options.trialAxis) throw new RangeError(`a trial axis needs the sequential or scan schedule, not ${choice.name}`);
  if (rowOwned(choice.name)) return { ...BACKENDS[choice.name].generate(s, options), schedule: { ...choice, ...findings } };
  let scan = choice.name === 'scan' ? tryGenerateScan(s, options) : undefined;
  if (scan && 'unavailable' in scan) {
    choice = { name: 'sequential', reason: scan.unavailable };
    scan = undefined;
  }
  if (scan && options.shape && options.schedule !== 'scan') {
    const seq = generatePerStep(s, options);
    const loopKernels = seq.forward.step.length + seq.backward.step.length;
    const scanDispatches = [scan.forward, scan.backward].reduce((n, p) => n + p.prelude.length + p.before.length + p.after.length, scan.backward.grads.length);
    const scanWidth = scan.states.reduce((n, st) => n + st.shape.reduce((a, b) => a * b, 1), 0);
    choice = chooseSchedule(findings, 'auto', { loopKernels, scanDispatches, scanWidth }, options.shape);
    if (choice.name === 'sequential') return sequential(choice, seq);
  }
  return scan ? { ...scan, schedule: { ...choice, ...findings } } : sequential(choice);
}

/** Stages 3–5 for a graph already bound to sizes (models, tests). */
export function compileBound(b: Bound, options: CompileBoundOptions = {}): Artifact {
  return generate(schedule(lower(b, options)), options);
}

// ---- the whole pipeline ------------------------------------------------------------

export interface SourceOptions extends CompileBoundOptions {
  /** File name used in diagnostics (default "<input>"). */
  readonly path?: string;
  /** The cell to compile; required when the source defines several. */
  readonly cell?: string;
  /** Size overrides: positive integers for declared or free sizes. */
  readonly sizes?: Readonly<Record<string, number>>;
}

export type CompileResult =
  | { readonly artifact: Artifact; readonly bound: Bound }
  | {
      readonly diagnostics: readonly Diagnostic[];
      /** The diagnostics as the CLI prints them (FILE:LINE:COL: error CODE: message + source excerpt). */
      readonly formatted: string;
    };

/** check → select → bind → lower → schedule → generate. */
export function compileSource(source: string, options: SourceOptions = {}): CompileResult {
  const checked = check(source, options.path ?? '<input>');
  const fail = (ds: readonly Diagnostic[]): CompileResult => ({ diagnostics: ds, formatted: ds.map((d) => formatDiagnostic(d, d.span ? checked.file : undefined)).join('\n') });
  if (checked.diagnostics.length) return fail(checked.diagnostics);
  const graph = selectCell(checked, options.cell);
  if ('diagnostics' in graph) return fail(graph.diagnostics);
  const bound = bindSizes(graph, options.sizes);
  if ('diagnostics' in bound) return fail(bound.diagnostics);
  return { artifact: compileBound(bound, options), bound };
}

// ---- dumps -----------------------------------------------------------------------

/** The result of `stage` for a bound cell, as text (`cellc graph --after STAGE`). */
export function dumpStage(b: Bound, stage: DriverStage, options: CompileBoundOptions = {}): string {
  const sizes = Object.entries(b.sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  switch (stage) {
    case 'check':
      return printGraph(b.graph);
    case 'bind':
      return `# sizes: ${sizes}\n${printGraph(b.graph)}`;
    case 'lower':
      return printBackward(lower(b, options).backward);
    case 'schedule':
      return printSchedule(schedule(lower(b, options)));
    case 'generate':
      return wgslListing(compileBound(b, options));
  }
}
