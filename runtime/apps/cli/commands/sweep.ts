// `cellc sweep SWEEPFILE [--out DIR] [--shard i/n] [--dry-run] [--trials-per-dispatch K]`: trains every
// trial of a sweep file (cells × tasks × factor levels × seeds, each with
// the same budget) that has no result yet, then prints and writes the
// statistics. `cellc sweep merge DIR… [--out DIR]`: the same statistics from
// the folders of several shards (or one folder).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDevice, type GpuContext } from '../../../core/device.js';
import { TrainingError } from '../../train/run.js';
import { MAX_TRIALS } from '../../train/trialTrainer.js';
import { int } from './train.js';
import { parseShard, planSweep, shardOf, type Plan } from '../../sweep/plan.js';
import { readPlan, runSweep, writeSummary } from '../../sweep/runSweep.js';
import { readSweepFile, SweepError } from '../../sweep/sweepFile.js';
import { checkTrial, readResult, trialDir } from '../../sweep/trial.js';
import { UserError } from '../io.js';
import { makeProgress } from '../progress.js';
import { exitCodeOf, watchInterrupt } from '../interrupt.js';

export interface SweepFlags {
  out?: string;
  shard?: string;
  dryRun?: boolean;
  trialsPerDispatch?: string;
}

function userErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SweepError || e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  }
}

export const DEFAULT_SWEEP_OUT = 'sweep-output';

/** Refuses a folder that holds a different sweep (another name): its summary would be replaced. */
function checkFolder(out: string, plan: Plan): void {
  if (!existsSync(join(out, 'sweep.json'))) return;
  const other = readPlan(out);
  if (other.name !== plan.name) throw new SweepError(`--out ${out} holds the sweep '${other.name}', not '${plan.name}': choose another --out`);
}

export async function sweepCommand(file: string, f: SweepFlags): Promise<number> {
  const spec = userErrors(() => readSweepFile(file));
  const plan = userErrors(() => planSweep(spec));
  const shard = f.shard !== undefined ? userErrors(() => parseShard(f.shard!)) : undefined;
  const out = f.out ?? DEFAULT_SWEEP_OUT;
  const together = int('trials-per-dispatch', f.trialsPerDispatch ?? '1');
  if (together > MAX_TRIALS) throw new UserError(`--trials-per-dispatch must be at most ${MAX_TRIALS}, got ${together}`);
  // every trial's settings are checked as `cellc train` checks them, before anything is written or trained
  const cellPath = new Map(spec.cells.map((c) => [c.file, c.path]));
  const textPath = new Map(spec.tasks.map((t) => [t.name, t.text]));
  const seen = new Set<string>();
  for (const t of plan.trials) {
    const key = JSON.stringify([t.config.cell.file, t.config.task, t.config.train]); // the seed does not change what is valid
    if (seen.has(key)) continue;
    seen.add(key);
    userErrors(() => checkTrial(t, cellPath.get(t.config.cell.file)!, textPath.get(t.config.task.name)));
  }
  userErrors(() => checkFolder(out, plan));
  const mine = shardOf(plan.trials, shard);
  if (f.dryRun) {
    const lines = [`sweep ${plan.name}: ${plan.trials.length} trial(s)${shard ? `, ${mine.length} in shard ${shard.index}/${shard.count}` : ''}; folder ${out}`];
    for (const t of mine) {
      const done = !!userErrors(() => readResult(trialDir(out, t.id)));
      const what = Object.entries(t.levels).map(([k, v]) => (k === 'cell' ? String(v) : `${k}=${v}`)).join(' ');
      lines.push(`  ${t.id}  ${done ? 'done   ' : 'pending'}  ${t.config.task.name}  ${what}  (${t.config.train.steps} steps)`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  }
  let ctx: GpuContext | undefined;
  const { signal, dispose } = watchInterrupt();
  try {
    const report = await userErrorsAsync(() =>
      runSweep(spec, plan, {
        out,
        ...(shard ? { shard } : {}),
        trialsPerDispatch: together,
        device: async () => {
          ctx = await acquireDevice();
          process.stderr.write(`adapter: ${ctx.adapter.description || ctx.adapter.vendor} (${ctx.adapter.software ? 'software' : 'hardware'})\n`);
          return ctx;
        },
        log: (line) => process.stderr.write(line + '\n'),
        progress: (t) => makeProgress(`${t.id} ${t.levels.cell} seed ${t.config.seed}`, t.config.train.steps),
        groupProgress: (ts) => makeProgress(`${ts.length} trials of ${ts[0].levels.cell} (mean loss)`, ts[0].config.train.steps),
        signal,
      }),
    );
    const { markdown, files } = userErrors(() => writeSummary(out, plan, [out]));
    process.stdout.write(markdown + `\nsummary: ${files.join(', ')}; trials in ${join(out, 'trials')}\n`);
    if (report.interrupted) return exitCodeOf(signal.by);
    return report.skipped ? 1 : 0;
  } finally {
    dispose();
    ctx?.destroy();
  }
}

async function userErrorsAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof SweepError || e instanceof TrainingError) throw new UserError(e.message);
    throw e;
  }
}

export function sweepMergeCommand(dirs: string[], f: { out?: string }): number {
  const plans = dirs.map((d) => userErrors(() => readPlan(d)));
  const plan = plans[0];
  for (const [i, p] of plans.entries()) {
    if (p.hash !== plan.hash) throw new UserError(`${dirs[i]} holds a different sweep (plan ${p.hash}, '${p.name}') than ${dirs[0]} (plan ${plan.hash}, '${plan.name}'): only shards of one sweep can be merged`);
  }
  if (f.out === undefined && dirs.length > 1) throw new UserError('give --out DIR for the merged summary of several folders');
  const out = f.out ?? dirs[0];
  const { markdown, files } = userErrors(() => writeSummary(out, plan, dirs));
  process.stdout.write(markdown + `\nsummary: ${files.join(', ')}\n`);
  return 0;
}
