// Training in the page: each cell as a model (cell → linear readout → the
// task's loss, compiler/model/buildModel.ts) trained with the GPU trainer
// (runtime/apps/train/trainer.ts) on the built-in tasks (runtime/apps/train/tasks.ts),
// every cell on the same batches (batch k depends only on the seed and k).
// Cells compared side by side take their steps in turn. A held-out set
// (stream 1 of the seed, as `cellc eval` uses) is scored along the way; the
// trained weights are kept for download.

import type { Graph, Model } from '../../../../compiler/index.js';
import { PALETTE, type Series, gradientFlow, lineChart } from '../../../../compiler/tools/index.js';
import type { GpuContext } from '../../../core/device.js';
import type { Batch } from '../../train/task.js';
import { batchRng, type Task } from '../../train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer } from '../../train/trainer.js';
import { modelFor, taskFor } from './model.js';

export const PLAYGROUND_TASKS = ['adding', 'copy', 'reber', 'sine'] as const;

export interface TrainSettings {
  readonly task: string;
  readonly B: number;
  readonly T: number;
  readonly steps: number;
  readonly lr: number;
  readonly seed: number;
  /** Embedding width for the token tasks (copy, reber). */
  readonly embed: number;
}

export interface TrainCell {
  readonly label: string;
  readonly graph: Graph;
}

export interface RunProgress {
  readonly step: number;
  readonly steps: number;
  readonly losses: ReadonlyMap<string, readonly [number, number][]>;
  readonly heldOut: ReadonlyMap<string, readonly [number, number][]>;
  readonly stepsPerSecond: number;
}

/** What training leaves of a cell: its model and the parameters (and Adam moments) at the last step taken. */
export interface TrainedWeights {
  readonly label: string;
  readonly model: Model;
  readonly params: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  readonly moments: Float32Array;
  readonly paramOrder: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly step: number;
}

/** Held-out batches scored at each evaluation (stream 1 of the seed). */
export const HELD_OUT_BATCHES = 4;

/**
 * A centred moving average of a loss curve over the finite points, `half`
 * points either side (fewer at the ends): the smoothed curve drawn over the
 * raw one, without the lag of a trailing average.
 */
export function smoothed(points: readonly (readonly [number, number])[], half: number): [number, number][] {
  const pts = points.filter(([, v]) => Number.isFinite(v));
  const prefix = [0];
  for (const [, v] of pts) prefix.push(prefix[prefix.length - 1] + v);
  return pts.map(([k], i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(pts.length, i + half + 1);
    return [k, (prefix[hi] - prefix[lo]) / (hi - lo)];
  });
}

/** The built-in task of that name (model.ts). */
export { taskFor };

/** The smallest T a task accepts (copy: 2L + 1 with L = 10). */
export function minT(task: string): number {
  return task === 'copy' ? 21 : 2;
}

export class TrainingRun {
  private stopped = false;
  readonly losses = new Map<string, [number, number][]>();
  /** Mean held-out loss over HELD_OUT_BATCHES batches, by step. */
  readonly heldOut = new Map<string, [number, number][]>();
  /** Filled when the run ends (done, stopped or NaN): the weights of each cell whose every step was finite. */
  readonly weights: TrainedWeights[] = [];

