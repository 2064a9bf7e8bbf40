// The row-owning schedules (backend/webgpu/rowOwned.ts): every loop level of a
// step in one kernel whose workgroups own whole batch rows, levels separated by
// storage barriers — one dispatch per step (step-fused), or one per pass with
// the time loop inside the kernel (persistent, backward in reverse time).
//
// Against the float64 interpreter on the adapter, every output, final state,
// parameter, initial-state and input gradient within 1e-4 relative (a tensor
// ≈ 0 in float64 passes below 1e-6 absolute, as in the fuzz differential), for
// examples, adversarial fixtures and generated cells. Sizes are odd, and wider
// than a workgroup (H = 67 > 64 threads: every thread covers several elements,
// which caught accumulators that were not reset between them); B is not a
// multiple of the 4 rows a workgroup owns.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBound, dispatchCounts, type Bound } from '../../compiler/index.js';
import { generateCell, renderCell } from '../../compiler/tools/index.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { targetOf } from '../../runtime/core/device.js';
import { acquireTestDevice, boundCell, deviceOrSkip, expectCloseRows, shadowedDeclarations, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEDULES = ['step-fused', 'persistent'] as const;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('rowOwned.test');
});
afterAll(() => dev.ctx?.destroy());

const bound = (path: string, sizes: Record<string, number> = {}, source = readFileSync(join(ROOT, path), 'utf8')): Bound => boundCell(source, path, sizes);

const expectClose = expectCloseRows;

describe('the plans', () => {
  const lnlstm = bound('test/fixtures/schedules/layernorm_lstm.cell', { I: 5, H: 67 });
  it('a LayerNorm-LSTM: seven forward levels per step become one dispatch (step-fused) or none (persistent)', () => {
    expect(dispatchCounts(compileBound(lnlstm, { schedule: 'sequential' })).forwardPerStep).toBe(7);
    const fused = compileBound(lnlstm, { schedule: 'step-fused' });
    expect(fused.schedule?.name).toBe('step-fused');
    expect(dispatchCounts(fused).forwardPerStep).toBe(1);
    expect(dispatchCounts(fused).backwardPerStep).toBe(1);
    const persistent = compileBound(lnlstm, { schedule: 'persistent' });
    expect(persistent.forward.step).toEqual([]);
    expect(persistent.backward.step).toEqual([]);
    const k = persistent.kernels.find((x) => x.name === persistent.forward.before.at(-1))!;
    expect(k.wgsl).toContain('for (var tt = 0u; tt < T; tt++)');
    expect(k.wgsl.match(/storageBarrier\(\);/g)!.length).toBe(7); // one after every level, the last before the next step
    const back = persistent.kernels.find((x) => x.name === persistent.backward.before.at(-1))!;
    expect(back.wgsl).toContain('let t = T - 1u - tt;');
  });

  it('the kernels declare no name twice where both are visible, and every accumulator is initialised', () => {
    for (const schedule of SCHEDULES) {
      for (const k of compileBound(lnlstm, { schedule }).kernels) {
        expect(shadowedDeclarations(k.wgsl), k.name).toEqual([]);
        // `var a: T;` inside a loop is zeroed once, not on every iteration, by the drivers measured:
        // accumulators carry an explicit initialiser
        expect(k.wgsl.match(/\bvar\s+\w+\s*:[^=;]*;/g) ?? [], k.name).toEqual([]);
      }
    }
  });

  it('truncated BPTT: the persistent schedule refuses a window, the step-fused one runs it', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound('dsl-examples/gru.cell', { I: 3, H: 5 });
    const rt = await CellRuntime.create(ctx, compileBound(b, { target: targetOf(ctx), schedule: 'persistent' }), { B: 2, T: 6 });
    try {
      rt.setParams(rt.initParams(1));
      await expect(rt.forwardBackward(3)).rejects.toThrow(/truncated BPTT \(window 3 < T = 6\) needs the sequential or step-fused schedule/);
    } finally {
      rt.destroy();
    }
    const seq = compileBound(b, { target: targetOf(ctx), schedule: 'sequential' });
    const fused = compileBound(b, { target: targetOf(ctx), schedule: 'step-fused' });
    const grads = async (a: typeof seq) => {
      const r = await CellRuntime.create(ctx, a, { B: 2, T: 6 });
      try {
        r.setParams(r.initParams(1));
        r.setInputs(new Map([['x', Float32Array.from({ length: 36 }, (_, i) => Math.sin(i))]]));
        r.setOutputCotangents(new Map(a.outputs.map((o) => [o.name, Float32Array.from({ length: 6 * 2 * 5 }, (_, i) => Math.cos(i))])));
        await r.forwardBackward(3);
        return await r.readGrads();
      } finally {
        r.destroy();
      }
    };
    const [g1, g2] = [await grads(seq), await grads(fused)];
    for (const [name, v] of g1) for (let i = 0; i < v.length; i++) expect(Math.abs(g2.get(name)![i] - v[i]), name).toBeLessThan(1e-5 * (1 + Math.abs(v[i])));
  });
});

