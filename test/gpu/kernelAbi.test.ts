// The kernel ABI on a real device: every dispatch the runtime records — for
// every cell of every example, forward and backward, and a training step with
// the optimizer — runs a pipeline whose WGSL is the WGSL of a kernel record of
// that artifact (and so appears in `cellc emit`), with exactly the bindings
// the record declares, and the number of dispatches is what the plans say.
// The device is instrumented: shader modules remember their code, pipelines
// their module, passes log what they dispatch.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compileBound, dispatchTotals, evalDispatch, type Artifact, type Bound } from '../../compiler/index.js';
import { gradcheckSizes } from '../../compiler/tools/index.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import type { GpuContext } from '../../runtime/core/device.js';
import { targetOf } from '../../runtime/core/device.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Dispatch {
  readonly wgsl: string;
  readonly groups: number[];
}

/** Wraps the device so that every dispatch reports its pipeline's WGSL and the bind groups set. */
function instrument(ctx: GpuContext): { log: Dispatch[]; restore: () => void } {
  const device = ctx.device as GPUDevice & Record<string, unknown>;
  const code = new WeakMap<object, string>();
  const pipelineCode = new WeakMap<object, string>();
  const log: Dispatch[] = [];
  const orig = { sm: device.createShaderModule, cp: device.createComputePipeline, cpa: device.createComputePipelineAsync, ce: device.createCommandEncoder };
  device.createShaderModule = (d: GPUShaderModuleDescriptor) => {
    const m = orig.sm.call(device, d);
    code.set(m, d.code);
    return m;
  };
  device.createComputePipeline = (d: GPUComputePipelineDescriptor) => {
    const p = orig.cp.call(device, d);
    pipelineCode.set(p, code.get(d.compute.module) ?? '?');
    return p;
  };
  device.createComputePipelineAsync = async (d: GPUComputePipelineDescriptor) => {
    const p = await orig.cpa.call(device, d);
    pipelineCode.set(p, code.get(d.compute.module) ?? '?');
    return p;
  };
  device.createCommandEncoder = (d?: GPUCommandEncoderDescriptor) => {
    const enc = orig.ce.call(device, d);
    const begin = enc.beginComputePass.bind(enc);
    (enc as unknown as Record<string, unknown>).beginComputePass = (pd?: GPUComputePassDescriptor) => {
      const pass = begin(pd);
      let current = { wgsl: '', groups: [] as number[] };
      const setPipeline = pass.setPipeline.bind(pass);
      const setBindGroup = pass.setBindGroup.bind(pass) as (i: number, g: GPUBindGroup | null, ...rest: unknown[]) => void;
      const dispatch = pass.dispatchWorkgroups.bind(pass);
      Object.assign(pass, {
        setPipeline: (p: GPUComputePipeline) => {
          current = { wgsl: pipelineCode.get(p) ?? '?', groups: [] };
          setPipeline(p);
        },
        setBindGroup: (i: number, g: GPUBindGroup | null, ...rest: unknown[]) => {
          current.groups.push(i);
          setBindGroup(i, g, ...rest);
        },
        dispatchWorkgroups: (x: number, y?: number, z?: number) => {
          log.push({ wgsl: current.wgsl, groups: [...current.groups].sort() });
          dispatch(x, y, z);
        },
      });
      return pass;
    };
    return enc;
  };
  return { log, restore: () => Object.assign(device, { createShaderModule: orig.sm, createComputePipeline: orig.cp, createComputePipelineAsync: orig.cpa, createCommandEncoder: orig.ce }) };
}

/** Every dispatch runs a record's WGSL with the record's bind groups. */
function expectFromArtifact(a: Artifact, log: readonly Dispatch[], what: string): void {
  const byCode = new Map(a.kernels.map((k) => [k.wgsl, k]));
  const foreign = log.filter((d) => !byCode.has(d.wgsl)).map((d) => d.wgsl.slice(0, 80));
  expect(foreign, `${what}: dispatches whose WGSL is not a kernel record of the artifact`).toEqual([]);
  for (const d of log) {
    const k = byCode.get(d.wgsl)!;
    expect(d.groups, `${what}: ${k.name} binds the groups its record declares`).toEqual([...new Set(k.bindings.map((b) => b.group))].sort());
  }
}

// one instrumentation for the file's device: pipelines are cached per device, so a kernel
// compiled for one cell may be dispatched again for another
/** Dispatches of one forward + backward call: per-step stages T times, the others once; empty grids are not dispatched. */
function expectedDispatches(a: Artifact, B: number, T: number): number {
  const runs = (name: string) => (evalDispatch(a.kernels.find((k) => k.name === name)!.dispatch, B, T).some((w) => w === 0) ? 0 : 1);
  const once = (names: readonly string[]) => names.reduce((n, k) => n + runs(k), 0);
  const f = a.forward;
  const b = a.backward;
  return once(f.prelude) + once(f.before) + T * once(f.step) + once(f.after) + once(b.prelude) + once(b.before) + T * once(b.step) + once(b.after) + once(b.grads);
}

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
let log: Dispatch[] = [];
let restore = () => {};
beforeAll(async () => {
  dev = await acquireTestDevice('kernelAbi.test');
  if (dev.ctx) ({ log, restore } = instrument(dev.ctx));
});
afterAll(() => {
  restore();
  dev.ctx?.destroy();
});

