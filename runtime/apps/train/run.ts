// A training run: model + task + optimizer on the GPU, with what a researcher
// needs around it — progress, metrics as JSONL, a loss chart, atomic
// safetensors checkpoints every K steps and at the end, Ctrl-C saves and
// exits, a NaN/Inf loss stops the run and keeps the last good checkpoint,
// and --resume continues bit for bit (batch k depends only on (seed, k); the
// parameters, optimizer moments, step and carried state are restored).

import { type Diagnostic, type Graph, type Model, type ModelSpec, buildModel, formatDiagnostic } from '../../../compiler/index.js';
import { lineChart } from '../../../compiler/tools/index.js';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../../core/device.js';
import { loadCheckpoint, saveCheckpoint, writeFileAtomic } from './checkpoint.js';
import { batchRng, type Batch, type Task } from './tasks.js';
import { learningRate, Trainer, type OptimizerConfig } from './trainer.js';

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
  /** Steps between progress reports when not on a terminal. */
  readonly logEvery: number;
  /** A loss below which "steps to threshold" is reported. */
  readonly threshold?: number;
}

export interface RunResult {
  readonly losses: { step: number; loss: number }[];
  readonly finalLoss: number;
  readonly stepsToThreshold?: number;
  readonly seconds: number;
  readonly stepsRun: number;
  readonly stoppedBy?: 'nan' | 'interrupt';
  readonly model: Model;
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

export async function trainRun(ctx: GpuContext, c: RunConfig, progress: Progress, signal: { interrupted: boolean }): Promise<RunResult> {
  const model = buildModelOrThrow(c);
  const U = c.tbptt ?? c.T;
  if (c.T % U !== 0) throw new TrainingError(`--tbptt ${U} must divide --T ${c.T}`);
  const trainer = await Trainer.create(ctx, model, { B: c.B, T: U }, c.optimizer);
  const losses: { step: number; loss: number }[] = [];
  const paramOrder = trainer.artifact.params.map((p) => ({ name: p.name, shape: p.shape }));
  const ckptPath = c.out ? join(c.out, CHECKPOINT) : undefined;
  const metricsPath = c.out ? join(c.out, 'metrics.jsonl') : undefined;
  let first = 0;
  try {
    if (c.out) mkdirSync(c.out, { recursive: true });
    trainer.init(c.seed);
    if (c.resume) {
      if (!ckptPath || !existsSync(ckptPath)) throw new TrainingError(`--resume: no checkpoint at ${ckptPath ?? '(no --out given)'}`);
      const ck = loadCheckpoint(ckptPath, paramOrder);
      const saved = JSON.parse(ck.metadata.config ?? '{}');
      if (saved.fingerprint && saved.fingerprint !== fingerprint(c, model)) {
        throw new TrainingError(`--resume: the checkpoint in ${c.out} was written by a different run (model, task, B, T or optimizer differ)`);
      }
      trainer.rt.setParams(new Map([...ck.params].map(([k, v]) => [k, v.data])));
      if (ck.moments) trainer.writeMoments(ck.moments);
      first = Number(ck.metadata.step ?? 0);
      trainer.step = first * (c.T / U); // Adam's t counts updates: one per truncated-BPTT window
      for (const [, l] of Object.entries(JSON.parse(ck.metadata.losses ?? '[]') as [number, number][])) losses.push({ step: l[0], loss: l[1] });
      if (metricsPath) truncateMetrics(metricsPath, first);
      progress.log(`resumed from ${ckptPath} at step ${first}`);
    } else if (metricsPath) writeFileSync(metricsPath, '');
    const save = async (step: number) => {
      if (!ckptPath) return;
      const params = await trainer.rt.readParams();
      const moments = await trainer.readMoments();
      saveCheckpoint(
        ckptPath,
        {
          params: new Map([...params].map(([k, v]) => [k, { shape: paramOrder.find((p) => p.name === k)!.shape, data: v }])),
          moments,
          metadata: {
            format: 'cellc-checkpoint/1',
            step: String(step),
            cell: model.graph.name,
            task: c.task.name,
            config: JSON.stringify({ fingerprint: fingerprint(c, model), B: c.B, T: c.T, seed: c.seed, tbptt: c.tbptt ?? null, optimizer: c.optimizer, embed: c.embed, layerSizes: model.layerSizes }),
            losses: JSON.stringify(losses.map((l) => [l.step, l.loss])),
            ...(c.task.alphabet !== undefined ? { alphabet: c.task.alphabet } : {}),
          },
        },
        paramOrder,
      );
    };
    const t0 = performance.now();
    let lastGood = first;
    let stoppedBy: RunResult['stoppedBy'];
    let stepsToThreshold: number | undefined = losses.find((l) => c.threshold !== undefined && l.loss < c.threshold)?.step;
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
        stoppedBy = 'nan';
        progress.stop();
        progress.log(
          `training stopped at step ${k + 1}: the ${Number.isFinite(loss) ? `gradient norm is ${gradNorm}` : `loss is ${loss}`} (try a smaller --lr or --clip)` +
            (ckptPath && lastGood > 0 ? `; the last good checkpoint (step ${lastGood}) is kept in ${ckptPath}` : ''),
        );
        break;
      }
      losses.push({ step: k + 1, loss });
      if (stepsToThreshold === undefined && c.threshold !== undefined && smoothed(losses) < c.threshold) stepsToThreshold = k + 1;
      if (metricsPath) appendFileSync(metricsPath, JSON.stringify({ step: k + 1, loss, grad_norm: gradNorm, lr: learningRate(c.optimizer, k), seconds: (performance.now() - t0) / 1000 }) + '\n');
      const sps = (k + 1 - first) / ((performance.now() - t0) / 1000);
      progress.update(k + 1, loss, sps);
      if ((k + 1) % c.checkpointEvery === 0 || k + 1 === c.steps) {
        await save(k + 1);
        lastGood = k + 1;
      }
      if (signal.interrupted) {
        stoppedBy = 'interrupt';
        if (lastGood !== k + 1) await save(k + 1);
        progress.stop();
        progress.log(`interrupted at step ${k + 1}${ckptPath ? `; checkpoint saved to ${ckptPath} (continue with --resume)` : ''}`);
        break;
      }
    }
    progress.stop();
    const seconds = (performance.now() - t0) / 1000;
    if (c.out) writeFileAtomic(join(c.out, 'loss.svg'), new TextEncoder().encode(lossChart([{ name: model.graph.name, losses }], `${c.task.name}: training loss`)));
    return {
      losses,
      finalLoss: smoothed(losses),
      ...(stepsToThreshold !== undefined ? { stepsToThreshold } : {}),
      seconds,
      stepsRun: losses.length ? losses[losses.length - 1].step - first : 0,
      ...(stoppedBy ? { stoppedBy } : {}),
      model,
    };
  } finally {
    trainer.destroy();
  }
}

/** Mean of the last 20 losses: single batches are noisy. */
export function smoothed(losses: readonly { loss: number }[], n = 20): number {
  const tail = losses.slice(-n);
  return tail.reduce((s, l) => s + l.loss, 0) / Math.max(1, tail.length);
}

/**
 * What must match for --resume to continue a run bit for bit. The step count
 * is part of it only where the schedule depends on it (cosine): a run with a
 * constant learning rate may be extended with a larger --steps.
 */
function fingerprint(c: RunConfig, m: Model): string {
  const optimizer = c.optimizer.schedule === 'cosine' ? c.optimizer : { ...c.optimizer, steps: null };
  return JSON.stringify([m.graph.name, m.graph.params.map((p) => p.name), m.layerSizes, c.task.name, c.B, c.T, c.tbptt ?? null, c.seed, c.embed, optimizer]);
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
