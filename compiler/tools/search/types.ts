// The typing pass of the search: every node of a cell (cellgen AST) gets its
// type (shape as linear forms, batched flag) from its operands, by the rules
// of SPEC §5–§6 for the part of the language the search works on. The
// mutations build trees and call typeCell on the result: a mutation that
// produced an ill-typed tree throws here (a bug in the mutation), before the
// front end's check sees it.

import { children, sizeForms, type Expr, type GenCell, type Stmt, type VType } from '../cellgen/ast.js';
import { isOne, lin, linAdd, linEq, linSub, shapeEq, type Lin } from '../cellgen/dims.js';
import { DimTextError, parseDim } from './dimText.js';

export class SearchTypeError extends Error {}

/** One-argument elementwise built-ins. */
export const UNARY_FNS: readonly string[] = ['tanh', 'sigmoid', 'relu', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'softplus', 'square', 'silu'];
const REDUCE_FNS = ['sum', 'max', 'logsumexp', 'mean'];
const SAME_FNS = ['softmax', 'logsoftmax', 'layernorm'];
/** The built-ins a seed cell may call. */
export const SEARCH_CALLS: readonly string[] = [...UNARY_FNS, 'maximum', 'minimum', ...REDUCE_FNS, ...SAME_FNS, 'concat', 'transpose', 'outer', 'dense'];

export interface Scope {
  /** Inputs, states, locals and next states (`c'`) defined so far. */
  readonly vars: Map<string, VType>;
  readonly states: ReadonlySet<string>;
  readonly forms: ReadonlyMap<string, Lin>;
}

const fail = (why: string): never => {
  throw new SearchTypeError(why);
};
const scalar: VType = { shape: [], batched: false };

function broadcast(a: readonly Lin[], b: readonly Lin[]): Lin[] {
  const r = Math.max(a.length, b.length);
  const out: Lin[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i];
    const db = b[b.length - r + i];
    if (da === undefined) out.push(db);
    else if (db === undefined) out.push(da);
    else if (linEq(da, db) || isOne(db)) out.push(da);
    else if (isOne(da)) out.push(db);
    else fail('shapes do not broadcast');
  }
  return out;
}

function dim(text: string, forms: ReadonlyMap<string, Lin>): Lin {
  try {
    return parseDim(text, forms);
  } catch (e) {
    if (e instanceof DimTextError) throw new SearchTypeError(e.message);
    throw e;
  }
}

const kwOf = (e: Expr & { k: 'call' }, key: string) => e.kw.find(([k]) => k === key)?.[1];

function axisOf(e: Expr & { k: 'call' }, rank: number): number {
  const text = kwOf(e, 'axis') ?? '-1';
  const a = Number(text);
  if (!Number.isInteger(a) || a < -rank || a >= rank) fail(`${e.fn}: axis ${text} is out of range`);
  return a < 0 ? a + rank : a;
}

function matmul(a: readonly Lin[], b: readonly Lin[]): Lin[] {
  if (a.length < 1 || a.length > 2 || b.length < 1 || b.length > 2) fail('@ needs vectors or matrices');
  const ka = a[a.length - 1];
  const kb = b[0];
  if (!linEq(ka, kb)) fail('@: inner dimensions differ');
  return [...a.slice(0, -1), ...b.slice(1)];
}

function sliceShape(shape: readonly Lin[], items: readonly string[], forms: ReadonlyMap<string, Lin>): Lin[] {
  if (items.length === 0 || items.length > shape.length) fail('a slice has more items than axes');
  const out: Lin[] = [];
  items.forEach((it, i) => {
    if (!it.includes(':')) return; // an index drops its axis
    const [lo, hi] = it.split(':').map((s) => s.trim());
    out.push(linSub(hi ? dim(hi, forms) : shape[i], lo ? dim(lo, forms) : lin(0)));
  });
  return [...out, ...shape.slice(items.length)];
}

function callShape(e: Expr & { k: 'call' }, args: readonly Expr[], scope: Scope): Lin[] {
  const s = args.map((a) => a.t!.shape);
  const one = () => (args.length === 1 ? s[0] : fail(`${e.fn} takes one argument`));
  if (UNARY_FNS.includes(e.fn)) return [...one()];
  if (e.fn === 'maximum' || e.fn === 'minimum') return args.length === 2 ? broadcast(s[0], s[1]) : fail(`${e.fn} takes two arguments`);
  if (REDUCE_FNS.includes(e.fn)) {
    const x = one();
    if (!x.length) fail(`${e.fn} of a scalar`);
    const a = axisOf(e, x.length);
    return x.filter((_, i) => i !== a);
  }
  if (SAME_FNS.includes(e.fn)) return one().length ? [...s[0]] : fail(`${e.fn} of a scalar`);
  if (e.fn === 'transpose') return one().length === 2 ? [s[0][1], s[0][0]] : fail('transpose needs a matrix');
  if (e.fn === 'outer') return args.length === 2 && s[0].length === 1 && s[1].length === 1 ? [s[0][0], s[1][0]] : fail('outer needs two vectors');
  if (e.fn === 'concat') {
    if (args.length < 2 || !s[0].length) fail('concat needs two or more tensors');
    const a = axisOf(e, s[0].length);
    if (s.some((x) => x.length !== s[0].length || x.some((d, i) => i !== a && !linEq(d, s[0][i])))) fail('concat: shapes differ off the axis');
    return s[0].map((d, i) => (i === a ? s.slice(1).reduce((acc, x) => linAdd(acc, x[a]), d) : d));
  }
  if (e.fn === 'dense') {
    if (!args.length || s.some((x) => x.length !== 1)) fail('dense needs vectors');
    const out = kwOf(e, 'out');
    if (out !== undefined) return [dim(out, scope.forms)];
    const st = e.args.find((a) => a.k === 'name' && scope.states.has(a.name));
    return st ? [...st.t!.shape] : fail('dense cannot infer its output size');
  }
  return fail(`'${e.fn}' is not a built-in the search handles`);
}

