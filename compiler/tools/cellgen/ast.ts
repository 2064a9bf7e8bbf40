// The generator's cell representation and its rendering to source text.
//
// Every f32 node carries its type (shape as linear forms, batched flag), so
// the shrinker can swap a subtree for another of the same shape without
// re-deriving types. Parameters are leaves that carry their declaration:
// rendering collects them from the tree, so removing a subtree never leaves
// a dangling `param` behind.

import { spellDim, type Lin } from './dims.js';

export interface VType {
  readonly shape: readonly Lin[];
  readonly batched: boolean;
}

export type Expr =
  | { readonly k: 'name'; readonly name: string; readonly t?: VType } // t undefined: an index input
  | { readonly k: 'param'; readonly name: string; readonly init: string; readonly t: VType }
  | { readonly k: 'num'; readonly v: number; readonly t: VType }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Expr[]; readonly kw: readonly (readonly [string, string])[]; readonly t?: VType }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Expr; readonly b: Expr; readonly t?: VType } // t undefined: a comparison
  | { readonly k: 'neg'; readonly a: Expr; readonly t: VType }
  | { readonly k: 'slice'; readonly a: Expr; readonly items: readonly string[]; readonly t: VType };

export type BinOp = '+' | '-' | '*' | '/' | '@' | '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface SizeDecl {
  readonly name: string;
  /** A symbol's default value, or (with `derived` or `product`) undefined. */
  readonly value?: number;
  readonly derived?: Lin;
  /**
   * `size D = NH * DH`: a product of two sizes (heads). The generator treats D as a symbol of its
   * own (it never equates D with the product), the checker as the product.
   */
  readonly product?: readonly [string, string];
}

export interface InputDecl {
  readonly name: string;
  readonly shape?: readonly Lin[];
  /** The size name of an index input's range. */
  readonly index?: string;
}

export interface StateDecl {
  readonly name: string;
  readonly shape: readonly Lin[];
  readonly init: number;
}

export type Stmt =
  | { readonly kind: 'let'; readonly name: string; readonly e: Expr }
  | { readonly kind: 'next'; readonly name: string; readonly e: Expr }
  | { readonly kind: 'out'; readonly name: string; readonly e?: Expr; readonly ref?: string };

export interface GenCell {
  readonly name: string;
  readonly reverse: boolean;
  readonly sizes: readonly SizeDecl[];
  readonly inputs: readonly InputDecl[];
  readonly states: readonly StateDecl[];
  readonly stmts: readonly Stmt[];
}

/** Each size name and its linear form (a derived size is its definition). */
export function sizeForms(sizes: readonly SizeDecl[]): Map<string, Lin> {
  return new Map(sizes.map((s) => [s.name, s.derived ?? { k: { [s.name]: 1 }, c: 0 }]));
}

/** The concrete value of every size symbol (derived sizes are not symbols). */
export function sizeValues(c: GenCell): Record<string, number> {
  return Object.fromEntries(c.sizes.filter((s) => s.value !== undefined).map((s) => [s.name, s.value!]));
}

const PREC: Record<BinOp, number> = { '<': 0, '<=': 0, '>': 0, '>=': 0, '==': 0, '!=': 0, '+': 1, '-': 1, '*': 2, '/': 2, '@': 2 };
const prec = (e: Expr): number => (e.k === 'bin' ? PREC[e.op] : e.k === 'neg' || (e.k === 'num' && e.v < 0) ? 3 : e.k === 'slice' ? 4 : 5);

/** A literal as written: integers stay integers (`2`); float noise is rounded away (at most 12 significant digits). */
function num(v: number): string {
  return String(Number(v.toPrecision(12)));
}

export function renderExpr(e: Expr, names: ReadonlyMap<string, Lin>): string {
  const r = (x: Expr) => renderExpr(x, names);
  const wrap = (x: Expr, min: number) => (prec(x) >= min ? r(x) : `(${r(x)})`);
  switch (e.k) {
    case 'name':
    case 'param':
      return e.name;
    case 'num':
      return num(e.v);
    case 'call':
      return `${e.fn}(${[...e.args.map(r), ...e.kw.map(([k, v]) => `${k} = ${v}`)].join(', ')})`;
    case 'bin': {
      const p = PREC[e.op];
      return `${wrap(e.a, p === 0 ? 1 : p)} ${e.op} ${wrap(e.b, p + 1)}`;
    }
    case 'neg':
      return `-${wrap(e.a, 3)}`;
    case 'slice':
      return `${wrap(e.a, 4)}[${e.items.join(', ')}]`;
  }
}

/** The operands of a node, in order. */
export function children(e: Expr): readonly Expr[] {
  if (e.k === 'call') return e.args;
  if (e.k === 'bin') return [e.a, e.b];
  if (e.k === 'neg' || e.k === 'slice') return [e.a];
  return [];
}

/** `e` with its i-th operand replaced by `c`. */
export function withChild(e: Expr, i: number, c: Expr): Expr {
  if (e.k === 'call') return { ...e, args: e.args.map((a, j) => (j === i ? c : a)) };
  if (e.k === 'bin') return i === 0 ? { ...e, a: c } : { ...e, b: c };
  if (e.k === 'neg' || e.k === 'slice') return { ...e, a: c };
  return e;
}

/** Every parameter leaf of `e`, in first-use order. */
export function paramsOf(e: Expr, out: Map<string, Expr & { k: 'param' }> = new Map()): Map<string, Expr & { k: 'param' }> {
  if (e.k === 'param') out.set(e.name, e);
  else if (e.k === 'call') e.args.forEach((a) => paramsOf(a, out));
  else if (e.k === 'bin') (paramsOf(e.a, out), paramsOf(e.b, out));
  else if (e.k === 'neg' || e.k === 'slice') paramsOf(e.a, out);
  return out;
}

export function renderCell(c: GenCell): string {
  const names = sizeForms(c.sizes);
  const shape = (s: readonly Lin[]) => `[${s.map((d) => spellDim(d, names)).join(', ')}]`;
  const inputs = c.inputs.map((x) => (x.index ? `${x.name}: index(${x.index})` : x.shape!.length ? `${x.name}${shape(x.shape!)}` : x.name));
  const lines: string[] = [`cell ${c.name}(${inputs.join(', ')})${c.reverse ? ' reverse' : ''} {`];
  for (const s of c.sizes) {
    const derived = s.derived ? spellDim(s.derived, new Map([...names].filter(([n]) => n !== s.name))) : undefined;
    const value = derived ?? (s.product ? s.product.join(' * ') : s.value);
    lines.push(value === undefined ? `  size ${s.name}` : `  size ${s.name} = ${value}`); // a free size has no value
  }
  const params = new Map<string, Expr & { k: 'param' }>();
  for (const st of c.stmts) if (st.e) paramsOf(st.e, params);
  for (const p of params.values()) lines.push(`  param ${p.name}${p.t.shape.length ? shape(p.t.shape) : ''} init ${p.init}`);
  for (const s of c.states) lines.push(`  state ${s.name}${s.shape.length ? shape(s.shape) : ''} = ${num(s.init)}`);
  for (const st of c.stmts) {
    if (st.kind === 'let') lines.push(`  ${st.name} = ${renderExpr(st.e, names)}`);
    else if (st.kind === 'next') lines.push(`  ${st.name}' = ${renderExpr(st.e, names)}`);
    else lines.push(st.e ? `  output ${st.name} = ${renderExpr(st.e, names)}` : `  output ${st.ref}`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
