// The built-in functions of the language (SPEC.md §6) and how each lowers to
// IR ops. Sugar (softmax, layernorm, mean) expands here, and dense in
// headBuiltins.ts; everything else maps onto one op of the closed vocabulary.

import type * as A from '../syntax/ast.js';
import { dimConst, dimEq, dimKey, dimMul, shapeEq, type Dim } from '../ir/dims.js';
import { UNARY_BUILTINS } from '../ir/opInfo.js';
import { Ctx, POISON, type Value } from './context.js';
import { constantValue } from './initSyntax.js';
import { dropout, zoneout } from './maskBuiltins.js';
import { dense, kw, outer, reshape } from './headBuiltins.js';

type Call = Extract<A.Expr, { kind: 'call' }>;
export type Lower = (e: A.Expr) => Value;

interface Builtin {
  /** Accepted positional argument counts: [min, max] (max Infinity for variadic). */
  readonly arity: readonly [number, number];
  readonly keywords: readonly string[];
  readonly lower: (ctx: Ctx, call: Call, lower: Lower) => Value;
}

/** An integer keyword argument (e.g. axis), normalised against `rank`. */
function axisArg(ctx: Ctx, call: Call, rank: number, dflt = -1): number | undefined {
  const k = kw(call, 'axis');
  const v = k ? constantValue(k.value) : dflt;
  if (v === undefined || !Number.isInteger(v)) {
    ctx.error('E304', 'axis must be an integer literal', k!.value.span);
    return undefined;
  }
  const a = v < 0 ? v + rank : v;
  if (a < 0 || a >= rank) {
    ctx.error('E205', `axis ${v} is out of range for a value of rank ${rank}`, k ? k.value.span : call.span);
    return undefined;
  }
  return a;
}

function reduction(op: 'sum' | 'rmax' | 'logsumexp' | 'argmax'): Builtin {
  return {
    arity: [1, 1],
    keywords: ['axis'],
    lower: (ctx, call, lower) => {
      const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, call.callee);
      if (x === POISON) return POISON;
      const rank = ctx.shape(x).length;
      if (rank === 0) return ctx.error('E203', `${call.callee} needs a vector or matrix, got a scalar`, call.args[0].span);
      const axis = axisArg(ctx, call, rank);
      return axis === undefined ? POISON : ctx.emit(op, [x], { axis }, call.span);
    },
  };
}

/** Broadcasts a reduced value back over the removed axis. */
function expandAxis(ctx: Ctx, v: Value, full: readonly Dim[], axis: number): Value {
  const axes = full.map((_, i) => i).filter((i) => i !== axis);
  return ctx.b.emit('broadcast', [v], { shape: full, axes });
}

function mean(ctx: Ctx, x: Value, axis: number): Value {
  const s = ctx.shape(x);
  const sum = ctx.b.emit('sum', [x], { axis });
  const n = ctx.b.emit('dim', [], { dim: s[axis] });
  return ctx.b.emit('div', [sum, ctx.broadcastTo(n, ctx.shape(sum))], {});
}

/** A size argument (`eye(N)`, the taps of `delay`): a size name or a positive integer literal; undefined after an E304. */
function sizeArg(ctx: Ctx, e: A.Expr, what: string): Dim | undefined {
  if (e.kind === 'name' && !e.primed && ctx.sizes.dims.has(e.name)) return ctx.sizes.dims.get(e.name);
  const v = constantValue(e);
  if (v !== undefined && Number.isSafeInteger(v) && v >= 1) return dimConst(v);
  ctx.error('E304', `${what} must be a size name or a positive integer`, e.span);
  return undefined;
}

/** The one operand of inv / logdet: an f32 square matrix (E203 for another rank, E201 when not square). */
function squareArg(ctx: Ctx, call: Call, lower: Lower): Value {
  const a = ctx.requireFloat(lower(call.args[0]), call.args[0].span, call.callee);
  if (a === POISON) return POISON;
  const s = ctx.shape(a);
  if (s.length !== 2) return ctx.error('E203', `${call.callee} needs a square matrix, got ${ctx.describe(a)}`, call.args[0].span);
  if (!dimEq(s[0], s[1])) return ctx.error('E201', `${call.callee} needs a square matrix, got [${s.map(dimKey).join(', ')}]`, call.args[0].span);
  return a;
}

