// What the page shows for a cell's source, computed in the page: the front
// end's diagnostics (with line/column), the step graph (IR text and DOT), and
// the compiled artifact (kernels' WGSL, forward/backward plans) at concrete
// sizes — the cell's declared sizes overridden by the page's "sizes" field and
// by what the task sets (the input width), so the sizes shown are the ones
// training uses — and whether the cell can be trained on the task, and why not.


import { applySizes, bindSizes, buildBackward, check, compileBound, DIAGNOSTIC_CODES, graphToDot, printBackward, printGraph, type Artifact, type Diagnostic, type Graph, type SourceFile } from '../../../../compiler/index.js';
import { modelFor } from './model.js';

export interface SizeField {
  readonly values: Readonly<Record<string, number>>;
  /** Parts of the field that are not NAME=N with N a positive integer. */
  readonly errors: readonly string[];
}

/** "H=16, I=4" (commas or spaces between settings) → sizes. */
export function parseSizeField(text: string): SizeField {
  const values: Record<string, number> = {};
  const errors: string[] = [];
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isSafeInteger(v) || v < 1) errors.push(part);
    else values[m[1]] = v;
  }
  return { values, errors };
}

export interface PageDiagnostic {
  readonly from: number;
  readonly to: number;
  /** 1-based. */
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly title: string;
  readonly message: string;
}

export interface Analysis {
  readonly source: string;
  readonly diagnostics: readonly PageDiagnostic[];
  /** The checked cell (the first one of the file) with the size overrides applied. */
  readonly graph?: Graph;
  readonly cells: readonly string[];
  readonly sizes?: Readonly<Record<string, number>>;
  /** Size overrides that name no size of this cell (ignored). */
  readonly ignoredSizes: readonly string[];
  /** Sizes the task sets (the input width), over the overrides. */
  readonly taskSizes?: Readonly<Record<string, number>>;
  /** Why the cell cannot be trained on the task (one sentence); absent when it can. */
  readonly untrainable?: string;
  readonly ir?: string;
  /** The backward step graph (one step of BPTT), as text. */
  readonly backwardIr?: string;
  readonly dot?: string;
  readonly artifact?: Artifact;
  /** An exception from code generation (a compiler bug, not a user error). */
  readonly compileError?: string;
  readonly millis: number;
}

function toPage(d: Diagnostic, file: SourceFile): PageDiagnostic {
  const len = file.text.length;
  const from = Math.max(0, Math.min(d.span?.start ?? 0, len));
  let to = Math.max(from, Math.min(d.span?.end ?? from, len));
  if (to === from && to < len) to = from + 1; // an empty span still gets a visible squiggle
  const { line, col } = file.position(from);
  return { from, to, line, col, code: d.code, title: DIAGNOSTIC_CODES[d.code] ?? '', message: d.message };
}

/** The task the page trains on: its sizes win over the overrides, and the cell is checked against it. */
export interface TrainingTarget {
  readonly task: string;
  readonly embed: number;
}

export function analyze(path: string, source: string, overrides: Readonly<Record<string, number>>, training?: TrainingTarget): Analysis {
  const t0 = performance.now();
  const checked = check(source, path);
  const millis = () => performance.now() - t0;
  if (checked.diagnostics.length || checked.graphs.length === 0) {
    return { source, diagnostics: checked.diagnostics.map((d) => toPage(d, checked.file)), cells: [], ignoredSizes: [], millis: millis() };
  }
  const first = checked.graphs[0];
  const known = new Set(first.sizes.map((s) => s.name));
  const usable = Object.fromEntries(Object.entries(overrides).filter(([k]) => known.has(k)));
  const ignoredSizes = Object.keys(overrides).filter((k) => !known.has(k));
  let untrainable: string | undefined;
  let taskSizes: Record<string, number> | undefined;
  if (training) {
    const pre = applySizes(first, usable);
    const model = pre.diagnostics.length ? undefined : modelFor(pre.graph, training.task, training.embed);
    if (typeof model === 'string') untrainable = model;
    else if (model) taskSizes = Object.fromEntries(Object.entries(model.layerSizes[0]).filter(([k, v]) => known.has(k) && usable[k] !== v && first.sizes.find((s) => s.name === k)?.value !== v));
  }
  const applied = applySizes(first, { ...usable, ...taskSizes });
  const graph = applied.graph;
  const bound = applied.diagnostics.length ? { diagnostics: applied.diagnostics } : bindSizes(graph);
  let backwardIr: string;
  try {
    backwardIr = printBackward(buildBackward(graph));
  } catch (e) {
    backwardIr = `# the backward step could not be built: ${(e as Error).message}`;
  }
  const base = { source, graph, cells: checked.graphs.map((g) => g.name), ignoredSizes, ...(taskSizes ? { taskSizes } : {}), ...(untrainable ? { untrainable } : {}), ir: printGraph(graph), backwardIr, dot: graphToDot(graph) };
  if ('diagnostics' in bound) return { ...base, diagnostics: bound.diagnostics.map((d) => toPage(d, checked.file)), millis: millis() };
  const sizes = bound.sizes;
  try {
    const artifact = compileBound(bound);
    return { ...base, diagnostics: [], sizes, artifact, millis: millis() };
  } catch (e) {
    return { ...base, diagnostics: [], sizes, compileError: (e as Error).message, millis: millis() };
  }
}
