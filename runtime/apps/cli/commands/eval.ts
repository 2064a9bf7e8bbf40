// `cellc eval FILE… --checkpoint PATH`: the mean loss of a trained model on
// held-out batches (stream 1 of the run's seed), forward only on the GPU; for
// classification tasks also bits per symbol and accuracy, for the text task
// the unigram baseline in bits per character. The sizes, embedding width,
// task, B, T and seed come from the checkpoint unless given.

import { Rng } from '../../../../compiler/index.js';
import { acquireDevice } from '../../../core/device.js';
import { evaluateHeldOut, modelFromSavedRun, readSavedRun } from '../../train/savedRun.js';
import { TrainingError } from '../../train/run.js';
import { firstNonFinite } from '../../train/runGuard.js';
import { loadTask } from '../../train/taskFiles.js';
import type { Task } from '../../train/tasks.js';
import { loadCells, UserError } from '../io.js';
import { int } from './train.js';
import { savedDataTask } from './dataOptions.js';

export interface EvalFlags {
  checkpoint: string;
  task?: string;
  text?: string;
  data?: string;
  batches: string;
  B?: string;
  T?: string;
  seed?: string;
  json?: boolean;
}

export function taskFrom(name: string | undefined, text: string | undefined, fallback: string | undefined): Task {
  const taskName = name ?? fallback;
  if (!taskName) throw new UserError('the checkpoint does not say which task it was trained on: pass --task');
  try {
    return loadTask(taskName, { textPath: text });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

export function userErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  }
}

export async function evalCommand(files: string[], f: EvalFlags): Promise<number> {
  const saved = userErrors(() => readSavedRun(f.checkpoint));
  const task = saved.data !== undefined ? savedDataTask(saved, { ...(f.data !== undefined ? { path: f.data } : {}), ...(f.T !== undefined ? { T: int('T', f.T) } : {}) }) : taskFrom(f.task, f.text, saved.task);
  if (saved.data === undefined && f.data !== undefined) throw new UserError(`${saved.path} was not trained with --data (its task is ${saved.task ?? 'not recorded'}): --data does not apply`);
  const graphs = files.map((file) => loadCells(file).graphs[0]);
  const { model, params } = userErrors(() => modelFromSavedRun(graphs, saved, task));
  const B = f.B !== undefined ? int('B', f.B) : (saved.B ?? 32);
  const T = f.T !== undefined ? int('T', f.T) : (saved.T ?? 50);
  const seed = f.seed !== undefined ? int('seed', f.seed, 0) : (saved.seed ?? 1);
  const batches = int('batches', f.batches);
  try {
    task.batch(new Rng(0), 1, T); // a bad T for the task is a user error, before the device starts
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const ctx = await acquireDevice();
  try {
    const r = await evaluateHeldOut(ctx, model, new Map([...params].map(([k, v]) => [k, v.data])), task, { B, T, seed, batches });
    // a non-finite loss is no score: the parameters (or the cell on this data) produce NaN or ±Inf
    if (!Number.isFinite(r.loss)) {
      const bad = firstNonFinite([...params].map(([k, v]) => [k, v.data] as [string, Float32Array]));
      throw new UserError(`the held-out loss of ${saved.path} is ${r.loss}` + (bad ? ` (parameter ${bad.name}[${bad.index}] is ${bad.value})` : ' (its parameters are finite: the model diverges on this data)'));
    }
    const base = task.baseline;
    const baselines = task.heldOut?.baselines ?? [];
    const unit = task.name === 'text' ? 'character' : 'symbol';
    if (f.json) {
      process.stdout.write(
        JSON.stringify({
          cell: model.graph.name, task: task.name, step: saved.step, batches: r.batches, B, T, seed, loss: r.loss,
          ...(r.bitsPerSymbol !== undefined ? { bits: r.bitsPerSymbol, accuracy: r.accuracy } : {}),
          ...(base ? { baseline: base.loss, ...(r.bitsPerSymbol !== undefined ? { baselineBits: base.loss / Math.LN2 } : {}) } : {}),
          ...(task.heldOut ? { heldOut: task.heldOut.describe, baselines: Object.fromEntries(baselines.map((b) => [b.name, b.loss])) } : {}),
        }) + '\n',
      );
      return 0;
    }
    const lines = [
      `${model.graph.name} on ${task.name}, checkpoint ${saved.path} (step ${saved.step})`,
      task.heldOut ? `held-out: ${task.heldOut.describe}, in ${r.batches} batches of B=${B}` : `held-out: ${batches} batches of B=${B}, T=${T} (seed ${seed}, stream 1)`,
      `mean loss: ${r.loss.toPrecision(5)}${task.output.kind === 'xent' ? ' nats' : ''}`,
    ];
    if (r.bitsPerSymbol !== undefined) {
      lines.push(`bits per ${unit}: ${r.bitsPerSymbol.toFixed(4)}`);
      lines.push(`accuracy: ${(100 * r.accuracy!).toFixed(2)}% (arg-max prediction)`);
    }
    if (base) {
      lines.push(
        `baseline: ${base.loss.toPrecision(5)}${r.bitsPerSymbol !== undefined ? ` nats = ${(base.loss / Math.LN2).toFixed(4)} bits per ${unit}` : ''} (${base.what})`,
      );
    }
    for (const b of baselines) lines.push(`baseline ${b.name}: ${b.loss.toPrecision(5)} (${b.what})`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  } finally {
    ctx.destroy();
  }
}
