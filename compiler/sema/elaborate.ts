// Semantic analysis and lowering in one walk (SPEC.md §4): resolves names,
// infers symbolic shapes, checks every built-in, and emits the step IR.
// Declarations (size, param, state) may stand anywhere in the body; equations
// are read in order, so a name must be defined before it is used.
//
// Shape rules live once, in ir/ops.ts; this pass turns their failures into
// diagnostics at the span of the expression that caused them.

import type * as A from '../syntax/ast.js';
import { diag, type Diagnostic } from '../diagnostics.js';
import type { SourceFile } from '../source.js';
import { dimAdd, dimConst, dimKey, symbolOf, type Dim, type Shape } from '../ir/dims.js';
import { finishGraph, type Binding, type Graph, type StateBinding } from '../ir/graph.js';
import type { OpOfKind } from '../ir/opInfo.js';
import { BUILTINS, checkCallShape } from './builtins.js';
import { Ctx, POISON, type Entry, type Value } from './context.js';
import { constantValue, parseInitializer } from './initSyntax.js';
import { alwaysZero } from './zeroDivisor.js';
import { collectSizes, dimNonNegative, dimPositive, evalDimExpr } from './sizes.js';

const COMPARE: Record<string, OpOfKind<'compare'>> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne' };
const ARITH = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' } as const;

function shapeOf(ctx: Ctx, dims: readonly A.DimExpr[]): Shape | undefined {
  const out: Dim[] = [];
  let ok = true;
  for (const d of dims) {
    const v = evalDimExpr(d, ctx.sizes, ctx.diags);
    if (!v) ok = false;
    else if (!dimPositive(v)) {
      ctx.error('E403', `dimension ${dimKey(v)} is not positive for every choice of sizes`, d.span);
      ok = false;
    } else out.push(v);
  }
  return ok ? out : undefined;
}

/** `a local`, `an input`, `a next state`: the kind of an entry, with its article. */
function kindWords(kind: Entry['kind']): string {
  return kind === 'next' ? 'a next state' : kind === 'input' ? 'an input' : `a ${kind}`;
}

function define(ctx: Ctx, name: A.Name, entry: Entry): void {
  const prev = ctx.names.get(name.name);
  if (prev) {
    ctx.error('E102', `'${name.name}' is already defined (as ${kindWords(prev.kind)})`, name.span);
    return;
  }
  if (ctx.sizes.dims.has(name.name)) {
    ctx.error('E102', `'${name.name}' is already defined (as a size)`, name.span);
    return;
  }
  ctx.names.set(name.name, entry);
}

function lowerName(ctx: Ctx, e: Extract<A.Expr, { kind: 'name' }>): Value {
  if (e.primed) {
    const next = ctx.names.get(`${e.name}'`);
    if (next) return next.value;
    const base = ctx.names.get(e.name);
    if (base?.kind === 'state') return ctx.error('E103', `${e.name}' is used before it is defined`, e.span);
    if (base) return ctx.error('E105', `'${e.name}' is ${kindWords(base.kind)}, not a state; only states have a primed (next) value`, e.span);
    return ctx.error('E101', `undefined name '${e.name}'`, e.span);
  }
  const entry = ctx.names.get(e.name);
  if (entry) return entry.value;
  const size = ctx.sizes.dims.get(e.name);
  if (size) return ctx.b.emit('dim', [], { dim: size });
  const hint = BUILTINS[e.name] ? ` ('${e.name}' is a function; call it: ${e.name}(…))` : '';
  return ctx.error('E101', `undefined name '${e.name}'${hint}`, e.span);
}

