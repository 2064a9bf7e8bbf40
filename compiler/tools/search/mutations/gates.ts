// Gates: add-gate (a new `sigmoid(dense(…))` local multiplying a term of a
// statement), drop-gate (`g * t` becomes `t` where g is a gate: a sigmoid,
// a local holding one, or 1 − such), add-peephole (a diagonal term `p * c`,
// a new parameter p initialised to 0, inside a gate's argument).

import type { Expr, GenCell, Stmt } from '../../cellgen/ast.js';
import { shapeEq, spellDim } from '../../cellgen/dims.js';
import { sizeForms } from '../../cellgen/ast.js';
import { freshName, nameRef, nodesOf, rewriteAt, show, stmtLabel, visibleAt, type At } from '../walk.js';
import type { Site } from './mutation.js';

/** The operands of the top-level chain of + and − of `e`, with their paths. */
export function termsOf(e: Expr, at: At = []): { e: Expr; at: At }[] {
  if (e.k === 'bin' && (e.op === '+' || e.op === '-')) return [...termsOf(e.a, [...at, 0]), ...termsOf(e.b, [...at, 1])];
  return [{ e, at }];
}

/** A sigmoid, a local that holds one, or 1 − a gate. */
export function isGate(c: GenCell, e: Expr): boolean {
  if (e.k === 'call') return e.fn === 'sigmoid';
  if (e.k === 'name') {
    const def = c.stmts.find((s) => s.kind === 'let' && s.name === e.name);
    return !!def?.e && def.e.k === 'call' && def.e.fn === 'sigmoid';
  }
  return e.k === 'bin' && e.op === '-' && e.a.k === 'num' && e.a.v === 1 && isGate(c, e.b);
}

export function addGateSites(c: GenCell): Site[] {
  const forms = sizeForms(c.sizes);
  const ins = c.inputs.filter((x) => x.shape?.length === 1).map((x) => x.name);
  const sts = c.states.filter((s) => s.shape.length === 1).map((s) => s.name);
  if (!ins.length && !sts.length) return [];
  const sites: Site[] = [];
  for (const [k, st] of c.stmts.entries()) {
    if (st.kind === 'out') continue;
    const root = st.e;
    const targets = termsOf(root);
    if (targets.length > 1) targets.push({ e: root, at: [] });
    for (const term of targets) {
      if (term.e.t?.shape.length !== 1) continue;
      sites.push({
        kind: 'add-gate',
        apply: (rng) => {
          let args = [...ins.filter(() => rng.chance(0.8)), ...sts.filter(() => rng.chance(0.6))];
          if (!args.length) args = [rng.pick([...ins, ...sts])];
          const name = freshName(c, 'g');
          const out = spellDim(term.e.t!.shape[0], forms);
          const gate: Expr = { k: 'call', fn: 'sigmoid', args: [{ k: 'call', fn: 'dense', args: args.map((a) => nameRef(a)), kw: [['out', out]] }], kw: [] };
          const withGate: GenCell = { ...c, stmts: [...c.stmts.slice(0, k), { kind: 'let', name, e: gate } as Stmt, ...c.stmts.slice(k)] };
          return {
            cell: rewriteAt(withGate, k + 1, term.at, (t) => ({ k: 'bin', op: '*', a: nameRef(name), b: t })),
            description: `add gate ${name} = sigmoid(dense(${args.join(', ')}, out = ${out})) on ${show(c, term.e)} in ${stmtLabel(st)}`,
          };
        },
      });
    }
  }
  return sites;
}

export function dropGateSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const n of nodesOf(c)) {
    if (n.e.k !== 'bin' || n.e.op !== '*') continue;
    const prod = n.e;
    for (const [g, t] of [[prod.a, prod.b], [prod.b, prod.a]] as const) {
      if (!isGate(c, g) || !shapeEq(t.t!.shape, prod.t!.shape)) continue;
      sites.push({ kind: 'drop-gate', apply: () => ({ cell: rewriteAt(c, n.stmt, n.at, () => t), description: `drop gate ${show(c, g, 30)} in ${stmtLabel(c.stmts[n.stmt])}: ${show(c, prod)} → ${show(c, t)}` }) });
    }
  }
  return sites;
}

/** Whether `arg` already has a term `p * v` (or `v * p`) with a parameter p. */
function hasPeephole(arg: Expr, v: string): boolean {
  return termsOf(arg).some(({ e }) => e.k === 'bin' && e.op === '*' && ((e.a.k === 'param' && e.b.k === 'name' && e.b.name === v) || (e.b.k === 'param' && e.a.k === 'name' && e.a.name === v)));
}

export function peepholeSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const n of nodesOf(c)) {
    if (n.e.k !== 'call' || n.e.fn !== 'sigmoid' || n.e.args.length !== 1) continue;
    const arg = n.e.args[0];
    const st = c.stmts[n.stmt];
    const gate = n.at.length === 0 && st.kind === 'let' ? st.name : `the sigmoid in ${stmtLabel(st)}`;
    const visible = visibleAt(c, n.stmt);
    for (const s of c.states) {
      if (!shapeEq(s.shape, arg.t!.shape)) continue;
      for (const v of [s.name, `${s.name}'`]) {
        if (!visible.has(v) || hasPeephole(arg, v)) continue;
        sites.push({
          kind: 'add-peephole',
          apply: () => {
            const p = freshName(c, 'p');
            const term: Expr = { k: 'bin', op: '*', a: { k: 'param', name: p, init: '0', t: { shape: s.shape, batched: false } }, b: nameRef(v) };
            return { cell: rewriteAt(c, n.stmt, [...n.at, 0], (a) => ({ k: 'bin', op: '+', a, b: term })), description: `add peephole ${p} * ${v} to ${gate}` };
          },
        });
      }
    }
  }
  return sites;
}
