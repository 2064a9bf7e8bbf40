// Running a sweep in a folder, and summarising one or several folders.
//
//   DIR/sweep.json               the plan (every trial of the sweep, not only this shard's)
//   DIR/cells/<source>.json      the verification verdict of each cell source
//   DIR/trials/<id>/             config.json, checkpoint.safetensors, metrics.jsonl, loss.svg, result.json (last)
//   DIR/summary.md, summary.json, <task>-curves.svg, <task>-final.svg
//
// A trial whose result.json exists is never trained again; a sweep that was
// stopped resumes with what is left. Shards of one sweep may write to one
// shared folder or to folders of their own (merged afterwards).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../../core/device.js';
import { ensureDir, writeFileAtomic } from '../train/checkpoint.js';
import { SILENT_PROGRESS, type Progress } from '../train/run.js';
import { shardOf, type Plan, type Trial } from './plan.js';
import { curvesChart, finalChart, summarise, summaryMarkdown, type SweepSummary } from './summary.js';
import { SweepError, type SweepSpec } from './sweepFile.js';
import { readResult, runTrial, trialDir, type TrialResult } from './trial.js';
import { groupTrials, runTrialGroup } from './trialGroup.js';
import { cellsDir, verifyCell, type CellVerdict, type CellVerifier } from './verifyCells.js';

const bytes = (s: string) => new TextEncoder().encode(s);

export function writePlan(out: string, plan: Plan): void {
  ensureDir(out);
  writeFileAtomic(join(out, 'sweep.json'), bytes(JSON.stringify(plan) + '\n'));
}

export function readPlan(dir: string): Plan {
  const p = join(dir, 'sweep.json');
  if (!existsSync(p)) throw new SweepError(`${dir} is not a sweep folder (it has no sweep.json)`);
  try {
    const plan = JSON.parse(readFileSync(p, 'utf8')) as Plan;
    if (plan.format !== 'cellc-sweep-1' || !Array.isArray(plan.trials) || !Array.isArray(plan.cells) || !Array.isArray(plan.factors)) throw new Error('not a sweep plan of this version of cellc');
    return plan;
  } catch (e) {
    throw new SweepError(`${p} is damaged: ${(e as Error).message}`);
  }
}

/** The results and verdicts of a plan's trials found in these folders (the first folder that has a trial wins). */
export function collectResults(dirs: readonly string[], plan: Plan): { results: Map<string, TrialResult>; verdicts: Map<string, CellVerdict> } {
  const results = new Map<string, TrialResult>();
  for (const t of plan.trials) {
    for (const d of dirs) {
      const r = readResult(trialDir(d, t.id));
      if (r) {
        results.set(t.id, r);
        break;
      }
    }
  }
  const verdicts = new Map<string, CellVerdict>();
  for (const d of dirs) {
    const cd = cellsDir(d);
    if (!existsSync(cd)) continue;
    for (const f of readdirSync(cd).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const v = JSON.parse(readFileSync(join(cd, f), 'utf8')) as CellVerdict;
        if (!verdicts.has(v.source)) verdicts.set(v.source, v);
      } catch {
        /* a damaged verdict: the cell is checked again when it next runs */
      }
    }
  }
  return { results, verdicts };
}

/** A task name as a file name. */
const fileName = (s: string) => s.replace(/[^A-Za-z0-9_.+-]+/g, '_');

/** Writes summary.json, summary.md and the charts of each task into `out`; returns the summary and its markdown. */
export function writeSummary(out: string, plan: Plan, dirs: readonly string[]): { summary: SweepSummary; markdown: string; files: string[] } {
  const { results, verdicts } = collectResults(dirs, plan);
  const summary = summarise(plan, results, verdicts);
  const markdown = summaryMarkdown(summary);
  ensureDir(out);
  writeFileAtomic(join(out, 'summary.json'), bytes(JSON.stringify(summary, null, 2) + '\n'));
  writeFileAtomic(join(out, 'summary.md'), bytes(markdown));
  const files = [join(out, 'summary.md'), join(out, 'summary.json')];
  for (const task of summary.tasks) {
    const curves = join(out, `${fileName(task.task)}-curves.svg`);
    const final = join(out, `${fileName(task.task)}-final.svg`);
    writeFileAtomic(curves, bytes(curvesChart(task, plan, results)));
    writeFileAtomic(final, bytes(finalChart(task)));
    files.push(curves, final);
  }
  return { summary, markdown, files };
}

