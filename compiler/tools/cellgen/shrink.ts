// shrinkCell(cell, stillFails): a small cell on which `stillFails` still
// holds, by greedy one-edit steps, each kept only if the result checks
// (public `check`) and still fails:
//   - drop a statement, a state (with its next value) or an input;
//   - replace a subexpression by one of its operands of the same shape, or
//     by a fresh parameter (or a literal, for a scalar) of the same shape;
//   - run forward in time instead of in reverse;
//   - lower a size's value (3 → 2 → 1) or a derived size's constant.
// Edits that break typing are simply rejected by the check, so the result is
// always well-typed. Stops at a fixed point or after `maxTries` predicate calls.

import { check } from '../../index.js';
import { children, renderCell, withChild, type Expr, type GenCell, type Stmt } from './ast.js';
import { lin, linAdd, shapeEq } from './dims.js';

export interface ShrinkOptions {
  /** Most predicate evaluations (default 200): each may run a GPU comparison. */
  readonly maxTries?: number;
}

type Pred = (c: GenCell) => Promise<boolean> | boolean;

let fresh = 0;

/** Every single-edit variant of `e`, smallest first. */
function variants(e: Expr): Expr[] {
  const out: Expr[] = [];
  const t = e.t;
  if (t && e.k !== 'param' && e.k !== 'num' && e.k !== 'name') {
    for (const c of children(e)) if (c.t && shapeEq(c.t.shape, t.shape)) out.push(c);
    if (t.shape.length === 0) out.push({ k: 'num', v: 0.5, t: { shape: [], batched: false } });
    out.push({ k: 'param', name: `r${fresh++}`, init: 'normal(0.4)', t: { shape: t.shape, batched: false } });
  }
  children(e).forEach((c, i) => {
    for (const v of variants(c)) out.push(withChild(e, i, v));
  });
  return out;
}

function* edits(c: GenCell): Generator<GenCell> {
  const outputs = c.stmts.filter((s) => s.kind === 'out').length;
  // whole statements and declarations first: they shrink the most
  for (let i = 0; i < c.stmts.length; i++) {
    const s = c.stmts[i];
    if (s.kind === 'out' && outputs <= 1) continue;
    if (s.kind === 'next') continue;
    yield { ...c, stmts: c.stmts.filter((_, j) => j !== i) };
  }
  for (const st of c.states) {
    const stmts = c.stmts.filter((s) => !(s.kind === 'next' && s.name === st.name) && !(s.kind === 'out' && s.ref === `${st.name}'`));
    if (stmts.some((s) => s.kind === 'out')) yield { ...c, states: c.states.filter((x) => x !== st), stmts };
  }
  for (const x of c.inputs) if (x.name !== 'x') yield { ...c, inputs: c.inputs.filter((y) => y !== x) };
  if (c.reverse) yield { ...c, reverse: false };
  for (let i = 0; i < c.stmts.length; i++) {
    const s = c.stmts[i];
    if (!s.e) continue;
    for (const e of variants(s.e)) yield { ...c, stmts: c.stmts.map((x, j) => (j === i ? ({ ...s, e } as Stmt) : x)) };
  }
  for (const [i, s] of c.sizes.entries()) {
    const smaller = s.value !== undefined ? [1, 2, 3].filter((v) => v < s.value!) : s.derived && s.derived.c > 1 ? [linAdd(s.derived, lin(-1))] : [];
    for (const v of smaller) yield { ...c, sizes: c.sizes.map((x, j) => (j !== i ? x : typeof v === 'number' ? { ...x, value: v } : { ...x, derived: v })) };
  }
}

export async function shrinkCell(cell: GenCell, stillFails: Pred, o: ShrinkOptions = {}): Promise<GenCell> {
  let tries = o.maxTries ?? 200;
  let best = cell;
  let progress = true;
  while (progress && tries > 0) {
    progress = false;
    for (const cand of edits(best)) {
      if (tries <= 0) break;
      let ok: boolean;
      try {
        ok = check(renderCell(cand), 'shrink.cell').diagnostics.length === 0;
      } catch {
        ok = false; // a compiler crash is a different failure than the one being shrunk
      }
      if (!ok) continue;
      tries--;
      if (await stillFails(cand)) {
        best = cand;
        progress = true;
        break;
      }
    }
  }
  return best;
}
