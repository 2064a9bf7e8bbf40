// `cellc compare FILE… --task NAME`: trains each cell (its own model: the
// cell, --layers deep) on the same task with the same budget, seeds and
// optimizer, one after the other on one device; prints a table (final loss =
// mean of the last 20 steps, steps until the smoothed loss falls below
// --threshold, seconds) and writes all loss curves into one chart,
// DIR/compare.svg, with each run's checkpoint, metrics and chart in DIR/NAME.

import { basename, join } from 'node:path';
import { acquireDevice } from '../../../core/device.js';
import { ensureDir, writeFileAtomic } from '../../train/checkpoint.js';
import { lossChart, prepareRunFolder, trainRun, TrainingError, type RunConfig, type RunResult } from '../../train/run.js';
import { UserError } from '../io.js';
import { makeProgress } from '../progress.js';
import { exitCodeOf, watchInterrupt } from '../interrupt.js';
import { num, runConfigFrom, type TrainFlags } from './train.js';

export interface CompareFlags extends TrainFlags {
  threshold?: string;
}

export interface CompareRow {
  readonly name: string;
  readonly file: string;
  readonly result: RunResult;
}

export async function compareCommand(files: string[], f: CompareFlags): Promise<number> {
  const out = f.out ?? 'compare-output';
  const threshold = f.threshold !== undefined ? num('threshold', f.threshold) : undefined;
  // every configuration first: a bad flag or file fails before any training
  const configs = files.map((file) => runConfigFrom([file], { ...f, out: undefined, resume: false }));
  const names = configs.map((c) => c.layers.map((l) => l.graph.name).join('+'));
  const unique = names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n} (${basename(files[i])})` : n));
  const dirs = unique.map((n) => join(out, n.replace(/[^A-Za-z0-9_.+-]+/g, '_')));
  try {
    for (const [i, c] of configs.entries()) prepareRunFolder({ ...c, out: dirs[i] });
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  }
  const ctx = await acquireDevice();
  const { signal, dispose } = watchInterrupt();
  const rows: CompareRow[] = [];
  try {
    const c0 = configs[0];
    process.stderr.write(`task ${c0.task.name}: ${c0.task.describe}\nadapter: ${ctx.adapter.description || ctx.adapter.vendor}\n`);
    for (const [i, c] of configs.entries()) {
      const config: RunConfig = { ...c, out: dirs[i], ...(threshold !== undefined ? { threshold } : {}) };
      const result = await trainRun(ctx, config, makeProgress(unique[i], c.logEvery), signal);
      rows.push({ name: unique[i], file: files[i], result });
      if (signal.interrupted) break;
    }
    ensureDir(out);
    const chart = join(out, 'compare.svg');
    writeFileAtomic(chart, new TextEncoder().encode(lossChart(rows.map((r) => ({ name: r.name, losses: r.result.losses })), `${c0.task.name}: training loss`)));
    process.stdout.write(compareTable(rows, c0, threshold) + `\nloss curves: ${chart}; checkpoints and metrics in ${out}/NAME\n`);
    return signal.interrupted ? exitCodeOf(signal.by) : 0;
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  } finally {
    dispose();
    ctx.destroy();
  }
}

export function compareTable(rows: readonly CompareRow[], c: RunConfig, threshold: number | undefined): string {
  const w = Math.max(18, ...rows.map((r) => r.name.length));
  const th = threshold !== undefined ? `steps to < ${threshold}` : '';
  const lines = [
    `${c.task.name}: ${c.steps} steps, B=${c.B}, T=${c.T}, ${c.optimizer.optimizer} lr ${c.optimizer.lr}, seed ${c.seed}`,
    `${'cell'.padEnd(w)} ${'final loss'.padStart(11)}${th ? ' ' + th.padStart(Math.max(16, th.length)) : ''} ${'seconds'.padStart(8)}`,
  ];
  for (const r of rows) {
    const loss = r.result.stoppedBy === 'nan' ? 'NaN' : r.result.finalLoss.toPrecision(4);
    const steps = r.result.stepsToThreshold !== undefined ? String(r.result.stepsToThreshold) : 'never';
    lines.push(`${r.name.padEnd(w)} ${loss.padStart(11)}${th ? ' ' + steps.padStart(Math.max(16, th.length)) : ''} ${r.result.seconds.toFixed(1).padStart(8)}`);
  }
  const base = c.task.baseline;
  if (base) lines.push(`${'baseline'.padEnd(w)} ${base.loss.toPrecision(4).padStart(11)}  (${base.what})`);
  return lines.join('\n');
}
