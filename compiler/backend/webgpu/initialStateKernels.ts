// WGSL of a learned initial state (`state h[H] = h0`, SPEC.md §4.4): two small
// kernels per such state, run once per call, never per step —
//   fill:  s_0[b, i] = h0[i] for every row b < B        (first in the forward prelude)
//   grad:  ∂h0[i] += Σ_{b<B} ∂s_0[b, i]                   (after the other parameter gradients)
// Both fold their grid into y past 65535 workgroups (kernel.ts).
// The runtime runs them only while s_0 comes from the parameter (not for a
// state the caller gave or carried over).

import { arenaBindings, dimsBinding } from './kernelBindings.js';
import { FOLD_WORKGROUPS, type KernelRecord } from '../../artifact/kernel.js';
import { lin, type Layout, type TensorLayout } from '../../artifact/layout.js';
import { arenaVar, wgslAddress } from './wgslAddress.js';
import { DIMS_DECL, dimsPrologue } from './wgslDims.js';
import { tensorNames } from '../../schedule/stepFunction.js';
import { assert } from '../../util/assert.js';

interface Operands {
  readonly src: TensorLayout;
  readonly dst: TensorLayout;
  readonly layout: Layout;
}

function record(name: string, o: Operands, width: number, threads: ReturnType<typeof lin>, body: readonly string[], summary: string, workgroupSize: number, role: KernelRecord['role']): KernelRecord {
  const arenas = [...new Set([o.src.arena, o.dst.arena])].sort();
  const readOnly = new Set(arenas.filter((a) => a !== o.dst.arena));
  const wgsl = [
    `// ${name}: ${summary}.`,
    ...DIMS_DECL,
    ...arenas.map((a, i) => `@group(0) @binding(${i}) var<storage, ${readOnly.has(a) ? 'read' : 'read_write'}> ${arenaVar(a)}: array<f32>;`),
    '',
    `@compute @workgroup_size(${workgroupSize})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    ...dimsPrologue([o.src, o.dst], o.layout),
    ...body,
    '}',
    '',
  ].join('\n');
  assert(width > 0, 'an initial state has elements');
  return {
    name,
    role,
    wgsl,
    entryPoint: 'main',
    workgroupSize: [workgroupSize, 1, 1],
    workgroupStorageBytes: 0,
    bindings: [...arenaBindings(arenas, readOnly), dimsBinding(false)],
    dispatch: { threads: [threads, lin(1), lin(1)], per: [workgroupSize, 1, 1], fold: true },
    summary,
  };
}

/** The fill and gradient kernels of state `state` whose s_0 is parameter `param` (`width` elements per row). */
export function initialStateKernels(index: number, state: string, param: string, width: number, layout: Layout, workgroupSize: number): { fill: KernelRecord; grad: KernelRecord } {
  const get = (id: Parameters<Layout['tensors']['get']>[0]) => {
    const t = layout.tensors.get(id);
    assert(t, `no tensor ${id}`);
    return t;
  };
  const s = get(tensorNames.state(state));
  const ds = get(tensorNames.dstate(state));
  const p = get(tensorNames.param(param));
  const g = get(tensorNames.grad(param));
  const at = (t: TensorLayout, idx: string, row?: string) => `${arenaVar(t.arena)}[${wgslAddress(t, { shift: 0, col: 0 }, { idx, ...(row ? { row } : {}) })}]`;
  const fill = record(
    `init${index}_fill`,
    { src: p, dst: s, layout },
    width,
    lin(0, width),
    [`  let e = gid.x + gid.y * ${FOLD_WORKGROUPS * workgroupSize}u;`, `  if (e >= ${width}u * B) { return; }`, `  let row = e / ${width}u;`, `  let i = e % ${width}u;`, `  ${at(s, 'i')} = ${at(p, 'i')};`],
    `${state}_0 = ${param} in every row`,
    workgroupSize,
    'fused',
  );
  const grad = record(
    `init${index}_grad`,
    { src: ds, dst: g, layout },
    width,
    lin(width),
    [`  let i = gid.x + gid.y * ${FOLD_WORKGROUPS * workgroupSize}u;`, `  if (i >= ${width}u) { return; }`, '  var acc = 0.0;', '  for (var row = 0u; row < B; row++) {', `    acc += ${at(ds, 'i')};`, '  }', `  ${at(g, 'i')} += acc;`],
    `∂${param} += Σ_rows ∂${state}_0`,
    workgroupSize,
    'colsum',
  );
  return { fill, grad };
}
