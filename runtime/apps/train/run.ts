// A training run: model + task + optimizer on the GPU, with what a researcher
// needs around it — progress, metrics as JSONL, a loss chart, atomic
// safetensors checkpoints every K steps and at the end, Ctrl-C saves and
// exits, a NaN/Inf loss or non-finite parameters stop the run and keep the
// last checkpoint whose parameters and next loss were finite,
// and --resume continues bit for bit (batch k depends only on (seed, k); the
// parameters, optimizer moments, step and carried state are restored).

import { type Diagnostic, type Graph, type Model, type ModelSpec, buildModel, formatDiagnostic } from '../../../compiler/index.js';
import { lineChart } from '../../../compiler/tools/index.js';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../../core/device.js';
import { encodeCheckpoint, ensureDir, loadCheckpoint, writeFileAtomic } from './checkpoint.js';
import { CHECKPOINT_FORMAT, firstNonFinite, namedMoments, occupiedBy, resumeMismatches } from './runGuard.js';
import { batchRng, type Batch, type Task } from './tasks.js';
import { learningRate, Trainer, type OptimizerConfig } from './trainer.js';
import { assertVerified, verificationLine } from '../verify/verify.js';
import { HeldOutTracker, type HeldOutPoint } from './heldOutRun.js';

export interface RunConfig {
  readonly layers: readonly { readonly graph: Graph; readonly sizes?: Readonly<Record<string, number>> }[];
  readonly task: Task;
  readonly B: number;
  readonly T: number;
  readonly steps: number;
  readonly seed: number;
  readonly embed: number;
  /** Truncated BPTT window (divides T); undefined = full BPTT. */
  readonly tbptt?: number;
  readonly optimizer: OptimizerConfig;
  readonly out?: string;
  readonly checkpointEvery: number;
  readonly resume?: boolean;
  /** Start a new run in `out` even when it holds another run's checkpoint or metrics (they are overwritten). */
  readonly force?: boolean;
  /** Steps between progress reports when not on a terminal. */
  readonly logEvery: number;
  /** A loss below which "steps to threshold" is reported. */
  readonly threshold?: number;
  /** Compare the model's GPU gradients with float64 before the first step (default true; runtime/apps/verify). */
  readonly verify?: boolean;
  /** Data tasks: stop after this many held-out evaluations (epochs) without improvement; 0 or absent: never. */
  readonly patience?: number;
}

export interface RunResult {
  readonly losses: { step: number; loss: number }[];
  readonly finalLoss: number;
  readonly stepsToThreshold?: number;
  readonly seconds: number;
  readonly stepsRun: number;
  readonly stoppedBy?: 'nan' | 'interrupt' | 'early-stop';
  readonly model: Model;
  /** Data tasks: the held-out loss after every epoch; the checkpoint holds the parameters of the best. */
  readonly heldOut?: { readonly history: readonly HeldOutPoint[]; readonly best: HeldOutPoint };
}

export interface Progress {
  start(total: number, first: number): void;
  update(step: number, loss: number, stepsPerSecond: number): void;
  stop(): void;
  log(line: string): void;
}

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export function modelSpecFor(c: Pick<RunConfig, 'layers' | 'task' | 'embed'>): ModelSpec {
  const t = c.task;
  return {
    layers: c.layers,
    input: t.input.kind === 'float' ? { kind: 'float', size: t.input.size } : { kind: 'index', vocab: t.input.vocab, embed: c.embed },
    output: t.output.kind === 'mse' ? { kind: 'mse', size: t.output.size } : t.output.kind === 'xent' ? { kind: 'xent', classes: t.output.classes } : { kind: 'likelihood' },
    ...(t.lengths ? { lengths: true } : {}),
    ...(t.episodes ? { episodes: true } : {}),
  };
}

export function buildModelOrThrow(c: Pick<RunConfig, 'layers' | 'task' | 'embed'>): Model {
  const ds: Diagnostic[] = [];
  const m = buildModel(modelSpecFor(c), ds);
  if (!m) throw new TrainingError(ds.map((d) => formatDiagnostic(d, undefined)).join('\n'));
  return m;
}

/** Splits a batch of T steps into windows of U steps (truncated BPTT). */
export function windows(batch: Batch, T: number, B: number, U: number): Batch[] {
  const out: Batch[] = [];
  for (let a = 0; a < T; a += U) {
    const inputs = new Map<string, Float32Array>();
    for (const [name, v] of batch.inputs) {
      const per = v.length / (T * B);
      inputs.set(name, v.slice(a * B * per, (a + U) * B * per));
    }
    out.push({ inputs, lossSteps: batch.lossSteps });
  }
  return out;
}

const CHECKPOINT = 'checkpoint.safetensors';

