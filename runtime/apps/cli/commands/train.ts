// `cellc train FILE… --task NAME [...]`: trains a model (one cell, or a stack
// of the given cells) on a built-in task entirely on the GPU.

import { Rng } from '../../../../compiler/index.js';
import { acquireDevice } from '../../../core/device.js';
import { TASK_NAMES } from '../../train/tasks.js';
import { loadTask } from '../../train/taskFiles.js';
import { prepareRunFolder, trainRun, TrainingError, type RunConfig } from '../../train/run.js';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from '../../train/trainer.js';
import { loadCells, UserError } from '../io.js';
import { makeProgress } from '../progress.js';
import { exitCodeOf, watchInterrupt } from '../interrupt.js';
import { addDataOptions, dataFlagsFrom, dataTaskFrom, heldOutReport, type DataFlags } from './dataOptions.js';

export interface TrainFlags extends DataFlags {
  task?: string;
  T: string;
  B: string;
  steps: string;
  lr: string;
  optimizer: string;
  clip: string;
  schedule: string;
  warmup: string;
  weightDecay: string;
  momentum: string;
  tbptt?: string;
  seed: string;
  out?: string;
  resume?: boolean;
  force?: boolean;
  set: string[];
  layers: string;
  embed: string;
  text?: string;
  checkpointEvery: string;
  logEvery: string;
  /** false with --no-verify. */
  verify?: boolean;
}

export function int(name: string, v: string, min = 1): number {
  const n = Number(v);
  if (!/^\d+$/.test(String(v).trim()) || !Number.isSafeInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

export function num(name: string, v: string, min = 0): number {
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n) || n < min) throw new UserError(`--${name} must be a number ≥ ${min}, got '${v}'`);
  return n;
}

export function optimizerFrom(f: TrainFlags, steps: number): OptimizerConfig {
  if (!['sgd', 'adam', 'adamw'].includes(f.optimizer)) throw new UserError(`--optimizer must be sgd, adam or adamw, got '${f.optimizer}'`);
  if (!['constant', 'cosine'].includes(f.schedule)) throw new UserError(`--schedule must be constant or cosine, got '${f.schedule}'`);
  return {
    ...DEFAULT_OPTIMIZER,
    optimizer: f.optimizer as OptimizerConfig['optimizer'],
    lr: num('lr', f.lr),
    schedule: f.schedule as OptimizerConfig['schedule'],
    warmup: int('warmup', f.warmup, 0),
    steps,
    clip: num('clip', f.clip),
    momentum: num('momentum', f.momentum),
    weightDecay: num('weight-decay', f.weightDecay),
  };
}

