// WGSL of the parameter-gradient kernel for small parameters: one invocation
// per gradient element, summing its terms over all T·B rows —
//   outer term:  ∂P[m, n] += Σ_rows a[row, m] · b[row, n]
//   head outer:  ∂P[n, p, q] += Σ_rows a[row, n·P + p] · b[row, n·Q + q]
//   column sum:  ∂P[i]    += Σ_rows a[row, i]
// — for every listed parameter in ONE dispatch. It is the GEMM Aᵀ·B with one
// output per thread: for the small matrices of small cells (gates of 32 units,
// a readout of 1 row) a tiled GEMM would run a single workgroup over all rows,
// while this spreads the parameters over all invocations. Large parameters
// use the tiled GEMM (compile.ts decides).

import { numel } from '../../ir/dims.js';
import { arenaBindings, dimsBinding } from './kernelBindings.js';
import { FOLD_WORKGROUPS, type KernelRecord } from '../../artifact/kernel.js';
import { lin, type Layout, type TensorLayout, type TensorRef } from '../../artifact/layout.js';
import { arenaVar, wgslAddress } from './wgslAddress.js';
import { tensorNames } from '../../schedule/stepFunction.js';
import { DIMS_DECL, dimsPrologue } from './wgslDims.js';
import { assert } from '../../util/assert.js';

export interface GradKernelTerm {
  readonly param: string;
  /** Gradient elements: M·N for an outer term (shape [M, N]), N·P·Q for a head outer ([N, P, Q]), or the column-sum width. */
  readonly shape: readonly [number, number] | readonly [number, number, number] | readonly [number];
  readonly a: TensorRef;
  readonly b?: TensorRef;
}

export function renderGradKernel(name: string, terms: readonly GradKernelTerm[], layout: Layout, workgroupSize: number): KernelRecord {
  const arenas = new Set<string>(['grads']);
  const symbols = new Map<string, TensorLayout>();
  const sym = (tensor: TensorRef['tensor']) => {
    const t = layout.tensors.get(tensor);
    assert(t, `no tensor ${tensor}`);
    arenas.add(t.arena);
    symbols.set(t.symbol, t);
    return t;
  };
  // parameters in grads-arena order; each owns a contiguous range of invocations
  const byParam = new Map<string, GradKernelTerm[]>();
  for (const t of terms) byParam.set(t.param, [...(byParam.get(t.param) ?? []), t]);
  const lines: string[] = [];
  let total = 0;
  for (const [param, ts] of byParam) {
    const g = sym(tensorNames.grad(param));
    const count = numel(ts[0].shape);
    lines.push(`  ${lines.length ? 'else ' : ''}if (i < ${total + count}u) {`);
    lines.push(`    let e = i - ${total}u;`);
    lines.push('    var s = 0.0;');
    lines.push('    for (var row = 0u; row < rows; row++) {');
    for (const t of ts) {
      const at = (ref: TensorRef, idx: string) => {
        const tl = sym(ref.tensor);
        return `${arenaVar(tl.arena)}[${wgslAddress(tl, ref, { idx })}]`;
      };
      if (t.b && t.shape.length === 3) {
        const [, p, q] = t.shape;
        lines.push(`      s += ${at(t.a, `e / ${q}u`)} * ${at(t.b, `(e / ${p * q}u) * ${q}u + e % ${q}u`)};`);
      } else if (t.b) {
        const n = t.shape[1]!;
        lines.push(`      s += ${at(t.a, `e / ${n}u`)} * ${at(t.b, `e % ${n}u`)};`);
      } else lines.push(`      s += ${at(t.a, 'e')};`);
    }
    lines.push('    }');
    lines.push(`    grads[${g.symbol} + e] = s;`);
    lines.push('  }');
    total += count;
  }
  const arenaList = [...arenas].sort();
  const wgsl = [
    `// ${name}: parameter gradients of ${[...byParam.keys()].join(', ')}, one invocation per element, summed over all T·B rows.`,
    ...DIMS_DECL,
    ...arenaList.map((a, i) => `@group(0) @binding(${i}) var<storage, ${a === 'grads' ? 'read_write' : 'read'}> ${arenaVar(a)}: array<f32>;`),
    '',
    `@compute @workgroup_size(${workgroupSize})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    ...dimsPrologue([...symbols.values()], layout),
    `  let i = gid.x + gid.y * ${FOLD_WORKGROUPS * workgroupSize}u;`,
    `  if (i >= ${total}u) { return; }`,
    '  let rows = T * B;',
    ...lines,
    '}',
    '',
  ].join('\n');
  return {
    name,
    role: 'grads',
    wgsl,
    entryPoint: 'main',
    workgroupSize: [workgroupSize, 1, 1],
    workgroupStorageBytes: 0,
    bindings: [...arenaBindings(arenaList, new Set(arenaList.filter((a) => a !== 'grads'))), dimsBinding(false)],
    dispatch: { threads: [lin(total), lin(1), lin(1)], per: [workgroupSize, 1, 1], fold: true },
    summary: `∂(${[...byParam.keys()].join(', ')}) = Σ_rows of their terms`,
  };
}
