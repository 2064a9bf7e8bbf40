// Shared by the autodiff tests: the repository root, the dsl-examples, and
// loading a cell (a front-end error fails the test that asked for it).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSource } from '../../compiler/frontend.js';
import { formatDiagnostic } from '../../compiler/diagnostics.js';
import type { Graph } from '../../compiler/ir/graph.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES_DIR = join(ROOT, 'dsl-examples');
export const EXAMPLES = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.cell')).sort();

export function cellFromText(path: string, text: string): Graph {
  const r = checkSource(path, text);
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d, r.file)).join('\n'));
  if (r.graphs.length !== 1) throw new Error(`${path}: expected one cell, got ${r.graphs.length}`);
  return r.graphs[0];
}

/** Every cell of an example file (viterbi.cell has two). */
export function exampleCells(file: string): readonly Graph[] {
  const path = join('dsl-examples', file);
  const r = checkSource(path, readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => formatDiagnostic(d, r.file)).join('\n'));
  return r.graphs;
}

/** The cell of a one-cell example file, or the one named `cell`. */
export function example(file: string, cell?: string): Graph {
  const graphs = exampleCells(file);
  if (cell === undefined) {
    if (graphs.length !== 1) throw new Error(`${file}: expected one cell, got ${graphs.length}; name one`);
    return graphs[0];
  }
  const g = graphs.find((x) => x.name === cell);
  if (!g) throw new Error(`${file} has no cell ${cell}`);
  return g;
}

/** Every (file, cell) of the examples, labelled `file` or `file:Cell` when a file has several. */
export const EXAMPLE_CELLS: readonly (readonly [label: string, file: string, cell: string])[] = EXAMPLES.flatMap((f) => {
  const graphs = exampleCells(f);
  return graphs.map((g) => [graphs.length > 1 ? `${f}:${g.name}` : f, f, g.name] as const);
});

/** max|a − b| / max(max|a|, max|b|, tiny): the error measure of every comparison here. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(a[i]), Math.abs(b[i]));
  }
  return d === 0 ? 0 : d / Math.max(s, 1e-300);
}

export function concat(xs: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) (out.set(x, o), (o += x.length));
  return out;
}
