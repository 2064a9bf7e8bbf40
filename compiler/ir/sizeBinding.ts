// Binding size symbols to numbers: defaults from the cell, overrides from the
// user (`--set H=256`). Errors are E401 (bad override) and E402 (no value).

import { diag, type Diagnostic } from '../diagnostics.js';
import type { Graph } from './graph.js';

export type SizeValues = Readonly<Record<string, number>>;

/** Parses `NAME=VALUE` strings; a malformed one is an E401 diagnostic. */
export function parseSizeSettings(settings: readonly string[], out: Diagnostic[]): Record<string, number> {
  const r: Record<string, number> = {};
  for (const s of settings) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(s.trim());
    if (!m) {
      out.push(diag('E401', `--set expects NAME=VALUE, got '${s}'`));
      continue;
    }
    const v = Number(m[2]);
    if (!/^\d+$/.test(m[2].trim()) || !Number.isSafeInteger(v) || v < 1) {
      out.push(diag('E401', `--set ${m[1]}: the value must be a positive integer, got '${m[2]}'`));
      continue;
    }
    r[m[1]] = v;
  }
  return r;
}

/** Applies overrides to a graph's size defaults (unknown names are E401). */
export function overrideSizes(g: Graph, overrides: SizeValues, out: Diagnostic[]): Graph {
  const known = new Set(g.sizes.map((s) => s.name));
  for (const name of Object.keys(overrides)) {
    if (!known.has(name)) {
      const list = g.sizes.map((s) => s.name).join(', ') || 'none';
      out.push(diag('E401', `cell ${g.name} has no size symbol '${name}' that can be set (settable: ${list})`));
    }
  }
  return { ...g, sizes: g.sizes.map((s) => (overrides[s.name] !== undefined ? { ...s, value: overrides[s.name] } : s)) };
}

/** Concrete values of every size, or E402 for each size left without one. */
export function sizeValues(g: Graph, out: Diagnostic[]): SizeValues | undefined {
  const r: Record<string, number> = {};
  let ok = true;
  for (const s of g.sizes) {
    if (s.value === undefined) {
      out.push(diag('E402', `size ${s.name} of cell ${g.name} has no value; pass --set ${s.name}=N`));
      ok = false;
    } else r[s.name] = s.value;
  }
  return ok ? r : undefined;
}