function lowerSlice(ctx: Ctx, e: Extract<A.Expr, { kind: 'slice' }>, lower: (e: A.Expr) => Value): Value {
  let v = ctx.requireFloat(lower(e.base), e.base.span, 'slicing');
  if (v === POISON) return POISON;
  const shape = ctx.shape(v);
  if (e.items.length === 0) return ctx.error('E206', 'an empty slice [] selects nothing; write a range lo:hi (or [:] for everything)', e.span);
  if (e.items.length > shape.length) {
    return ctx.error('E206', `${e.items.length} slice(s) given for a value of rank ${shape.length}`, e.span);
  }
  const dropped: number[] = [];
  for (let axis = 0; axis < e.items.length; axis++) {
    const it = e.items[axis];
    if (!it.colon) {
      // h[i]: the element (row, column) i, the axis dropped like numpy's — the range i:i+1, summed over its one element
      const i = it.lo && evalDimExpr(it.lo, ctx.sizes, ctx.diags);
      if (!i) return POISON;
      if (!dimNonNegative(i) || !dimPositive(dimAdd(shape[axis], i, -1))) {
        return ctx.error('E206', indexProblem(i, shape[axis]), it.span);
      }
      const one = dimAdd(i, dimConst(1));
      if (!(dimKey(i) === '0' && dimKey(one) === dimKey(shape[axis]))) v = ctx.emit('slice', [v], { axis, start: i, end: one }, it.span, 'E206');
      dropped.push(axis);
      continue;
    }
    const lo = it.lo ? evalDimExpr(it.lo, ctx.sizes, ctx.diags) : dimConst(0);
    const hi = it.hi ? evalDimExpr(it.hi, ctx.sizes, ctx.diags) : shape[axis];
    if (!lo || !hi) return POISON;
    const len = dimAdd(hi, lo, -1);
    if (!dimNonNegative(lo) || !dimPositive(len) || !dimNonNegative(dimAdd(shape[axis], hi, -1))) {
      return ctx.error('E206', sliceRangeProblem(lo, hi, len, shape[axis]), it.span);
    }
    if (dimKey(lo) === '0' && dimKey(hi) === dimKey(shape[axis])) continue;
    v = ctx.emit('slice', [v], { axis, start: lo, end: hi }, it.span, 'E206');
  }
  // the indexed axes, last first so the earlier ones keep their numbers
  for (const axis of dropped.reverse()) v = ctx.emit('sum', [v], { axis }, e.span, 'E206');
  return v;
}

function lowerExpr(ctx: Ctx, e: A.Expr): Value {
  const lower = (x: A.Expr) => lowerExpr(ctx, x);
  switch (e.kind) {
    case 'num':
      return ctx.b.constant(e.value);
    case 'name':
      return lowerName(ctx, e);
    case 'neg':
      return ctx.emit('neg', [ctx.requireFloat(lower(e.operand), e.operand.span, 'negation')], {}, e.span);
    case 'binary': {
      const a = lower(e.lhs);
      const b = lower(e.rhs);
      if (e.op === '@') {
        const fa = ctx.requireFloat(a, e.lhs.span, '@');
        const fb = ctx.requireFloat(b, e.rhs.span, '@');
        if (fa === POISON || fb === POISON) return POISON;
        const ra = ctx.shape(fa).length;
        const rb = ctx.shape(fb).length;
        // a stack of N matrices [N, P, Q] @ a vector of N heads of Q: the block-diagonal product (SPEC.md §5.6)
        if (ra === 3 && rb === 1) return ctx.emit('headmatvec', [fa, fb], {}, e.span, 'E202');
        if (ra < 1 || ra > 2 || rb < 1 || rb > 2) {
          return ctx.error('E203', `@ multiplies vectors and matrices, or a stack of matrices [N, P, Q] and a vector of N heads, got ${ctx.describe(fa)} @ ${ctx.describe(fb)}`, e.span);
        }
        return ctx.emit('matmul', [fa, fb], {}, e.span, 'E202');
      }
      const cmp = COMPARE[e.op];
      if (cmp) {
        return ctx.elementwise(cmp, [ctx.requireFloat(a, e.lhs.span, `'${e.op}'`), ctx.requireFloat(b, e.rhs.span, `'${e.op}'`)], e.span, `'${e.op}'`);
      }
      const op = ARITH[e.op as keyof typeof ARITH];
      if (op === 'div' && b !== POISON && alwaysZero(ctx.b, b)) {
        return ctx.error('E207', `'/' divides by a value that is 0 for every input: the result would be ±Inf or NaN`, e.rhs.span);
      }
      return ctx.elementwise(op, [ctx.requireFloat(a, e.lhs.span, `'${e.op}'`), ctx.requireFloat(b, e.rhs.span, `'${e.op}'`)], e.span, `'${e.op}'`);
    }
    case 'slice':
      return lowerSlice(ctx, e, lower);
    case 'call': {
      const b = BUILTINS[e.callee];
      if (!b) {
        const known = ctx.names.has(e.callee) ? ` ('${e.callee}' is a value, not a function)` : '';
        return ctx.error('E301', `unknown function '${e.callee}'${known}`, e.calleeSpan);
      }
      if (!checkCallShape(ctx, e)) return POISON;
      return b.lower(ctx, e, lower);
    }
  }
}

