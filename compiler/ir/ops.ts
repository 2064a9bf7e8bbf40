// The closed op vocabulary of the step IR and the typing rule of every op.
//
// Every per-op concern in the compiler is a table keyed by every op: typing
// here, classification and attribute kinds (opInfo.ts), VJP rules
// (autodiff/vjpRules.ts), evaluation (interp/evalRules.ts) and WGSL spelling
// (backend/webgpu/wgslOps.ts). Adding an op to OpAttrs does not compile until each
// table has its entry.
//
// Values carry a `batched` flag: inputs, states and everything computed from
// them have an implicit leading batch axis B that is never written in shapes;
// parameters and constants do not. Elementwise ops require equal shapes
// (broadcasting is explicit in the IR) but mix batched and unbatched freely.

import { dimAdd, dimEq, dimKey, dimMul, isConstDim, shapeEq, shapeNumel, type Dim, type Shape } from './dims.js';

export type DType = 'f32' | 'i32' | 'bool';

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly batched: boolean;
}

type NoAttrs = Record<string, never>;

/** Each op's attributes. The keys of this interface are the op vocabulary. */
export interface OpAttrs {
  // leaves
  input: { readonly name: string };
  state: { readonly name: string };
  param: { readonly name: string };
  const: { readonly value: number; readonly shape: Shape };
  /** The value of a (symbolic) size as an f32 scalar, e.g. the n of a mean. */
  dim: { readonly dim: Dim };
  /**
   * A random mask of `shape` (batched), drawn afresh for every row and step
   * (`perSequence` 1: once per row, the same at every step): `scale` with
   * probability `prob`, else 0, in training; `prob · scale`, its expected
   * value, in evaluation. The bits come from Philox 4x32-10 keyed by the
   * run's (seed, draw) at counter (element, row, step, stream): regenerated
   * wherever the value is read (the backward pass too), never stored.
   */
  mask: { readonly stream: number; readonly prob: number; readonly scale: number; readonly perSequence: number; readonly shape: Shape };
  // elementwise
  neg: NoAttrs; exp: NoAttrs; log: NoAttrs; tanh: NoAttrs; sigmoid: NoAttrs; relu: NoAttrs;
  sqrt: NoAttrs; rsqrt: NoAttrs; abs: NoAttrs; softplus: NoAttrs; square: NoAttrs; recip: NoAttrs;
  /** x · sigmoid(x) (SiLU, swish). */
  silu: NoAttrs;
  add: NoAttrs; sub: NoAttrs; mul: NoAttrs; div: NoAttrs; max: NoAttrs; min: NoAttrs;
  lt: NoAttrs; le: NoAttrs; gt: NoAttrs; ge: NoAttrs; eq: NoAttrs; ne: NoAttrs;
  select: NoAttrs;
  // linear algebra
  matmul: NoAttrs;
  outer: NoAttrs;
  /**
   * The block-diagonal product of heads: A [N, P, Q] (N blocks of P×Q) times a
   * vector v [N·Q] read as N pieces of Q, giving N pieces of P: [N·P],
   * out[n·P + p] = Σ_q A[n, p, q] · v[n·Q + q].
   */
  headmatvec: NoAttrs;
  /** The per-head outer product: a [N·P], b [N·Q] → [N, P, Q], out[n, p, q] = a[n·P + p] · b[n·Q + q]. */
  headouter: { readonly shape: Shape };
  /** Swaps the last two axes of a matrix [R, C] or of a stack of them [N, R, C]. */
  transpose: NoAttrs;
  /** The inverse of a square matrix (small: a Kalman gain's innovation covariance). */
  inv: NoAttrs;
  /** log |det A| of a square matrix, a scalar. */
  logdet: NoAttrs;
  /** The identity matrix of size n (no operands; not batched). */
  eye: { readonly n: Dim };
  // reductions along one axis (the axis is removed)
  sum: { readonly axis: number };
  rmax: { readonly axis: number };
  logsumexp: { readonly axis: number };
  argmax: { readonly axis: number };
  // shape
  /** Input axis i becomes output axis axes[i]; other output axes are new. Input dims equal the output's or are 1. */
  broadcast: { readonly shape: Shape; readonly axes: readonly number[] };
  /** The adjoint of broadcast: sums an input of `from` shape down to `shape`. */
  sumto: { readonly shape: Shape; readonly axes: readonly number[] };
  concat: { readonly axis: number };
  /** The same elements, row-major, under another shape of the same element count ([NH·DH] ↔ [NH, DH]). */
  reshape: { readonly shape: Shape };
  slice: { readonly axis: number; readonly start: Dim; readonly end: Dim };
  // discrete
  gather: NoAttrs;
  onehot: { readonly depth: Dim };
}