/**
 * Creates the run folder; refuses a fresh run in a folder that holds another
 * run (its checkpoint and metrics would be overwritten). Commands call it
 * before they start the device, so a bad --out fails first.
 */
export function prepareRunFolder(c: Pick<RunConfig, 'out' | 'resume' | 'force'>): void {
  if (!c.out) return;
  if (!c.resume && !c.force) {
    const other = occupiedBy(join(c.out, CHECKPOINT), join(c.out, 'metrics.jsonl'));
    if (other) throw new TrainingError(`--out ${c.out} already holds a run (${other}): continue it with --resume, choose another --out, or pass --force to start over there`);
  }
  ensureDir(c.out);
}

/** A checkpoint this run wrote, kept in memory: the one before the newest is what a divergence rolls back to. */
interface Written {
  readonly step: number;
  readonly bytes: Uint8Array;
}

/** Reports nothing: the default of trainRun for library use. */
export const SILENT_PROGRESS: Progress = { start() {}, update() {}, stop() {}, log() {} };

/**
 * Trains `c.layers` on `c.task` (see RunConfig): verification first, then the
 * optimizer steps, checkpoints and metrics in `c.out` when given. `signal`:
 * set `interrupted` to stop after the current step (with a checkpoint).
 */
export async function trainRun(ctx: GpuContext, c: RunConfig, progress: Progress = SILENT_PROGRESS, signal: { readonly interrupted: boolean } = { interrupted: false }): Promise<RunResult> {
  const model = buildModelOrThrow(c);
  const U = c.tbptt ?? c.T;
  if (c.T % U !== 0) throw new TrainingError(`--tbptt ${U} must divide --T ${c.T}`);
  const ckptPath = c.out ? join(c.out, CHECKPOINT) : undefined;
  const metricsPath = c.out ? join(c.out, 'metrics.jsonl') : undefined;
  prepareRunFolder(c);
  if (c.verify !== false) {
    // the whole model (cells, readout, loss) on a small slice, before any step is taken on its gradients
    progress.log('verifying the model on the GPU against float64 (the first use of each kernel compiles it)…');
    const v = await assertVerified(ctx, { graph: model.graph, sizes: {} }, `the model ${c.layers.map((l) => l.graph.name).join(' + ')}`, 'train on these gradients');
    progress.log(verificationLine(v));
  }
  const trainer = await Trainer.create(ctx, model, { B: c.B, T: U }, c.optimizer);
  const losses: { step: number; loss: number }[] = [];
  const paramOrder = trainer.artifact.params.map((p) => ({ name: p.name, shape: p.shape }));
  if (c.task.heldOut && U !== c.T) throw new TrainingError('--tbptt is not supported with --data (the windows of T steps are the truncation)');
  let heldOutHistory: HeldOutPoint[] = [];
  let first = 0;
  try {
    trainer.init(c.seed);
    if (c.resume) {
      if (!ckptPath || !existsSync(ckptPath)) throw new TrainingError(`--resume: no checkpoint at ${ckptPath ?? '(no --out given)'}`);
      const ck = loadCheckpoint(ckptPath, paramOrder);
      const wrong = resumeMismatches(ck, { model, paramOrder, task: c.task.name, config: runIdentity(c, model) });
      if (wrong.length) throw new TrainingError(`--resume: the checkpoint in ${c.out} was written by a different run or is damaged: ${wrong.join('; ')}`);
      const bad = firstNonFinite([...[...ck.params].map(([k, v]) => [`param.${k}`, v.data] as [string, Float32Array]), ...(ck.moments ? namedMoments(ck.moments, paramOrder) : [])]);
      if (bad) throw new TrainingError(`--resume: the checkpoint in ${c.out} holds a non-finite value (${bad.name}[${bad.index}] = ${bad.value}); it cannot be continued`);
      trainer.rt.setParams(new Map([...ck.params].map(([k, v]) => [k, v.data])));
      if (ck.moments) trainer.writeMoments(ck.moments);
      first = Number(ck.metadata.step ?? 0);
      trainer.step = first * (c.T / U); // Adam's t counts updates: one per truncated-BPTT window
      for (const l of JSON.parse(ck.metadata.losses ?? '[]') as [number, number][]) losses.push({ step: l[0], loss: l[1] });
      heldOutHistory = (JSON.parse(ck.metadata.heldout ?? '[]') as [number, number][]).map(([step, loss]) => ({ step, loss }));
      if (metricsPath) truncateMetrics(metricsPath, first);
      progress.log(`resumed from ${ckptPath} at step ${first}`);
    } else if (metricsPath) writeFileSync(metricsPath, '');
    const held = c.task.heldOut ? new HeldOutTracker(c.task.heldOut, c.B, c.patience ?? 0, heldOutHistory) : undefined;
    // The newest checkpoint written and the one before it. A checkpoint is known good once the step after it had a
    // finite loss and gradient (the loss of step k+1 is computed with the parameters saved at step k).
    let newest: Written | undefined;
    let before: Written | undefined;
    /** Writes a checkpoint at `step`, or returns what is non-finite (and writes nothing). */
    const save = async (step: number): Promise<string | undefined> => {
      if (!ckptPath) return undefined;
      const params = await trainer.rt.readParams();
      const moments = await trainer.readMoments();
      const bad = firstNonFinite([...[...params].map(([k, v]) => [`parameter ${k}`, v] as [string, Float32Array]), ...namedMoments(moments, paramOrder).map(([k, v]) => [`optimizer moment ${k}`, v] as [string, Float32Array])]);
      if (bad) return `${bad.name} is ${bad.value} after the update`;
      const bytes = runCheckpoint(c, model, paramOrder, { params, moments, step, losses, ...(held ? { heldOut: held.history } : {}) });
      writeFileAtomic(ckptPath, bytes);
      before = newest;
      newest = { step, bytes };
      return undefined;
    };
    // A fresh run saves its initial parameters: a run that diverges on its first update still leaves a checkpoint to resume.
    if (!c.resume && ckptPath) await save(0);
    const t0 = performance.now();
    let lastGood = first;
    let stoppedBy: RunResult['stoppedBy'];
    let stepsToThreshold: number | undefined = losses.find((l) => c.threshold !== undefined && l.loss < c.threshold)?.step;
    /**
     * On divergence at step `at`: a checkpoint of the parameters that gave the non-finite result (those of step
     * `poisoned`) is rolled back to the one before; says which step is kept.
     */
    const diverged = (at: number, why: string, poisoned = at - 1) => {
      stoppedBy = 'nan';
      progress.stop();
      let kept = '';
      if (ckptPath && newest) {
        if (newest.step === poisoned && before) {
          writeFileAtomic(ckptPath, before.bytes);
          newest = before;
        }
        kept =
          newest.step === poisoned
            ? `; the checkpoint (step ${newest.step}) in ${ckptPath} holds the parameters that diverged (no earlier one of this run)`
            : `; the last good checkpoint (step ${newest.step}) is kept in ${ckptPath} (continue from it with --resume and a smaller --lr or a --clip)`;
      }
      progress.log(`training stopped at step ${at}: ${why} (try a smaller --lr or --clip)${kept}`);
    };
    // The first step compiles every kernel of the training artifact (drivers such as lavapipe compile a
    // shader when it first runs): it is reported as its own phase, and steps/s and the ETA count from
    // the step after it.
    let tSteps = t0;
    if (first < c.steps) progress.log(`compiling kernels: the first step runs ${trainer.artifact.kernels.length} of them for the first time…`);
    progress.start(c.steps, first);
    for (let k = first; k < c.steps; k++) {
      const batch = c.task.batch(batchRng(c.seed, 0, k), c.B, c.T);
      let loss = 0;
      let gradNorm = 0;
      const parts = U === c.T ? [batch] : windows(batch, c.T, c.B, U);
      for (const [w, part] of parts.entries()) {
        // the schedule runs over batches (--steps, --warmup); every window of batch k uses its rate
        const r = await trainer.trainStep(part, w > 0, learningRate(c.optimizer, k));
        loss += r.loss;
        gradNorm = Math.max(gradNorm, r.gradNorm);
      }
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        diverged(k + 1, Number.isFinite(loss) ? `the gradient norm is ${gradNorm}` : `the loss is ${loss}`);
        break;
      }
      losses.push({ step: k + 1, loss });
      if (stepsToThreshold === undefined && c.threshold !== undefined && smoothed(losses) < c.threshold) stepsToThreshold = k + 1;
      const check = held && (await held.after(trainer, k + 1, c.steps));
      if (metricsPath) appendFileSync(metricsPath, metricsLine({ step: k + 1, loss, gradNorm, lr: learningRate(c.optimizer, k), seconds: (performance.now() - t0) / 1000, ...(check ? { valLoss: check.loss } : {}) }));
      if (k === first) {
        tSteps = performance.now();
        progress.log(`compiled the kernels and ran the first step in ${((tSteps - t0) / 1000).toFixed(1)} s`);
      } else progress.update(k + 1, loss, (k - first) / ((performance.now() - tSteps) / 1000));
      if (check) progress.log(check.line);
      // with a held-out split the checkpoint is the best epoch's: written when the held-out loss improves
      const due = (held ? !!check?.improved : (k + 1) % c.checkpointEvery === 0 || k + 1 === c.steps) || (signal.interrupted && lastGood !== k + 1);
      if (due) {
        const bad = await save(k + 1);
        if (bad) {
          // the loss of step k+1 was finite, so the newest checkpoint (≤ k) is good: nothing to roll back
          diverged(k + 1, bad, k + 1);
          break;
        }
        lastGood = k + 1;
      }
      if (check?.stop) {
        stoppedBy = 'early-stop';
        break;
      }
      if (signal.interrupted) {
        stoppedBy = 'interrupt';
        progress.stop();
        progress.log(`interrupted at step ${k + 1}${ckptPath ? `; checkpoint saved to ${ckptPath} (continue with --resume)` : ''}`);
        break;
      }
    }
    progress.stop();
    const seconds = (performance.now() - t0) / 1000;
    const curves = [{ name: model.graph.name, losses }, ...(held ? [{ name: 'held-out', losses: held.history }] : [])];
    if (c.out) writeFileAtomic(join(c.out, 'loss.svg'), new TextEncoder().encode(lossChart(curves, `${c.task.name}: training${held ? ' and held-out' : ''} loss`)));
    return {
      losses,
      finalLoss: smoothed(losses),
      ...(stepsToThreshold !== undefined ? { stepsToThreshold } : {}),
      seconds,
      stepsRun: losses.length ? losses[losses.length - 1].step - first : 0,
      ...(stoppedBy ? { stoppedBy } : {}),
      model,
      ...(held?.best ? { heldOut: { history: held.history, best: held.best } } : {}),
    };
  } finally {
    trainer.destroy();
  }
}

