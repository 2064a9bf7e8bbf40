// What the compiler needs to know about each op besides its typing rule: one
// entry per op of the vocabulary (ops.ts), checked against `OpAttrs` by the
// type checker, so an op added there does not compile until it is classified
// here.
//
// Per op:
//   kind       its family (leaf, elementwise unary/binary/compare/select,
//              linear algebra, reduction, shape, discrete); the fusion rules
//              and the backward pass branch on it
//   expensive  costly per element (a k-loop, a reduction, an elimination):
//              the scheduler materialises it instead of recomputing it in
//              every reader (schedule.ts)
//   saved      when batched, its forward value is kept on the tape rather
//              than recomputed in the backward step (backward.ts)
//   attrs      every attribute and what it holds. The kind of each is forced
//              by the attribute's type in OpAttrs, so sizes ('dim', 'shape')
//              cannot be missed by the passes that substitute them
//   builtin    (unary ops) the language has a built-in of the same name that
//              lowers to exactly this op (sema/builtins.ts derives them)

import type { Dim, Shape } from './dims.js';
import type { Op, OpAttrs } from './ops.js';

export type OpKind = 'leaf' | 'unary' | 'binary' | 'compare' | 'select' | 'linalg' | 'reduce' | 'shape' | 'discrete';

/** What an attribute holds: a leaf's name, a number, an axis, a list of axes, a size, a shape. */
export type AttrKind = 'name' | 'number' | 'axis' | 'axes' | 'dim' | 'shape';

/** The kinds an attribute of type T may be declared as (never: no kind fits, a new attribute type needs one). */
type KindOf<T> = T extends Dim ? 'dim' : T extends Shape ? 'shape' : T extends string ? 'name' : T extends number ? 'number' | 'axis' : T extends readonly number[] ? 'axes' : never;

/** Every attribute of A (none may be left out) with its kind. */
export type AttrSpec<A> = { readonly [K in keyof A]-?: KindOf<A[K]> };

interface Common<O extends Op> {
  readonly expensive: boolean;
  readonly saved: boolean;
  readonly attrs: AttrSpec<OpAttrs[O]>;
}

export type OpInfo<O extends Op = Op> = Common<O> & ({ readonly kind: 'unary'; readonly builtin: boolean } | { readonly kind: Exclude<OpKind, 'unary'> });

const NONE = {} as const;
const leaf = <const A>(attrs: A) => ({ kind: 'leaf', expensive: false, saved: false, attrs }) as const;
/** Elementwise values are recomputed from their operands, never saved: cheaper than a store and a load. */
const unary = (builtin: boolean) => ({ kind: 'unary', builtin, expensive: false, saved: false, attrs: NONE }) as const;
const binary = { kind: 'binary', expensive: false, saved: false, attrs: NONE } as const;
const compare = { kind: 'compare', expensive: false, saved: false, attrs: NONE } as const;
const reduce = { kind: 'reduce', expensive: true, saved: true, attrs: { axis: 'axis' } } as const;

