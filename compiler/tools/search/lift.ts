// A seed cell's source → the cellgen AST (compiler/tools/cellgen/ast.ts),
// typed: the representation the mutations work on and renderCell prints.
//
// The file is parsed by the front end (parseSource, after `check` accepted
// it); its first cell is lifted statement by statement. Keyword values,
// slice bounds and initialisers keep their source text. The search handles
// float inputs and states with literal initial values, and the built-ins of
// SEARCH_CALLS; anything else is refused with its location (LiftError).

import { parseSource } from '../../frontend.js';
import { SourceFile } from '../../source.js';
import type * as A from '../../syntax/ast.js';
import type { Expr, GenCell, InputDecl, SizeDecl, StateDecl, Stmt } from '../cellgen/ast.js';
import { lin, linAdd, linScale, type Lin } from '../cellgen/dims.js';
import { SEARCH_CALLS, SearchTypeError, typeCell } from './types.js';

export class LiftError extends Error {}

export function liftCell(text: string, path: string): GenCell {
  const file = new SourceFile(path, text);
  const { program } = parseSource(file);
  const cell = program?.cells[0];
  if (!cell) throw new LiftError(`${path}: the file defines no cell (run cellc check ${path})`);
  const where = (sp: A.Expr['span']) => {
    const p = file.position(sp.start);
    return `${path}:${p.line}:${p.col}`;
  };
  const src = (sp: A.Expr['span']) => text.slice(sp.start, sp.end);
  const refuse = (sp: A.Expr['span'], what: string): never => {
    throw new LiftError(`${where(sp)}: ${what} is beyond what cellc search mutates (float inputs, states with a literal initial value, and the built-ins ${SEARCH_CALLS.join(' ')})`);
  };

  // sizes: explicit ones in text order, then the implicit ones of the input list
  const forms = new Map<string, Lin>();
  const sizes: SizeDecl[] = [];
  const dimOf = (d: A.DimExpr): Lin => {
    switch (d.kind) {
      case 'dnum':
        return lin(d.value);
      case 'dname':
        return forms.get(d.name) ?? lin(0, { [d.name]: 1 });
      case 'dadd':
        return linAdd(dimOf(d.lhs), dimOf(d.rhs), d.op === '+' ? 1 : -1);
      case 'dmul': {
        const a = dimOf(d.lhs);
        const b = dimOf(d.rhs);
        // the search's sizes are linear forms: a product of two sizes (heads, NH * DH) is refused
        if (Object.keys(a.k).length && Object.keys(b.k).length) return refuse(d.span, `the product of sizes '${text.slice(d.span.start, d.span.end)}'`);
        return Object.keys(a.k).length ? linScale(a, b.c) : linScale(b, a.c);
      }
    }
  };
  for (const st of cell.body) {
    if (st.kind !== 'size') continue;
    const n = st.name.name;
    if (!st.value) sizes.push({ name: n });
    else if (st.value.kind === 'dnum') sizes.push({ name: n, value: st.value.value });
    else sizes.push({ name: n, derived: dimOf(st.value) });
    forms.set(n, st.value && st.value.kind !== 'dnum' ? dimOf(st.value) : lin(0, { [n]: 1 }));
  }
  const implicit = (d: A.DimExpr): void => {
    if (d.kind === 'dname' && !forms.has(d.name)) {
      forms.set(d.name, lin(0, { [d.name]: 1 }));
      sizes.push({ name: d.name });
    } else if (d.kind === 'dadd' || d.kind === 'dmul') (implicit(d.lhs), implicit(d.rhs));
  };
  for (const x of cell.inputs) x.shape.forEach(implicit);

  const inputs: InputDecl[] = cell.inputs.map((x) => (x.indexRange ? refuse(x.span, `the index input '${x.name.name}'`) : { name: x.name.name, shape: x.shape.map(dimOf) }));
  const params = new Map<string, Expr & { k: 'param' }>();
  const states: StateDecl[] = [];
  for (const st of cell.body) {
    if (st.kind === 'param') {
      const shape = st.shape.map(dimOf);
      const init = st.init ? src(st.init.span) : shape.length === 2 ? 'glorot' : 'zeros';
      params.set(st.name.name, { k: 'param', name: st.name.name, init, t: { shape, batched: false } });
    } else if (st.kind === 'state') {
      const v = st.init;
      const init = v === undefined ? 0 : v.kind === 'num' ? v.value : v.kind === 'neg' && v.operand.kind === 'num' ? -v.operand.value : refuse(v.span, `the learned initial state '${src(v.span)}'`);
      states.push({ name: st.name.name, shape: st.shape.map(dimOf), init });
    }
  }

  const expr = (e: A.Expr): Expr => {
    switch (e.kind) {
      case 'num':
        return { k: 'num', v: e.value, t: { shape: [], batched: false } };
      case 'name':
        if (!e.primed && params.has(e.name)) return params.get(e.name)!;
        return { k: 'name', name: e.primed ? `${e.name}'` : e.name };
      case 'neg': {
        const a = expr(e.operand);
        return { k: 'neg', a, t: a.t! };
      }
      case 'binary':
        if (!['+', '-', '*', '/', '@'].includes(e.op)) refuse(e.span, `the comparison '${e.op}'`);
        return { k: 'bin', op: e.op, a: expr(e.lhs), b: expr(e.rhs) };
      case 'slice':
        return { k: 'slice', a: expr(e.base), items: e.items.map((it) => src(it.span)), t: { shape: [], batched: false } }; // typed below
      case 'call':
        if (!SEARCH_CALLS.includes(e.callee)) refuse(e.calleeSpan, `'${e.callee}'`);
        return { k: 'call', fn: e.callee, args: e.args.map(expr), kw: e.kwargs.map((k) => [k.key, src(k.value.span)] as const) };
    }
  };
  const stmts: Stmt[] = [];
  for (const st of cell.body) {
    if (st.kind === 'assign') stmts.push(st.primed ? { kind: 'next', name: st.target.name, e: expr(st.value) } : { kind: 'let', name: st.target.name, e: expr(st.value) });
    else if (st.kind === 'output') stmts.push(st.value ? { kind: 'out', name: st.name.name, e: expr(st.value) } : { kind: 'out', name: st.name.name, ref: st.primed ? `${st.name.name}'` : st.name.name });
  }
  const lifted: GenCell = { name: cell.name.name, reverse: cell.attribute?.name === 'reverse', sizes, inputs, states, stmts };
  try {
    return typeCell(lifted);
  } catch (e) {
    if (e instanceof SearchTypeError) throw new LiftError(`${path}: cell ${cell.name.name}: ${e.message}: cellc search cannot mutate it`);
    throw e;
  }
}
