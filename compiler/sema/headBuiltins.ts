// The built-ins whose arguments are sizes of heads and shapes (SPEC.md §5.6,
// §6): `dense` (out = …, heads = …: one weight matrix per argument, or a
// stack of per-head blocks), `outer` (per head with heads = …) and `reshape`.
// Size arguments are size expressions (`NH * DH`), checked symbolically.

import type * as A from '../syntax/ast.js';
import { dimAdd, dimConst, dimDivExact, dimEq, dimKey, dimMul, shapeNumel, symbolOf, type Dim, type Shape } from '../ir/dims.js';
import { dimPositive } from './sizes.js';
import { Ctx, POISON, type Value } from './context.js';
import { parseInitializer } from './initSyntax.js';

type Call = Extract<A.Expr, { kind: 'call' }>;
type Lower = (e: A.Expr) => Value;

/** A call's keyword argument `key`, if given. */
export const kw = (call: Call, key: string): A.KeywordArg | undefined => call.kwargs.find((k) => k.key === key);

export function dense(ctx: Ctx, call: Call, lower: Lower): Value {
  const args = call.args.map((a) => ctx.requireFloat(lower(a), a.span, 'dense'));
  if (args.some((a) => a === POISON)) return POISON;
  for (let i = 0; i < args.length; i++) {
    if (ctx.shape(args[i]).length !== 1) {
      return ctx.error('E203', `dense takes vectors, argument ${i + 1} has shape [${ctx.shape(args[i]).map(dimKey).join(', ')}]`, call.args[i].span);
    }
  }
  const heads = headsArg(ctx, call);
  if (heads === null) return POISON;
  let out: Dim | undefined;
  const outKw = kw(call, 'out');
  if (outKw) {
    out = sizeExpr(ctx, outKw.value);
    if (!out || !dimPositive(out)) return ctx.error('E304', `out must be a size: a size name, a positive integer or an expression of them (out = H, out = 4*H, out = H + 1, out = NH * DH)${out ? `; ${dimKey(out)} is not positive for every choice of sizes` : ''}`, outKw.value.span);
  } else {
    const i = call.args.findIndex((a) => a.kind === 'name' && !a.primed && ctx.names.get(a.name)?.kind === 'state');
    if (i < 0) return ctx.error('E305', 'dense cannot infer its output size (no state argument); write dense(…, out = H)', call.calleeSpan);
    out = ctx.shape(args[i])[0];
  }
  // with heads, every product is block-diagonal: W [heads, out/heads, len/heads] per argument
  const outPerHead = heads && perHead(ctx, call, 'out', out, heads);
  const argPerHead = heads ? call.args.map((_, i) => perHead(ctx, call, i, ctx.shape(args[i])[0], heads)) : [];
  if (heads && (!outPerHead || argPerHead.some((d) => !d))) return POISON;
  let base = ctx.target + (ctx.denseCount++ > 0 ? `#${ctx.denseCount}` : '');
  // Another statement with the same target (an output named like a state, or a
  // duplicate definition already reported as E102) may have used this name.
  while (ctx.params.some((p) => p.name.startsWith(`${base}.`))) base = `${ctx.target}#${++ctx.denseCount}`;
  let acc: Value | undefined;
  call.args.forEach((a, i) => {
    // A name written twice (dense(x, x)) names only its first weight: the
    // others take their position, like any other expression, so no two
    // weights of one call share a name.
    const named = (b: (typeof call.args)[number]) => (b.kind === 'name' ? b.name + (b.primed ? "'" : '') : undefined);
    const own = named(a);
    const suffix = own !== undefined && call.args.findIndex((b) => named(b) === own) === i ? own : String(i + 1);
    const shape = heads ? [heads, outPerHead!, argPerHead[i]!] : [out!, ctx.shape(args[i])[0]];
    const W = ctx.newParam(`${base}.W_${suffix}`, shape, { kind: 'glorot' }, call.span);
    const term = ctx.b.emit(heads ? 'headmatvec' : 'matmul', [W, args[i]], {});
    acc = acc === undefined ? term : ctx.b.emit('add', [acc, term], {});
  });
  const biasKw = kw(call, 'bias');
  if (biasKw && biasKw.value.kind === 'name' && biasKw.value.name === 'false') return acc ?? POISON;
  const init = biasKw ? parseInitializer(biasKw.value, 1, ctx.diags, ctx.sizes.dims) : { kind: 'zeros' as const };
  if (!init) return POISON;
  const bias = ctx.newParam(`${base}.b`, [out!], init, call.span);
  return acc === undefined ? ctx.broadcastTo(bias, [out!]) : ctx.b.emit('add', [acc, bias], {});
}

