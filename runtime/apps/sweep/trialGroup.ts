// Trials of a sweep that train together (`cellc sweep --trials-per-dispatch K`):
// trials of one cell, task, sizes and budget that differ only in their seed
// and optimizer settings run as the K trials of one TrialTrainer, and each
// gets the folder `runTrial` would have written — config.json, the step-0
// and final checkpoints, metrics.jsonl, loss.svg, result.json — with the same
// losses, parameters and held-out loss (the trainer is bit-identical to
// training alone; test/sweep/trialGroup.test.ts). A trial that diverges
// stops alone; an interrupted group leaves no result.json, so its trials
// start over on the next run, as an interrupted trial does.

import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, drawsMasks } from '../../../compiler/index.js';
import type { GpuContext } from '../../core/device.js';
import { runConfigFrom } from '../cli/commands/train.js';
import { writeFileAtomic } from '../train/checkpoint.js';
import { firstNonFinite } from '../train/runGuard.js';
import { buildModelOrThrow, lossChart, metricsLine, prepareRunFolder, runCheckpoint, SILENT_PROGRESS, smoothed, type Progress, type RunConfig } from '../train/run.js';
import { evaluateHeldOut } from '../train/savedRun.js';
import { batchRng } from '../train/tasks.js';
import { learningRate } from '../train/trainer.js';
import { TrialTrainer } from '../train/trialTrainer.js';
import { assertVerified } from '../verify/verify.js';
import { canonicalJson, type Trial } from './plan.js';
import { trainFlags, trialResult, writeResult, type TrialResult } from './trial.js';

/** The optimizer settings, which may differ between trials that train together (as may the seed). */
const PER_TRIAL = ['lr', 'optimizer', 'clip', 'schedule', 'warmup', 'weightDecay', 'momentum'] as const;

/**
 * What trials that train together share; undefined for a trial that trains
 * alone (truncated BPTT carries state between windows: TrialTrainer runs full
 * BPTT), or whose cell draws random masks (dropout, zoneout: a trial's masks
 * are keyed by its own seed, which kernels shared by several trials do not
 * have). A sweep's tasks are built-in ones, without a held-out split tracked
 * during training.
 */
export function groupKey(t: Trial, cellSource: (t: Trial) => string): string | undefined {
  if (t.config.train.tbptt !== null || cellDrawsMasks(cellSource(t), t.config.cell.name)) return undefined;
  const train: Record<string, unknown> = { ...t.config.train };
  for (const k of PER_TRIAL) delete train[k];
  return canonicalJson({ cell: t.config.cell, task: t.config.task, train });
}

const maskCells = new Map<string, boolean>();
/** Does cell `name` of a source draw random masks? (Checked once per source and cell.) */
function cellDrawsMasks(source: string, name: string): boolean {
  const key = `${name}\n${source}`;
  let v = maskCells.get(key);
  if (v === undefined) maskCells.set(key, (v = check(source).graphs.some((g) => g.name === name && drawsMasks(g.nodes))));
  return v;
}

/** Trials in groups of at most `k` sharing a groupKey, in the order given; the others alone. `cellSource`: the text of a trial's cell file. */
export function groupTrials(trials: readonly Trial[], k: number, cellSource: (t: Trial) => string): Trial[][] {
  const groups: Trial[][] = [];
  const open = new Map<string, Trial[]>();
  for (const t of trials) {
    const key = k > 1 ? groupKey(t, cellSource) : undefined;
    const g = key !== undefined ? open.get(key) : undefined;
    if (g && g.length < k) {
      g.push(t);
      continue;
    }
    const fresh = [t];
    groups.push(fresh);
    if (key !== undefined) open.set(key, fresh);
  }
  return groups;
}

interface Run {
  readonly t: Trial;
  readonly dir: string;
  readonly config: RunConfig;
  readonly losses: { step: number; loss: number }[];
  diverged: boolean;
}

/**
 * Trains `trials` (one groupKey) together in `dirs` and writes each one's
 * result; returns the results, or undefined when `signal` interrupted the
 * group (no result written: its trials run again next time).
 */
