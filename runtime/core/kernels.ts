/// <reference types="@webgpu/types" />
// Turning kernel records (the compiler's kernel ABI) into something that can
// be dispatched: a pipeline with an explicit layout, bind groups for the
// resources the record names, and the workgroup counts its formula gives at
// (B, T). Nothing here knows what a kernel computes: fused step kernels,
// GEMMs, gradient sums and the optimizer are bound and encoded alike.

import { evalDispatch, packUniform, type BoundBinding, type KernelRecord } from '../../compiler/index.js';
import { createUniformBuffer } from './buffers.js';
import type { GpuContext } from './device.js';
import { GpuError } from './errors.js';
import { bindGroupLayout, getComputePipeline } from './pipelines.js';

/** What the resources of a record resolve to on one runtime. */
export interface ResourceResolver {
  arena(name: string): GPUBuffer;
  /** Bind groups of the dims uniform: one per step record (t = 0 … T). */
  readonly dimsGroups: (layout: GPUBindGroupLayout) => readonly GPUBindGroup[];
  /** Buffers an application owns (optimizer moments …), by name. */
  host(name: string): GPUBuffer | undefined;
  readonly B: number;
  readonly T: number;
  /** Trials of a trial-axis artifact: workgroup z of a kernel with a trial axis (default 1). */
  readonly trials?: number;
}

export interface PreparedKernel {
  readonly record: KernelRecord;
  readonly pipeline: GPUComputePipeline;
  /** Per group: one bind group, or one per step (the group holding the per-step dims). */
  readonly groups: readonly { readonly group: number; readonly perStep: readonly GPUBindGroup[] | undefined; readonly fixed: GPUBindGroup | undefined }[];
  readonly workgroups: readonly [number, number, number];
  /** Uniform buffers this kernel owns (freed with it). */
  readonly owned: readonly GPUBuffer[];
}

/** Problems that make `record` unusable on this device, one sentence each. */
export function recordProblems(ctx: GpuContext, k: KernelRecord): string[] {
  const L = ctx.limits;
  const [x, y, z] = k.workgroupSize;
  const out: string[] = [];
  if (x * y * z > L.maxComputeInvocationsPerWorkgroup) out.push(`${x * y * z} invocations per workgroup exceed maxComputeInvocationsPerWorkgroup (${L.maxComputeInvocationsPerWorkgroup})`);
  if (x > L.maxComputeWorkgroupSizeX || y > L.maxComputeWorkgroupSizeY) out.push(`a ${x}×${y} workgroup exceeds maxComputeWorkgroupSizeX/Y (${L.maxComputeWorkgroupSizeX}/${L.maxComputeWorkgroupSizeY})`);
  if (k.workgroupStorageBytes > L.maxComputeWorkgroupStorageSize) out.push(`${k.workgroupStorageBytes} bytes of workgroup memory exceed maxComputeWorkgroupStorageSize (${L.maxComputeWorkgroupStorageSize})`);
  return out;
}

export async function prepareKernel(ctx: GpuContext, label: string, k: KernelRecord, r: ResourceResolver): Promise<PreparedKernel> {
  const problems = recordProblems(ctx, k);
  if (problems.length) throw new GpuError(`${label}: kernel ${k.name} does not fit this device (recompile for it): ${problems.join('; ')}`);
  const pipeline = await getComputePipeline(ctx, { label: `${label}/${k.name}`, wgsl: k.wgsl, entryPoint: k.entryPoint, bindings: k.bindings });
  const owned: GPUBuffer[] = [];
  const byGroup = new Map<number, BoundBinding[]>();
  for (const b of k.bindings) byGroup.set(b.group, [...(byGroup.get(b.group) ?? []), b]);
  const groups = [...byGroup.entries()].sort((a, b) => a[0] - b[0]).map(([group, bs]) => {
    // the explicit layout the pipeline was created with (cached per device), so groups are shared across kernels
    const layout = bindGroupLayout(ctx, k.bindings, group);
    const dims = bs.find((b) => b.resource.kind === 'dims');
    if (dims) {
      if (bs.length !== 1) throw new GpuError(`${label}/${k.name}: the dims uniform must be alone in its bind group`);
      const all = r.dimsGroups(layout);
      return { group, perStep: dims.resource.kind === 'dims' && dims.resource.perStep ? all : undefined, fixed: all[0] };
    }
    const entries = bs.map((b): GPUBindGroupEntry => {
      const res = b.resource;
      switch (res.kind) {
        case 'arena':
          return { binding: b.binding, resource: { buffer: r.arena(res.arena) } };
        case 'uniform': {
          const buf = createUniformBuffer(ctx, `${label}/${k.name} ${b.name}`, packUniform(res.bytes, res.fields, r.B, r.T));
          owned.push(buf);
          return { binding: b.binding, resource: { buffer: buf } };
        }
        case 'host': {
          const buf = r.host(res.name);
          if (!buf) throw new GpuError(`${label}/${k.name}: binding ${b.name} needs the host buffer '${res.name}'`);
          return { binding: b.binding, resource: { buffer: buf } };
        }
        case 'dims':
          throw new GpuError('unreachable');
      }
    });
    return { group, perStep: undefined, fixed: ctx.device.createBindGroup({ label: `${label}/${k.name} group ${group}`, layout, entries }) };
  });
  const workgroups = evalDispatch(k.dispatch, r.B, r.T, r.trials ?? 1);
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((w) => w > max)) throw new RangeError(`${label}/${k.name}: ${workgroups.join('×')} workgroups exceed maxComputeWorkgroupsPerDimension (${max}); use a smaller B or T`);
  return { record: k, pipeline, groups, workgroups, owned };
}

/** Records one dispatch of a prepared kernel at step t into an open pass. */
export function encodeKernel(pass: GPUComputePassEncoder, k: PreparedKernel, t: number): void {
  if (k.workgroups.some((w) => w === 0)) return;
  pass.setPipeline(k.pipeline);
  for (const g of k.groups) pass.setBindGroup(g.group, g.perStep ? g.perStep[t] : g.fixed!);
  pass.dispatchWorkgroups(...k.workgroups);
}