  constructor(
    readonly cells: readonly TrainCell[],
    readonly settings: TrainSettings,
  ) {
    for (const c of cells) {
      this.losses.set(c.label, []);
      this.heldOut.set(c.label, []);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Trains every cell for settings.steps steps (or until stop()); reports progress after each step. */
  async run(ctx: GpuContext, onProgress: (p: RunProgress) => void): Promise<'done' | 'stopped' | 'nan'> {
    const s = this.settings;
    const task = taskFor(s.task);
    if (s.T < minT(s.task)) throw new RangeError(`the ${s.task} task needs T ≥ ${minT(s.task)}`);
    const trainers: { label: string; trainer: Trainer; model: Model; finite: boolean }[] = [];
    // a held-out score about 20 times a run, and at its end
    const evalEvery = Math.max(1, Math.round(s.steps / 20));
    const held: Batch[] = Array.from({ length: HELD_OUT_BATCHES }, (_, k) => task.batch(batchRng(s.seed, 1, k), s.B, s.T));
    const score = async (k: number) => {
      for (const { label, trainer } of trainers) {
        let sum = 0;
        for (const b of held) sum += await trainer.evaluate(b);
        this.heldOut.get(label)!.push([k, sum / held.length]);
      }
    };
    try {
      for (const c of this.cells) {
        const model = modelFor(c.graph, s.task, s.embed);
        if (typeof model === 'string') throw new Error(model);
        const trainer = await Trainer.create(ctx, model, { B: s.B, T: s.T }, { ...DEFAULT_OPTIMIZER, lr: s.lr, steps: s.steps });
        trainer.init(s.seed);
        trainers.push({ label: c.label, trainer, model, finite: true });
      }
      const t0 = performance.now();
      let result: 'done' | 'stopped' | 'nan' = 'done';
      for (let k = 0; k < s.steps; k++) {
        if (this.stopped) {
          result = 'stopped';
          break;
        }
        const batch = task.batch(batchRng(s.seed, 0, k), s.B, s.T);
        for (const t of trainers) {
          const r = await t.trainer.trainStep(batch);
          if (!Number.isFinite(r.loss)) t.finite = false;
          else this.losses.get(t.label)!.push([k + 1, r.loss]);
        }
        if (trainers.some((t) => !t.finite)) {
          result = 'nan';
          break;
        }
        if ((k + 1) % evalEvery === 0 || k + 1 === s.steps) await score(k + 1);
        onProgress({ step: k + 1, steps: s.steps, losses: this.losses, heldOut: this.heldOut, stepsPerSecond: (k + 1) / ((performance.now() - t0) / 1000) });
      }
      // the weights of the cells whose last step was finite (a NaN step leaves its parameters non-finite)
      for (const t of trainers) {
        if (!t.finite || t.trainer.step === 0) continue;
        const read = await t.trainer.rt.readParams();
        const paramOrder = t.trainer.artifact.params.map((p) => ({ name: p.name, shape: p.shape }));
        const params = new Map(paramOrder.map((p) => [p.name, { shape: p.shape, data: read.get(p.name)! }]));
        this.weights.push({ label: t.label, model: t.model, params, moments: await t.trainer.readMoments(), paramOrder, step: t.trainer.step });
      }
      return result;
    } finally {
      for (const { trainer } of trainers) trainer.destroy();
    }
  }
}

/** Per cell: the raw training loss (faint), its moving average, and the held-out loss (dashed, dots). */
export function lossChart(losses: ReadonlyMap<string, readonly [number, number][]>, task: Task, steps: number, heldOut: ReadonlyMap<string, readonly [number, number][]> = new Map()): string {
  const series: Series[] = [];
  [...losses].forEach(([name, points], i) => {
    const color = PALETTE[i % PALETTE.length];
    series.push({ name: `${name} (raw)`, points, color, faint: true });
    series.push({ name: `${name}: training, smoothed`, points: smoothed(points, Math.max(1, Math.round(steps / 40))), color });
    const h = heldOut.get(name) ?? [];
    if (h.length) series.push({ name: `${name}: held-out`, points: h, color, dashed: true });
  });
  if (task.baseline) series.push({ name: 'trivial predictor', points: [[0, task.baseline.loss], [Math.max(1, steps), task.baseline.loss]], color: '#9a9a9a' });
  return lineChart(series, { title: `${task.name}: training and held-out loss`, xLabel: 'step', yLabel: 'loss (log scale)', logY: true, width: 560, height: 320 });
}

export interface FlowCell {
  readonly label: string;
  readonly graph: Graph;
  readonly sizes: Readonly<Record<string, number>>;
}

/** ‖∂L/∂s_t‖ over t for each cell (the CPU reference interpreter; a loss at the last step only). */
export function gradflowChart(cells: readonly FlowCell[], T: number, seed: number): { svg: string; series: Series[] } {
  const series: Series[] = cells.map((c, i) => {
    const r = gradientFlow(c.graph, { T, B: 4, seed, sizes: c.sizes });
    return { name: c.label, points: r.steps.map((st) => [st.t, st.total] as [number, number]), color: PALETTE[i] };
  });
  const svg = lineChart(series, { title: `gradient flow: ‖∂L/∂s_t‖, loss at t = ${T}`, xLabel: 't', yLabel: '‖∂L/∂s_t‖ (log scale)', logY: true, width: 560, height: 320 });
  return { svg, series };
}
