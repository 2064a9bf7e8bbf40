// Compute pipelines, compiled once per device and cached by what determines
// them: WGSL source, entry point, override constants and binding layout.
//
// Compilation errors are reported from getCompilationInfo() with the caller's
// label and line:column positions in the WGSL; anything else WebGPU rejects is
// caught in error scopes (GpuValidationError naming the label).

import { type KernelBinding } from '../../compiler/index.js';
import type { GpuContext } from './device.js';
import { WgslCompileError, withErrorScopes } from './errors.js';

export interface ComputePipelineSpec {
  /** Names the pipeline in errors and in WebGPU debug labels. */
  readonly label: string;
  readonly wgsl: string;
  readonly entryPoint?: string;
  /** Values for the module's `override` declarations. */
  readonly constants?: Readonly<Record<string, number>>;
  /** An explicit layout (bind groups shareable across pipelines); 'auto' when absent. */
  readonly bindings?: readonly KernelBinding[];
}

const SHADER_STAGE_COMPUTE = 0x4; // GPUShaderStage.COMPUTE, spelled out so no global is needed

function cacheKey(spec: ComputePipelineSpec): string {
  const constants = Object.entries(spec.constants ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const layout = spec.bindings?.map((b) => [b.group, b.binding, b.kind]) ?? 'auto';
  return JSON.stringify([spec.entryPoint ?? 'main', constants, layout, spec.wgsl]);
}

/** The bind group layout for one group of `bindings`, cached per device. */
export function bindGroupLayout(ctx: GpuContext, bindings: readonly KernelBinding[], group = 0): GPUBindGroupLayout {
  const entries = bindings
    .filter((b) => b.group === group)
    .sort((a, b) => a.binding - b.binding)
    .map((b) => ({ binding: b.binding, visibility: SHADER_STAGE_COMPUTE, buffer: { type: b.kind } }));
  const key = JSON.stringify([group, entries.map((e) => [e.binding, e.buffer.type])]);
  let layout = ctx.bindGroupLayouts.get(key);
  if (!layout) {
    layout = ctx.device.createBindGroupLayout({ label: `group ${group}: ${bindings.map((b) => b.name).join(', ')}`, entries });
    ctx.bindGroupLayouts.set(key, layout);
  }
  return layout;
}

/** The compute pipeline for `spec`, compiled on first request; the same object afterwards. */
export function getComputePipeline(ctx: GpuContext, spec: ComputePipelineSpec): Promise<GPUComputePipeline> {
  ctx.assertUsable();
  const key = cacheKey(spec);
  let p = ctx.pipelines.get(key);
  if (!p) {
    p = compile(ctx, spec);
    ctx.pipelines.set(key, p);
    // A failed compilation is not cached: asking again reports the error again.
    p.catch(() => ctx.pipelines.get(key) === p && ctx.pipelines.delete(key));
  }
  return p;
}

async function compile(ctx: GpuContext, spec: ComputePipelineSpec): Promise<GPUComputePipeline> {
  const { device } = ctx;
  // The module is created in error scopes, but its compilation messages (with
  // line numbers) explain a broken module better than the scope's error.
  let module!: GPUShaderModule;
  const scopeError = await withErrorScopes(device, `shader ${spec.label}`, () => {
    module = device.createShaderModule({ label: spec.label, code: spec.wgsl });
  }).then(
    () => null,
    (e: unknown) => e,
  );
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    const lines = spec.wgsl.split('\n');
    throw new WgslCompileError(
      `shader ${spec.label}`,
      errors.map((m) => `${m.lineNum}:${m.linePos}: ${m.message}${m.lineNum > 0 ? `\n      | ${lines[m.lineNum - 1]?.trim() ?? ''}` : ''}`),
    );
  }
  if (scopeError) throw scopeError;
  let layout: GPUPipelineLayout | 'auto' = 'auto';
  if (spec.bindings) {
    const groups = Math.max(-1, ...spec.bindings.map((b) => b.group)) + 1;
    const bindGroupLayouts = Array.from({ length: groups }, (_, g) => bindGroupLayout(ctx, spec.bindings!, g));
    layout = device.createPipelineLayout({ label: spec.label, bindGroupLayouts });
  }
  return withErrorScopes(device, `pipeline ${spec.label}`, () =>
    device.createComputePipeline({
      label: spec.label,
      layout,
      compute: { module, entryPoint: spec.entryPoint ?? 'main', ...(spec.constants ? { constants: { ...spec.constants } } : {}) },
    }),
  );
}