export interface SweepRunOptions {
  readonly out: string;
  readonly shard?: { index: number; count: number };
  /** Called once, when the first trial is about to train (a sweep with nothing left starts no device). */
  readonly device: () => Promise<GpuContext>;
  readonly log: (line: string) => void;
  readonly progress?: (t: Trial) => Progress;
  /** The progress of trials trained together (--trials-per-dispatch). */
  readonly groupProgress?: (trials: readonly Trial[]) => Progress;
  readonly signal?: { readonly interrupted: boolean };
  readonly verifier?: CellVerifier;
  /** Train up to this many trials of one model together (trialGroup.ts); default 1: each alone. */
  readonly trialsPerDispatch?: number;
}

export interface SweepRunReport {
  /** This shard's trials. */
  readonly mine: number;
  readonly trained: number;
  readonly alreadyDone: number;
  readonly skipped: number;
  readonly diverged: number;
  readonly interrupted: boolean;
}

/** Trains this shard's trials of `plan` that have no result yet; verifies each of their cells first. */
export async function runSweep(spec: SweepSpec, plan: Plan, o: SweepRunOptions): Promise<SweepRunReport> {
  const mine = shardOf(plan.trials, o.shard);
  writePlan(o.out, plan);
  const pending = mine.filter((t) => !readResult(trialDir(o.out, t.id)));
  const cellPath = new Map(spec.cells.map((c) => [c.file, c.path]));
  const textPath = new Map(spec.tasks.map((t) => [t.name, t.text]));
  // verify each distinct cell of the pending trials once
  const verdicts = new Map<string, CellVerdict>();
  for (const t of pending) {
    const c = t.config.cell;
    if (verdicts.has(c.source)) continue;
    const { verdict, cached } = verifyCell(o.out, cellPath.get(c.file)!, c.file, c.source, o.verifier);
    verdicts.set(c.source, verdict);
    o.log(`${verdict.ok ? 'verified' : 'FAILED verification'}: ${c.file}: ${verdict.summary}${cached ? ' (kept from an earlier run)' : ''}`);
  }
  const runnable = pending.filter((t) => verdicts.get(t.config.cell.source)!.ok);
  const skipped = pending.length - runnable.length;
  for (const t of pending.filter((t) => !verdicts.get(t.config.cell.source)!.ok)) o.log(`skipped trial ${t.id} (${t.levels.cell}, seed ${t.config.seed}): ${t.config.cell.file} failed verification`);
  o.log(`${mine.length} trial(s)${o.shard ? ` in shard ${o.shard.index}/${o.shard.count}` : ''}: ${mine.length - pending.length} already done, ${runnable.length} to train${skipped ? `, ${skipped} skipped` : ''}`);
  let trained = 0;
  let diverged = 0;
  let interrupted = false;
  if (runnable.length) {
    const ctx = await o.device();
    const signal = o.signal ?? { interrupted: false };
    let done = 0;
    const describe = (t: Trial) =>
      Object.entries(t.levels)
        .map(([f, v]) => (f === 'cell' ? String(v) : `${f}=${v}`))
        .join(' ');
    for (const group of groupTrials(runnable, o.trialsPerDispatch ?? 1, (t) => readFileSync(cellPath.get(t.config.cell.file)!, 'utf8'))) {
      const dirs = group.map((t) => trialDir(o.out, t.id));
      for (const d of dirs) ensureDir(d);
      const t = group[0];
      const paths = { cell: cellPath.get(t.config.cell.file)!, text: textPath.get(t.config.task.name) };
      if (group.length > 1) o.log(`training ${group.length} trials of ${t.levels.cell} together`);
      const rs =
        group.length > 1
          ? await runTrialGroup(ctx, group, paths, dirs, { verify: spec.verify, signal, ...(o.groupProgress ? { progress: o.groupProgress(group) } : {}) })
          : await runTrial(ctx, t, paths, dirs[0], { verify: spec.verify, progress: o.progress?.(t) ?? SILENT_PROGRESS, signal }).then((r) => r && [r]);
      if (!rs) {
        interrupted = true;
        o.log(`interrupted in trial${group.length > 1 ? 's' : ''} ${group.map((g) => g.id).join(', ')}; run the sweep again to continue (${group.length > 1 ? 'those trials start' : 'that trial starts'} over)`);
        break;
      }
      for (const [i, r] of rs.entries()) {
        trained++;
        if (r.status !== 'ok') diverged++;
        o.log(
          `trial ${++done}/${runnable.length} ${group[i].id} ${describe(group[i])} (${group[i].config.task.name}): ` +
            (r.status === 'ok' ? `held-out loss ${r.heldOutLoss!.toPrecision(4)}` : `diverged: ${r.message}`) +
            ` (${r.seconds.toFixed(1)} s training)`,
        );
      }
      if (signal.interrupted) {
        interrupted = true;
        break;
      }
    }
  }
  o.log(`trained ${trained} trial(s); ${mine.length - pending.length} already done; ${skipped} skipped`);
  return { mine: mine.length, trained, alreadyDone: mine.length - pending.length, skipped, diverged, interrupted };
}
