// What every generated kernel shares: B, T and the time step t come from a
// uniform record (group 1), not from override constants. A pipeline then
// serves every batch size and sequence length (the shader is compiled once per
// cell and sizes, which matters where compiling is slow, as on lavapipe), and
// loops over T·B rows stay loops instead of being unrolled at compile time.
// Tensor offsets (linear in B and T) are computed at the top of each kernel.

import { type Layout, type TensorLayout } from '../../artifact/layout.js';
import { wgslLin } from './wgslAddress.js';

/** Byte stride between the per-step records of the dims uniform. */
export const DIMS_STRIDE = 256;

/** Bytes of one dims record: (t, B, T, train, seed, draw), padded to 16. */
export const DIMS_RECORD_BYTES = 32;

export const DIMS_DECL = ['struct Dims { t: u32, B: u32, T: u32 }', '@group(1) @binding(0) var<uniform> dims: Dims;'];

/**
 * The declaration of a kernel that reads random masks (wgslPhilox.ts): the
 * record also holds the run's training switch and mask key, the same in
 * every step record (a kernel without masks declares the first three fields only).
 */
export const DIMS_DECL_RANDOM = ['struct Dims { t: u32, B: u32, T: u32, train: u32, seed: u32, draw: u32 }', '@group(1) @binding(0) var<uniform> dims: Dims;'];

/**
 * Statements at the top of `main`: B, T and the offsets of the tensors used;
 * with a trial axis, offsets of trial gid.z (its copy of each arena).
 */
export function dimsPrologue(tensors: readonly Pick<TensorLayout, 'symbol' | 'offset' | 'name' | 'arena'>[], layout: Pick<Layout, 'trialAxis' | 'arenaSize'>): string[] {
  const trial = (t: Pick<TensorLayout, 'arena'>) => (layout.trialAxis ? ` + gid.z * (${wgslLin(layout.arenaSize[t.arena])})` : '');
  return ['  let B = dims.B;', '  let T = dims.T;', ...tensors.map((t) => `  let ${t.symbol} = ${wgslLin(t.offset)}${trial(t)}; // ${t.name}`)];
}
