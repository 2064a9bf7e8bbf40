// The first 20 training steps on the GPU against the same training run
// computed independently in float64: forward and backward through the
// reference interpreter on the model's step graph (embedding, LSTM, readout,
// loss), global-norm clipping and Adam written out here, the same batches
// (batchRng(seed, 0, k)) and the same initial parameters. The losses agree
// to float32 accuracy (relative 1e-3) on a regression task (adding, MSE at
// the last step) and a classification task (embedded Reber, softmax
// cross-entropy at every step), and clipping is exercised on both sides.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { adding, batchRng, reber, type Task } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer, type OptimizerConfig } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, type TestDevice } from './helpers.js';
import { ReferenceTraining } from './referenceTraining.js';

const B = 4;
const T = 10;
const STEPS = 20;
const SEED = 3;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/gpuTraining');
});
afterAll(() => dev.ctx?.destroy());

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

async function compareRuns(task: Task, clip: number) {
  const ctx = dev.ctx!;
  const model = buildModelOrThrow({ layers: [{ graph: exampleCell('lstm.cell', ['H=8']) }], task, embed: 6 });
  const opt: OptimizerConfig = { ...DEFAULT_OPTIMIZER, lr: 0.02, clip, steps: STEPS };
  const trainer = await Trainer.create(ctx, model, { B, T }, opt);
  try {
    trainer.init(SEED);
    const start = await trainer.rt.readParams();
    const ref = new ReferenceTraining(model, new Map([...start].map(([k, v]) => [k, Float64Array.from(v)])), opt, { B, T });
    const rows: { gpu: number; ref: number; gpuNorm: number; refNorm: number; clipped: boolean }[] = [];
    for (let k = 0; k < STEPS; k++) {
      const batch = task.batch(batchRng(SEED, 0, k), B, T);
      const g = await trainer.trainStep(batch);
      const r = ref.step(batch);
      rows.push({ gpu: g.loss, ref: r.loss, gpuNorm: g.gradNorm, refNorm: r.gradNorm, clipped: r.clipped });
    }
    const final = await trainer.rt.readParams();
    let pdiff = 0;
    let pscale = 0;
    for (const [k, v] of final) {
      const r = ref.params.get(k)!;
      for (let i = 0; i < v.length; i++) {
        pdiff = Math.max(pdiff, Math.abs(v[i] - r[i]));
        pscale = Math.max(pscale, Math.abs(r[i]));
      }
    }
    return { rows, paramRel: pdiff / pscale };
  } finally {
    trainer.destroy();
  }
}

describe('GPU training = float64 reference training (LSTM H=8, T=10, B=4, Adam, 20 steps)', { timeout: 300_000 }, () => {
  for (const [task, clip] of [
    [adding, 1],
    [reber, 0.1],
  ] as const) {
    it(`${task.name} (${task.output.kind}), clip ${clip}`, async (t) => {
      deviceOrSkip(t, dev);
      const { rows, paramRel } = await compareRuns(task, clip);
      const worst = Math.max(...rows.map((r) => rel(r.gpu, r.ref)));
      const worstNorm = Math.max(...rows.map((r) => rel(r.gpuNorm, r.refNorm)));
      console.log(`${task.name}: losses ${rows[0].ref.toFixed(4)} → ${rows.at(-1)!.ref.toFixed(4)}; max rel loss diff ${worst.toExponential(2)}, grad norm ${worstNorm.toExponential(2)}, final params ${paramRel.toExponential(2)}; clipped ${rows.filter((r) => r.clipped).length}/${rows.length}`);
      for (const [k, r] of rows.entries()) expect(rel(r.gpu, r.ref), `step ${k + 1}: GPU ${r.gpu}, reference ${r.ref}`).toBeLessThan(1e-3);
      expect(worstNorm).toBeLessThan(1e-3);
      expect(paramRel).toBeLessThan(1e-3);
      // the run trains (the loss falls) and clipping is on in some steps, off in others
      expect(rows.slice(-5).reduce((s, r) => s + r.ref, 0)).toBeLessThan(rows.slice(0, 5).reduce((s, r) => s + r.ref, 0));
      expect(rows.some((r) => r.clipped)).toBe(true);
    });
  }
});