function declare(ctx: Ctx, cell: A.CellDecl, states: Map<string, StateDecl>): void {
  for (const inp of cell.inputs) {
    if (inp.indexRange) {
      // the range of an index is a dimension like any other: index(0) would leave no valid value (E403)
      const range = shapeOf(ctx, [inp.indexRange])?.[0];
      const node = ctx.names.has(inp.name.name) ? POISON : ctx.b.leaf('input', inp.name.name, { dtype: 'i32', shape: [], batched: true });
      ctx.nameValue(node, inp.name.name, inp.span);
      define(ctx, inp.name, { kind: 'input', value: node, span: inp.span, ...(range ? { indexRange: range } : {}) });
      continue;
    }
    const shape = shapeOf(ctx, inp.shape);
    if (shape && shape.length > 2) ctx.error('E203', 'an input has at most two axes', inp.span);
    const node = shape && !ctx.names.has(inp.name.name) ? ctx.b.leaf('input', inp.name.name, { dtype: 'f32', shape, batched: true }) : POISON;
    ctx.nameValue(node, inp.name.name, inp.span);
    define(ctx, inp.name, { kind: 'input', value: node, span: inp.span });
  }
  for (const st of cell.body) {
    if (st.kind === 'param') {
      const shape = shapeOf(ctx, st.shape);
      const init = st.init ? parseInitializer(st.init, st.shape.length, ctx.diags, ctx.sizes.dims) : st.shape.length >= 2 ? { kind: 'glorot' as const } : { kind: 'zeros' as const };
      const node = shape && init && !ctx.names.has(st.name.name) ? ctx.newParam(st.name.name, shape, init, st.span) : POISON;
      define(ctx, st.name, { kind: 'param', value: node, span: st.span });
    } else if (st.kind === 'state') {
      const shape = shapeOf(ctx, st.shape);
      let init = 0;
      const v = st.init ? constantValue(st.init) : 0;
      if (v !== undefined && !Number.isFinite(v)) ctx.error('E306', `the initial value of a state must be finite, got ${v}`, st.init!.span);
      else if (v !== undefined) init = v;
      if (shape && shape.length > 3) ctx.error('E203', 'a state has at most three axes', st.span);
      const node = shape && !ctx.names.has(st.name.name) ? ctx.b.leaf('state', st.name.name, { dtype: 'f32', shape, batched: true }) : POISON;
      ctx.nameValue(node, st.name.name, st.span);
      define(ctx, st.name, { kind: 'state', value: node, span: st.span });
      if (node !== POISON) states.set(st.name.name, { node, init, span: st.name, ...(v === undefined ? { from: st.init } : {}) });
    }
  }
  // `state h[H] = h0`: a parameter of the same shape, declared anywhere in the body
  for (const s of states.values()) if (s.from) s.initParam = initialParam(ctx, s.from, ctx.shape(s.node));
}

type StateDecl = { node: number; init: number; span: A.Name; from?: A.Expr; initParam?: string };

