// WGSL of a column sum over all T·B rows: target[n] += Σ_rows source[row, n].
// Used for parameter gradients that are not outer products (biases, peepholes,
// elementwise weights) of large parameters: one invocation per column, rows
// summed in order.

import { arenaBindings, dimsBinding } from './kernelBindings.js';
import type { KernelRecord } from '../../artifact/kernel.js';
import { lin, type Layout, type TensorRef } from '../../artifact/layout.js';
import { arenaVar, wgslAddress } from './wgslAddress.js';
import { DIMS_DECL, dimsPrologue } from './wgslDims.js';
import { assert } from '../../util/assert.js';

export function renderColsumKernel(o: { name: string; source: TensorRef; target: TensorRef; width: number; layout: Layout; workgroupSize: number; param: string }): KernelRecord {
  const src = o.layout.tensors.get(o.source.tensor);
  const dst = o.layout.tensors.get(o.target.tensor);
  assert(src && dst, 'colsum tensors missing');
  const arenas = [...new Set([src.arena, dst.arena])].sort();
  const readOnly = new Set(arenas.filter((a) => a !== dst.arena));
  const srcAt = { ...src, symbol: 'src' };
  const dstAt = { ...dst, symbol: 'dst' };
  const wgsl = [
    `// ${o.name}: ∂${o.param} += Σ over all T·B rows of ${o.source.tensor}${o.source.col ? ` (columns from ${o.source.col})` : ''}.`,
    ...DIMS_DECL,
    ...arenas.map((a, i) => `@group(0) @binding(${i}) var<storage, ${readOnly.has(a) ? 'read' : 'read_write'}> ${arenaVar(a)}: array<f32>;`),
    '',
    `@compute @workgroup_size(${o.workgroupSize})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    ...dimsPrologue([srcAt, dstAt], o.layout),
    '  let n = gid.x;',
    `  if (n >= ${o.width}u) { return; }`,
    '  let rows = T * B;',
    '  var s = 0.0;',
    '  for (var row = 0u; row < rows; row++) {',
    `    s += ${arenaVar(src.arena)}[${wgslAddress(srcAt, o.source, { idx: 'n' })}];`,
    '  }',
    `  ${arenaVar(dst.arena)}[${wgslAddress(dstAt, o.target, { idx: 'n' })}] += s;`,
    '}',
    '',
  ].join('\n');
  return {
    name: o.name,
    role: 'colsum',
    wgsl,
    entryPoint: 'main',
    workgroupSize: [o.workgroupSize, 1, 1],
    workgroupStorageBytes: 0,
    bindings: [...arenaBindings(arenas, readOnly), dimsBinding(false)],
    dispatch: { threads: [lin(o.width), lin(1), lin(1)], per: [o.workgroupSize, 1, 1] },
    summary: `∂${o.param} += Σ_rows ${o.source.tensor}`,
  };
}