/** `e` with the type of every node computed from its leaves. */
export function typeExpr(e: Expr, scope: Scope): Expr {
  switch (e.k) {
    case 'num':
      return { ...e, t: scalar };
    case 'param':
      return { ...e, t: { shape: e.t.shape, batched: false } };
    case 'name': {
      const t = scope.vars.get(e.name) ?? (scope.forms.has(e.name) ? scalar : fail(`'${e.name}' is not defined here`));
      return { ...e, t };
    }
    case 'neg': {
      const a = typeExpr(e.a, scope);
      return { ...e, a, t: a.t! };
    }
    case 'slice': {
      const a = typeExpr(e.a, scope);
      return { ...e, a, t: { shape: sliceShape(a.t!.shape, e.items, scope.forms), batched: a.t!.batched } };
    }
    case 'bin': {
      const a = typeExpr(e.a, scope);
      const b = typeExpr(e.b, scope);
      if (!['+', '-', '*', '/', '@'].includes(e.op)) fail(`'${e.op}' is not an operator the search handles`);
      const shape = e.op === '@' ? matmul(a.t!.shape, b.t!.shape) : broadcast(a.t!.shape, b.t!.shape);
      return { ...e, a, b, t: { shape, batched: a.t!.batched || b.t!.batched } };
    }
    case 'call': {
      const args = e.args.map((x) => typeExpr(x, scope));
      const shape = callShape({ ...e, args }, args, scope);
      return { ...e, args, t: { shape, batched: args.some((x) => x.t!.batched) } };
    }
  }
}

/** The scope at the start of the cell's step: inputs and states. */
export function initialScope(c: GenCell): Scope {
  const vars = new Map<string, VType>();
  for (const x of c.inputs) {
    if (!x.shape) fail(`index input '${x.name}' is not handled by the search`);
    vars.set(x.name, { shape: x.shape!, batched: true });
  }
  for (const s of c.states) vars.set(s.name, { shape: s.shape, batched: true });
  return { vars, states: new Set(c.states.map((s) => s.name)), forms: sizeForms(c.sizes) };
}

/** The cell with every node typed; throws SearchTypeError where a rule fails or a name is not in scope. */
export function typeCell(c: GenCell): GenCell {
  const scope = initialScope(c);
  const defined = new Set<string>();
  const stmts: Stmt[] = c.stmts.map((st): Stmt => {
    if (st.kind === 'out' && !st.e) {
      if (!scope.vars.has(st.ref!) && !scope.forms.has(st.ref!)) fail(`output '${st.ref}' is not defined here`);
      return st;
    }
    const e = typeExpr(st.e!, scope);
    if (st.kind === 'let') {
      if (scope.vars.has(st.name) || scope.forms.has(st.name)) fail(`'${st.name}' is defined twice`);
      scope.vars.set(st.name, e.t!);
    } else if (st.kind === 'next') {
      const s = c.states.find((x) => x.name === st.name) ?? fail(`'${st.name}'' is not a state`);
      if (defined.has(st.name)) fail(`'${st.name}'' is defined twice`);
      if (e.t!.shape.length > s.shape.length || !shapeEq(broadcast(e.t!.shape, s.shape), s.shape)) fail(`the value of ${st.name}' does not have the state's shape`);
      defined.add(st.name);
      scope.vars.set(`${st.name}'`, { shape: s.shape, batched: e.t!.batched });
    }
    return { ...st, e } as Stmt;
  });
  for (const s of c.states) if (!defined.has(s.name)) fail(`state '${s.name}' has no next value`);
  if (!stmts.some((s) => s.kind === 'out')) fail('the cell has no output');
  return { ...c, stmts };
}

/** Every name a tree reads (inputs, states, locals, next states, sizes). */
export function namesRead(e: Expr, out: Set<string> = new Set()): Set<string> {
  if (e.k === 'name') out.add(e.name);
  for (const c of children(e)) namesRead(c, out);
  return out;
}
