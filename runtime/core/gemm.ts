// Running the generated GEMM kernel (compiler/backend/webgpu/gemm.ts).
//
// `prepareGemm` does the slow part once — pipeline lookup, range checks,
// uniform and bind group — and returns a plan whose `encode(pass)` only records
// a dispatch, so callers can put many GEMMs (e.g. one per time step) in one
// compute pass and one command buffer. `gemm` prepares and encodes; `runGemm`
// also submits and waits.
//
// Each operand binds only the window of its buffer the problem touches (the
// offset rounded down to the device's alignment), so a sub-matrix of a buffer
// larger than maxStorageBufferBindingSize still works, and a window that would
// run past the buffer is an error here rather than a silently clamped read.

import { type GemmKernel, type GemmKernelOptions, type GemmTiling, checkGemmTiling, chooseGemmTiling, gemmDispatchSize, gemmKernel, packGemmParams } from '../../compiler/index.js';
import { BufferUsage, createUniformBuffer } from './buffers.js';
import type { GpuContext } from './device.js';
import { BufferTooLargeError, GpuError, withErrorScopes } from './errors.js';
import { getComputePipeline } from './pipelines.js';

/** A matrix inside a buffer: first element at `offset` (elements), rows `ld` elements apart. */
export interface GemmOperand {
  readonly buffer: GPUBuffer;
  readonly offset?: number;
  /** Leading dimension (row stride) as stored; defaults to the stored row length. */
  readonly ld?: number;
  /** Elements between consecutive matrices of a batch; defaults to 0 (the same matrix for all). */
  readonly stride?: number;
}

export interface GemmDesc {
  readonly A: GPUBuffer | GemmOperand;
  readonly B: GPUBuffer | GemmOperand;
  readonly C: GPUBuffer | GemmOperand;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  /** C += alpha·op(A)·op(B) instead of C = alpha·op(A)·op(B). */
  readonly accumulate?: boolean;
  readonly alpha?: number;
  /** Problems dispatched together (workgroup_id.z); operands advance by their stride. */
  readonly batch?: number;
  /** Defaults to chooseGemmTiling(ctx.limits, { software: ctx.adapter.software }). */
  readonly tiling?: GemmTiling;
  /** Names the dispatch in errors. */
  readonly label?: string;
}

export interface GemmPlan {
  readonly kernel: GemmKernel;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  /** Records the dispatch into an open compute pass. */
  encode(pass: GPUComputePassEncoder): void;
  /** Frees the plan's uniform buffer; call after the last submit that uses it. */
  release(): void;
}

const kernels = new Map<string, GemmKernel>();

function kernelFor(options: GemmKernelOptions): GemmKernel {
  const key = JSON.stringify(options);
  let k = kernels.get(key);
  if (!k) kernels.set(key, (k = gemmKernel(options)));
  return k;
}

interface Window {
  readonly binding: GPUBufferBinding;
  /** The operand's offset relative to the bound window, in elements. */
  readonly offset: number;
  readonly ld: number;
  readonly stride: number;
}

