// Every example cell, compiled and run forward + backward on the real adapter
// (lavapipe in CI), against the float64 reference interpreter: every output,
// final state, parameter gradient, initial-state gradient and input gradient
// within 1e-4 relative error (max abs err / max |reference|).
//
// Sizes are chosen to hit the edges of the thread mapping: fused kernels run
// 64 threads per workgroup along the elements and 4 rows (examples) per
// thread, GEMMs 64×64 tiles. So: B = 3 (fewer rows than one row block),
// B = 5 (one full block and a partial one), H = 65 (a second, almost empty
// workgroup; 4H = 260 GEMM columns, a partial tile), all sizes distinct so a
// swapped index cannot cancel out. Plus truncated BPTT with a window that
// does not divide T, and pipeline creation for every example at its default
// sizes. One device for the whole file.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../compiler/artifact/artifact.js';
import { compileBound } from '../../compiler/index.js';
import { checkSource } from '../../compiler/frontend.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { compareWithReference, type Comparison } from '../../runtime/apps/compare/gpuVsReference.js';
import { WgslCompileError } from '../../runtime/core/errors.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The recurrent-network examples (one cell with sizes I and H, and maybe
// sizes only initialisers read, such as chrono's T_max, kept at their
// declared values); the classic sequence models (HMM, Viterbi, Kalman, AR)
// are compared in test/classic.
const shapeSizes = (g: Graph) => g.sizes.map((s) => s.name).filter((s) => usedInShapes(g, s));
const EXAMPLES = readdirSync(join(ROOT, 'dsl-examples'))
  .filter((f) => f.endsWith('.cell'))
  .filter((f) => {
    const gs = checkSource(f, readFileSync(join(ROOT, 'dsl-examples', f), 'utf8')).graphs;
    return gs.length === 1 && shapeSizes(gs[0]).sort().join() === 'H,I' && gs[0].sizes.every((s) => usedInShapes(gs[0], s.name) || s.value !== undefined);
  })
  .sort();

/** Whether a size appears in the shape of any node (not only in an initialiser). */
function usedInShapes(g: Graph, size: string): boolean {
  return g.nodes.some((n) => n.type.shape.some((d) => d.terms.some(([s]) => s === size)));
}
const TOL = 1e-4;

function load(file: string): Graph {
  const r = checkSource(file, readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'));
  expect(r.diagnostics).toEqual([]);
  expect(r.graphs).toHaveLength(1);
  return r.graphs[0];
}

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('cells.test');
});
afterAll(() => dev.ctx?.destroy());