export type Op = keyof OpAttrs;

export type TypeRule = (args: readonly TensorType[], attrs: any) => TensorType | string;

const f32 = (shape: Shape, batched: boolean): TensorType => ({ dtype: 'f32', shape, batched });
const anyBatched = (args: readonly TensorType[]) => args.some((a) => a.batched);
export const showShape = (s: Shape) => `[${s.map(dimKey).join(', ')}]`;
export const showType = (t: TensorType) => `${t.dtype}${showShape(t.shape)}`;

function arity(n: number, args: readonly TensorType[]): string | undefined {
  return args.length === n ? undefined : `expects ${n} operand(s), got ${args.length}`;
}

function unary(args: readonly TensorType[]): TensorType | string {
  const e = arity(1, args);
  if (e) return e;
  if (args[0].dtype !== 'f32') return `expects f32, got ${args[0].dtype}`;
  return args[0];
}

function sameShape(args: readonly TensorType[], dtype: DType, out: DType): TensorType | string {
  const e = arity(2, args);
  if (e) return e;
  const [a, b] = args;
  if (a.dtype !== dtype || b.dtype !== dtype) return `expects ${dtype} operands, got ${a.dtype} and ${b.dtype}`;
  if (!shapeEq(a.shape, b.shape)) return `shapes ${showShape(a.shape)} and ${showShape(b.shape)} differ`;
  return { dtype: out, shape: a.shape, batched: anyBatched(args) };
}

const binary: TypeRule = (args) => sameShape(args, 'f32', 'f32');
const compare: TypeRule = (args) => sameShape(args, 'f32', 'bool');

function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

function reduce(out: DType): TypeRule {
  return (args, attrs: { axis: number }) => {
    const e = arity(1, args);
    if (e) return e;
    const x = args[0];
    if (x.dtype !== 'f32') return `expects f32, got ${x.dtype}`;
    const ax = normAxis(attrs.axis, x.shape.length);
    if (ax === undefined || ax !== attrs.axis) return `axis ${attrs.axis} is not an axis of ${showShape(x.shape)}`;
    return { dtype: out, shape: x.shape.filter((_, i) => i !== ax), batched: x.batched };
  };
}

function checkBroadcastAxes(small: Shape, big: Shape, axes: readonly number[]): string | undefined {
  if (axes.length !== small.length) return 'axes must map every input axis';
  for (let i = 0; i < axes.length; i++) {
    if (axes[i] < 0 || axes[i] >= big.length || (i > 0 && axes[i] <= axes[i - 1])) return 'axes must be increasing output axes';
    if (!dimEq(small[i], big[axes[i]]) && !isConstDim(small[i], 1)) return `cannot broadcast ${showShape(small)} to ${showShape(big)}`;
  }
  return undefined;
}

const leafError = () => 'leaves take no operands';

/** The check shared by inv and logdet: one f32 square matrix (undefined when it is one). */
function squareMatrix(args: readonly TensorType[]): string | undefined {
  const e = arity(1, args);
  if (e) return e;
  const a = args[0];
  if (a.dtype !== 'f32') return `expects f32, got ${a.dtype}`;
  if (a.shape.length !== 2) return `expects a square matrix, got ${showShape(a.shape)}`;
  if (!dimEq(a.shape[0], a.shape[1])) return `expects a square matrix, got ${showShape(a.shape)}`;
  return undefined;
}