/** The run configuration from the command line (shared by train and compare). */
export function runConfigFrom(files: string[], f: TrainFlags): RunConfig {
  const T = int('T', f.T);
  if (f.data === undefined && f.task === undefined) throw new UserError(`give --task NAME (a built-in task: ${TASK_NAMES.join(', ')}) or --data FILE`);
  let task;
  if (f.data !== undefined) task = dataTaskFrom(f, T); // bad data is a UserError there; anything else is a bug
  else {
    try {
      task = loadTask(f.task!, { textPath: f.text });
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }
  const graphs = files.map((file) => loadCells(file, f.set).graphs[0]);
  const nLayers = int('layers', f.layers);
  const layers = graphs.length === 1 ? Array.from({ length: nLayers }, () => ({ graph: graphs[0] })) : graphs.map((graph) => ({ graph }));
  const steps = int('steps', f.steps);
  const tbptt = f.tbptt !== undefined ? int('tbptt', f.tbptt) : undefined;
  if (tbptt !== undefined && T % tbptt !== 0) throw new UserError(`--tbptt ${tbptt} must divide --T ${T}`);
  if (tbptt !== undefined && task.heldOut) throw new UserError('--tbptt is not supported with --data (the windows of T steps are the truncation)');
  try {
    task.batch(new Rng(0), 1, T); // a T the task cannot use (the copy task needs room for its delay) is a user error, before the device starts
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return {
    layers,
    task,
    B: int('B', f.B),
    T,
    steps,
    seed: int('seed', f.seed, 0),
    embed: int('embed', f.embed),
    ...(tbptt !== undefined ? { tbptt } : {}),
    optimizer: optimizerFrom(f, steps),
    ...(f.out ? { out: f.out } : {}),
    checkpointEvery: int('checkpoint-every', f.checkpointEvery),
    ...(f.resume ? { resume: true } : {}),
    ...(f.force ? { force: true } : {}),
    logEvery: int('log-every', f.logEvery),
    ...(f.verify === false ? { verify: false } : {}),
    ...(f.data !== undefined ? { patience: dataFlagsFrom(f).patience } : {}),
  };
}

export async function trainCommand(files: string[], f: TrainFlags): Promise<number> {
  const config = runConfigFrom(files, f);
  try {
    prepareRunFolder(config);
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  }
  const ctx = await acquireDevice();
  const { signal, dispose } = watchInterrupt();
  try {
    const progress = makeProgress(config.layers.map((l) => l.graph.name).join('+'), config.logEvery);
    process.stderr.write(`task ${config.task.name}: ${config.task.describe}\nadapter: ${ctx.adapter.description || ctx.adapter.vendor} (${ctx.adapter.software ? 'software' : 'hardware'})\n`);
    if (!config.out) process.stderr.write('note: no --out: nothing is saved (give --out DIR for the checkpoint, metrics.jsonl and loss.svg)\n');
    const r = await trainRun(ctx, config, progress, signal);
    const base = config.task.baseline;
    process.stdout.write(
      `final loss (mean of the last 20 steps): ${r.finalLoss.toPrecision(4)}` +
        (base ? `  (baseline ${base.loss.toPrecision(4)}: ${base.what})` : '') +
        `\n${r.stepsRun} steps in ${r.seconds.toFixed(1)} s` +
        (config.out ? `; checkpoint, metrics.jsonl and loss.svg in ${config.out}` : '') +
        '\n' +
        heldOutReport(r, config.task).map((l) => l + '\n').join(''),
    );
    if (r.stoppedBy === 'nan') return 1;
    if (r.stoppedBy === 'interrupt') return exitCodeOf(signal.by);
    return 0;
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  } finally {
    dispose();
    ctx.destroy();
  }
}

export function addTrainOptions<T extends import('commander').Command>(c: T): T {
  c
    .option('--task <name>', `built-in task: ${TASK_NAMES.join(', ')}; with --data: forecast (default), classify or label`)
    .option('--T <n>', 'sequence length', '50')
    .option('--B <n>', 'batch size', '32')
    .option('--steps <n>', 'optimizer steps', '500')
    .option('--lr <x>', 'learning rate', '0.01')
    .option('--optimizer <name>', 'sgd, adam or adamw', 'adam')
    .option('--clip <x>', 'clip the global gradient norm (0: off)', '1')
    .option('--schedule <name>', 'learning-rate schedule: constant or cosine', 'constant')
    .option('--warmup <n>', 'linear warm-up steps', '0')
    .option('--weight-decay <x>', 'weight decay (AdamW: decoupled)', '0')
    .option('--momentum <x>', 'SGD momentum', '0.9')
    .option('--tbptt <U>', 'truncated BPTT window (divides T); the state is carried across windows')
    .option('--seed <n>', 'seed of initialisation and data', '1')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--layers <n>', 'stack the cell n times (several FILEs: one layer each)', '1')
    .option('--embed <n>', 'embedding width for discrete inputs', '32')
    .option('--text <path>', 'text file for --task text (default: the shipped corpus)')
    .option('--checkpoint-every <n>', 'steps between checkpoints', '100')
    .option('--log-every <n>', 'steps between log lines when not on a terminal', '50')
    .option('--no-verify', 'skip the first-use comparison of GPU gradients with the float64 interpreter');
  return addDataOptions(c);
}
