// WGSL of a column sum over all T·B rows: target[n] += Σ_rows source[row, n].
// Used for parameter gradients that are not outer products (biases, peepholes,
// elementwise weights): one invocation per column, rows summed in order.

import type { TensorRef } from './artifact.js';
import type { RenderedKernel } from './fusedKernel.js';
import { arenaVar, type Layout } from './layout.js';
import { DIMS_DECL, dimsPrologue } from './wgslDims.js';
import { assert } from '../util/assert.js';

export function renderColsumKernel(o: { name: string; source: TensorRef; target: TensorRef; width: number; layout: Layout; workgroupSize: number; param: string }): RenderedKernel {
  const src = o.layout.tensors.get(o.source.tensor);
  const dst = o.layout.tensors.get(o.target.tensor);
  assert(src && dst, 'colsum tensors missing');
  const arenas = [...new Set([src.arena, dst.arena])].sort();
  const bind = (a: string) => arenas.indexOf(a as never);
  const shift = o.source.shift ? ` + B * ${src.width}u` : '';
  const wgsl = [
    `// ${o.name}: ∂${o.param} += Σ over all T·B rows of ${o.source.tensor}${o.source.col ? ` (columns from ${o.source.col})` : ''}.`,
    ...DIMS_DECL,
    ...arenas.map((a) => `@group(0) @binding(${bind(a)}) var<storage, ${a === dst.arena ? 'read_write' : 'read'}> ${arenaVar(a)}: array<f32>;`),
    '',
    `@compute @workgroup_size(${o.workgroupSize})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    ...dimsPrologue([{ ...src, symbol: 'src' }, { ...dst, symbol: 'dst' }]),
    '  let n = gid.x;',
    `  if (n >= ${o.width}u) { return; }`,
    '  let rows = T * B;',
    '  var s = 0.0;',
    '  for (var row = 0u; row < rows; row++) {',
    `    s += ${arenaVar(src.arena)}[src${shift} + row * ${src.width}u + ${o.source.col}u + n];`,
    '  }',
    `  ${arenaVar(dst.arena)}[dst + ${o.target.col}u + n] += s;`,
    '}',
    '',
  ].join('\n');
  return { name: o.name, wgsl, entryPoint: 'main', arenas, readOnly: arenas.filter((a) => a !== dst.arena), usesStep: false, dispatch: { elements: o.width, rows: '1', rowsPerThread: 1, workgroupSize: o.workgroupSize }, summary: `∂${o.param} += Σ_rows ${o.source.tensor}` };
}
