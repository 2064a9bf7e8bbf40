// How the fused kernels spell numbers and element indices in WGSL: u32 and f32
// literals, an operand's index (parenthesised when compound), the thread's
// element at a slice's offset, and the index of a broadcast's operand.

import { numel } from '../../ir/dims.js';
import { CompilerBug } from '../../util/assert.js';

export const u = (n: number) => `${n}u`;
export const f = (v: number) => {
  if (Number.isNaN(v)) throw new CompilerBug('NaN literal');
  if (!Number.isFinite(v)) return v > 0 ? '3.4028234e38' : '-3.4028234e38';
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
};
// a compound index (`a * 4u + kk`) is parenthesised before `/` or `%` applies to it
export const OFFSET_INDEX = /^\(j \+ (\d+)u\)$/;
export const operandIndex = (at: string) => (/^\w+$/.test(at) || OFFSET_INDEX.test(at) ? at : `(${at})`);
export const strides = (s: readonly number[]) => s.map((_, i) => numel(s.slice(i + 1)));
/** The thread's element j plus k, spelled `j` or `(j + ku)` (what operandIndex keeps as it is). */
export const atOffset = (k: number) => (k === 0 ? 'j' : `(j + ${u(k)})`);
/** The k of an index spelled by atOffset, else undefined. */
export const sliceOffset = (at: string): number | undefined => {
  const m = OFFSET_INDEX.exec(at);
  return at === 'j' ? 0 : m ? Number(m[1]) : undefined;
};

/** Index into operand `a` of shape `inShape` for element `idx` of a broadcast to `outShape`. */
export const broadcastIndex = (idx: string, inShape: readonly number[], outShape: readonly number[], axes: readonly number[]) => {
  const os = strides(outShape);
  const is = strides(inShape);
  const terms: string[] = [];
  inShape.forEach((d, i) => {
    if (d === 1) return;
    const ax = axes[i];
    const coord = os[ax] === 1 ? `(${idx} % ${u(outShape[ax])})` : `((${idx} / ${u(os[ax])}) % ${u(outShape[ax])})`;
    terms.push(is[i] === 1 ? coord : `${coord} * ${u(is[i])}`);
  });
  return terms.length ? terms.join(' + ') : '0u';
};

/** Index into the operand [… R, C] of a transpose to `outShape` [… C, R] for element `idx` (per block of a stack). */
export const transposeIndex = (idx: string, outShape: readonly number[]) => {
  // out (i, k) = i·R + k reads in (k, i) = k·C + i
  const [c, r] = outShape.slice(-2);
  if (outShape.length === 2) return `(${idx} % ${u(r)}) * ${u(c)} + (${idx} / ${u(r)})`;
  const m = `(${idx} % ${u(r * c)})`;
  return `(${idx} / ${u(r * c)}) * ${u(r * c)} + (${m} % ${u(r)}) * ${u(c)} + (${m} / ${u(r)})`;
};