const files = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort();

describe('every dispatch of the runtime comes from the artifact', () => {
  it.for(files)('every cell of %s, forward and backward, at odd B and T and small distinct sizes', async (file, t) => {
    const ctx = deviceOrSkip(t, dev);
    const [B, T] = [3, 5];
    let cells = 0;
    {
      const r = check(readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'), file);
      for (const g of r.graphs) {
        const bound: Bound = { graph: g, sizes: gradcheckSizes(g, {}) };
        const a = compileBound(bound, { target: targetOf(ctx) });
        log.length = 0;
        const rt = await CellRuntime.create(ctx, a, { B, T });
        try {
          rt.initParams(1);
          rt.setInputs(new Map(a.inputs.map((x) => [x.name, new Float32Array(T * B * x.shape.reduce((p, d) => p * d, 1))])));
          rt.setInitialStates();
          rt.setOutputCotangents(new Map());
          rt.setFinalStateCotangents();
          await rt.forwardBackward();
        } finally {
          rt.destroy();
        }
        expectFromArtifact(a, log, `${file} ${g.name}`);
        // exactly one dispatch per plan entry and step, less the kernels whose grid is empty at this B and T
        expect(log.length, `${file} ${g.name}: dispatches`).toBe(expectedDispatches(a, B, T));
        expect(expectedDispatches(a, B, T)).toBeLessThanOrEqual(dispatchTotals(a, T).forwardBackward);
        cells++;
      }
    }
    expect(cells).toBeGreaterThanOrEqual(1);
  });

  it('a training step: the optimizer kernels come from the training artifact too', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const { buildModelOrThrow } = await import('../../runtime/apps/train/run.js');
    const { Trainer, DEFAULT_OPTIMIZER } = await import('../../runtime/apps/train/trainer.js');
    const { adding, batchRng } = await import('../../runtime/apps/train/tasks.js');
    const lstm = check(readFileSync(join(ROOT, 'dsl-examples/lstm.cell'), 'utf8'), 'lstm.cell').graphs[0];
    const model = buildModelOrThrow({ layers: [{ graph: { ...lstm, sizes: lstm.sizes.map((s) => (s.name === 'H' ? { ...s, value: 5 } : s)) } }], task: adding, embed: 4 });
    log.length = 0;
    const tr = await Trainer.create(ctx, model, { B: 3, T: 6 }, DEFAULT_OPTIMIZER);
    try {
      tr.init(1);
      const r = await tr.trainStep(adding.batch(batchRng(1, 0, 0), 3, 6));
      expect(Number.isFinite(r.loss)).toBe(true);
    } finally {
      tr.destroy();
    }
    const a = tr.artifact;
    expect(a.training).toBeDefined();
    expectFromArtifact(a, log, 'training step');
    const names = new Map(a.kernels.map((k) => [k.wgsl, k.name]));
    const ran = new Set(log.map((d) => names.get(d.wgsl)));
    expect(ran.has(a.training!.stats) && ran.has(a.training!.update)).toBe(true);
  });

  it('an artifact specialised for more than the device offers is refused before any dispatch, naming the kernel and the limit', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const lstm = check(readFileSync(join(ROOT, 'dsl-examples/lstm.cell'), 'utf8'), 'lstm.cell').graphs[0];
    const bound: Bound = { graph: lstm, sizes: { I: 3, H: 5 } };
    const big = { ...ctx.limits, maxComputeInvocationsPerWorkgroup: 4096, maxComputeWorkgroupSizeX: 4096, maxComputeWorkgroupSizeY: 4096 };
    // a hypothetical tiling that needs more invocations than any adapter here has
    const a = compileBound(bound, { target: { limits: big, software: false } });
    const gemm = a.kernels.find((k) => k.role === 'gemm')!;
    const tooWide: Artifact = { ...a, kernels: a.kernels.map((k) => (k === gemm ? { ...k, workgroupSize: [64, 64, 1] as const } : k)) };
    const err = await CellRuntime.create(ctx, tooWide, { B: 2, T: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`kernel ${gemm.name} does not fit this device`);
    expect((err as Error).message).toMatch(/4096 invocations per workgroup exceed maxComputeInvocationsPerWorkgroup/);
    // the portable target (WebGPU's default limits) fits every adapter
    const rt = await CellRuntime.create(ctx, compileBound(bound), { B: 2, T: 3 });
    rt.destroy();
  });
});
