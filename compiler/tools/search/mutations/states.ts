// States: reuse-state (state s is merged into another state t of the same
// shape: every read of s reads t, and s' becomes a local) and remove-state
// (every read of s is dropped with the smallest enclosing part that can go:
// a term of a sum, or an argument of a dense that has others; s' becomes a
// local). A state that is an output as it was at t−1 (`output c`) is kept.

import type { Expr, GenCell, Stmt } from '../../cellgen/ast.js';
import { shapeEq } from '../../cellgen/dims.js';
import { typeCell } from '../types.js';
import { freshName, getAt, mapExpr, nameRef, nodesOf, rewriteAt, type At } from '../walk.js';
import type { Site } from './mutation.js';
import { withExplicitOut } from './wiring.js';

/** Renames reads: `from` → `to` in every expression and output reference. */
function renameReads(c: GenCell, from: string, to: string): GenCell {
  const stmts = c.stmts.map((st): Stmt => {
    if (st.kind === 'out' && st.ref !== undefined) return st.ref === from ? { kind: 'out', name: st.name, e: nameRef(to) } : st;
    return { ...st, e: mapExpr(st.e!, (e) => (e.k === 'name' && e.name === from ? nameRef(to) : e)) } as Stmt;
  });
  return { ...c, stmts };
}

/** State s no longer exists: `s' = e` is the local `local = e`, read where s' was. */
function stateToLocal(c: GenCell, s: string, local: string): GenCell {
  const stmts = c.stmts.map((st): Stmt => (st.kind === 'next' && st.name === s ? { kind: 'let', name: local, e: st.e } : st));
  return renameReads({ ...c, states: c.states.filter((x) => x.name !== s), stmts }, `${s}'`, local);
}

const readsPrev = (c: GenCell, s: string) => c.stmts.some((st) => st.kind === 'out' && st.ref === s);

export function reuseStateSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const s of c.states) {
    if (readsPrev(c, s.name)) continue;
    for (const t of c.states) {
      if (t === s || !shapeEq(s.shape, t.shape)) continue;
      sites.push({
        kind: 'reuse-state',
        apply: () => {
          const local = freshName(c, `${s.name}new`, true);
          return { cell: stateToLocal(renameReads(c, s.name, t.name), s.name, local), description: `reuse state ${t.name} for ${s.name}: reads of ${s.name} read ${t.name}, ${s.name}' becomes the local ${local}` };
        },
      });
    }
  }
  return sites;
}

/** The cell with one read of `s` removed, or undefined when no enclosing part can be dropped. */
function dropOneRead(c: GenCell, k: number, at: At): GenCell | undefined {
  const root = c.stmts[k].e!;
  for (let j = at.length - 1; j >= 0; j--) {
    const up = at.slice(0, j);
    const parent = getAt(root, up);
    const i = at[j];
    if (parent.k === 'call' && parent.fn === 'dense' && parent.args.length >= 2) {
      return rewriteAt(c, k, up, () => withExplicitOut(c, parent, parent.args.filter((_, m) => m !== i)));
    }
    if (parent.k === 'bin' && (parent.op === '+' || parent.op === '-')) {
      const other = i === 0 ? parent.b : parent.a;
      if (!shapeEq(other.t!.shape, parent.t!.shape)) continue;
      const kept: Expr = i === 0 && parent.op === '-' ? { k: 'neg', a: other, t: other.t! } : other;
      return rewriteAt(c, k, up, () => kept);
    }
  }
  return undefined;
}

function removeState(c: GenCell, s: string): GenCell | undefined {
  if (c.states.length < 2 || readsPrev(c, s)) return undefined;
  let cur = c;
  for (let guard = 0; guard < 200; guard++) {
    const read = [...nodesOf(cur)].find((n) => n.e.k === 'name' && n.e.name === s);
    if (!read) return stateToLocal(cur, s, freshName(c, `${s}new`, true));
    const next = dropOneRead(cur, read.stmt, read.at);
    if (!next) return undefined;
    cur = typeCell(next);
  }
  return undefined;
}

export function removeStateSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const s of c.states) {
    const cell = removeState(c, s.name);
    if (cell) sites.push({ kind: 'remove-state', apply: () => ({ cell, description: `remove state ${s.name}: the terms that read it are dropped, ${s.name}' becomes a local` }) });
  }
  return sites;
}
