// The first 20 training steps on the GPU against the same training run
// computed independently in float64: forward and backward through the
// reference interpreter on the model's step graph (embedding, LSTM, readout,
// loss), global-norm clipping and Adam written out here, the same batches
// (batchRng(seed, 0, k)) and the same initial parameters. The losses agree
// to float32 accuracy (relative 1e-3) on a regression task (adding, MSE at
// the last step) and a classification task (embedded Reber, softmax
// cross-entropy at every step), and clipping is exercised on both sides.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import type { Model } from '../../compiler/model/buildModel.js';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { adding, batchRng, reber, type Batch, type Task } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer, type OptimizerConfig } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, type TestDevice } from './helpers.js';

const B = 4;
const T = 10;
const STEPS = 20;
const SEED = 3;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/gpuTraining');
});
afterAll(() => dev.ctx?.destroy());

/** One float64 training run, independent of the GPU trainer: forward, BPTT, clip, Adam. */
class ReferenceTraining {
  readonly interp: CellInterpreter;
  readonly m = new Map<string, Float64Array>();
  readonly v = new Map<string, Float64Array>();
  t = 0;

  constructor(
    readonly model: Model,
    readonly params: Map<string, Float64Array>,
    readonly opt: OptimizerConfig,
  ) {
    this.interp = new CellInterpreter(model.graph, {}, B);
    for (const [k, p] of params) {
      this.m.set(k, new Float64Array(p.length));
      this.v.set(k, new Float64Array(p.length));
    }
  }

  /** Splits the step-major batch arrays (T·B·n) into T arrays of B·n. */
  private sequences(batch: Batch): Map<string, Float64Array[]> {
    const out = new Map<string, Float64Array[]>();
    for (const x of this.model.graph.inputs) {
      const all = batch.inputs.get(x.name)!;
      const per = all.length / T;
      out.set(x.name, Array.from({ length: T }, (_, t) => Float64Array.from(all.subarray(t * per, (t + 1) * per))));
    }
    return out;
  }

  step(batch: Batch): { loss: number; gradNorm: number; clipped: boolean } {
    const inputs = this.sequences(batch);
    const tape = this.interp.forward(this.params, inputs, this.interp.initialStates(), T);
    let loss = 0;
    for (const l of tape.outputs.get('loss')!) for (const x of l) loss += x;
    // L = Σ_t Σ_b loss_{t,b} (the mask already holds the 1/(steps·B) weights)
    const ones = Array.from({ length: T }, () => new Float64Array(B).fill(1));
    const g = this.interp.backward(this.params, inputs, tape, new Map([['loss', ones]]), new Map()).params;
    let sq = 0;
    for (const x of g.values()) for (const y of x) sq += y * y;
    const gradNorm = Math.sqrt(sq);
    const o = this.opt;
    const scale = o.clip > 0 && gradNorm > o.clip ? o.clip / gradNorm : 1;
    this.t++;
    const bc1 = 1 - o.beta1 ** this.t;
    const bc2 = 1 - o.beta2 ** this.t;
    for (const [name, p] of this.params) {
      const gr = g.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      for (let i = 0; i < p.length; i++) {
        const gi = gr[i] * scale;
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
        p[i] -= (o.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + o.eps);
      }
    }
    return { loss, gradNorm, clipped: scale < 1 };
  }
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

async function compareRuns(task: Task, clip: number) {
  const ctx = dev.ctx!;
  const model = buildModelOrThrow({ layers: [{ graph: exampleCell('lstm.cell', ['H=8']) }], task, embed: 6 });
  const opt: OptimizerConfig = { ...DEFAULT_OPTIMIZER, lr: 0.02, clip, steps: STEPS };
  const trainer = await Trainer.create(ctx, model, { B, T }, opt);
  try {
    trainer.init(SEED);
    const start = await trainer.rt.readParams();
    const ref = new ReferenceTraining(model, new Map([...start].map(([k, v]) => [k, Float64Array.from(v)])), opt);
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
