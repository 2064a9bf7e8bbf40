// One trial of a sweep: `cellc train` (trainRun) with the trial's settings in
// its own folder, then the held-out evaluation of `cellc eval`
// (evaluateHeldOut on the final checkpoint), and result.json, written
// atomically and last: a folder with result.json is a finished trial.
//
// A trial that was interrupted (Ctrl-C, SIGTERM, a killed job) has no
// result.json and is trained again from scratch on the next run of the
// sweep: every trial's batches depend only on its seed, so the rerun gives
// the result the interrupted one would have.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../../core/device.js';
import { runConfigFrom, type TrainFlags } from '../cli/commands/train.js';
import { UserError } from '../cli/io.js';
import { writeFileAtomic } from '../train/checkpoint.js';
import { buildModelOrThrow, trainRun, TrainingError, type Progress, type RunResult } from '../train/run.js';
import { evaluateHeldOut, modelFromSavedRun, readSavedRun, type EvalResult } from '../train/savedRun.js';
import type { Trial } from './plan.js';
import { SweepError } from './sweepFile.js';

export const RESULT_FILE = 'result.json';

export interface TrialResult {
  readonly format: 'cellc-trial-1';
  readonly id: string;
  /** ok: trained and evaluated; diverged: a non-finite loss or parameter stopped it, or its held-out loss is not finite. */
  readonly status: 'ok' | 'diverged';
  /** Mean loss on `evalBatches` held-out batches (stream 1 of the seed) with the final parameters; null when diverged. */
  readonly heldOutLoss: number | null;
  readonly heldOutAccuracy?: number;
  /** Mean training loss of the last 20 steps. */
  readonly finalTrainLoss: number | null;
  readonly stepsRun: number;
  /** Seconds of training (the first trial of a model on a device includes compiling its kernels; not the verification). */
  readonly seconds: number;
  /** The smoothed training loss (mean of the last 20 steps) at up to 200 steps: what the sweep's charts draw. */
  readonly curve: readonly (readonly [number, number])[];
  readonly message?: string;
}

/** Where a trial's folder is. */
export const trialDir = (out: string, id: string) => join(out, 'trials', id);

export function readResult(dir: string): TrialResult | undefined {
  const p = join(dir, RESULT_FILE);
  if (!existsSync(p)) return undefined;
  try {
    const r = JSON.parse(readFileSync(p, 'utf8')) as TrialResult;
    if (r.format !== 'cellc-trial-1' || typeof r.id !== 'string') throw new Error('not a trial result');
    return r;
  } catch (e) {
    throw new SweepError(`${p} is damaged (${(e as Error).message}): delete it to run the trial again`);
  }
}

/** The flags `cellc train` would get for this trial (its validation and RunConfig are reused as they are). */
export function trainFlags(t: Trial, cellPath: string, textPath: string | undefined, out: string, verify: boolean): TrainFlags {
  const c = t.config;
  const s = c.train;
  return {
    task: c.task.name,
    T: String(c.task.T),
    B: String(c.task.B),
    steps: String(s.steps),
    lr: String(s.lr),
    optimizer: s.optimizer,
    clip: String(s.clip),
    schedule: s.schedule,
    warmup: String(s.warmup),
    weightDecay: String(s.weightDecay),
    momentum: String(s.momentum),
    ...(s.tbptt !== null ? { tbptt: String(s.tbptt) } : {}),
    seed: String(c.seed),
    out,
    force: true, // a trial folder without result.json holds an unfinished run of this same trial: start it over
    set: Object.entries(s.set).map(([k, v]) => `${k}=${v}`),
    layers: String(s.layers),
    embed: String(s.embed),
    ...(textPath !== undefined ? { text: textPath } : {}),
    checkpointEvery: String(s.steps),
    logEvery: String(Math.max(1, Math.ceil(s.steps / 4))),
    verify,
    horizon: '1',
    valFraction: '0.2',
    patience: '0',
    arOrder: '4',
  };
}

