// rewire: what a `dense` reads. One vector it does not read yet is added
// (an input, a state, an earlier local such as another gate, or a next state
// defined before), one of several is removed, or one is replaced. The output
// size is written out (`out = H`), so it no longer depends on which state
// the call reads first (SPEC §6.1).

import { sizeForms, type Expr, type GenCell } from '../../cellgen/ast.js';
import { spellDim } from '../../cellgen/dims.js';
import { nameRef, nodesOf, rewriteAt, show, stmtLabel, visibleAt } from '../walk.js';
import type { Site } from './mutation.js';

/** A dense call with `out` written out, its value's length. */
export function withExplicitOut(c: GenCell, e: Expr & { k: 'call' }, args: readonly Expr[]): Expr {
  const kw = e.kw.some(([k]) => k === 'out') ? e.kw : [['out', spellDim(e.t!.shape[0], sizeForms(c.sizes))] as const, ...e.kw];
  return { ...e, args, kw };
}

export function rewireSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const n of nodesOf(c)) {
    if (n.e.k !== 'call' || n.e.fn !== 'dense') continue;
    const call = n.e;
    const read = new Set(call.args.filter((a) => a.k === 'name').map((a) => (a as { name: string }).name));
    const pool = [...visibleAt(c, n.stmt)].filter(([name, t]) => t.shape.length === 1 && !read.has(name)).map(([name]) => name);
    const label = stmtLabel(c.stmts[n.stmt]);
    const site = (args: Expr[]): Site => ({
      kind: 'rewire',
      apply: () => {
        const after = withExplicitOut(c, call, args);
        return { cell: rewriteAt(c, n.stmt, n.at, () => after), description: `rewire ${label}: ${show(c, call)} → ${show(c, after)}` };
      },
    });
    for (const v of pool) sites.push(site([...call.args, nameRef(v)]));
    call.args.forEach((_, i) => {
      if (call.args.length >= 2) sites.push(site(call.args.filter((_, j) => j !== i)));
      for (const v of pool) sites.push(site(call.args.map((a, j) => (j === i ? nameRef(v) : a))));
    });
  }
  return sites;
}