/** Every comparison within TOL, and every tensor compared; on failure the message lists the offenders. */
function expectClose(rows: readonly Comparison[], g: Graph, what: string): void {
  const f32Inputs = g.inputs.filter((x) => g.nodes[x.node].type.dtype === 'f32').length;
  const expected: Record<Comparison['kind'], number> = {
    output: g.outputs.length,
    'final state': g.states.length,
    'param grad': g.params.length,
    'initial state grad': g.states.length,
    'input grad': f32Inputs,
  };
  const counted: Record<string, number> = {};
  for (const r of rows) counted[r.kind] = (counted[r.kind] ?? 0) + 1;
  expect(counted, `${what}: tensors compared`).toEqual(Object.fromEntries(Object.entries(expected).filter(([, n]) => n > 0)));
  const bad = rows.filter((r) => !(r.maxRel < TOL));
  expect(bad.map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)} abs ${r.maxAbs.toExponential(2)}`), what).toEqual([]);
}

interface Config {
  readonly B: number;
  readonly T: number;
  readonly sizes: Readonly<Record<string, number>>;
}

// Compile time on lavapipe (LLVM) shapes the choice: B and T are WGSL override
// constants, and loops with a small constant trip count are fully unrolled —
// over T·B ≲ 32 rows a single pipeline can take 20–50 s to compile, and
// k-loops of 7 cost 2–3× those of 17. So T·B ≥ 45 and every size ≥ 17 except
// the input width.
const CONFIGS: readonly Config[] = [
  { B: 3, T: 15, sizes: { I: 5, H: 17 } }, // fewer rows than one row block; one partial workgroup
  { B: 5, T: 9, sizes: { I: 3, H: 65 } }, // a full and a partial row block; 65 = 64 + 1 elements
];

describe.each(EXAMPLES)('%s matches the float64 reference', (file) => {
  const g = load(file);
  it.for(CONFIGS)('B=$B T=$T sizes $sizes', async ({ B, T, sizes }, t) => {
    const ctx = deviceOrSkip(t, dev);
    expect(Object.keys(sizes).sort()).toEqual(shapeSizes(g).sort());
    const all = { ...Object.fromEntries(g.sizes.map((s) => [s.name, s.value!])), ...sizes };
    // random masks (dropout, zoneout) drawn as in training; no effect on a cell without them
    const rows = await compareWithReference(ctx, { graph: g, sizes: all }, { B, T, seed: 7, random: { seed: 7, draw: 1, training: true } });
    expectClose(rows, g, `${file} B=${B} T=${T} ${JSON.stringify(sizes)}`);
  });
});

describe('truncated BPTT on the GPU matches the reference with the same window', () => {
  // The first configuration again (its pipelines are cached): T = 15 in windows of 4 → [11, 15),
  // [7, 11), [3, 7), [0, 3); of 6 → [9, 15), [3, 9), [0, 3) — the last window partial.
  const { B, T, sizes } = CONFIGS[0];
  for (const file of ['lstm.cell', 'gru.cell']) {
    it.for([4, 6])(`${file}, T=${T}, window %i`, async (window, t) => {
      const ctx = deviceOrSkip(t, dev);
      const g = load(file);
      const rows = await compareWithReference(ctx, { graph: g, sizes }, { B, T, seed: 11, window });
      expectClose(rows, g, `${file} window ${window}`);
    });
  }

  it('the window changes the GPU gradients (so the test above can tell truncated from full BPTT)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const a = compileBound({ graph: load('lstm.cell'), sizes });
    const rt = await CellRuntime.create(ctx, a, { B, T });
    try {
      rt.initParams(3);
      rt.setInputs(new Map([['x', Float32Array.from({ length: T * B * sizes.I }, (_, i) => Math.sin(i))]]));
      rt.setInitialStates();
      rt.setOutputCotangents(new Map([['h', new Float32Array(T * B * sizes.H).fill(1)]]));
      rt.setFinalStateCotangents();
      await rt.forwardBackward(4);
      const truncated = await rt.readGrads();
      await rt.forwardBackward();
      const full = await rt.readGrads();
      const d = [...full.keys()].map((k) => Math.max(...full.get(k)!.map((v, i) => Math.abs(v - truncated.get(k)![i]))));
      expect(Math.max(...d)).toBeGreaterThan(1e-3);
    } finally {
      rt.destroy();
    }
  });
});

describe('pipelines', () => {
  it('every cell of every example creates all its pipelines without a WebGPU error at its default sizes (B=2, T=2)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const files = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort();
    let cells = 0;
    for (const file of files) {
      const r = checkSource(file, readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'));
      expect(r.diagnostics, file).toEqual([]);
      for (const g of r.graphs) {
        const sizes = Object.fromEntries(g.sizes.map((s) => [s.name, s.value!]));
        const a = compileBound({ graph: g, sizes });
        const rt = await CellRuntime.create(ctx, a, { B: 2, T: 2 }); // throws GpuValidationError / WgslCompileError naming the kernel
        expect(() => ctx.throwUncaptured(), `${file} ${g.name}`).not.toThrow();
        // a scan or persistent artifact has no per-step kernels: its work is once per call
        const counts = rt.dispatchCounts();
        expect(a.schedule?.name === 'scan' || a.schedule?.name === 'persistent' ? counts.forwardOnce : counts.forwardPerStep, `${file} ${g.name}`).toBeGreaterThan(0);
        rt.destroy();
        cells++;
      }
    }
    expect(cells).toBeGreaterThanOrEqual(files.length);
  });

  it('createRuntime (package entry) runs an artifact from compile() on a GpuContext or on a raw GPUDevice alike', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const { compile, createRuntime, contextForDevice } = await import('../../runtime/index.js');
    const r = compile(readFileSync(join(ROOT, 'dsl-examples', 'elman.cell'), 'utf8'), { sizes: { I: 5, H: 17 } });
    if ('diagnostics' in r) throw new Error(r.formatted);
    const [B, T] = [3, 15];
    const outputs: Float32Array[] = [];
    for (const device of [ctx, ctx.device]) {
      const rt = await createRuntime(device, r.artifact, { B, T });
      rt.initParams(5);
      rt.setInputs(new Map([['x', Float32Array.from({ length: T * B * 5 }, (_, i) => Math.cos(i))]]));
      rt.setInitialStates();
      await rt.forward();
      outputs.push(await rt.readOutput('h'));
      rt.destroy();
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[0].some((v) => v !== 0)).toBe(true);
    const wrapped = contextForDevice(ctx.device);
    expect(contextForDevice(ctx.device)).toBe(wrapped); // one context per device: shared pipeline cache
    expect(wrapped.limits.maxStorageBufferBindingSize).toBe(ctx.limits.maxStorageBufferBindingSize);
  });

  it('a kernel WebGPU rejects is reported with the cell and kernel name and the WGSL line', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const a = compileBound({ graph: load('elman.cell'), sizes: { I: 3, H: 4 } });
    const target = a.kernels.find((k) => k.role === 'fused')!;
    const broken: Artifact = { ...a, kernels: a.kernels.map((k) => (k === target ? { ...k, wgsl: k.wgsl.replace('let j = gid.x;', 'let j = gid.x + undefined_name;') } : k)) };
    const err = await CellRuntime.create(ctx, broken, { B: 2, T: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WgslCompileError);
    expect((err as Error).message).toContain(`Elman/${target.name}`);
    expect((err as Error).message).toMatch(/undefined_name/);
  });
});
