// A GEMM of a cell's schedule as a kernel record: the tiled GEMM kernel
// (gemm.ts) specialised for the target's limits, its three operands bound to
// the arenas that hold them, and its sizes, leading dimensions and offsets in
// a uniform whose fields are linear in B and T — so one record serves every
// batch size and sequence length, and the runtime only evaluates them.

import type { Target } from './target.js';
import { chooseGemmTiling, GEMM_PARAMS_BYTES, gemmKernel } from './gemm.js';
import type { BoundBinding, GemmProblem, KernelRecord, UniformField } from '../../artifact/kernel.js';
import { addressParts, lin, type Layout, type Lin, type TensorRef } from '../../artifact/layout.js';
import { assert } from '../../util/assert.js';

/** A GEMM of a cell's schedule: the problem, with how its operands are stored. */
export interface CellGemm extends GemmProblem {
  readonly name: string;
  readonly lda: number;
  readonly ldb: number;
  readonly ldc: number;
  /** What the product computes, in the cell's terms. */
  readonly summary: string;
}

const dimLin = (d: number | 'TB'): Lin => (d === 'TB' ? lin(0, 0, 1) : lin(d));
const dimText = (d: number | 'TB') => (d === 'TB' ? 'T·B' : String(d));

export function gemmRecord(g: CellGemm, layout: Layout, target: Target): KernelRecord {
  const tiling = chooseGemmTiling(target.limits, { software: target.software });
  const kernel = gemmKernel({ transA: g.transA, transB: g.transB, accumulate: g.accumulate, tiling });
  const operand = (ref: TensorRef) => {
    const t = layout.tensors.get(ref.tensor);
    assert(t, `GEMM ${g.name}: no tensor ${ref.tensor}`);
    return { t, base: addressParts(t, ref).base };
  };
  const [a, b, c] = [operand(g.A), operand(g.B), operand(g.C)];
  assert(c.t.arena !== a.t.arena && c.t.arena !== b.t.arena, `GEMM ${g.name} writes an arena it reads`);
  const fields: UniformField[] = [
    { name: 'M', type: 'u32', value: dimLin(g.M) },
    { name: 'N', type: 'u32', value: g.N },
    { name: 'K', type: 'u32', value: dimLin(g.K) },
    { name: 'lda', type: 'u32', value: g.lda },
    { name: 'ldb', type: 'u32', value: g.ldb },
    { name: 'ldc', type: 'u32', value: g.ldc },
    { name: 'offsetA', type: 'u32', value: a.base },
    { name: 'offsetB', type: 'u32', value: b.base },
    { name: 'offsetC', type: 'u32', value: c.base },
    // with a trial axis, problem z is trial z: its operands lie one arena copy further
    { name: 'strideA', type: 'u32', value: layout.trialAxis ? layout.arenaSize[a.t.arena] : 0 },
    { name: 'strideB', type: 'u32', value: layout.trialAxis ? layout.arenaSize[b.t.arena] : 0 },
    { name: 'strideC', type: 'u32', value: layout.trialAxis ? layout.arenaSize[c.t.arena] : 0 },
    { name: 'alpha', type: 'f32', value: 1 },
  ];
  const arenaOf = [a.t.arena, b.t.arena, c.t.arena];
  const bindings: BoundBinding[] = kernel.bindings.map((bd) => ({
    ...bd,
    resource: bd.kind === 'uniform' ? { kind: 'uniform', bytes: GEMM_PARAMS_BYTES, fields } : { kind: 'arena', arena: arenaOf[bd.binding] },
  }));
  const opA = g.transA ? 'Aᵀ' : 'A';
  const opB = g.transB ? 'Bᵀ' : 'B';
  return {
    name: g.name,
    role: 'gemm',
    wgsl: kernel.wgsl,
    entryPoint: kernel.entryPoint,
    workgroupSize: kernel.workgroupSize,
    workgroupStorageBytes: kernel.workgroupStorageBytes,
    bindings,
    dispatch: { threads: [lin(g.N), dimLin(g.M), lin(1)], per: [tiling.tileN, tiling.tileM, 1] },
    gemm: { A: g.A, B: g.B, C: g.C, M: g.M, N: g.N, K: g.K, transA: g.transA, transB: g.transB, accumulate: g.accumulate } satisfies GemmProblem,
    summary: `C[${dimText(g.M)}×${g.N}] ${g.accumulate ? '+=' : '='} ${opA}·${opB} (K = ${dimText(g.K)}), A = ${g.A.tensor}, B = ${g.B.tensor}, C = ${g.C.tensor}: ${g.summary}`,
  };
}