/** The checkpoint of run `c` at `step` (safetensors: parameters, optimizer moments, what --resume and cellc eval read). */
export function runCheckpoint(
  c: RunConfig,
  model: Model,
  paramOrder: readonly { name: string; shape: readonly number[] }[],
  at: { params: ReadonlyMap<string, Float32Array>; moments: Float32Array; step: number; losses: readonly { step: number; loss: number }[]; heldOut?: readonly HeldOutPoint[] },
): Uint8Array {
  return encodeCheckpoint(
    {
      params: new Map([...at.params].map(([k, v]) => [k, { shape: paramOrder.find((p) => p.name === k)!.shape, data: v }])),
      moments: at.moments,
      metadata: {
        format: CHECKPOINT_FORMAT,
        step: String(at.step),
        cell: model.graph.name,
        task: c.task.name,
        config: JSON.stringify({ ...runIdentity(c, model), optimizer: c.optimizer }),
        losses: JSON.stringify(at.losses.map((l) => [l.step, l.loss])),
        ...(c.task.alphabet !== undefined ? { alphabet: c.task.alphabet } : {}),
        ...(c.task.metadata ?? {}),
        ...(at.heldOut ? { heldout: JSON.stringify(at.heldOut.map((h) => [h.step, h.loss])) } : {}),
      },
    },
    paramOrder,
  );
}