/** The `heads = N` keyword (a size): undefined when absent, null after an E304. */
function headsArg(ctx: Ctx, call: Call): Dim | undefined | null {
  const k = kw(call, 'heads');
  if (!k) return undefined;
  const d = sizeExpr(ctx, k.value);
  if (d && dimPositive(d)) return d;
  ctx.error('E304', 'heads must be a size: a size name or a positive integer (heads = NH)', k.value.span);
  return null;
}

/**
 * The per-head length of a vector of `len` elements split into `heads` heads (len / heads), or
 * undefined after an E304 that shows how to declare sizes that divide.
 */
function perHead(ctx: Ctx, call: Call, what: number | 'out', len: Dim, heads: Dim): Dim | undefined {
  const d = dimDivExact(len, heads);
  if (d) return d;
  const span = what === 'out' ? kw(call, 'out')?.value.span ?? call.span : call.args[what].span;
  const subject = what === 'out' ? 'the output size' : `argument ${what + 1}`;
  const h = dimKey(heads);
  ctx.error('E304', `${call.callee}(…, heads = ${h}): ${subject} has ${dimKey(len)} elements, which is not ${h} heads of a size; declare it as a product, e.g. 'size D' and 'size ${symbolOf(len) ?? 'N'} = ${h} * D'${call.callee === 'dense' ? `, or give the heads only to the arguments that have them (dense(x, out = …) + dense(h, out = …, heads = ${h}, bias = false))` : ''}`, span);
  return undefined;
}

/** A size expression written as an expression (`4*H`, `H + 1`, `2 * (H + K)`, `NH * DH`); undefined for anything else. */
function sizeExpr(ctx: Ctx, e: A.Expr): Dim | undefined {
  switch (e.kind) {
    case 'num':
      return Number.isSafeInteger(e.value) ? dimConst(e.value) : undefined;
    case 'name':
      return e.primed ? undefined : ctx.sizes.dims.get(e.name);
    case 'neg': {
      const x = sizeExpr(ctx, e.operand);
      return x && dimAdd(dimConst(0), x, -1);
    }
    case 'binary': {
      const [a, b] = [sizeExpr(ctx, e.lhs), sizeExpr(ctx, e.rhs)];
      if (!a || !b) return undefined;
      if (e.op === '+' || e.op === '-') return dimAdd(a, b, e.op === '+' ? 1 : -1);
      return e.op === '*' ? dimMul(a, b) : undefined;
    }
    default:
      return undefined;
  }
}

/** `outer(a, b)`: [len a, len b]; with `heads = N`, per head: [N, len a / N, len b / N]. */
export function outer(ctx: Ctx, call: Call, lower: Lower): Value {
  const [a, b] = call.args.map((x) => ctx.requireFloat(lower(x), x.span, 'outer'));
  if (a === POISON || b === POISON) return POISON;
  const bad = [a, b].findIndex((v) => ctx.shape(v).length !== 1);
  if (bad >= 0) return ctx.error('E203', `outer(a, b) takes two vectors, argument ${bad + 1} is ${ctx.describe([a, b][bad])}`, call.args[bad].span);
  const heads = headsArg(ctx, call);
  if (heads === null) return POISON;
  if (!heads) return ctx.emit('outer', [a, b], {}, call.span, 'E203');
  const [p, q] = [0, 1].map((i) => perHead(ctx, call, i, ctx.shape([a, b][i])[0], heads));
  if (!p || !q) return POISON;
  return ctx.emit('headouter', [a, b], { shape: [heads, p, q] }, call.span, 'E203');
}

/**
 * `reshape(x, d1, …, dk)` (k ≤ 3): x's elements, row-major, under the shape [d1, …, dk] of the same
 * element count for every choice of sizes (`reshape(h, NH, DH)` for h[NH * DH], and back).
 */
export function reshape(ctx: Ctx, call: Call, lower: Lower): Value {
  const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'reshape');
  const dims = call.args.slice(1).map((e) => {
    const d = sizeExpr(ctx, e);
    if (d && dimPositive(d)) return d;
    ctx.error('E304', `reshape(x, ${call.args.slice(1).map(() => '…').join(', ')}): each size after x must be a size name, a positive integer or an expression of them (reshape(h, NH, DH))`, e.span);
    return undefined;
  });
  if (x === POISON || dims.some((d) => !d)) return POISON;
  const shape = dims as Shape;
  const [have, want] = [shapeNumel(ctx.shape(x)), shapeNumel(shape)];
  if (!dimEq(have, want)) {
    return ctx.error('E201', `cannot reshape ${ctx.describe(x)} (${dimKey(have)} elements) to [${shape.map(dimKey).join(', ')}] (${dimKey(want)} elements): the element counts must be equal for every choice of sizes`, call.span);
  }
  return ctx.emit('reshape', [x], { shape }, call.span);
}
