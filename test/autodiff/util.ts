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

export function example(file: string): Graph {
  return cellFromText(join('dsl-examples', file), readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
}

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