export async function runTrialGroup(
  ctx: GpuContext,
  trials: readonly Trial[],
  paths: { cell: string; text?: string },
  dirs: readonly string[],
  o: { verify: boolean; signal: { readonly interrupted: boolean }; progress?: Progress },
): Promise<TrialResult[] | undefined> {
  const progress = o.progress ?? SILENT_PROGRESS;
  const runs: Run[] = trials.map((t, i) => ({ t, dir: dirs[i], config: runConfigFrom([paths.cell], trainFlags(t, paths.cell, paths.text, dirs[i], o.verify)), losses: [], diverged: false }));
  const first = runs[0].config;
  const model = buildModelOrThrow(first);
  for (const r of runs) {
    prepareRunFolder(r.config);
    writeFileAtomic(join(r.dir, 'config.json'), new TextEncoder().encode(JSON.stringify({ id: r.t.id, ...r.t.config, levels: r.t.levels }, null, 2) + '\n'));
    writeFileSync(join(r.dir, 'metrics.jsonl'), '');
  }
  if (o.verify) await assertVerified(ctx, { graph: model.graph, sizes: {} }, `the model ${first.layers.map((l) => l.graph.name).join(' + ')}`, 'train on these gradients');
  const trainer = await TrialTrainer.create(ctx, model, { B: first.B, T: first.T }, runs.map((r) => r.config.optimizer));
  const paramOrder = trainer.artifact.params.map((p) => ({ name: p.name, shape: p.shape }));
  const ckpt = (r: Run) => join(r.dir, 'checkpoint.safetensors');
  try {
    const start = trainer.init(runs.map((r) => r.config.seed));
    const zeros = new Float32Array(2 * trainer.paramCount);
    // the initial parameters, as a run alone saves them before its first update
    runs.forEach((r, i) => writeFileAtomic(ckpt(r), runCheckpoint(r.config, model, paramOrder, { params: start[i], moments: zeros, step: 0, losses: [] })));
    const t0 = performance.now();
    progress.start(first.steps, 0);
    for (let k = 0; k < first.steps; k++) {
      const out = await trainer.trainStep(runs.map((r) => (r.diverged ? undefined : r.config.task.batch(batchRng(r.config.seed, 0, k), first.B, first.T))));
      const seconds = (performance.now() - t0) / 1000;
      out.forEach((s, i) => {
        const r = runs[i];
        if (!s) return;
        if (!Number.isFinite(s.loss) || !Number.isFinite(s.gradNorm)) {
          r.diverged = true;
          trainer.stop(i);
          return;
        }
        r.losses.push({ step: k + 1, loss: s.loss });
        appendFileSync(join(r.dir, 'metrics.jsonl'), metricsLine({ step: k + 1, loss: s.loss, gradNorm: s.gradNorm, lr: learningRate(r.config.optimizer, k), seconds }));
      });
      // the progress line shows the mean loss of the trials still training
      const now = runs.filter((r) => !r.diverged && r.losses.length === k + 1).map((r) => r.losses[k].loss);
      progress.update(k + 1, now.length ? now.reduce((a, b) => a + b, 0) / now.length : NaN, (k + 1) / Math.max(seconds, 1e-9));
      if (o.signal.interrupted) {
        progress.stop();
        return undefined;
      }
      if (runs.every((r) => r.diverged)) break;
    }
    progress.stop();
    const seconds = (performance.now() - t0) / 1000;
    const results: TrialResult[] = [];
    for (const [i, r] of runs.entries()) {
      let params: Map<string, Float32Array> | undefined;
      if (!r.diverged) {
        params = await trainer.readParams(i);
        const moments = await trainer.readMoments(i);
        // non-finite parameters after a finite last loss: diverged, and the step-0 checkpoint stays (as alone)
        if (firstNonFinite([...params, ['moments', moments]])) r.diverged = true;
        else writeFileAtomic(ckpt(r), runCheckpoint(r.config, model, paramOrder, { params, moments, step: first.steps, losses: r.losses }));
      }
      writeFileAtomic(join(r.dir, 'loss.svg'), new TextEncoder().encode(lossChart([{ name: model.graph.name, losses: r.losses }], `${r.config.task.name}: training loss`)));
      const run = { losses: r.losses, stepsRun: r.losses.length, seconds, finalLoss: smoothed(r.losses), ...(r.diverged ? { stoppedBy: 'nan' as const } : {}) };
      const result = await trialResult(r.t, run, () => evaluateHeldOut(ctx, model, params!, r.config.task, { B: r.config.B, T: r.config.T, seed: r.config.seed, batches: r.t.config.task.evalBatches }));
      writeResult(r.dir, result);
      results.push(result);
    }
    return results;
  } finally {
    trainer.destroy();
  }
}