/** The parameter named as a state's initial value (E306 for anything else, or another shape). */
function initialParam(ctx: Ctx, e: A.Expr, shape: Shape): string | undefined {
  const entry = e.kind === 'name' && !e.primed ? ctx.names.get(e.name) : undefined;
  if (!entry || entry.kind !== 'param' || e.kind !== 'name') {
    const what = entry ? ` ('${(e as { name: string }).name}' is ${kindWords(entry.kind)})` : '';
    ctx.error('E306', `the initial value of a state must be a number or the name of a parameter of its shape${what}; for a learned initial state declare e.g. 'param h0[H] init 0' and write 'state h[H] = h0'`, e.span);
    return undefined;
  }
  if (entry.value === POISON) return undefined;
  const ps = ctx.shape(entry.value);
  if (ps.length !== shape.length || !ps.every((d, i) => dimKey(d) === dimKey(shape[i]))) {
    ctx.error('E306', `parameter ${e.name} has shape [${ps.map(dimKey).join(', ')}] but the state has shape [${shape.map(dimKey).join(', ')}]`, e.span);
    return undefined;
  }
  return e.name;
}

/**
 * Elaborates one cell; returns undefined when any diagnostic was reported.
 * `file` holds the cell's text: the graph's origins carry lines and columns in it.
 */
export function elaborateCell(cell: A.CellDecl, diags: Diagnostic[], file: SourceFile): Graph | undefined {
  const before = diags.length;
  if (cell.attribute && cell.attribute.name !== 'reverse') {
    diags.push(diag('E002', `unknown cell attribute '${cell.attribute.name}'; the only one is 'reverse' (a reverse-time scan)`, cell.attribute.span));
  }
  const sizes = collectSizes(cell, diags);
  const ctx = new Ctx(sizes, diags, file);
  const states = new Map<string, StateDecl>();
  declare(ctx, cell, states);
  const outputs: (Binding & { span: A.Name })[] = [];
  /** States assigned without a prime (E106): their missing update is not reported again as E104. */
  const misassigned = new Set<string>();

  for (const st of cell.body) {
    if (st.kind === 'assign') {
      ctx.target = st.target.name;
      ctx.denseCount = 0;
      const existing = ctx.names.get(st.target.name);
      if (st.primed) {
        if (!existing || existing.kind !== 'state') {
          const what = existing ? `'${st.target.name}' is ${kindWords(existing.kind)}` : `no state '${st.target.name}' is declared`;
          ctx.error('E105', `${st.target.name}' defines a next state, but ${what}`, st.target.span);
          lowerExpr(ctx, st.value);
          continue;
        }
      } else if (existing?.kind === 'state') {
        ctx.error('E106', `'${st.target.name}' is a state; define its next value with ${st.target.name}' = …`, st.target.span);
        misassigned.add(st.target.name);
        lowerExpr(ctx, st.value);
        continue;
      }
      let v = ctx.requireFloat(lowerExpr(ctx, st.value), st.value.span, 'an equation');
      const key = st.primed ? `${st.target.name}'` : st.target.name;
      if (st.primed && v !== POISON && existing!.value !== POISON) {
        const want = ctx.shape(existing!.value);
        const got = ctx.shape(v);
        const b = ctx.broadcastShapes(got, want);
        if (!b || b.length !== want.length || !b.every((d, i) => dimKey(d) === dimKey(want[i]))) {
          v = ctx.error('E201', `state ${st.target.name} has shape [${want.map(dimKey).join(', ')}] but ${key} has shape [${got.map(dimKey).join(', ')}]`, st.value.span);
        } else v = ctx.broadcastTo(v, want);
      }
      if (st.primed && ctx.names.has(key)) {
        ctx.error('E102', `${key} is already defined`, st.target.span);
        continue;
      }
      if (st.primed) ctx.names.set(key, { kind: 'next', value: v, span: st.span });
      else define(ctx, st.target, { kind: 'local', value: v, span: st.span });
      ctx.nameValue(v, key, st.span);
    } else if (st.kind === 'output') {
      ctx.target = st.name.name;
      ctx.denseCount = 0;
      let v: Value;
      if (st.value) v = lowerExpr(ctx, st.value);
      else v = lowerName(ctx, { kind: 'name', name: st.name.name, primed: st.primed, span: st.name.span });
      v = ctx.requireFloat(v, st.span, 'an output');
      if (outputs.some((o) => o.name === st.name.name)) {
        ctx.error('E102', `output '${st.name.name}' is declared twice`, st.name.span);
        continue;
      }
      outputs.push({ name: st.name.name, node: v, span: st.name });
      ctx.nameValue(v, st.name.name, st.span);
    }
  }

  const stateBindings: StateBinding[] = [];
  for (const [name, s] of states) {
    const next = ctx.names.get(`${name}'`);
    if (!next && misassigned.has(name)) continue;
    if (!next) ctx.error('E104', `state '${name}' is never updated; define ${name}' = …`, s.span.span);
    else stateBindings.push({ name, node: s.node, init: s.init, ...(s.initParam ? { initParam: s.initParam } : {}), next: next.value });
  }
  stateBindings.push(...ctx.hiddenStates);
  if (outputs.length === 0) ctx.error('E109', `cell ${cell.name.name} has no output; add e.g. output h'`, cell.name.span);
  if (diags.length > before) return undefined;

  return finishGraph(ctx.b, {
    name: cell.name.name,
    ...(cell.attribute ? { reverse: true } : {}),
    sizes: sizes.decls,
    inputs: cell.inputs.map((i) => ({ name: i.name.name, node: ctx.names.get(i.name.name)!.value })),
    states: stateBindings,
    params: ctx.params,
    outputs: outputs.map(({ name, node }) => ({ name, node })),
  });
}

