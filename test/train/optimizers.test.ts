// Every optimizer, learning-rate schedule and clipping mode of the GPU trainer
// against a float64 reference written out here: forward and BPTT through the
// interpreter on the model's step graph, then the update rules below (README,
// "Optimizer"), the learning rate from the schedule's formula. The
// parameters are compared after every step (the first step already tells a
// warm-up that starts at 0 from one that starts at lr/warmup) and the losses
// at every step, over 8 steps. H = 11 gives 166 parameters: more than the
// 128 lanes of the first step of the gradient-norm reduction.
//
//   SGD:    g ← clip(g) + λ·p;  m ← μ·m + g;  p ← p − η·m
//   Adam:   g ← clip(g) + λ·p;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
//           p ← p − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//   AdamW:  Adam without λ in g, then p ← p − η·λ·p_old
//   clip:   g ← g·min(1, c/‖g‖) over all parameters; c = 0: off
//   lr:     warm-up η·(k+1)/W for k < W, then constant η or η·½(1 + cos(π·(k−W)/(S−W)))

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import type { Model } from '../../compiler/model/buildModel.js';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { adding, batchRng, type Batch } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, learningRate, Trainer, type OptimizerConfig } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, type TestDevice } from './helpers.js';

const B = 5;
const T = 9;
const STEPS = 8;

/** The schedule, written from its definition (not from trainer.ts). */
function refLr(c: OptimizerConfig, k: number): number {
  if (k < c.warmup) return (c.lr * (k + 1)) / c.warmup;
  if (c.schedule === 'constant') return c.lr;
  const p = Math.min(1, (k - c.warmup) / Math.max(1, c.steps - c.warmup));
  return (c.lr * (1 + Math.cos(Math.PI * p))) / 2;
}

describe('the learning-rate schedule (no device)', () => {
  const c = { ...DEFAULT_OPTIMIZER, lr: 0.1, warmup: 4, steps: 14 };
  it('warm-up reaches lr at its last step, linearly from lr/W', () => {
    const want = [0.025, 0.05, 0.075, 0.1, 0.1, 0.1];
    for (const [k, w] of want.entries()) expect(learningRate(c, k), `k=${k}`).toBeCloseTo(w, 15);
  });
  it('cosine: lr after warm-up, lr/2 halfway, 0 at the end and after', () => {
    const cos = { ...c, schedule: 'cosine' as const };
    expect(learningRate(cos, 3)).toBeCloseTo(0.1, 15);
    expect(learningRate(cos, 4)).toBeCloseTo(0.1, 15);
    expect(learningRate(cos, 9)).toBeCloseTo(0.05, 15);
    expect(learningRate(cos, 14)).toBeCloseTo(0, 15);
    expect(learningRate(cos, 20)).toBeCloseTo(0, 15);
    for (let k = 0; k < 20; k++) expect(learningRate(cos, k), `k=${k}`).toBeCloseTo(refLr(cos, k), 14);
  });
  it('no warm-up: lr from the first step', () => {
    expect(learningRate({ ...c, warmup: 0 }, 0)).toBe(0.1);
    expect(learningRate({ ...c, warmup: 0, schedule: 'cosine' }, 0)).toBeCloseTo(0.1, 15);
  });
});

class Reference {
  readonly interp: CellInterpreter;
  readonly m = new Map<string, Float64Array>();
  readonly v = new Map<string, Float64Array>();
  t = 0;

  constructor(
    readonly model: Model,
    readonly params: Map<string, Float64Array>,
    readonly o: OptimizerConfig,
  ) {
    this.interp = new CellInterpreter(model.graph, {}, B);
    for (const [k, p] of params) {
      this.m.set(k, new Float64Array(p.length));
      this.v.set(k, new Float64Array(p.length));
    }
  }

  step(batch: Batch): { loss: number; clipped: boolean; norm: number } {
    const inputs = new Map<string, Float64Array[]>();
    for (const x of this.model.graph.inputs) {
      const all = batch.inputs.get(x.name)!;
      const per = all.length / T;
      inputs.set(x.name, Array.from({ length: T }, (_, t) => Float64Array.from(all.subarray(t * per, (t + 1) * per))));
    }
    const tape = this.interp.forward(this.params, inputs, this.interp.initialStates(), T);
    let loss = 0;
    for (const l of tape.outputs.get('loss')!) for (const x of l) loss += x;
    const ones = Array.from({ length: T }, () => new Float64Array(B).fill(1));
    const g = this.interp.backward(this.params, inputs, tape, new Map([['loss', ones]]), new Map()).params;
    let sq = 0;
    for (const x of g.values()) for (const y of x) sq += y * y;
    const norm = Math.sqrt(sq);
    const o = this.o;
    const scale = o.clip > 0 && norm > o.clip ? o.clip / norm : 1;
    const lr = refLr(o, this.t);
    this.t++;
    for (const [name, p] of this.params) {
      const gr = g.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      for (let i = 0; i < p.length; i++) {
        let gi = gr[i] * scale;
        if (o.optimizer === 'sgd') {
          gi += o.weightDecay * p[i];
          m[i] = o.momentum * m[i] + gi;
          p[i] -= lr * m[i];
          continue;
        }
        if (o.optimizer === 'adam') gi += o.weightDecay * p[i];
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
        const old = p[i];
        p[i] -= (lr * (m[i] / (1 - o.beta1 ** this.t))) / (Math.sqrt(v[i] / (1 - o.beta2 ** this.t)) + o.eps);
        if (o.optimizer === 'adamw') p[i] -= lr * o.weightDecay * old;
      }
    }
    return { loss, clipped: scale < 1, norm };
  }
}

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/optimizers');
});
afterAll(() => dev.ctx?.destroy());

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

