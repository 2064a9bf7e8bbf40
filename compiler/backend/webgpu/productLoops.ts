// The WGSL of the ops that sum over a loop at one element idx of their result:
// a matrix product (matmul), a per-head product (headmatvec) and the sum of a
// broadcast back to its operand's shape (sumto). Each emits its loop into the
// kernel's scope and returns the accumulator's name; operands are read through
// `load`, which computes them inside the loop body where they vary with it.

import { numel } from '../../ir/dims.js';
import { Scope } from './scope.js';
import { broadcastIndex, u } from './wgslIndex.js';

export interface LoopInput {
  /** The result element's index expression. */
  readonly idx: string;
  readonly fresh: (hint: string) => string;
  /** Operand i's value at index q, computed in scope sc. */
  readonly load: (i: number, q: string, sc: Scope) => string;
}

/** Σ_kk a(kk)·b(kk) over kk < K. */
function dot(o: LoopInput, s: Scope, K: number, aAt: (kk: string) => string, bAt: (kk: string) => string): string {
  const acc = o.fresh('acc');
  const kk = o.fresh('kk');
  s.emit(`var ${acc} = 0.0;`);
  s.emit(`for (var ${kk} = 0u; ${kk} < ${u(K)}; ${kk}++) {`);
  const inner = new Scope(s, s.indent + '  ');
  const a = o.load(0, aAt(kk), inner);
  const b = o.load(1, bAt(kk), inner);
  inner.emit(`${acc} += (${a}) * (${b});`);
  s.lines.push(...inner.lines);
  s.emit('}');
  return acc;
}

/** A[M, K] (or a vector [K]) times B[K, N] (or a vector [K]). */
export function matmulLoop(o: LoopInput, s: Scope, A: readonly number[], B: readonly number[]): string {
  const K = A[A.length - 1];
  const N = B.length === 2 ? B[1] : 1;
  const m = N === 1 ? o.idx : `(${o.idx} / ${u(N)})`;
  const col = N === 1 ? '0u' : `(${o.idx} % ${u(N)})`;
  return dot(o, s, K, (kk) => (A.length === 2 ? `${m} * ${u(K)} + ${kk}` : kk), (kk) => (B.length === 2 ? `${kk} * ${u(N)} + ${col}` : kk));
}

/** out[n·P + p] = Σ_q A[n, p, q] · v[n·Q + q]: A's row (n, p) starts at idx·Q. */
export function headMatvecLoop(o: LoopInput, s: Scope, P: number, Q: number): string {
  return dot(o, s, Q, (kk) => `${o.idx} * ${u(Q)} + ${kk}`, (kk) => `(${o.idx} / ${u(P)}) * ${u(Q)} + ${kk}`);
}

/** The sum of operand 0 (shape `big`) over the elements that broadcast to element idx of `shape`. */
export function sumtoLoop(o: LoopInput, s: Scope, big: readonly number[], shape: readonly number[], axes: readonly number[]): string {
  const acc = o.fresh('st');
  const q = o.fresh('q');
  s.emit(`var ${acc} = 0.0;`);
  s.emit(`for (var ${q} = 0u; ${q} < ${u(numel(big))}; ${q}++) {`);
  const sc = new Scope(s, s.indent + '  ');
  sc.emit(`if (${broadcastIndex(q, shape, big, axes)} == ${o.idx}) {`);
  const sc2 = new Scope(sc, sc.indent + '  ');
  sc2.emit(`${acc} += ${o.load(0, q, sc2)};`);
  sc.lines.push(...sc2.lines);
  sc.emit('}');
  s.lines.push(...sc.lines);
  s.emit('}');
  return acc;
}
