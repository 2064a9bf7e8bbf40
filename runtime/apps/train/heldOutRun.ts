// The held-out side of a training run on a data set: the held-out loss after
// every epoch (and at the last step), computed forward only with the
// parameters being trained; the best so far; early stopping after
// `patience` evaluations without improvement (0: never).

import type { Batch, HeldOut } from './task.js';
import type { Trainer } from './trainer.js';

export interface HeldOutPoint {
  readonly step: number;
  readonly loss: number;
}

export interface HeldOutCheck extends HeldOutPoint {
  readonly epoch: number;
  /** Better than every earlier evaluation: the checkpoint is written now. */
  readonly improved: boolean;
  /** `patience` evaluations in a row without improvement. */
  readonly stop: boolean;
  /** The line for the log. */
  readonly line: string;
}

export class HeldOutTracker {
  readonly history: HeldOutPoint[];
  private readonly batches: Batch[];
  private readonly epochSteps: number;
  private sinceBest = 0;

  constructor(
    private readonly heldOut: HeldOut,
    B: number,
    private readonly patience: number,
    /** Evaluations of the run so far (a resumed run's, from its checkpoint). */
    history: readonly HeldOutPoint[] = [],
  ) {
    this.batches = heldOut.batches(B);
    this.epochSteps = heldOut.epochSteps(B);
    this.history = [...history];
    const best = this.best;
    if (best) this.sinceBest = this.history.length - 1 - this.history.indexOf(best);
  }

  get best(): HeldOutPoint | undefined {
    return this.history.reduce<HeldOutPoint | undefined>((b, p) => (!b || p.loss < b.loss ? p : b), undefined);
  }

  /** Evaluates after `step` when an epoch ends there or it is the last step. */
  async after(trainer: Trainer, step: number, lastStep: number): Promise<HeldOutCheck | undefined> {
    if (step % this.epochSteps !== 0 && step !== lastStep) return undefined;
    let loss = 0;
    for (const b of this.batches) loss += await trainer.evaluate(b);
    const before = this.best;
    const improved = !before || loss < before.loss;
    this.history.push({ step, loss });
    this.sinceBest = improved ? 0 : this.sinceBest + 1;
    const stop = this.patience > 0 && this.sinceBest >= this.patience;
    const epoch = step / this.epochSteps;
    const best = this.best!;
    const line =
      `epoch ${Number.isInteger(epoch) ? epoch : epoch.toFixed(2)} (step ${step}): held-out loss ${loss.toPrecision(4)}` +
      (improved ? ' (best so far)' : ` (best ${best.loss.toPrecision(4)} at step ${best.step})`) +
      (stop ? `; stopping early: no improvement in ${this.patience} epoch(s)` : '');
    return { step, loss, epoch, improved, stop, line };
  }
}
