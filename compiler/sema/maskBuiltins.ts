// The built-ins that draw random masks (SPEC.md §6.2): `dropout` and
// `zoneout`. Each call is a `mask` node of its own stream (ir/ops.ts), mixed
// with its operands by elementwise ops, so the scheduler fuses it like any
// gate math and the backward pass differentiates through it.

import { shapeEq, type Dim } from '../ir/dims.js';
import { Ctx, POISON, type Value } from './context.js';
import { constantValue } from './initSyntax.js';
import type * as A from '../syntax/ast.js';

type Call = Extract<A.Expr, { kind: 'call' }>;
type Lower = (e: A.Expr) => Value;

/**
 * The probability argument of dropout / zoneout: a number literal in [0, 1)
 * (a dropout of 1 would divide by 0; a zoneout of 1 never updates the state).
 */
function probabilityArg(ctx: Ctx, call: Call, e: A.Expr): number | undefined {
  const p = constantValue(e);
  if (p !== undefined && p >= 0 && p < 1) return p;
  ctx.error('E304', `the probability of ${call.callee} must be a number literal in [0, 1), e.g. ${call.callee === 'zoneout' ? 'zoneout(h, h_new, 0.15)' : 'dropout(x, 0.25)'}`, e.span);
  return undefined;
}

/** `per = step` (default: a new mask at every step) or `per = sequence` (one mask per sequence, variational). */
function perArg(ctx: Ctx, call: Call): number | undefined {
  const k = call.kwargs.find((a) => a.key === 'per');
  if (!k) return 0;
  if (k.value.kind === 'name' && !k.value.primed && (k.value.name === 'step' || k.value.name === 'sequence')) return k.value.name === 'sequence' ? 1 : 0;
  ctx.error('E304', 'per must be step (a new mask at every step) or sequence (one mask per sequence, the same at every step)', k.value.span);
  return undefined;
}

/** A fresh random mask of `shape` (ir/ops.ts `mask`): `scale` with probability `prob`, else 0. */
function newMask(ctx: Ctx, call: Call, shape: readonly Dim[], prob: number, scale: number, perSequence: number): Value {
  const m = ctx.b.emit('mask', [], { stream: ctx.maskCount++, prob, scale, perSequence, shape });
  ctx.nameValue(m, `${call.callee}#${ctx.maskCount}`, call.span);
  return m;
}

/**
 * `dropout(x, p)`: x with each element zeroed with probability p and the
 * rest scaled by 1/(1 − p) in training (inverted dropout); x itself in
 * evaluation. `per = sequence`: one mask per sequence (variational dropout).
 */
export function dropout(ctx: Ctx, call: Call, lower: Lower): Value {
  const x = ctx.requireFloat(lower(call.args[0]), call.args[0].span, 'dropout');
  const p = probabilityArg(ctx, call, call.args[1]);
  const per = perArg(ctx, call);
  if (x === POISON || p === undefined || per === undefined) return POISON;
  if (p === 0) return x;
  return ctx.b.emit('mul', [x, newMask(ctx, call, ctx.shape(x), 1 - p, 1 / (1 - p), per)], {});
}

/**
 * `zoneout(h, h_new, p)`: each element keeps its previous value h with
 * probability p and takes h_new otherwise, in training; in evaluation
 * p·h + (1 − p)·h_new (Krueger et al. 2017).
 */
export function zoneout(ctx: Ctx, call: Call, lower: Lower): Value {
  const [prev, next] = [0, 1].map((i) => ctx.requireFloat(lower(call.args[i]), call.args[i].span, 'zoneout'));
  const p = probabilityArg(ctx, call, call.args[2]);
  const per = perArg(ctx, call);
  if (prev === POISON || next === POISON || p === undefined || per === undefined) return POISON;
  if (!shapeEq(ctx.shape(prev), ctx.shape(next))) return ctx.error('E201', `zoneout: the previous value ${ctx.describe(prev)} and the new value ${ctx.describe(next)} differ in shape`, call.span);
  if (p === 0) return next;
  // m·h + (1 − m)·h_new: exactly h where m = 1, exactly h_new where m = 0
  const shape = ctx.shape(prev);
  const m = newMask(ctx, call, shape, p, 1, per);
  const rest = ctx.b.emit('sub', [ctx.b.constant(1, shape), m], {});
  return ctx.b.emit('add', [ctx.b.emit('mul', [m, prev], {}), ctx.b.emit('mul', [rest, next], {})], {});
}
