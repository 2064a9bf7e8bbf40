// A float64 training run independent of the GPU trainer, for the tests that
// compare the two: forward and BPTT through the interpreter, global-norm
// clipping, the learning-rate schedule written out by hand, and SGD with
// momentum, Adam (L2 weight decay) or AdamW (decoupled decay).

import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import type { Model } from '../../compiler/model/buildModel.js';
import type { Batch } from '../../runtime/apps/train/tasks.js';
import type { OptimizerConfig } from '../../runtime/apps/train/trainer.js';

/** The learning rate at step k (0-based), from the schedule's definition. */
export function refLr(c: OptimizerConfig, k: number): number {
  if (k < c.warmup) return (c.lr * (k + 1)) / c.warmup;
  if (c.schedule === 'constant') return c.lr;
  const p = Math.min(1, (k - c.warmup) / Math.max(1, c.steps - c.warmup));
  return (c.lr * (1 + Math.cos(Math.PI * p))) / 2;
}

export class ReferenceTraining {
  readonly interp: CellInterpreter;
  readonly m = new Map<string, Float64Array>();
  readonly v = new Map<string, Float64Array>();
  t = 0;

  constructor(
    readonly model: Model,
    readonly params: Map<string, Float64Array>,
    readonly o: OptimizerConfig,
    readonly shape: { readonly B: number; readonly T: number },
  ) {
    this.interp = new CellInterpreter(model.graph, {}, shape.B);
    for (const [k, p] of params) {
      this.m.set(k, new Float64Array(p.length));
      this.v.set(k, new Float64Array(p.length));
    }
  }

  step(batch: Batch): { loss: number; clipped: boolean; gradNorm: number } {
    const { B, T } = this.shape;
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
    const gradNorm = Math.sqrt(sq);
    const o = this.o;
    const scale = o.clip > 0 && gradNorm > o.clip ? o.clip / gradNorm : 1;
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
    return { loss, clipped: scale < 1, gradNorm };
  }
}
