// One VJP rule per op of the closed vocabulary (a Record<Op, …>: an op added
// to ops.ts without a rule here does not compile).
//
// A rule receives the primal operands and result (as nodes of the backward
// builder) and the cotangent g of the result, and returns the cotangent
// contribution of each operand (null: none — discrete, or a leaf). Rules emit
// IR, so the backward pass is itself a step graph.

import { dimAdd, dimConst, isConstDim, type Shape } from '../ir/dims.js';
import type { GraphBuilder, Node } from '../ir/graph.js';
import type { Op, OpAttrs } from '../ir/ops.js';
import { CompilerBug } from '../util/assert.js';

export interface VjpArgs {
  readonly b: GraphBuilder;
  /** The forward node (for attributes and types). */
  readonly node: Node;
  /** Primal operands and result, as nodes of the backward builder. */
  readonly x: readonly number[];
  readonly y: number;
  /** Cotangent of the result. */
  readonly g: number;
}

export type VjpRule = (a: VjpArgs) => (number | null)[];

const shapeOf = (b: GraphBuilder, v: number): Shape => b.type(v).shape;
const konst = (b: GraphBuilder, value: number, like: number) => b.constant(value, shapeOf(b, like));
const e = (b: GraphBuilder, op: Op, ...args: number[]) => b.emit(op as 'add', args, {});
const zerosLike = (b: GraphBuilder, v: number) => konst(b, 0, v);

/** Cotangent of an elementwise unary op: g · f'(x, y). */
function unary(deriv: (b: GraphBuilder, x: number, y: number) => number): VjpRule {
  return ({ b, x, y, g }) => [e(b, 'mul', g, deriv(b, x[0], y))];
}

const noGrad: VjpRule = ({ x }) => x.map(() => null);
const leaf: VjpRule = () => [];

/** Re-inserts a reduced axis: the broadcast that undoes `reduce(axis)`. */
function expand(b: GraphBuilder, v: number, full: Shape, axis: number): number {
  const axes = full.map((_, i) => i).filter((i) => i !== axis);
  return b.emit('broadcast', [v], { shape: full, axes });
}