/**
 * `delay(v, p)`: the p previous values of v, newest first, as one vector
 * (v_{t−1}, v_{t−2}, …, v_{t−p}) of length p·n for v[n] (p for a scalar v).
 * It creates a hidden state, a shift register `buf[p·n] = 0`, updated as
 * buf' = concat(v, buf)[0 : p·n]. One register per (value, p). Any value
 * has a past, a constant or a parameter too (and so a next state computed from
 * parameters only): its taps are v once the sequence has reached them, 0 before.
 */
function delay(ctx: Ctx, call: Call, lower: Lower): Value {
  const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'delay');
  const p = sizeArg(ctx, call.args[1], 'the number of taps of delay');
  if (x === POISON || !p) return POISON;
  const t = ctx.b.type(x);
  if (t.shape.length > 1) return ctx.error('E203', `delay takes a scalar or a vector, got ${ctx.describe(x)}`, call.args[0].span);
  const n = t.shape.length ? t.shape[0] : dimConst(1);
  const len = dimMul(p, n);
  const key = `${x}|${dimKey(p)}`;
  const known = ctx.delays.get(key);
  if (known !== undefined) return known;
  const a = call.args[0];
  const base = a.kind === 'name' ? `${a.name}${a.primed ? "'" : ''}.delay${dimKey(p)}` : `${ctx.target}.delay${dimKey(p)}`;
  let name = base;
  for (let k = 2; ctx.hiddenStates.some((h) => h.name === name); k++) name = `${base}#${k}`;
  const buf = ctx.b.leaf('state', name, { dtype: 'f32', shape: [len], batched: true });
  const row = t.shape.length ? x : ctx.b.emit('broadcast', [x], { shape: [dimConst(1)], axes: [] });
  const shifted = ctx.b.emit('concat', [row, buf], { axis: 0 });
  const next = ctx.b.emit('slice', [shifted], { axis: 0, start: dimConst(0), end: len });
  ctx.hiddenStates.push({ name, node: buf, init: 0, next });
  ctx.nameValue(buf, name, call.span);
  ctx.nameValue(next, `${name}'`, call.span);
  ctx.delays.set(key, buf);
  return buf;
}

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  ...Object.fromEntries(
    // `tanh(x)` … : the unary ops the op table marks as built-ins, each lowering to itself
    UNARY_BUILTINS.map((op): [string, Builtin] => [
      op,
      {
        arity: [1, 1],
        keywords: [],
        lower: (ctx, call, lower) => ctx.emit(op, [ctx.requireFloat(lower(call.args[0]), call.args[0].span, op)], {}, call.span),
      },
    ]),
  ),
  maximum: {
    arity: [2, 2],
    keywords: [],
    lower: (ctx, call, lower) => ctx.elementwise('max', call.args.map((a) => ctx.requireFloat(lower(a), a.span, 'maximum')), call.span, 'maximum'),
  },
  minimum: {
    arity: [2, 2],
    keywords: [],
    lower: (ctx, call, lower) => ctx.elementwise('min', call.args.map((a) => ctx.requireFloat(lower(a), a.span, 'minimum')), call.span, 'minimum'),
  },
  select: {
    arity: [3, 3],
    keywords: [],
    lower: (ctx, call, lower) => {
      const [c, a, b] = call.args.map(lower);
      if (c !== POISON && ctx.b.type(c).dtype !== 'bool') {
        return ctx.error('E204', `the condition of select must be a comparison, got ${ctx.describe(c)}`, call.args[0].span);
      }
      const fa = ctx.requireFloat(a, call.args[1].span, 'select');
      const fb = ctx.requireFloat(b, call.args[2].span, 'select');
      return ctx.elementwise('select', [c, fa, fb], call.span, 'select');
    },
  },
  sum: reduction('sum'),
  max: reduction('rmax'),
  logsumexp: reduction('logsumexp'),
  argmax: reduction('argmax'),
  mean: {
    arity: [1, 1],
    keywords: ['axis'],
    lower: (ctx, call, lower) => {
      const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'mean');
      if (x === POISON) return POISON;
      const rank = ctx.shape(x).length;
      if (rank === 0) return ctx.error('E203', 'mean needs a vector or matrix, got a scalar', call.args[0].span);
      const axis = axisArg(ctx, call, rank);
      return axis === undefined ? POISON : mean(ctx, x, axis);
    },
  },
  softmax: {
    arity: [1, 1],
    keywords: ['axis'],
    lower: (ctx, call, lower) => {
      const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'softmax');
      if (x === POISON) return POISON;
      const s = ctx.shape(x);
      if (s.length === 0) return ctx.error('E203', 'softmax needs a vector or matrix, got a scalar', call.args[0].span);
      const axis = axisArg(ctx, call, s.length);
      if (axis === undefined) return POISON;
      const lse = ctx.b.emit('logsumexp', [x], { axis });
      return ctx.b.emit('exp', [ctx.b.emit('sub', [x, expandAxis(ctx, lse, s, axis)], {})], {});
    },
  },
  logsoftmax: {
    arity: [1, 1],
    keywords: ['axis'],
    lower: (ctx, call, lower) => {
      const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'logsoftmax');
      if (x === POISON) return POISON;
      const s = ctx.shape(x);
      if (s.length === 0) return ctx.error('E203', 'logsoftmax needs a vector or matrix, got a scalar', call.args[0].span);
      const axis = axisArg(ctx, call, s.length);
      if (axis === undefined) return POISON;
      const lse = ctx.b.emit('logsumexp', [x], { axis });
      return ctx.b.emit('sub', [x, expandAxis(ctx, lse, s, axis)], {});
    },
  },
  layernorm: {
    arity: [1, 1],
    keywords: ['eps'],
    lower: (ctx, call, lower) => {
      const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'layernorm');
      if (x === POISON) return POISON;
      const s = ctx.shape(x);
      if (s.length === 0) return ctx.error('E203', 'layernorm needs a vector or matrix, got a scalar', call.args[0].span);
      const epsKw = kw(call, 'eps');
      const eps = epsKw ? constantValue(epsKw.value) : 1e-5;
      if (eps === undefined || !(eps > 0)) return ctx.error('E304', 'eps must be a positive number', epsKw!.value.span);
      const axis = s.length - 1;
      const centered = ctx.b.emit('sub', [x, expandAxis(ctx, mean(ctx, x, axis), s, axis)], {});
      const variance = mean(ctx, ctx.b.emit('square', [centered], {}), axis);
      const inv = ctx.b.emit('rsqrt', [ctx.b.emit('add', [variance, ctx.b.constant(eps, ctx.shape(variance))], {})], {});
      return ctx.b.emit('mul', [centered, expandAxis(ctx, inv, s, axis)], {});
    },
  },
  concat: {
    arity: [2, Infinity],
    keywords: ['axis'],
    lower: (ctx, call, lower) => {
      const xs = call.args.map((a) => ctx.requireFloat(lower(a), a.span, 'concat'));
      if (xs.some((x) => x === POISON)) return POISON;
      const rank = ctx.shape(xs[0]).length;
      if (rank === 0) return ctx.error('E203', 'concat needs vectors or matrices, got a scalar', call.args[0].span);
      const axis = axisArg(ctx, call, rank);
      return axis === undefined ? POISON : ctx.emit('concat', xs, { axis }, call.span);
    },
  },
  transpose: {
    arity: [1, 1],
    keywords: [],
    lower: (ctx, call, lower) => ctx.emit('transpose', [ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'transpose')], {}, call.span, 'E203'),
  },
  outer: { arity: [2, 2], keywords: ['heads'], lower: outer },
  reshape: { arity: [2, 4], keywords: [], lower: reshape },
  inv: { arity: [1, 1], keywords: [], lower: (ctx, call, lower) => ctx.emit('inv', [squareArg(ctx, call, lower)], {}, call.span, 'E203') },
  logdet: { arity: [1, 1], keywords: [], lower: (ctx, call, lower) => ctx.emit('logdet', [squareArg(ctx, call, lower)], {}, call.span, 'E203') },
  solve: {
    arity: [2, 2],
    keywords: [],
    lower: (ctx, call, lower) => {
      const A = squareArg(ctx, call, lower);
      const b = ctx.requireFloat(lower(call.args[1]), call.args[1].span, 'solve');
      if (A === POISON || b === POISON) return POISON;
      const r = ctx.shape(b).length;
      if (r < 1 || r > 2) return ctx.error('E203', `solve(A, b) needs a vector or matrix b, got ${ctx.describe(b)}`, call.args[1].span);
      return ctx.emit('matmul', [ctx.b.emit('inv', [A], {}), b], {}, call.span, 'E202');
    },
  },
  eye: {
    arity: [1, 1],
    keywords: [],
    lower: (ctx, call) => {
      const n = sizeArg(ctx, call.args[0], 'the size of eye');
      return n ? ctx.b.emit('eye', [], { n }) : POISON;
    },
  },
  delay: { arity: [2, 2], keywords: [], lower: delay },
  onehot: {
    arity: [1, 2],
    keywords: [],
    lower: (ctx, call, lower) => {
      const o = lower(call.args[0]);
      if (o === POISON) return POISON;
      if (ctx.b.type(o).dtype !== 'i32') return ctx.error('E204', `onehot needs an index, got ${ctx.describe(o)}`, call.args[0].span);
      let depth = indexRangeOf(ctx, call.args[0]);
      if (call.args.length === 2) {
        const d = call.args[1];
        depth = d.kind === 'name' && ctx.sizes.dims.has(d.name) ? ctx.sizes.dims.get(d.name) : undefined;
        if (!depth) return ctx.error('E304', 'the depth of onehot must be a size name', d.span);
      }
      if (!depth) return ctx.error('E302', 'onehot(o, V) needs the depth V for this index', call.span);
      return ctx.emit('onehot', [o], { depth }, call.span);
    },
  },
  gather: {
    arity: [2, 2],
    keywords: [],
    lower: (ctx, call, lower) => {
      const E = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'gather');
      const o = lower(call.args[1]);
      if (E === POISON || o === POISON) return POISON;
      if (ctx.b.type(o).dtype !== 'i32') return ctx.error('E204', `gather needs an index as its second argument, got ${ctx.describe(o)}`, call.args[1].span);
      const range = indexRangeOf(ctx, call.args[1]);
      const s = ctx.shape(E);
      if (range && s.length === 2 && !shapeEq([s[0]], [range])) {
        return ctx.error('E201', `gather: the table has ${dimKey(s[0])} rows but the index ranges over ${dimKey(range)}`, call.args[0].span);
      }
      return ctx.emit('gather', [E, o], {}, call.span, 'E203');
    },
  },
  dense: { arity: [1, Infinity], keywords: ['out', 'bias', 'heads'], lower: dense },
  dropout: { arity: [2, 2], keywords: ['per'], lower: dropout },
  zoneout: { arity: [3, 3], keywords: ['per'], lower: zoneout },
};

function indexRangeOf(ctx: Ctx, e: A.Expr): Dim | undefined {
  return e.kind === 'name' ? ctx.names.get(e.name)?.indexRange : undefined;
}

export function checkCallShape(ctx: Ctx, call: Call): boolean {
  const b = BUILTINS[call.callee];
  const [lo, hi] = b.arity;
  if (call.args.length < lo || call.args.length > hi) {
    const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
    ctx.error('E302', `${call.callee} takes ${want} argument(s), got ${call.args.length}`, call.span);
    return false;
  }
  const seen = new Set<string>();
  for (const k of call.kwargs) {
    if (!b.keywords.includes(k.key)) {
      const allowed = b.keywords.length ? `; it takes ${b.keywords.join(', ')}` : '; it takes none';
      ctx.error('E303', `${call.callee} has no keyword argument '${k.key}'${allowed}`, k.keySpan);
      return false;
    }
    if (seen.has(k.key)) {
      ctx.error('E303', `keyword argument '${k.key}' is given twice`, k.keySpan);
      return false;
    }
    seen.add(k.key);
  }
  return true;
}

