// `cellc search SEED.cell --task NAME --budget N [--strategy evolve|random|both]
// [--population P] [--steps S] [--lr x] [--T n] [--B n] [--eval-batches n]
// [--seed K] [--out DIR] [--top K] [--set NAME=V…]`: a gate-design search
// from a seed cell (runtime/apps/search); prints the ranked table and writes
// DIR/results.json and DIR/best-1.cell ….

import { join } from 'node:path';
import { liftCell, LiftError, STRATEGIES, type Strategy } from '../../../../compiler/tools/index.js';
import { acquireDevice, type GpuContext } from '../../../core/device.js';
import { TRAIN_DEFAULTS, type TrainSettings } from '../../sweep/sweepFile.js';
import { trainFlags } from '../../sweep/trial.js';
import { runSearch, SearchError } from '../../search/runSearch.js';
import type { SearchSettings } from '../../search/report.js';
import { buildModelOrThrow, TrainingError } from '../../train/run.js';
import { loadCells, readSourceFile, sizeSettings, UserError } from '../io.js';
import { exitCodeOf, watchInterrupt } from '../interrupt.js';
import { makeProgress } from '../progress.js';
import { int, num, runConfigFrom } from './train.js';

export interface SearchFlags {
  task: string;
  budget: string;
  strategy: string;
  population: string;
  steps: string;
  lr: string;
  T: string;
  B: string;
  evalBatches: string;
  seed: string;
  out: string;
  top: string;
  set: string[];
}

export const DEFAULT_SEARCH_OUT = 'search-output';

/** The settings from the flags; every bad flag is a UserError naming it. */
export function searchSettings(file: string, f: SearchFlags): SearchSettings {
  if (f.strategy !== 'both' && !(STRATEGIES as readonly string[]).includes(f.strategy)) throw new UserError(`--strategy must be evolve, random or both, got '${f.strategy}'`);
  const population = int('population', f.population, 2);
  const lr = num('lr', f.lr);
  if (!(lr > 0)) throw new UserError(`--lr must be a number > 0, got '${f.lr}'`);
  const train: TrainSettings = { ...TRAIN_DEFAULTS, steps: int('steps', f.steps), lr, set: sizeSettings(f.set) };
  return {
    seedFile: file,
    strategy: f.strategy as Strategy | 'both',
    budget: int('budget', f.budget),
    population,
    sample: Math.min(population, Math.max(2, Math.ceil(population / 4))),
    seed: int('seed', f.seed, 0),
    top: int('top', f.top),
    task: { name: f.task, T: int('T', f.T), B: int('B', f.B), evalBatches: int('eval-batches', f.evalBatches) },
    train,
  };
}

export async function searchCommand(file: string, f: SearchFlags): Promise<number> {
  const s = searchSettings(file, f);
  // the seed: it checks (diagnostics as `cellc check` prints them), the search can lift it, and its run is valid as `cellc train` sees it
  loadCells(file, []);
  try {
    liftCell(readSourceFile(file), file);
  } catch (e) {
    if (e instanceof LiftError) throw new UserError(e.message);
    throw e;
  }
  try {
    const probe = { id: 'seed', config: { cell: { file, name: '', source: '' }, task: s.task, train: s.train, seed: s.seed }, levels: {} };
    buildModelOrThrow(runConfigFrom([file], trainFlags(probe, file, undefined, '', false)));
  } catch (e) {
    if (e instanceof TrainingError) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }

  let ctx: GpuContext | undefined;
  const { signal, dispose } = watchInterrupt();
  try {
    const report = await runSearch(s, file, {
      out: f.out,
      device: async () => {
        ctx = await acquireDevice();
        process.stderr.write(`adapter: ${ctx.adapter.description || ctx.adapter.vendor} (${ctx.adapter.software ? 'software' : 'hardware'})\n`);
        return ctx;
      },
      log: (line) => process.stderr.write(line + '\n'),
      progress: (label) => makeProgress(label, Math.max(1, Math.ceil(s.train.steps / 4))),
      signal,
    }).catch((e) => {
      if (e instanceof SearchError || e instanceof TrainingError) throw new UserError(e.message);
      throw e;
    });
    process.stdout.write(report.markdown + `\nresults: ${join(f.out, 'results.json')}${report.best.length ? `; best: ${report.best.join(', ')}` : ''}; ${report.trained} candidate(s) trained by this run\n`);
    if (report.interrupted) return exitCodeOf(signal.by);
    if (report.bugs) {
      process.stderr.write(`cellc: ${report.bugs} candidate(s) gave GPU results that disagree with float64 (listed above as rejected): a bug in cellc, please report it with their cells\n`);
      return 2;
    }
    return 0;
  } finally {
    dispose();
    ctx?.destroy();
  }
}