/** Checks that the trial's settings make a valid run (what `cellc train` checks), before any device starts. */
export function checkTrial(t: Trial, cellPath: string, textPath: string | undefined): void {
  try {
    buildModelOrThrow(runConfigFrom([cellPath], trainFlags(t, cellPath, textPath, '', false))); // the model too: a cell that cannot be stacked on the task's input
  } catch (e) {
    if (e instanceof UserError || e instanceof TrainingError) throw new SweepError(`trial ${t.id} (${t.config.cell.file}, ${t.config.task.name}, seed ${t.config.seed}): ${e.message.replace(/--([a-z-]+)/g, "'$1'")}`);
    throw e;
  }
}

/** At most n points of a curve, evenly spaced, always with the last. */
function thin(points: [number, number][], n = 200): [number, number][] {
  if (points.length <= n) return points;
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) out.push(points[Math.round((k * (points.length - 1)) / (n - 1))]);
  return out;
}

/**
 * Trains and evaluates one trial in `dir`; returns its result (also written
 * to dir/result.json), or undefined when `signal` interrupted it (nothing
 * written: it runs again next time).
 */
export async function runTrial(
  ctx: GpuContext,
  t: Trial,
  paths: { cell: string; text?: string },
  dir: string,
  o: { verify: boolean; progress: Progress; signal: { readonly interrupted: boolean } },
): Promise<TrialResult | undefined> {
  const config = runConfigFrom([paths.cell], trainFlags(t, paths.cell, paths.text, dir, o.verify));
  writeFileAtomic(join(dir, 'config.json'), new TextEncoder().encode(JSON.stringify({ id: t.id, ...t.config, levels: t.levels }, null, 2) + '\n'));
  const r = await trainRun(ctx, config, o.progress, o.signal);
  if (r.stoppedBy === 'interrupt') return undefined;
  const result = await trialResult(t, r, async () => {
    const saved = readSavedRun(dir);
    const { model, params } = modelFromSavedRun(config.layers.map((l) => l.graph), saved, config.task, { embed: config.embed });
    return evaluateHeldOut(ctx, model, new Map([...params].map(([k, v]) => [k, v.data])), config.task, { B: config.B, T: config.T, seed: config.seed, batches: t.config.task.evalBatches });
  });
  writeResult(dir, result);
  return result;
}

/** Writes result.json, atomically: from now on the trial is finished. */
export function writeResult(dir: string, result: TrialResult): void {
  writeFileAtomic(join(dir, RESULT_FILE), new TextEncoder().encode(JSON.stringify(result) + '\n'));
}

/** The result of a trial that trained to its end or diverged (alone or with others): its curve, and the held-out evaluation of its final parameters unless it diverged. */
export async function trialResult(t: Trial, r: Pick<RunResult, 'losses' | 'stepsRun' | 'seconds' | 'stoppedBy' | 'finalLoss'>, heldOut: () => Promise<EvalResult>): Promise<TrialResult> {
  let sum = 0;
  const curve = thin(
    r.losses.map((l, k) => {
      sum += l.loss - (k >= 20 ? r.losses[k - 20].loss : 0); // the mean of the last 20 steps, as the final loss
      return [l.step, sum / Math.min(k + 1, 20)] as [number, number];
    }),
  );
  const base = { format: 'cellc-trial-1' as const, id: t.id, stepsRun: r.stepsRun, seconds: r.seconds, curve };
  if (r.stoppedBy === 'nan') return { ...base, status: 'diverged', heldOutLoss: null, finalTrainLoss: null, message: `training stopped after ${r.stepsRun} steps: a non-finite loss, gradient or parameter` };
  const e = await heldOut();
  return Number.isFinite(e.loss)
    ? { ...base, status: 'ok', heldOutLoss: e.loss, ...(e.accuracy !== undefined ? { heldOutAccuracy: e.accuracy } : {}), finalTrainLoss: r.finalLoss }
    : { ...base, status: 'diverged', heldOutLoss: null, finalTrainLoss: r.finalLoss, message: `the held-out loss is ${e.loss}` };
}
