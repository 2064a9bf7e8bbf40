// A candidate's canonical form: locals that no next state and no output
// reads (directly or through other locals) are dropped, and every node is
// typed again. Its printed source (renderCell) is what identifies a
// candidate: two candidates that print the same are the same cell.

import { renderCell, type GenCell } from '../cellgen/ast.js';
import { namesRead, typeCell } from './types.js';

export function pruneDeadLocals(c: GenCell): GenCell {
  const live = new Set<string>();
  for (const st of [...c.stmts].reverse()) {
    const root = st.kind !== 'let';
    if (!root && !live.has(st.name)) continue;
    if (st.kind === 'out' && st.ref) live.add(st.ref);
    if (st.e) for (const n of namesRead(st.e)) live.add(n);
  }
  return { ...c, stmts: c.stmts.filter((st) => st.kind !== 'let' || live.has(st.name)) };
}

export function normalizeCell(c: GenCell): GenCell {
  return typeCell(pruneDeadLocals(c));
}

/** The canonical source of a cell: its normal form, printed. */
export function canonicalSource(c: GenCell): string {
  return renderCell(normalizeCell(c));
}