/** Why index i is not within 0 … n−1 for every choice of sizes, with the fix where there is a simple one. */
function indexProblem(i: Dim, n: Dim): string {
  const head = `index ${dimKey(i)} can be outside 0 … ${dimKey(n)} − 1 for some sizes (it must be for every size ≥ 1)`;
  if (!dimNonNegative(i)) return head;
  const need = dimAdd(i, dimConst(1)).c;
  // a bare size H: show the declaration that makes element i exist for every value
  const h = symbolOf(n);
  if (i.terms.length === 0 && h !== undefined) {
    return `${head}: at ${h} = ${need - 1} the axis has no element ${dimKey(i)}; declare the size as larger than another, e.g. 'size K' and 'size ${h} = K + ${need - 1}'`;
  }
  return head;
}

/**
 * Why a range lo:hi is not valid on an axis of length n for every choice of
 * sizes (each size ≥ 1), in the user's terms: a range that is empty for the
 * smallest sizes (`h[1:H]` at H = 1) says so and shows the fix.
 */
function sliceRangeProblem(lo: Dim, hi: Dim, len: Dim, n: Dim): string {
  const range = `range ${dimKey(lo)}:${dimKey(hi)}`;
  if (!dimNonNegative(lo)) return `${range} can start below 0 for some sizes`;
  if (!dimPositive(len)) {
    const syms = [...new Set(len.terms.flatMap(([s]) => s.split('*')))];
    if (len.terms.every(([, k]) => k >= 0) && syms.length) {
      const at = syms.map((x) => `${x} = 1`).join(', ');
      return `${range} is empty when ${at} (its length ${dimKey(len)} must be at least 1 for every size ≥ 1); declare the size as one more than another, e.g. 'size K' and 'size ${syms[0]} = K + 1'`;
    }
    return `${range} is empty or reversed for some sizes (its length ${dimKey(len)} must be at least 1 for every size ≥ 1)`;
  }
  return `${range} can end past the axis length ${dimKey(n)} for some sizes (${dimKey(hi)} ≤ ${dimKey(n)} must hold for every size ≥ 1)`;
}
