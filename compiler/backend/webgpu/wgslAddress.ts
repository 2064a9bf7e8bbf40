// The WGSL spelling of the memory layout (artifact/layout.ts): an arena's
// variable name, a linear offset in terms of the kernel's `B` and `T`, and the
// one address formula (`addressParts`) as an index expression.

import { addressParts, type ArenaName, type Lin, type TensorLayout, type TensorRef } from '../../artifact/layout.js';

/** The WGSL variable name of an arena. */
export const arenaVar = (a: ArenaName) => a.replace(/[^A-Za-z0-9_]/g, '_');

/** WGSL spelling, in terms of the kernel's `B` and `T` (see wgslDims.ts). */
export const wgslLin = (x: Lin) => {
  const parts = [x.c ? `${x.c}u` : '', x.b ? `${x.b}u * B` : '', x.tb ? `${x.tb}u * T * B` : ''].filter(Boolean);
  return parts.length ? parts.join(' + ') : '0u';
};

/**
 * The address formula of `addressParts` spelled in WGSL, in terms of the
 * kernel's offset symbol of the tensor (`let o3 = …` in the prologue), `B`,
 * the step variable `time` (absent: step 0, as in kernels over all T·B rows)
 * and the row variable `row`:
 *
 *   o3 [+ time·B·W | + B·W for a shift] [+ row·W] [+ col] + idx
 */
export function wgslAddress(t: TensorLayout, ref: Pick<TensorRef, 'shift' | 'col'>, at: { readonly time?: string; readonly row?: string; readonly idx: string }): string {
  const a = addressParts(t, ref);
  const W = `${t.width}u`;
  const terms = [t.symbol];
  if (a.step.b) {
    if (at.time !== undefined) terms.push(ref.shift ? `(${at.time} + 1u) * B * ${W}` : `${at.time} * B * ${W}`);
    else if (ref.shift) terms.push(`B * ${W}`);
  }
  if (a.rowStride) terms.push(`${at.row ?? 'row'} * ${W}`);
  if (ref.col) terms.push(`${ref.col}u`);
  terms.push(at.idx);
  return terms.join(' + ');
}
