// The --data side of `cellc train` (and `compare`): the flags that say how
// to read a data file and what to learn from it, the data task they make,
// and the held-out report printed after training.

import { DataError } from '../../train/data/dataset.js';
import { dataTask, DATA_TASK_KINDS, type DataTask, type DataTaskKind } from '../../train/data/dataTask.js';
import { formatOf, loadDataset, parseStoredData, storedDataTask } from '../../train/data/load.js';
import type { RunResult } from '../../train/run.js';
import type { Task } from '../../train/task.js';
import { UserError } from '../io.js';

export interface DataFlags {
  data?: string;
  dataFormat?: string;
  columns?: string;
  timeColumn?: string;
  labelColumn?: string;
  horizon: string;
  valFraction: string;
  patience: string;
  classes?: string;
  arOrder: string;
  relative?: boolean;
}

function intFlag(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(String(v).trim()) || !Number.isSafeInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

export function dataFlagsFrom(f: DataFlags): { horizon: number; valFraction: number; patience: number; classes?: number; arOrder: number } {
  const valFraction = Number(f.valFraction);
  if (String(f.valFraction).trim() === '' || !(valFraction > 0 && valFraction < 1)) throw new UserError(`--val-fraction must be a number between 0 and 1 (exclusive), got '${f.valFraction}'`);
  return {
    horizon: intFlag('horizon', f.horizon, 1),
    valFraction,
    patience: intFlag('patience', f.patience, 0),
    ...(f.classes !== undefined ? { classes: intFlag('classes', f.classes, 2) } : {}),
    arOrder: intFlag('ar-order', f.arOrder, 1),
  };
}

/** The data task of `--data FILE --task KIND` at sequence length T. */
export function dataTaskFrom(f: DataFlags & { task?: string }, T: number): DataTask {
  const kind = f.task ?? 'forecast';
  if (!(DATA_TASK_KINDS as readonly string[]).includes(kind)) throw new UserError(`with --data, --task must be ${DATA_TASK_KINDS.join(', ')}, got '${kind}'`);
  const o = dataFlagsFrom(f);
  const path = f.data!;
  try {
    const load = {
      format: formatOf(path, f.dataFormat),
      ...(f.columns !== undefined ? { columns: f.columns.split(',').map((s) => s.trim()).filter((s) => s !== '') } : {}),
      ...(f.timeColumn !== undefined ? { timeColumn: f.timeColumn } : {}),
      ...(f.labelColumn !== undefined ? { labelColumn: f.labelColumn } : {}),
    };
    const ds = loadDataset(path, load);
    return dataTask(ds, { kind: kind as DataTaskKind, T, horizon: o.horizon, valFraction: o.valFraction, relative: !!f.relative, arOrder: o.arOrder, ...(o.classes !== undefined ? { classes: o.classes } : {}), load: { file: path, ...load } });
  } catch (e) {
    if (e instanceof DataError) throw new UserError(e.message);
    throw e;
  }
}

/** The data task of a checkpoint trained with --data: its file (or `path`), its split and its stored normalisation. */
export function savedDataTask(saved: { path: string; data?: string }, o: { path?: string; T?: number }): DataTask {
  try {
    return storedDataTask(parseStoredData(saved.data!, saved.path), saved.path, o);
  } catch (e) {
    if (e instanceof DataError) throw new UserError(e.message);
    throw e;
  }
}

/** Lines after training on a data set: the best held-out loss next to the baselines on the same windows. */
export function heldOutReport(r: RunResult, task: Task): string[] {
  if (!task.heldOut || !r.heldOut) return [];
  const { best, history } = r.heldOut;
  const last = history[history.length - 1];
  const w = Math.max(...task.heldOut.baselines.map((b) => b.name.length), 'model'.length);
  return [
    `held out: ${task.heldOut.describe}`,
    `${'model'.padEnd(w)}  ${best.loss.toPrecision(4)}  held-out loss, best at step ${best.step} (the checkpoint's)${r.stoppedBy === 'early-stop' ? '; stopped early' : ''}; at the last step ${last.loss.toPrecision(4)}`,
    ...task.heldOut.baselines.map((b) => `${b.name.padEnd(w)}  ${b.loss.toPrecision(4)}  ${b.what}`),
  ];
}

export function addDataOptions<T extends import('commander').Command>(c: T): T {
  return c
    .option('--data <file>', 'train on your own sequences: .csv, .npy or .jsonl (see --task forecast|classify|label)')
    .option('--data-format <fmt>', 'csv (a row per time step), csv-rows (a row per sequence), npy or jsonl (default: from the extension)')
    .option('--columns <list>', 'CSV feature columns, by header name or 1-based number, comma-separated (default: all but the time and label columns)')
    .option('--time-column <name>', 'CSV column skipped as time stamps (default: a header named time, date, month, year, …)')
    .option('--label-column <name>', 'CSV column of class labels: per step (csv) or per sequence (csv-rows)')
    .option('--horizon <k>', 'forecast: predict the value k steps ahead', '1')
    .option('--val-fraction <f>', 'held out: the end of a single series in time, else this share of the sequences', '0.2')
    .option('--patience <n>', 'stop after n epochs without a better held-out loss (0: never)', '0')
    .option('--classes <K>', 'number of classes (default: the largest label + 1)')
    .option('--relative', "inputs and forecast targets relative to each window's first step (for a series with a trend)")
    .option('--ar-order <p>', 'order of the AR(p) baseline', '4') as T;
}
