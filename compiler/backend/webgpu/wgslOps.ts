// The WGSL spelling of every op, one entry per op of the vocabulary (an op
// added to OpAttrs does not compile until it has one).
//
//   expr        a pure WGSL expression of the operands' expressions at the
//               same element: every elementwise, comparison and select op.
//               The fused-kernel renderer inlines it where the value is used.
//   structural  needs indices, loops or scratch arrays (products, reductions,
//               shape ops, gather, eliminations): spelled by fusedKernel.ts,
//               whose switch over exactly these ops the type checker closes.
//   leaf        never computed in a kernel: loaded from its tensor, or a
//               literal (const, dim), or a random mask (a call of the
//               Philox function, wgslPhilox.ts).
//
// A spelling reads its operands through `x(i)`, in the order the text uses
// them: fetching an operand may emit the `let` lines that compute it, and the
// kernel text (golden files) follows that order.
//
// Large operands: WGSL lets an implementation assume that no overflow or
// infinity occurs at run time (the result is then an indeterminate value), so
// a spelling whose value is finite should keep its intermediates finite too.
// tanh clamps its argument where tanh is ±1 in f32 anyway (and near 0 takes
// its series: the builtin's error is absolute there); softplus is
// max(x, 0) + log(1 + e^−|x|); silu clamps the exponent's argument. sigmoid
// does not: for x < −88, exp(−x) overflows and it relies on 1/∞ = 0, as IEEE
// arithmetic (and lavapipe) gives.
//
// NaN: WGSL's clamp, max and min may drop a NaN operand (lavapipe returns the
// other one), which would turn a diverged value into a finite one. tanh, relu,
// max, min and the max reductions select the NaN back in through a test of its
// bits (`isNan`), which no float optimisation can assume away.

import type { Op } from '../../ir/ops.js';

export type Operand = (i: number) => string;

export type WgslSpelling =
  | { readonly kind: 'expr'; readonly spell: (x: Operand) => string }
  | { readonly kind: 'structural' }
  | { readonly kind: 'leaf' };

/** WGSL: is the f32 `v` a NaN (exponent all ones, mantissa not zero)? */
export const isNan = (v: string) => `(bitcast<u32>(${v}) & 0x7fffffffu) > 0x7f800000u`;
/** WGSL max/min of `a` and `b` that is NaN when either is. */
export const nanMax = (fn: 'max' | 'min', a: string, b: string) => `select(${fn}(${a}, ${b}), ${a} + ${b}, ${isNan(a)} || ${isNan(b)})`;

const expr = (spell: (x: Operand) => string) => ({ kind: 'expr', spell }) as const;
const STRUCTURAL = { kind: 'structural' } as const;
const LEAF = { kind: 'leaf' } as const;

