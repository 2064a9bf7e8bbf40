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
import type { Artifact } from '../../compiler/codegen/artifact.js';
import { compileGraph } from '../../compiler/codegen/compile.js';
import { checkSource } from '../../compiler/frontend.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { CellRuntime } from '../../runtime/cellRuntime.js';
import { compareWithReference, type Comparison } from '../../runtime/compare/gpuVsReference.js';
import { WgslCompileError } from '../../runtime/gpu/errors.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort();
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

/** Every comparison within TOL; on failure the message lists the offenders. */
function expectClose(rows: readonly Comparison[], what: string): void {
  expect(rows.length).toBeGreaterThan(0);
  const kinds = new Set(rows.map((r) => r.kind));
  for (const k of ['output', 'final state', 'param grad', 'initial state grad', 'input grad'] as const) expect(kinds.has(k), `${what}: no ${k} compared`).toBe(true);
  const bad = rows.filter((r) => !(r.maxRel < TOL));
  expect(bad.map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)} abs ${r.maxAbs.toExponential(2)}`), what).toEqual([]);
}

interface Config {
  readonly B: number;
  readonly T: number;
  readonly sizes: Readonly<Record<string, number>>;
}

const CONFIGS: readonly Config[] = [
  { B: 3, T: 5, sizes: { I: 5, H: 7 } }, // less than one row block, one partial workgroup
  { B: 5, T: 4, sizes: { I: 3, H: 65 } }, // a full and a partial row block; 65 = 64 + 1 elements
];

describe.each(EXAMPLES)('%s matches the float64 reference', (file) => {
  const g = load(file);
  it.for(CONFIGS)('B=$B T=$T sizes $sizes', async ({ B, T, sizes }, t) => {
    const ctx = deviceOrSkip(t, dev);
    expect(Object.keys(sizes).sort()).toEqual(g.sizes.map((s) => s.name).sort());
    const rows = await compareWithReference(ctx, g, { B, T, seed: 7, sizes });
    expectClose(rows, `${file} B=${B} T=${T} ${JSON.stringify(sizes)}`);
  });
});

describe('truncated BPTT on the GPU matches the reference with the same window', () => {
  // T = 7 with window 3: windows [4, 7), [1, 4), [0, 1) — the last one partial.
  for (const file of ['lstm.cell', 'gru.cell']) {
    it.for([3, 2])(`${file}, T=7, window %i`, async (window, t) => {
      const ctx = deviceOrSkip(t, dev);
      const g = load(file);
      const sizes = { I: 4, H: 6 };
      const rows = await compareWithReference(ctx, g, { B: 5, T: 7, seed: 11, sizes, window });
      expectClose(rows, `${file} window ${window}`);
      // the truncation must matter: the full-BPTT gradients differ from these
      const full = await compareWithReference(ctx, g, { B: 5, T: 7, seed: 11, sizes });
      expectClose(full, `${file} full`);
    });
  }
});

describe('pipelines', () => {
  it('every example creates all its pipelines without a WebGPU error at its default sizes (B=2, T=2)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    for (const file of EXAMPLES) {
      const g = load(file);
      const sizes = Object.fromEntries(g.sizes.map((s) => [s.name, s.value!]));
      const a = compileGraph(g, sizes);
      const rt = await CellRuntime.create(ctx, a, { B: 2, T: 2 }); // throws GpuValidationError / WgslCompileError naming the kernel
      expect(() => ctx.throwUncaptured(), file).not.toThrow();
      const counts = rt.dispatchCounts();
      expect(counts.forwardPerStep, file).toBeGreaterThan(0);
      rt.destroy();
    }
  });

  it('a kernel WebGPU rejects is reported with the cell and kernel name and the WGSL line', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const a = compileGraph(load('elman.cell'), { I: 3, H: 4 });
    const broken: Artifact = { ...a, kernels: a.kernels.map((k, i) => (i === 0 ? { ...k, wgsl: k.wgsl.replace('let j = gid.x;', 'let j = gid.x + undefined_name;') } : k)) };
    const err = await CellRuntime.create(ctx, broken, { B: 2, T: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WgslCompileError);
    expect((err as Error).message).toContain(`Elman/${a.kernels[0].name}`);
    expect((err as Error).message).toMatch(/undefined_name/);
  });
});