export const VJP_RULES: Record<Op, VjpRule> = {
  input: leaf,
  state: leaf,
  param: leaf,
  const: leaf,
  dim: leaf,
  mask: leaf,

  neg: ({ b, g }) => [e(b, 'neg', g)],
  exp: unary((b, _x, y) => y),
  log: ({ b, x, g }) => [e(b, 'div', g, x[0])],
  tanh: unary((b, _x, y) => e(b, 'sub', konst(b, 1, y), e(b, 'square', y))),
  sigmoid: unary((b, _x, y) => e(b, 'mul', y, e(b, 'sub', konst(b, 1, y), y))),
  relu: ({ b, x, g }) => [b.emit('select', [e(b, 'gt', x[0], zerosLike(b, x[0])), g, zerosLike(b, g)], {})],
  sqrt: ({ b, y, g }) => [e(b, 'div', g, e(b, 'mul', konst(b, 2, y), y))],
  rsqrt: unary((b, _x, y) => e(b, 'mul', konst(b, -0.5, y), e(b, 'mul', y, e(b, 'square', y)))),
  abs: ({ b, x, g }) => [b.emit('select', [e(b, 'lt', x[0], zerosLike(b, x[0])), e(b, 'neg', g), g], {})],
  softplus: unary((b, x) => e(b, 'sigmoid', x)),
  square: unary((b, x) => e(b, 'mul', konst(b, 2, x), x)),
  recip: ({ b, y, g }) => [e(b, 'neg', e(b, 'mul', g, e(b, 'square', y)))],
  // d/dx x·s(x) = s + x·s·(1 − s) = s·(1 + x·(1 − s)), s = sigmoid(x) recomputed from x
  silu: unary((b, x) => {
    const s = e(b, 'sigmoid', x);
    const one = konst(b, 1, x);
    return e(b, 'mul', s, e(b, 'add', one, e(b, 'mul', x, e(b, 'sub', one, s))));
  }),

  add: ({ g }) => [g, g],
  sub: ({ b, g }) => [g, e(b, 'neg', g)],
  mul: ({ b, x, g }) => [e(b, 'mul', g, x[1]), e(b, 'mul', g, x[0])],
  div: ({ b, x, y, g }) => [e(b, 'div', g, x[1]), e(b, 'neg', e(b, 'div', e(b, 'mul', g, y), x[1]))],
  // ties send the whole cotangent to the first operand
  max: ({ b, x, g }) => {
    const c = e(b, 'ge', x[0], x[1]);
    return [b.emit('select', [c, g, zerosLike(b, g)], {}), b.emit('select', [c, zerosLike(b, g), g], {})];
  },
  min: ({ b, x, g }) => {
    const c = e(b, 'le', x[0], x[1]);
    return [b.emit('select', [c, g, zerosLike(b, g)], {}), b.emit('select', [c, zerosLike(b, g), g], {})];
  },
  lt: noGrad, le: noGrad, gt: noGrad, ge: noGrad, eq: noGrad, ne: noGrad,
  select: ({ b, x, g }) => [null, b.emit('select', [x[0], g, zerosLike(b, g)], {}), b.emit('select', [x[0], zerosLike(b, g), g], {})],

  matmul: ({ b, x, g }) => {
    const [A, B] = x;
    const ra = shapeOf(b, A).length;
    const rb = shapeOf(b, B).length;
    if (ra === 2 && rb === 1) return [e(b, 'outer', g, B), e(b, 'matmul', g, A)];
    if (ra === 2 && rb === 2) return [e(b, 'matmul', g, e(b, 'transpose', B)), e(b, 'matmul', e(b, 'transpose', A), g)];
    if (ra === 1 && rb === 2) return [e(b, 'matmul', B, g), e(b, 'outer', A, g)];
    if (ra === 1 && rb === 1) {
      const k = shapeOf(b, A);
      const gk = b.emit('broadcast', [g], { shape: k, axes: [] });
      return [e(b, 'mul', gk, B), e(b, 'mul', gk, A)];
    }
    throw new CompilerBug(`matmul of ranks ${ra} and ${rb}`);
  },
  outer: ({ b, x, g }) => [e(b, 'matmul', g, x[1]), e(b, 'matmul', x[0], g)],
  // y = A·v per head: ∂A = outer(g, v) per head, ∂v = Aᵀ·g per head
  headmatvec: ({ b, x, g }) => [b.emit('headouter', [g, x[1]], { shape: shapeOf(b, x[0]) }), e(b, 'headmatvec', e(b, 'transpose', x[0]), g)],
  // y[n, p, q] = a[n·P + p] · b[n·Q + q]: ∂a = g·b per head, ∂b = gᵀ·a per head
  headouter: ({ b, x, g }) => [e(b, 'headmatvec', g, x[1]), e(b, 'headmatvec', e(b, 'transpose', g), x[0])],
  transpose: ({ b, g }) => [e(b, 'transpose', g)],
  reshape: ({ b, x, g }) => [b.emit('reshape', [g], { shape: shapeOf(b, x[0]) })],
  // d(A⁻¹) = −A⁻¹ dA A⁻¹, so ∂A = −(A⁻¹)ᵀ g (A⁻¹)ᵀ
  inv: ({ b, y, g }) => {
    const yt = e(b, 'transpose', y);
    return [e(b, 'neg', e(b, 'matmul', e(b, 'matmul', yt, g), yt))];
  },
  // d log|det A| = tr(A⁻¹ dA), so ∂A = g (A⁻¹)ᵀ
  logdet: ({ b, x, g }) => {
    const full = shapeOf(b, x[0]);
    return [e(b, 'mul', b.emit('broadcast', [g], { shape: full, axes: [] }), e(b, 'transpose', e(b, 'inv', x[0])))];
  },
  eye: leaf,

  sum: ({ b, node, x, g }) => [expand(b, g, shapeOf(b, x[0]), (node.attrs as OpAttrs['sum']).axis)],
  // ties share the cotangent equally (the maxima of max(concat(a, a)) are
  // two copies of one value: each must get half, not all of it)
  rmax: ({ b, node, x, y, g }) => {
    const full = shapeOf(b, x[0]);
    const axis = (node.attrs as OpAttrs['rmax']).axis;
    const hit = e(b, 'eq', x[0], expand(b, y, full, axis));
    const count = b.emit('sum', [b.emit('select', [hit, konst(b, 1, x[0]), zerosLike(b, x[0])], {})], { axis });
    const gx = expand(b, e(b, 'div', g, count), full, axis);
    return [b.emit('select', [hit, gx, zerosLike(b, gx)], {})];
  },
  logsumexp: ({ b, node, x, y, g }) => {
    const full = shapeOf(b, x[0]);
    const axis = (node.attrs as OpAttrs['logsumexp']).axis;
    const softmax = e(b, 'exp', e(b, 'sub', x[0], expand(b, y, full, axis)));
    return [e(b, 'mul', expand(b, g, full, axis), softmax)];
  },
  argmax: noGrad,

  broadcast: ({ b, node, x, g }) => {
    const a = node.attrs as OpAttrs['broadcast'];
    return [b.emit('sumto', [g], { shape: shapeOf(b, x[0]), axes: a.axes })];
  },
  sumto: ({ b, node, x, g }) => {
    const a = node.attrs as OpAttrs['sumto'];
    return [b.emit('broadcast', [g], { shape: shapeOf(b, x[0]), axes: a.axes })];
  },
  concat: ({ b, node, x, g }) => {
    const axis = (node.attrs as OpAttrs['concat']).axis;
    let start = dimConst(0);
    return x.map((xi) => {
      const end = dimAdd(start, shapeOf(b, xi)[axis]);
      const piece = b.emit('slice', [g], { axis, start, end });
      start = end;
      return piece;
    });
  },
  slice: ({ b, node, x, g }) => {
    const { axis, start, end } = node.attrs as OpAttrs['slice'];
    const full = shapeOf(b, x[0]);
    const parts: number[] = [];
    const pad = (len: typeof start) => {
      if (isConstDim(len, 0)) return;
      const s = [...full];
      s[axis] = len;
      parts.push(b.constant(0, s));
    };
    pad(start);
    parts.push(g);
    pad(dimAdd(full[axis], end, -1));
    return [parts.length === 1 ? g : b.emit('concat', parts, { axis })];
  },
  gather: ({ b, x, g }) => {
    const rows = shapeOf(b, x[0])[0];
    return [e(b, 'outer', b.emit('onehot', [x[1]], { depth: rows }), g), null];
  },
  onehot: noGrad,
};