export const WGSL_OPS = {
  input: LEAF,
  state: LEAF,
  param: LEAF,
  const: LEAF,
  dim: LEAF,
  mask: LEAF,

  neg: expr((x) => `-(${x(0)})`),
  exp: expr((x) => `exp(${x(0)})`),
  log: expr((x) => `log(${x(0)})`),
  tanh: expr((x) => {
    const v = x(0);
    // near 0 the builtin's error is absolute (about 1e-7 on lavapipe: tanh(1e-6) 3 % off), so there
    // the odd series to x⁹, whose first dropped term is below 1e-11 of the value for |x| < 0.125
    const s = `${v} * ${v}`;
    const series = `${v} * (1.0 + ${s} * (-0.33333334 + ${s} * (0.13333334 + ${s} * (-0.053968254 + ${s} * 0.021869488))))`;
    return `select(select(tanh(clamp(${v}, -15.0, 15.0)), ${series}, abs(${v}) < 0.125), ${v}, ${isNan(v)})`;
  }),
  sigmoid: expr((x) => `1.0 / (1.0 + exp(-(${x(0)})))`),
  relu: expr((x) => {
    const v = x(0);
    return `select(max(${v}, 0.0), ${v}, ${isNan(v)})`;
  }),
  sqrt: expr((x) => `sqrt(${x(0)})`),
  rsqrt: expr((x) => `inverseSqrt(${x(0)})`),
  abs: expr((x) => `abs(${x(0)})`),
  softplus: expr((x) => {
    // max(x, 0) + log(1 + e), e = exp(−|x|) ≤ 1: never overflows, and for e < 0.05 (x < −3) the series of
    // log(1 + e) to e⁶, as 1 + e loses e's digits in f32 (softplus(−30) would be 0 instead of 9.4e-14)
    const v = x(0);
    const e = `exp(-abs(${v}))`;
    const series = `${e} * (1.0 + ${e} * (-0.5 + ${e} * (0.33333334 + ${e} * (-0.25 + ${e} * (0.2 - ${e} * 0.16666667)))))`;
    return `select(max(${v}, 0.0) + select(log(1.0 + ${e}), ${series}, ${e} < 0.05), ${v}, ${isNan(v)})`;
  }),
  square: expr((x) => {
    const v = x(0);
    return `${v} * ${v}`;
  }),
  recip: expr((x) => `1.0 / (${x(0)})`),
  // x / (1 + e⁻ˣ) with the exponent's argument clamped to ±80: e⁸⁰ ≈ 5.5e34 stays finite in f32,
  // and past it the clamp changes the value by less than |x|·e⁻⁸⁰ (x itself for x > 80, ≈ 0 for x < −80)
  silu: expr((x) => {
    const v = x(0);
    return `(${v}) / (1.0 + exp(-clamp(${v}, -80.0, 80.0)))`;
  }),
  add: expr((x) => `${x(0)} + ${x(1)}`),
  sub: expr((x) => `${x(0)} - (${x(1)})`),
  mul: expr((x) => `(${x(0)}) * (${x(1)})`),
  div: expr((x) => `(${x(0)}) / (${x(1)})`),
  max: expr((x) => nanMax('max', x(0), x(1))),
  min: expr((x) => nanMax('min', x(0), x(1))),
  lt: expr((x) => `${x(0)} < ${x(1)}`),
  le: expr((x) => `${x(0)} <= ${x(1)}`),
  gt: expr((x) => `${x(0)} > ${x(1)}`),
  ge: expr((x) => `${x(0)} >= ${x(1)}`),
  eq: expr((x) => `${x(0)} == ${x(1)}`),
  ne: expr((x) => `${x(0)} != ${x(1)}`),
  // WGSL's select(f, t, c): the false value first, and so fetched first
  select: expr((x) => `select(${x(2)}, ${x(1)}, ${x(0)})`),

  matmul: STRUCTURAL,
  headmatvec: STRUCTURAL,
  headouter: STRUCTURAL,
  outer: STRUCTURAL,
  transpose: STRUCTURAL,
  reshape: STRUCTURAL,
  inv: STRUCTURAL,
  logdet: STRUCTURAL,
  eye: STRUCTURAL,
  sum: STRUCTURAL,
  rmax: STRUCTURAL,
  logsumexp: STRUCTURAL,
  argmax: STRUCTURAL,
  broadcast: STRUCTURAL,
  sumto: STRUCTURAL,
  concat: STRUCTURAL,
  slice: STRUCTURAL,
  gather: STRUCTURAL,
  onehot: STRUCTURAL,
} as const satisfies Record<Op, WgslSpelling>;

type OpsOfKind<K extends WgslSpelling['kind']> = { [O in Op]: (typeof WGSL_OPS)[O]['kind'] extends K ? O : never }[Op];
/** The ops fusedKernel.ts spells itself. */
export type StructuralOp = OpsOfKind<'structural'>;
export type LeafOp = OpsOfKind<'leaf'>;

export const isStructural = (op: Op): op is StructuralOp => WGSL_OPS[op].kind === 'structural';