/** One line of metrics.jsonl. */
export const metricsLine = (m: { step: number; loss: number; gradNorm: number; lr: number; seconds: number; valLoss?: number }): string =>
  JSON.stringify({ step: m.step, loss: m.loss, grad_norm: m.gradNorm, lr: m.lr, seconds: m.seconds, ...(m.valLoss !== undefined ? { val_loss: m.valLoss } : {}) }) + '\n';

/** Mean of the last 20 losses: single batches are noisy. */
export function smoothed(losses: readonly { loss: number }[], n = 20): number {
  const tail = losses.slice(-n);
  return tail.reduce((s, l) => s + l.loss, 0) / Math.max(1, tail.length);
}

/**
 * What must match for --resume to continue a run: the model (its sizes), the
 * data (task, B, T, truncation window, seed) and the kind of optimizer (what
 * the moments mean). Not the learning rate, clipping, warm-up, schedule or
 * step count: a run that diverged is rescued by resuming its last good
 * checkpoint with a smaller --lr or a --clip; with the same settings a resumed
 * run continues bit for bit.
 */
function runIdentity(c: RunConfig, m: Model): Record<string, unknown> {
  return { B: c.B, T: c.T, seed: c.seed, tbptt: c.tbptt ?? null, embed: c.embed, layerSizes: m.layerSizes, optimizer: c.optimizer.optimizer };
}

/** On resume: drops metrics lines after the checkpoint's step (written before a crash), so no step appears twice. */
function truncateMetrics(path: string, step: number): void {
  if (!existsSync(path)) return;
  const keep = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false; // a torn last line
      }
    });
  writeFileAtomic(path, new TextEncoder().encode(keep.map((l) => l + '\n').join('')));
}

export function lossChart(runs: readonly { name: string; losses: readonly { step: number; loss: number }[] }[], title: string): string {
  return lineChart(
    runs.map((r) => ({ name: r.name, points: r.losses.map((l) => [l.step, l.loss] as const) })),
    { title, xLabel: 'step', yLabel: 'loss', logY: true },
  );
}
