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
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { adding, batchRng } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, learningRate, Trainer, type OptimizerConfig } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, type TestDevice } from './helpers.js';
import { ReferenceTraining, refLr } from './referenceTraining.js';

const B = 5;
const T = 9;
const STEPS = 8;

/** The schedule, written from its definition (not from trainer.ts). */
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
      const ref = new ReferenceTraining(model, new Map([...start].map(([k, v]) => [k, Float64Array.from(v)])), opt, { B, T });
      const clipped: boolean[] = [];
      const norms: number[] = [];
      for (let k = 0; k < STEPS; k++) {
        const batch = adding.batch(batchRng(7, 0, k), B, T);
        const g = await trainer.trainStep(batch);
        const r = ref.step(batch);
        clipped.push(r.clipped);
        norms.push(r.gradNorm);
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