/** Checks one operand's extent against its buffer and returns the binding window. */
function operandWindow(ctx: GpuContext, name: string, op: GemmOperand, rows: number, cols: number, batch: number, label: string): Window {
  const offset = op.offset ?? 0;
  const ld = op.ld ?? cols;
  const stride = op.stride ?? 0;
  const what = `${label}: operand ${name} (buffer "${op.buffer.label}")`;
  for (const [k, v] of [['offset', offset], ['ld', ld], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what}: ${k} must be a non-negative integer, got ${v}`);
  }
  if (ld < cols) throw new RangeError(`${what}: leading dimension ${ld} is smaller than the ${cols} columns stored per row`);
  if (!(op.buffer.usage & BufferUsage.STORAGE)) throw new GpuError(`${what} was not created with STORAGE usage`);
  const touched = rows > 0 && cols > 0 && batch > 0 ? (batch - 1) * stride + (rows - 1) * ld + cols : 0;
  const endBytes = (offset + Math.max(touched, 1)) * 4;
  if (endBytes > op.buffer.size)
    throw new RangeError(`${what}: a ${rows}×${cols} matrix at element ${offset} (ld ${ld}${batch > 1 ? `, ${batch} × stride ${stride}` : ''}) ends at byte ${endBytes}, past the buffer's ${op.buffer.size} bytes`);
  const align = ctx.limits.minStorageBufferOffsetAlignment;
  const start = Math.floor((offset * 4) / align) * align;
  const size = endBytes - start;
  if (size > ctx.limits.maxStorageBufferBindingSize) throw new BufferTooLargeError(`${op.buffer.label} (GEMM operand ${name})`, size, ctx.limits.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize');
  return { binding: { buffer: op.buffer, offset: start, size }, offset: offset - start / 4, ld, stride };
}

const asOperand = (x: GPUBuffer | GemmOperand): GemmOperand => ('buffer' in x ? x : { buffer: x });

export async function prepareGemm(ctx: GpuContext, desc: GemmDesc): Promise<GemmPlan> {
  ctx.assertUsable();
  const { M, N, K } = desc;
  const batch = desc.batch ?? 1;
  const transA = desc.transA ?? false;
  const transB = desc.transB ?? false;
  const options: GemmKernelOptions = { transA, transB, accumulate: desc.accumulate ?? false, tiling: desc.tiling ?? chooseGemmTiling(ctx.limits, { software: ctx.adapter.software }) };
  const tilingProblems = checkGemmTiling(options.tiling, ctx.limits);
  if (tilingProblems.length) throw new RangeError(`GEMM tiling ${JSON.stringify(options.tiling)} does not fit this device: ${tilingProblems.join('; ')}`);
  const kernel = kernelFor(options);
  const label = desc.label ?? kernel.label;
  for (const [k, v] of [['M', M], ['N', N], ['K', K], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${label}: ${k} must be a non-negative integer, got ${v}`);
  }
  const [opA, opB, opC] = [desc.A, desc.B, desc.C].map(asOperand);
  if (opC.buffer === opA.buffer || opC.buffer === opB.buffer)
    throw new GpuError(`${label}: C must not share a buffer with A or B (WebGPU forbids binding a buffer both writable and read-only in one dispatch)`);
  const a = operandWindow(ctx, 'A', opA, transA ? K : M, transA ? M : K, batch, label);
  const b = operandWindow(ctx, 'B', opB, transB ? N : K, transB ? K : N, batch, label);
  const c = operandWindow(ctx, 'C', opC, M, N, batch, label);
  const workgroups = gemmDispatchSize(options.tiling, M, N, batch);
  const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((w) => w > maxGroups)) throw new RangeError(`${label}: ${workgroups.join('×')} workgroups exceed maxComputeWorkgroupsPerDimension (${maxGroups})`);

  const pipeline = await getComputePipeline(ctx, { label: kernel.label, wgsl: kernel.wgsl, entryPoint: kernel.entryPoint, bindings: kernel.bindings });
  const params = createUniformBuffer(
    ctx,
    `${label} params`,
    packGemmParams({
      M, N, K,
      lda: a.ld, ldb: b.ld, ldc: c.ld,
      offsetA: a.offset, offsetB: b.offset, offsetC: c.offset,
      strideA: a.stride, strideB: b.stride, strideC: c.stride,
      alpha: desc.alpha ?? 1,
    }),
  );
  const bindGroup = ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: a.binding },
      { binding: 1, resource: b.binding },
      { binding: 2, resource: c.binding },
      { binding: 3, resource: { buffer: params } },
    ],
  });
  return {
    kernel,
    pipeline,
    bindGroup,
    workgroups,
    encode(pass) {
      if (workgroups.some((w) => w === 0)) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...workgroups);
    },
    release: () => params.destroy(),
  };
}

/** Prepares a GEMM and records it into `pass`; release the plan after submitting. */
export async function gemm(ctx: GpuContext, pass: GPUComputePassEncoder, desc: GemmDesc): Promise<GemmPlan> {
  const plan = await prepareGemm(ctx, desc);
  plan.encode(pass);
  return plan;
}

/** Runs one GEMM in its own command buffer and waits for it; WebGPU errors raise GpuValidationError. */
export async function runGemm(ctx: GpuContext, desc: GemmDesc): Promise<void> {
  const plan = await prepareGemm(ctx, desc);
  try {
    await withErrorScopes(ctx.device, desc.label ?? plan.kernel.label, async () => {
      const encoder = ctx.device.createCommandEncoder({ label: plan.kernel.label });
      const pass = encoder.beginComputePass({ label: plan.kernel.label });
      plan.encode(pass);
      pass.end();
      ctx.queue.submit([encoder.finish()]);
      await ctx.queue.onSubmittedWorkDone();
    });
  } finally {
    plan.release();
  }
  ctx.assertUsable();
}
