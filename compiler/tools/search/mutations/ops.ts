// swap-op: `a + b` becomes `a * b` and back. Both broadcast their operands
// the same way (SPEC §5.4), so the result has the same shape.

import type { GenCell } from '../../cellgen/ast.js';
import { rewriteAt, nodesOf, show, stmtLabel } from '../walk.js';
import type { Site } from './mutation.js';

export function opSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const n of nodesOf(c)) {
    if (n.e.k !== 'bin' || (n.e.op !== '+' && n.e.op !== '*')) continue;
    const op = n.e.op;
    const after = { ...n.e, op: op === '+' ? ('*' as const) : ('+' as const) };
    const label = stmtLabel(c.stmts[n.stmt]);
    sites.push({ kind: 'swap-op', apply: () => ({ cell: rewriteAt(c, n.stmt, n.at, () => after), description: `change ${op} to ${after.op} in ${label}: ${show(c, n.e)} → ${show(c, after)}` }) });
  }
  return sites;
}
