// Training in the page: each cell as a model (cell → linear readout → the
// task's loss, compiler/model/buildModel.ts) trained with the GPU trainer
// (runtime/apps/train/trainer.ts) on the built-in tasks (runtime/apps/train/tasks.ts),
// every cell on the same batches (batch k depends only on the seed and k).
// Cells compared side by side take their steps in turn.

import { type Diagnostic, type Graph, buildModel, formatDiagnostic } from '../../../../compiler/index.js';
import { PALETTE, type Series, gradientFlow, lineChart } from '../../../../compiler/tools/index.js';
import type { GpuContext } from '../../../core/device.js';
import { batchRng, getTask, type Task } from '../../train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer } from '../../train/trainer.js';

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
  readonly stepsPerSecond: number;
}

export function taskFor(name: string): Task {
  return getTask(name);
}

/** The smallest T a task accepts (copy: 2L + 1 with L = 10). */
export function minT(task: string): number {
  return task === 'copy' ? 21 : 2;
}

export class TrainingRun {
  private stopped = false;
  readonly losses = new Map<string, [number, number][]>();

  constructor(
    readonly cells: readonly TrainCell[],
    readonly settings: TrainSettings,
  ) {
    for (const c of cells) this.losses.set(c.label, []);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Trains every cell for settings.steps steps (or until stop()); reports progress after each step. */
  async run(ctx: GpuContext, onProgress: (p: RunProgress) => void): Promise<'done' | 'stopped' | 'nan'> {
    const s = this.settings;
    const task = taskFor(s.task);
    if (s.T < minT(s.task)) throw new RangeError(`the ${s.task} task needs T ≥ ${minT(s.task)}`);
    const trainers: { label: string; trainer: Trainer }[] = [];
    try {
      for (const c of this.cells) {
        const ds: Diagnostic[] = [];
        const model = buildModel(
          {
            layers: [{ graph: c.graph }],
            input: task.input.kind === 'float' ? { kind: 'float', size: task.input.size } : { kind: 'index', vocab: task.input.vocab, embed: s.embed },
            output: task.output.kind === 'mse' ? { kind: 'mse', size: task.output.size } : task.output.kind === 'xent' ? { kind: 'xent', classes: task.output.classes } : { kind: 'likelihood' },
          },
          ds,
        );
        if (!model) throw new Error(`${c.label}: ${ds.map((d) => formatDiagnostic(d, undefined)).join('; ')}`);
        const trainer = await Trainer.create(ctx, model, { B: s.B, T: s.T }, { ...DEFAULT_OPTIMIZER, lr: s.lr, steps: s.steps });
        trainer.init(s.seed);
        trainers.push({ label: c.label, trainer });
      }
      const t0 = performance.now();
      for (let k = 0; k < s.steps; k++) {
        if (this.stopped) return 'stopped';
        const batch = task.batch(batchRng(s.seed, 0, k), s.B, s.T);
        for (const { label, trainer } of trainers) {
          const r = await trainer.trainStep(batch);
          if (!Number.isFinite(r.loss)) return 'nan';
          this.losses.get(label)!.push([k + 1, r.loss]);
        }
        onProgress({ step: k + 1, steps: s.steps, losses: this.losses, stepsPerSecond: (k + 1) / ((performance.now() - t0) / 1000) });
      }
      return 'done';
    } finally {
      for (const { trainer } of trainers) trainer.destroy();
    }
  }
}

export function lossChart(losses: ReadonlyMap<string, readonly [number, number][]>, task: Task, steps: number): string {
  const series: Series[] = [...losses].map(([name, points], i) => ({ name, points, color: PALETTE[i] }));
  if (task.baseline) series.push({ name: 'trivial predictor', points: [[0, task.baseline.loss], [Math.max(1, steps), task.baseline.loss]], color: '#9a9a9a' });
  return lineChart(series, { title: `${task.name}: training loss`, xLabel: 'step', yLabel: 'loss (log scale)', logY: true, width: 560, height: 320 });
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