export const TYPE_RULES: Record<Op, TypeRule> = {
  input: leafError,
  state: leafError,
  param: leafError,
  const: (args, attrs: OpAttrs['const']) => (args.length ? leafError() : f32(attrs.shape, false)),
  dim: (args) => (args.length ? leafError() : f32([], false)),
  mask: (args, attrs: OpAttrs['mask']) => {
    if (args.length) return leafError();
    if (!(attrs.prob >= 0 && attrs.prob <= 1)) return `probability ${attrs.prob} is not in [0, 1]`;
    if (!Number.isInteger(attrs.stream) || attrs.stream < 0 || attrs.stream > 0xffffffff) return `stream ${attrs.stream} is not a u32`;
    return f32(attrs.shape, true);
  },
  neg: unary, exp: unary, log: unary, tanh: unary, sigmoid: unary, relu: unary,
  sqrt: unary, rsqrt: unary, abs: unary, softplus: unary, square: unary, recip: unary, silu: unary,
  add: binary, sub: binary, mul: binary, div: binary, max: binary, min: binary,
  lt: compare, le: compare, gt: compare, ge: compare, eq: compare, ne: compare,
  select: (args) => {
    const e = arity(3, args);
    if (e) return e;
    const [c, a, b] = args;
    if (c.dtype !== 'bool') return `condition must be bool, got ${c.dtype}`;
    const ab = sameShape([a, b], 'f32', 'f32');
    if (typeof ab === 'string') return ab;
    if (!shapeEq(c.shape, a.shape)) return `condition shape ${showShape(c.shape)} differs from ${showShape(a.shape)}`;
    return { ...ab, batched: anyBatched(args) };
  },
  matmul: (args) => {
    const e = arity(2, args);
    if (e) return e;
    const [a, b] = args;
    if (a.dtype !== 'f32' || b.dtype !== 'f32') return 'expects f32 operands';
    if (a.shape.length < 1 || a.shape.length > 2 || b.shape.length < 1 || b.shape.length > 2) {
      return `operands must be vectors or matrices, got ${showShape(a.shape)} @ ${showShape(b.shape)}`;
    }
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[0];
    if (!dimEq(k1, k2)) return `inner dimensions differ: ${showShape(a.shape)} @ ${showShape(b.shape)} (${dimKey(k1)} vs ${dimKey(k2)})`;
    return f32([...a.shape.slice(0, -1), ...b.shape.slice(1)], anyBatched(args));
  },
  outer: (args) => {
    const e = arity(2, args);
    if (e) return e;
    const [a, b] = args;
    if (a.shape.length !== 1 || b.shape.length !== 1) return 'outer expects two vectors';
    return f32([a.shape[0], b.shape[0]], anyBatched(args));
  },
  headmatvec: (args) => {
    const e = arity(2, args);
    if (e) return e;
    const [a, v] = args;
    if (a.dtype !== 'f32' || v.dtype !== 'f32') return 'expects f32 operands';
    if (a.shape.length !== 3 || v.shape.length !== 1) return `expects a stack of matrices [N, P, Q] and a vector, got ${showShape(a.shape)} and ${showShape(v.shape)}`;
    const [n, p, q] = a.shape;
    if (!dimEq(v.shape[0], dimMul(n, q))) return `the vector must have ${dimKey(dimMul(n, q))} elements (${dimKey(n)} heads of ${dimKey(q)}), got ${showShape(v.shape)}`;
    return f32([dimMul(n, p)], anyBatched(args));
  },
  headouter: (args, attrs: OpAttrs['headouter']) => {
    const e = arity(2, args);
    if (e) return e;
    const [a, b] = args;
    if (a.dtype !== 'f32' || b.dtype !== 'f32') return 'expects f32 operands';
    if (attrs.shape.length !== 3 || a.shape.length !== 1 || b.shape.length !== 1) return 'expects two vectors and a shape [N, P, Q]';
    const [n, p, q] = attrs.shape;
    if (!dimEq(a.shape[0], dimMul(n, p)) || !dimEq(b.shape[0], dimMul(n, q))) {
      return `operands ${showShape(a.shape)} and ${showShape(b.shape)} are not ${dimKey(n)} heads of ${dimKey(p)} and of ${dimKey(q)}`;
    }
    return f32(attrs.shape, anyBatched(args));
  },
  transpose: (args) => {
    const e = arity(1, args);
    if (e) return e;
    const s = args[0].shape;
    if (s.length !== 2 && s.length !== 3) return `expects a matrix or a stack of matrices, got ${showShape(s)}`;
    return { ...args[0], shape: [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] };
  },
  inv: (args) => squareMatrix(args) ?? args[0],
  logdet: (args) => squareMatrix(args) ?? f32([], args[0].batched),
  eye: (args, attrs: OpAttrs['eye']) => (args.length ? 'eye takes no operands' : f32([attrs.n, attrs.n], false)),
  sum: reduce('f32'),
  rmax: reduce('f32'),
  logsumexp: reduce('f32'),
  argmax: reduce('i32'),
  broadcast: (args, attrs: OpAttrs['broadcast']) => {
    const e = arity(1, args);
    if (e) return e;
    const err = checkBroadcastAxes(args[0].shape, attrs.shape, attrs.axes);
    return err ?? { ...args[0], shape: attrs.shape };
  },
  sumto: (args, attrs: OpAttrs['sumto']) => {
    const e = arity(1, args);
    if (e) return e;
    const err = checkBroadcastAxes(attrs.shape, args[0].shape, attrs.axes);
    return err ?? { ...args[0], shape: attrs.shape };
  },
  reshape: (args, attrs: OpAttrs['reshape']) => {
    const e = arity(1, args);
    if (e) return e;
    const [have, want] = [shapeNumel(args[0].shape), shapeNumel(attrs.shape)];
    if (!dimEq(have, want)) return `cannot reshape ${showShape(args[0].shape)} (${dimKey(have)} elements) to ${showShape(attrs.shape)} (${dimKey(want)})`;
    return { ...args[0], shape: attrs.shape };
  },
  concat: (args, attrs: OpAttrs['concat']) => {
    if (args.length < 2) return 'concat expects at least two operands';
    const r = args[0].shape.length;
    const ax = attrs.axis;
    if (ax < 0 || ax >= r) return `axis ${ax} is not an axis of ${showShape(args[0].shape)}`;
    let total: Dim = { c: 0, terms: [] };
    for (const a of args) {
      if (a.dtype !== 'f32') return 'expects f32 operands';
      if (a.shape.length !== r) return 'operands differ in rank';
      for (let i = 0; i < r; i++) {
        if (i !== ax && !dimEq(a.shape[i], args[0].shape[i])) return `shapes ${showShape(args[0].shape)} and ${showShape(a.shape)} differ off the concat axis`;
      }
      total = dimAdd(total, a.shape[ax]);
    }
    const shape = [...args[0].shape];
    shape[ax] = total;
    return f32(shape, anyBatched(args));
  },
  slice: (args, attrs: OpAttrs['slice']) => {
    const e = arity(1, args);
    if (e) return e;
    const x = args[0];
    if (attrs.axis < 0 || attrs.axis >= x.shape.length) return `axis ${attrs.axis} is not an axis of ${showShape(x.shape)}`;
    const shape = [...x.shape];
    shape[attrs.axis] = dimAdd(attrs.end, attrs.start, -1);
    return { ...x, shape };
  },
  gather: (args) => {
    const e = arity(2, args);
    if (e) return e;
    const [table, idx] = args;
    if (table.dtype !== 'f32' || table.shape.length !== 2) return `table must be an f32 matrix, got ${showType(table)}`;
    if (idx.dtype !== 'i32' || idx.shape.length !== 0) return `index must be an i32 scalar, got ${showType(idx)}`;
    return f32([table.shape[1]], anyBatched(args));
  },
  onehot: (args, attrs: OpAttrs['onehot']) => {
    const e = arity(1, args);
    if (e) return e;
    if (args[0].dtype !== 'i32' || args[0].shape.length > 1) return `index must be an i32 scalar or vector, got ${showType(args[0])}`;
    return f32([...args[0].shape, attrs.depth], args[0].batched);
  },
};
