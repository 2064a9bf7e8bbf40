// CST → AST. Runs only on a CST without syntax errors (recovered CSTs may have
// holes; the front end stops before this stage when the parser reported any).
// A visitor method per grammar rule; validateVisitor() fails fast at start-up
// if a rule has no method.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import { parser } from './parser.js';
import type * as A from './ast.js';
import type { Span } from '../source.js';
import { assert } from '../util/assert.js';

type Ctx = Record<string, CstElement[] | undefined>;

const BaseVisitor = parser.getBaseCstVisitorConstructor();

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

function tokSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

// every node's span is computed once: asking it at each level of a long expression would be quadratic
const spans = new WeakMap<CstNode, Span>();

function nodeSpan(e: CstElement): Span {
  if (isToken(e)) return tokSpan(e);
  const known = spans.get(e);
  if (known) return known;
  let start = Infinity;
  let end = -Infinity;
  for (const children of Object.values(e.children)) {
    for (const c of children ?? []) {
      const s = nodeSpan(c);
      if (s.start < start) start = s.start;
      if (s.end > end) end = s.end;
    }
  }
  const sp = { start, end };
  spans.set(e, sp);
  return sp;
}

function tokens(ctx: Ctx, key: string): IToken[] {
  return (ctx[key] ?? []) as IToken[];
}
function nodes(ctx: Ctx, key: string): CstNode[] {
  return (ctx[key] ?? []) as CstNode[];
}
function one<T>(xs: T[], what: string): T {
  assert(xs.length > 0, `CST without ${what}`);
  return xs[0];
}
function span(node: CstNode): Span {
  return nodeSpan(node);
}
function name(t: IToken): A.Name {
  return { name: t.image.replace(/'$/, ''), span: tokSpan(t) };
}

class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  program(ctx: Ctx): A.Program {
    return { cells: nodes(ctx, 'cellDecl').map((c) => this.visit(c) as A.CellDecl) };
  }

  cellDecl(ctx: Ctx): A.CellDecl {
    const attribute = tokens(ctx, 'attribute')[0];
    return {
      name: name(one(tokens(ctx, 'name'), 'cell name')),
      ...(attribute ? { attribute: name(attribute) } : {}),
      inputs: nodes(ctx, 'inputDecl').map((n) => this.visit(n) as A.InputDecl),
      body: nodes(ctx, 'statement').map((n) => this.visit(n) as A.Stmt | null).filter((s): s is A.Stmt => s !== null),
      span: this.here(),
    };
  }

  private currentNode: CstNode | undefined;

  override visit(node: CstNode | CstNode[], param?: unknown): any {
    const n = Array.isArray(node) ? node[0] : node;
    const prev = this.currentNode;
    this.currentNode = n;
    try {
      return super.visit(n, param);
    } finally {
      this.currentNode = prev;
    }
  }

  private here(): Span {
    assert(this.currentNode, 'no current CST node');
    return span(this.currentNode);
  }

  inputDecl(ctx: Ctx): A.InputDecl {
    const shape = nodes(ctx, 'shape');
    const range = nodes(ctx, 'range');
    return {
      name: name(one(tokens(ctx, 'name'), 'input name')),
      shape: shape.length ? (this.visit(shape[0]) as A.DimExpr[]) : [],
      ...(range.length ? { indexRange: this.visit(range[0]) as A.DimExpr } : {}),
      span: this.here(),
    };
  }

  shape(ctx: Ctx): A.DimExpr[] {
    return nodes(ctx, 'dimExpr').map((d) => this.visit(d) as A.DimExpr);
  }

  dimExpr(ctx: Ctx): A.DimExpr {
    const terms = nodes(ctx, 'dimTerm').map((t) => this.visit(t) as A.DimExpr);
    const ops = tokens(ctx, 'AddOp');
    let acc = one(terms, 'dimension term');
    for (let i = 1; i < terms.length; i++) {
      acc = { kind: 'dadd', op: ops[i - 1].image as '+' | '-', lhs: acc, rhs: terms[i], span: { start: acc.span.start, end: terms[i].span.end } };
    }
    return acc;
  }

  dimTerm(ctx: Ctx): A.DimExpr {
    const atoms = nodes(ctx, 'dimAtom').map((t) => this.visit(t) as A.DimExpr);
    let acc = one(atoms, 'dimension atom');
    for (let i = 1; i < atoms.length; i++) {
      acc = { kind: 'dmul', lhs: acc, rhs: atoms[i], span: { start: acc.span.start, end: atoms[i].span.end } };
    }
    return acc;
  }

  dimAtom(ctx: Ctx): A.DimExpr {
    const num = tokens(ctx, 'NumberLit');
    if (num.length) return { kind: 'dnum', value: Number(num[0].image), span: tokSpan(num[0]) };
    const id = tokens(ctx, 'Ident');
    if (id.length) return { kind: 'dname', name: id[0].image, span: tokSpan(id[0]) };
    return this.visit(one(nodes(ctx, 'dimExpr'), 'parenthesised dimension')) as A.DimExpr;
  }

  statement(ctx: Ctx): A.Stmt | null {
    for (const key of ['sizeDecl', 'paramDecl', 'stateDecl', 'outputDecl', 'assignment']) {
      const n = nodes(ctx, key);
      if (n.length) return this.visit(n[0]) as A.Stmt;
    }
    return null; // a lone ';'
  }

  sizeDecl(ctx: Ctx): A.Stmt {
    const value = nodes(ctx, 'value');
    return {
      kind: 'size',
      name: name(one(tokens(ctx, 'name'), 'size name')),
      ...(value.length ? { value: this.visit(value[0]) as A.DimExpr } : {}),
      span: this.here(),
    };
  }

  paramDecl(ctx: Ctx): A.Stmt {
    const shape = nodes(ctx, 'shape');
    const init = nodes(ctx, 'init');
    return {
      kind: 'param',
      name: name(one(tokens(ctx, 'name'), 'param name')),
      shape: shape.length ? (this.visit(shape[0]) as A.DimExpr[]) : [],
      ...(init.length ? { init: this.visit(init[0]) as A.Expr } : {}),
      span: this.here(),
    };
  }

  stateDecl(ctx: Ctx): A.Stmt {
    const shape = nodes(ctx, 'shape');
    const init = nodes(ctx, 'init');
    return {
      kind: 'state',
      name: name(one(tokens(ctx, 'name'), 'state name')),
      shape: shape.length ? (this.visit(shape[0]) as A.DimExpr[]) : [],
      ...(init.length ? { init: this.visit(init[0]) as A.Expr } : {}),
      span: this.here(),
    };
  }

  outputDecl(ctx: Ctx): A.Stmt {
    const t = one(tokens(ctx, 'name'), 'output name');
    const value = nodes(ctx, 'value');
    return {
      kind: 'output',
      name: name(t),
      primed: t.image.endsWith("'"),
      ...(value.length ? { value: this.visit(value[0]) as A.Expr } : {}),
      span: this.here(),
    };
  }

  assignment(ctx: Ctx): A.Stmt {
    const t = one(tokens(ctx, 'target'), 'assignment target');
    return {
      kind: 'assign',
      target: name(t),
      primed: t.image.endsWith("'"),
      value: this.visit(one(nodes(ctx, 'value'), 'assigned value')) as A.Expr,
      span: this.here(),
    };
  }

  expression(ctx: Ctx): A.Expr {
    const lhs = this.visit(one(nodes(ctx, 'lhs'), 'expression')) as A.Expr;
    const rhs = nodes(ctx, 'rhs');
    if (!rhs.length) return lhs;
    const op = one(tokens(ctx, 'CompareOp'), 'comparison').image as A.BinaryOp;
    const r = this.visit(rhs[0]) as A.Expr;
    return { kind: 'binary', op, lhs, rhs: r, span: { start: lhs.span.start, end: r.span.end } };
  }

  additive(ctx: Ctx): A.Expr {
    return this.leftAssoc(nodes(ctx, 'operands'), tokens(ctx, 'AddOp'));
  }

  multiplicative(ctx: Ctx): A.Expr {
    return this.leftAssoc(nodes(ctx, 'operands'), tokens(ctx, 'MulOp'));
  }

  private leftAssoc(operands: CstNode[], ops: IToken[]): A.Expr {
    const xs = operands.map((o) => this.visit(o) as A.Expr);
    let acc = one(xs, 'operand');
    for (let i = 1; i < xs.length; i++) {
      acc = { kind: 'binary', op: ops[i - 1].image as A.BinaryOp, lhs: acc, rhs: xs[i], span: { start: acc.span.start, end: xs[i].span.end } };
    }
    return acc;
  }

  unary(ctx: Ctx): A.Expr {
    const operand = nodes(ctx, 'operand');
    if (operand.length) return { kind: 'neg', operand: this.visit(operand[0]) as A.Expr, span: this.here() };
    return this.visit(one(nodes(ctx, 'postfix'), 'postfix')) as A.Expr;
  }

  postfix(ctx: Ctx): A.Expr {
    let base = this.visit(one(nodes(ctx, 'primary'), 'primary')) as A.Expr;
    const items = nodes(ctx, 'sliceItem');
    const rbr = tokens(ctx, 'RBracket');
    const lbr = tokens(ctx, 'LBracket');
    // Each [ … ] groups the slice items that lie between its brackets: one
    // pass over both, in source order (linear in a chain of 20,000 slices)
    const starts = items.map((it) => span(it).start);
    let next = 0;
    for (let k = 0; k < lbr.length; k++) {
      const open = lbr[k].startOffset;
      const close = rbr[k]?.startOffset ?? Infinity;
      while (next < items.length && starts[next] <= open) next++;
      const group: CstNode[] = [];
      while (next < items.length && starts[next] < close) group.push(items[next++]);
      base = {
        kind: 'slice',
        base,
        items: group.map((g) => this.visit(g) as A.SliceItem),
        span: { start: base.span.start, end: rbr[k] ? rbr[k].startOffset + 1 : base.span.end },
      };
    }
    return base;
  }

  sliceItem(ctx: Ctx): A.SliceItem {
    const lo = nodes(ctx, 'lo');
    const hi = nodes(ctx, 'hi');
    const colon = tokens(ctx, 'Colon');
    const sp = this.currentNode && Object.keys(this.currentNode.children).length ? this.here() : { start: 0, end: 0 };
    return {
      ...(lo.length ? { lo: this.visit(lo[0]) as A.DimExpr } : {}),
      ...(hi.length ? { hi: this.visit(hi[0]) as A.DimExpr } : {}),
      colon: colon.length > 0,
      span: sp,
    };
  }

  primary(ctx: Ctx): A.Expr {
    const num = tokens(ctx, 'NumberLit');
    if (num.length) return { kind: 'num', value: Number(num[0].image), span: tokSpan(num[0]) };
    const primed = tokens(ctx, 'PrimedIdent');
    if (primed.length) return { kind: 'name', name: primed[0].image.slice(0, -1), primed: true, span: tokSpan(primed[0]) };
    const call = nodes(ctx, 'callOrName');
    if (call.length) return this.visit(call[0]) as A.Expr;
    return this.visit(one(nodes(ctx, 'expression'), 'parenthesised expression')) as A.Expr;
  }

  callOrName(ctx: Ctx): A.Expr {
    const id = one(tokens(ctx, 'name'), 'name');
    if (!tokens(ctx, 'LParen').length) return { kind: 'name', name: id.image, primed: false, span: tokSpan(id) };
    const args: A.Expr[] = [];
    const kwargs: A.KeywordArg[] = [];
    for (const a of nodes(ctx, 'argument')) {
      const r = this.visit(a) as { key?: IToken; value: A.Expr };
      if (r.key) kwargs.push({ key: r.key.image, keySpan: tokSpan(r.key), value: r.value });
      else args.push(r.value);
    }
    return { kind: 'call', callee: id.image, calleeSpan: tokSpan(id), args, kwargs, span: this.here() };
  }

  argument(ctx: Ctx): { key?: IToken; value: A.Expr } {
    const key = tokens(ctx, 'key');
    const value = this.visit(one(nodes(ctx, 'value'), 'argument value')) as A.Expr;
    return key.length ? { key: key[0], value } : { value };
  }
}

const builder = new AstBuilder();

export function buildAst(cst: CstNode): A.Program {
  return builder.visit(cst) as A.Program;
}