const CELLS: [string, Record<string, number>][] = [
  ['dsl-examples/lstm.cell', { I: 5, H: 67 }],
  ['dsl-examples/gru.cell', { I: 3, H: 70 }],
  ['dsl-examples/mut1.cell', { I: 5, H: 9 }],
  ['test/fixtures/schedules/layernorm_lstm.cell', { I: 5, H: 67 }],
  ['test/fixtures/cells/layernorm_rnn.cell', {}],
  ['dsl-examples/mlstm.cell', { I: 5, H: 7 }],
  ['dsl-examples/hmm_forward.cell', {}],
  ['dsl-examples/tdnn.cell', { I: 3, H: 5 }],
  ['test/fixtures/cells/nested_reductions.cell', {}],
  ['test/fixtures/cells/max_shifted.cell', {}],
  ['test/fixtures/cells/carry_free_cotangent.cell', {}],
];

// The persistent kernel holds every level of a pass inside a loop over time: lavapipe takes minutes to
// compile the larger ones cold (the LayerNorm-LSTM's backward: 145 s at H=32; mlstm, the nested
// reductions), so its list is shorter; layernorm_rnn.cell has levels that need the barriers.
const PERSISTENT_CELLS: [string, Record<string, number>][] = [
  ['dsl-examples/lstm.cell', { I: 5, H: 67 }],
  ['dsl-examples/gru.cell', { I: 3, H: 70 }],
  ['test/fixtures/cells/layernorm_rnn.cell', {}],
  ['dsl-examples/tdnn.cell', { I: 3, H: 5 }],
  ['test/fixtures/cells/max_shifted.cell', {}],
  ['test/fixtures/cells/carry_free_cotangent.cell', {}],
];
const PLAN = { 'step-fused': { cells: CELLS, seeds: [1, 2, 3, 4, 5, 6] }, persistent: { cells: PERSISTENT_CELLS, seeds: [1, 2, 4] } } as const;

describe.each(SCHEDULES)('%s matches the float64 reference', (schedule) => {
  it.for(PLAN[schedule].cells)('%s %o', { timeout: 300_000 }, async ([path, sizes], t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(path, sizes);
    const artifact = compileBound(b, { target: targetOf(ctx), schedule });
    expect(artifact.schedule?.name).toBe(schedule);
    for (const [B, T] of [[5, 7], [1, 3]]) expectClose(await compareWithReference(ctx, { ...b, artifact }, { B, T, seed: 4 }), `${path} ${schedule} B=${B} T=${T}`);
  });

  // generated cells (compiler/tools/cellgen): several levels per step, reductions, slices, matrices
  it.for(PLAN[schedule].seeds)('generated cell, seed %i (B=3 T=5, B=6 T=4)', { timeout: 300_000 }, async (seed, t) => {
    const ctx = deviceOrSkip(t, dev);
    const source = renderCell(generateCell(seed, { depth: 2, small: true }));
    const b = bound(`gen${seed}.cell`, {}, source);
    const artifact = compileBound(b, { target: targetOf(ctx), schedule });
    for (const [B, T] of [[3, 5], [6, 4]]) expectClose(await compareWithReference(ctx, { ...b, artifact }, { B, T, seed }), `seed ${seed} ${schedule} B=${B} T=${T}\n${source}`);
  });
});
