// Float64 tensors of the reference interpreter. A batched tensor holds B
// examples of its shape, example-major: data[b·n + i], n = ∏ shape.

export interface Tensor {
  readonly shape: readonly number[];
  readonly batched: boolean;
  readonly data: Float64Array;
}

export { numel } from '../../ir/dims.js';
import { numel } from '../../ir/dims.js';

export function tensor(shape: readonly number[], batched: boolean, B: number, data?: Float64Array): Tensor {
  const n = numel(shape) * (batched ? B : 1);
  if (data && data.length !== n) throw new Error(`tensor data has ${data.length} elements, expected ${n}`);
  return { shape, batched, data: data ?? new Float64Array(n) };
}

/** The batched view of t: an unbatched tensor is repeated B times. */
export function toBatched(t: Tensor, B: number): Tensor {
  if (t.batched) return t;
  const n = t.data.length;
  const data = new Float64Array(n * B);
  for (let b = 0; b < B; b++) data.set(t.data, b * n);
  return { shape: t.shape, batched: true, data };
}

/** Sum over the batch: a batched tensor becomes an unbatched one. */
export function sumBatch(t: Tensor, B: number): Tensor {
  if (!t.batched) {
    // a constant contribution per example, e.g. a zero gradient
    const data = t.data.map((v) => v * B);
    return { shape: t.shape, batched: false, data };
  }
  const n = numel(t.shape);
  const data = new Float64Array(n);
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) data[i] += t.data[b * n + i];
  return { shape: t.shape, batched: false, data };
}

export function addInto(acc: Float64Array, x: Float64Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}

/** The arrays one after another (e.g. the T steps of a sequence). */
export function concatArrays(xs: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(xs.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}
