// Addressing and rewriting the nodes of a cell (cellgen AST): a node is
// found by its statement and the path of operand indices from the
// statement's expression; rewriting returns a new tree (the AST is
// immutable), with the types left for typeCell to recompute.

import { children, renderExpr, sizeForms, withChild, type Expr, type GenCell, type Stmt, type VType } from '../cellgen/ast.js';
import { BUILTINS } from '../../sema/builtins.js';

export type At = readonly number[];

export interface NodeAt {
  readonly stmt: number;
  readonly at: At;
  readonly e: Expr;
  /** The node that has this one as an operand (undefined at a statement's root). */
  readonly parent?: Expr;
}

/** Every node of every statement, parents before their operands. */
export function* nodesOf(c: GenCell): Generator<NodeAt> {
  for (const [stmt, st] of c.stmts.entries()) {
    if (!st.e) continue;
    const walk = function* (e: Expr, at: At, parent?: Expr): Generator<NodeAt> {
      yield { stmt, at, e, ...(parent ? { parent } : {}) };
      for (const [i, x] of children(e).entries()) yield* walk(x, [...at, i], e);
    };
    yield* walk(st.e, []);
  }
}

export function getAt(e: Expr, at: At): Expr {
  return at.reduce((x, i) => children(x)[i], e);
}

/** `e` with the node at `at` replaced by f(node). */
export function replaceAt(e: Expr, at: At, f: (x: Expr) => Expr): Expr {
  if (!at.length) return f(e);
  const [i, ...rest] = at;
  return withChild(e, i, replaceAt(children(e)[i], rest, f));
}

/** The cell with statement `k`'s node at `at` replaced by f(node). */
export function rewriteAt(c: GenCell, k: number, at: At, f: (x: Expr) => Expr): GenCell {
  return { ...c, stmts: c.stmts.map((st, j) => (j === k ? ({ ...st, e: replaceAt(st.e!, at, f) } as Stmt) : st)) };
}

/** Every node of `e` rewritten bottom-up by f. */
export function mapExpr(e: Expr, f: (x: Expr) => Expr): Expr {
  const kids = children(e);
  const rebuilt = kids.reduce((acc, x, i) => withChild(acc, i, mapExpr(x, f)), e);
  return f(rebuilt);
}

/** How a statement is named in a mutation's description: `g`, `c'`, `output y`. */
export function stmtLabel(st: Stmt): string {
  return st.kind === 'let' ? st.name : st.kind === 'next' ? `${st.name}'` : `output ${st.name}`;
}

/** Source text of a subtree, for descriptions. */
export function show(c: GenCell, e: Expr, max = 60): string {
  const s = renderExpr(e, sizeForms(c.sizes));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Every name the cell uses or declares, and the built-ins (a new name must avoid them all). */
export function takenNames(c: GenCell): Set<string> {
  const names = new Set<string>([...Object.keys(BUILTINS), 'false', 'reverse', 'cell', 'size', 'param', 'state', 'output', 'init', 'index', 'B', 'T']);
  for (const s of c.sizes) names.add(s.name);
  for (const x of c.inputs) names.add(x.name);
  for (const s of c.states) names.add(s.name);
  for (const st of c.stmts) names.add(st.name);
  for (const n of nodesOf(c)) if (n.e.k === 'name' || n.e.k === 'param') names.add(n.e.name.replace(/'$/, ''));
  return names;
}

/** `base1`, `base2`, … (with `bare`: `base` first): the first one the cell does not use. */
export function freshName(c: GenCell, base: string, bare = false): string {
  const taken = takenNames(c);
  if (bare && !taken.has(base)) return base;
  for (let k = 1; ; k++) if (!taken.has(`${base}${k}`)) return `${base}${k}`;
}

/** The values statement k may read, with their types: inputs, states, and the locals and next states defined before it. */
export function visibleAt(c: GenCell, k: number): Map<string, VType> {
  const vars = new Map<string, VType>();
  for (const x of c.inputs) if (x.shape) vars.set(x.name, { shape: x.shape, batched: true });
  for (const s of c.states) vars.set(s.name, { shape: s.shape, batched: true });
  for (const st of c.stmts.slice(0, k)) {
    if (st.kind === 'let') vars.set(st.name, st.e.t!);
    else if (st.kind === 'next') vars.set(`${st.name}'`, { shape: c.states.find((s) => s.name === st.name)!.shape, batched: st.e.t!.batched });
  }
  return vars;
}

export const nameRef = (name: string, t?: VType): Expr => ({ k: 'name', name, ...(t ? { t } : {}) });
