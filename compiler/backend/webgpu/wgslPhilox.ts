// The WGSL twin of numeric/philox.ts: the same Philox 4x32-10, the same
// counter (element, row, step, stream), key (seed, draw) and threshold, so a
// mask element is on in a kernel exactly when it is on in the interpreter.
// Kernels that read a mask declare the longer dims record (wgslDims.ts) with
// the run's key and its training switch.

import type { OpAttrs } from '../../ir/ops.js';
import { maskThreshold, PER_SEQUENCE_STEP } from '../../numeric/philox.js';
import { f } from './wgslIndex.js';

export const PHILOX_WGSL = [
  '',
  '// Philox 4x32-10 (numeric/philox.ts): the 64-bit products in 16-bit halves',
  'fn cellc_mulhi(a: u32, b: u32) -> u32 {',
  '  let al = a & 0xffffu;',
  '  let ah = a >> 16u;',
  '  let bl = b & 0xffffu;',
  '  let bh = b >> 16u;',
  '  let lo = al * bl;',
  '  let m1 = al * bh;',
  '  let m2 = ah * bl;',
  '  let mid = (lo >> 16u) + (m1 & 0xffffu) + (m2 & 0xffffu);',
  '  return ah * bh + (m1 >> 16u) + (m2 >> 16u) + (mid >> 16u);',
  '}',
  'fn cellc_philox(counter: vec4<u32>, key: vec2<u32>) -> u32 {',
  '  var c = counter;',
  '  var k = key;',
  '  for (var i = 0u; i < 10u; i++) {',
  '    let hi0 = cellc_mulhi(0xd2511f53u, c.x);',
  '    let lo0 = 0xd2511f53u * c.x;',
  '    let hi1 = cellc_mulhi(0xcd9e8d57u, c.z);',
  '    let lo1 = 0xcd9e8d57u * c.z;',
  '    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);',
  '    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);',
  '  }',
  '  return c.x;',
  '}',
  '// a mask element: `scale` when its bits are below `threshold` (training), its expectation in evaluation',
  'fn cellc_mask(element: u32, row: u32, step: u32, stream: u32, threshold: u32, scale: f32, expected: f32) -> f32 {',
  '  if (dims.train == 0u) { return expected; }',
  '  let bits = cellc_philox(vec4<u32>(element, row, step, stream), vec2<u32>(dims.seed, dims.draw));',
  '  return select(0.0, scale, (bits >> 8u) < threshold);',
  '}',
];

/**
 * Mask element `element` (a WGSL u32 expression) of the thread's row: at
 * `step` in a per-step kernel (row = the example), or, without one, in a
 * kernel over all T·B rows (row = t·B + b).
 */
export function maskAt(a: OpAttrs['mask'], element: string, step: string | undefined): string {
  const t = a.perSequence ? `${PER_SEQUENCE_STEP}u` : (step ?? '(row / B)');
  return `cellc_mask(${element}, ${step ? 'row' : '(row % B)'}, ${t}, ${a.stream}u, ${maskThreshold(a.prob)}u, ${f(Math.fround(a.scale))}, ${f(Math.fround(a.prob * a.scale))})`;
}