interface Case {
  readonly name: string;
  readonly opt: Partial<OptimizerConfig>;
  /** 'always', 'never' or 'some': which steps the reference clips. */
  readonly clipping: 'always' | 'never' | 'some';
}

const CASES: readonly Case[] = [
  { name: 'SGD with momentum 0.9, no clipping', opt: { optimizer: 'sgd', lr: 0.05, momentum: 0.9, clip: 0 }, clipping: 'never' },
  { name: 'SGD without momentum, weight decay 0.05, clip 0.05', opt: { optimizer: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0.05, clip: 0.05 }, clipping: 'always' },
  { name: 'SGD with momentum 0.5, warm-up 3 then cosine to step 8', opt: { optimizer: 'sgd', lr: 0.2, momentum: 0.5, warmup: 3, schedule: 'cosine', steps: STEPS, clip: 0 }, clipping: 'never' },
  { name: 'Adam, L2 weight decay 0.1, warm-up 3 then cosine, clip 3', opt: { optimizer: 'adam', lr: 0.03, weightDecay: 0.1, warmup: 3, schedule: 'cosine', steps: 10, clip: 3 }, clipping: 'some' },
  { name: 'Adam, β = (0.5, 0.7), no clipping', opt: { optimizer: 'adam', lr: 0.02, beta1: 0.5, beta2: 0.7, clip: 0 }, clipping: 'never' },
  { name: 'AdamW, decoupled weight decay 0.5, warm-up 2, clip 0.05', opt: { optimizer: 'adamw', lr: 0.02, weightDecay: 0.5, warmup: 2, clip: 0.05 }, clipping: 'always' },
];

describe(`GPU trainer = float64 reference, every optimizer, schedule and clipping mode (Elman H=11, B=${B}, T=${T}, ${STEPS} steps)`, { timeout: 300_000 }, () => {
  it.for(CASES.map((c) => [c.name, c] as const))('%s', async ([, c], t) => {
    const ctx = deviceOrSkip(t, dev);
    const model = buildModelOrThrow({ layers: [{ graph: exampleCell('elman.cell', ['H=11']) }], task: adding, embed: 3 });
    const opt: OptimizerConfig = { ...DEFAULT_OPTIMIZER, steps: STEPS, ...c.opt };
    const trainer = await Trainer.create(ctx, model, { B, T }, opt);
    try {
      trainer.init(4);
      const start = await trainer.rt.readParams();
      const ref = new Reference(model, new Map([...start].map(([k, v]) => [k, Float64Array.from(v)])), opt);
      const clipped: boolean[] = [];
      const norms: number[] = [];
      for (let k = 0; k < STEPS; k++) {
        const batch = adding.batch(batchRng(7, 0, k), B, T);
        const g = await trainer.trainStep(batch);
        const r = ref.step(batch);
        clipped.push(r.clipped);
        norms.push(r.norm);
        expect(rel(g.loss, r.loss), `step ${k + 1} loss: GPU ${g.loss}, reference ${r.loss}`).toBeLessThan(1e-4);
        const now = await trainer.rt.readParams();
        for (const [name, v] of now) {
          const want = ref.params.get(name)!;
          const moved = start.get(name)!;
          let diff = 0;
          let step = 0;
          for (let i = 0; i < v.length; i++) {
            diff = Math.max(diff, Math.abs(v[i] - want[i]));
            step = Math.max(step, Math.abs(want[i] - moved[i]));
          }
          // measured against how far the parameters have moved, not their size
          expect(diff / Math.max(step, 1e-12), `step ${k + 1}, ${name}: max |GPU − reference| ${diff.toExponential(2)}, moved ${step.toExponential(2)}`).toBeLessThan(2e-3);
        }
      }
      const n = clipped.filter(Boolean).length;
      expect(c.clipping === 'always' ? n === STEPS : c.clipping === 'never' ? n === 0 : n > 0 && n < STEPS, `clipped in ${n}/${STEPS} steps, gradient norms ${norms.map((x) => x.toFixed(3)).join(' ')}`).toBe(true);
    } finally {
      trainer.destroy();
    }
  });
});