export const OP_INFO = {
  input: leaf({ name: 'name' }),
  state: leaf({ name: 'name' }),
  param: leaf({ name: 'name' }),
  const: leaf({ value: 'number', shape: 'shape' }),
  dim: leaf({ dim: 'dim' }),
  // regenerated from its counter wherever it is read, like a literal (never stored, never on the tape)
  mask: leaf({ stream: 'number', prob: 'number', scale: 'number', perSequence: 'number', shape: 'shape' }),

  // neg is the language's unary minus and recip only the autodiff's, so neither is a named built-in
  neg: unary(false), exp: unary(true), log: unary(true), tanh: unary(true), sigmoid: unary(true), relu: unary(true),
  sqrt: unary(true), rsqrt: unary(true), abs: unary(true), softplus: unary(true), square: unary(true),
  recip: unary(false), silu: unary(true),
  add: binary, sub: binary, mul: binary, div: binary, max: binary, min: binary,
  lt: compare, le: compare, gt: compare, ge: compare, eq: compare, ne: compare,
  select: { kind: 'select', expensive: false, saved: false, attrs: NONE },

  matmul: { kind: 'linalg', expensive: true, saved: true, attrs: NONE },
  // outer and transpose are one load per element (index remaps): recomputed where read, like the shape ops
  outer: { kind: 'linalg', expensive: false, saved: true, attrs: NONE },
  headmatvec: { kind: 'linalg', expensive: true, saved: true, attrs: NONE },
  headouter: { kind: 'linalg', expensive: false, saved: true, attrs: { shape: 'shape' } },
  transpose: { kind: 'linalg', expensive: false, saved: true, attrs: NONE },
  inv: { kind: 'linalg', expensive: true, saved: true, attrs: NONE },
  logdet: { kind: 'linalg', expensive: true, saved: true, attrs: NONE },
  // never batched, so `saved` never applies; true like every non-elementwise op
  eye: { kind: 'linalg', expensive: false, saved: true, attrs: { n: 'dim' } },

  sum: reduce, rmax: reduce, logsumexp: reduce, argmax: reduce,

  // a broadcast is a re-indexing of its operand, which the backward step has (saved or recomputed) anyway
  broadcast: { kind: 'shape', expensive: false, saved: false, attrs: { shape: 'shape', axes: 'axes' } },
  sumto: { kind: 'shape', expensive: false, saved: true, attrs: { shape: 'shape', axes: 'axes' } },
  concat: { kind: 'shape', expensive: false, saved: true, attrs: { axis: 'axis' } },
  reshape: { kind: 'shape', expensive: false, saved: true, attrs: { shape: 'shape' } },
  slice: { kind: 'shape', expensive: false, saved: true, attrs: { axis: 'axis', start: 'dim', end: 'dim' } },

  gather: { kind: 'discrete', expensive: false, saved: true, attrs: NONE },
  onehot: { kind: 'discrete', expensive: false, saved: true, attrs: { depth: 'dim' } },
} as const satisfies { readonly [O in Op]: OpInfo<O> };

/** Every op, in the order of the table. */
export const OPS = Object.keys(OP_INFO) as Op[];

/** The ops of one kind, as a type (`OpOfKind<'unary'>` is 'neg' | 'exp' | …). */
export type OpOfKind<K extends OpKind> = { [O in Op]: (typeof OP_INFO)[O]['kind'] extends K ? O : never }[Op];

const kindOf = (op: Op): OpKind => OP_INFO[op].kind;
export const isLeaf = (op: Op): boolean => kindOf(op) === 'leaf';
export const isUnary = (op: Op): op is OpOfKind<'unary'> => kindOf(op) === 'unary';
export const isBinary = (op: Op): op is OpOfKind<'binary'> => kindOf(op) === 'binary';
export const isCompare = (op: Op): op is OpOfKind<'compare'> => kindOf(op) === 'compare';
/** Pure per-element ops: the fusable kind (the unary, binary, comparison ops and select). */
export const isElementwise = (op: Op): boolean => isUnary(op) || isBinary(op) || isCompare(op) || kindOf(op) === 'select';
export const isExpensiveOp = (op: Op): boolean => OP_INFO[op].expensive;
export const isSavedOp = (op: Op): boolean => OP_INFO[op].saved;

/** The unary ops the language calls by their own name, in table order. */
export const UNARY_BUILTINS: readonly OpOfKind<'unary'>[] = OPS.filter((op): op is OpOfKind<'unary'> => {
  const info = OP_INFO[op];
  return info.kind === 'unary' && info.builtin;
});

/** An op's attributes and their kinds, in the order of its entry (the text form prints them so). */
export function attrSpec(op: Op): readonly (readonly [key: string, kind: AttrKind])[] {
  return Object.entries(OP_INFO[op].attrs) as [string, AttrKind][];
}

export interface SizeAttr {
  readonly key: string;
  readonly kind: 'dim' | 'shape';
}

const SIZE_ATTRS = new Map<Op, readonly SizeAttr[]>(
  OPS.map((op) => [op, attrSpec(op).flatMap(([key, kind]) => (kind === 'dim' || kind === 'shape' ? [{ key, kind }] : []))]),
);

/** The attributes of an op that hold sizes (a Dim, or a Shape of them): what concretisation substitutes. */
export function sizeAttrs(op: Op): readonly SizeAttr[] {
  return SIZE_ATTRS.get(op)!;
}
