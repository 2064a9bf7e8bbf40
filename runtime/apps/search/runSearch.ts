// A search in a folder:
//
//   DIR/candidates/<hash>.cell   every candidate's source (the seed too, as cellc prints it)
//   DIR/cells/<hash>.json        its verification verdict (the sweep's verifyCells)
//   DIR/trials/<id>/             its training and held-out evaluation (the sweep's trial folder)
//   DIR/results.json             rewritten after every candidate; complete: true at the end
//   DIR/best-1.cell …            the best K candidates, with their scores and mutations
//
// The strategies are deterministic given the seed and the scores, and a
// candidate whose trial folder is finished is read back, not trained: a
// rerun (or a run stopped and started again) replays the same search and
// trains only what is missing.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalSource, liftCell, normalizeCell, runStrategy, type GenCell, type Scored, type Strategy, type StrategyRun } from '../../../compiler/tools/index.js';
import type { GpuContext } from '../../core/device.js';
import { ensureDir, writeFileAtomic } from '../train/checkpoint.js';
import type { Progress } from '../train/run.js';
import type { CellVerifier } from '../sweep/verifyCells.js';
import { CandidateEvaluator, type Evaluation } from './evaluate.js';
import { rankRows, resultsMarkdown, summarise, writeBest, type SearchResults, type SearchSettings, type StrategySummary } from './report.js';

export class SearchError extends Error {}

export interface SearchRunOptions {
  readonly out: string;
  readonly device: () => Promise<GpuContext>;
  readonly log: (line: string) => void;
  readonly progress?: (label: string) => Progress;
  readonly signal?: { readonly interrupted: boolean };
  readonly verifier?: CellVerifier;
}

export interface SearchReport {
  readonly results: SearchResults;
  readonly markdown: string;
  readonly best: readonly string[];
  /** Candidates trained by this run (0 on a rerun of a finished search). */
  readonly trained: number;
  readonly interrupted: boolean;
  /** Candidates whose GPU results disagreed with float64 (a bug in cellc). */
  readonly bugs: number;
}

/** The budget of each strategy: `both` splits N into ⌈N/2⌉ for evolve and ⌊N/2⌋ for random. */
export function budgets(s: Pick<SearchSettings, 'strategy' | 'budget'>): [Strategy, number][] {
  if (s.strategy !== 'both') return [[s.strategy, s.budget]];
  return [['evolve', Math.ceil(s.budget / 2)], ['random', Math.floor(s.budget / 2)]];
}

const lossText = (ev: Evaluation) => (ev.score.status === 'ok' ? ev.score.loss.toPrecision(4) : ev.score.status);

export async function runSearch(s: SearchSettings, seedPath: string, o: SearchRunOptions): Promise<SearchReport> {
  const seedCell: GenCell = normalizeCell(liftCell(readFileSync(seedPath, 'utf8'), s.seedFile));
  const seedSource = canonicalSource(seedCell);
  const signal = o.signal ?? { interrupted: false };
  const ev = new CandidateEvaluator({ out: o.out, task: s.task, train: s.train, seed: s.seed, device: o.device, ...(o.progress ? { progress: o.progress } : {}), signal, ...(o.verifier ? { verifier: o.verifier } : {}) });
  ensureDir(o.out);

  const seedEv = await ev.evaluate(seedSource, seedCell.name, `seed ${seedCell.name}`);
  const seedBase = { cell: seedCell.name, file: '', trial: '' };
  const done: { s: Scored; ev: Evaluation }[] = [];
  const runs: [StrategyRun, number][] = [];
  let bugs = 0;
  const results = (complete: boolean): SearchResults => {
    const seedLoss = seedEv?.score.status === 'ok' ? seedEv.score.loss : null;
    const strategies: StrategySummary[] = runs.map(([r, b]) => summarise(r, b, seedLoss));
    return {
      format: 'cellc-search-1',
      settings: s,
      seed: seedEv ? { cell: seedCell.name, file: seedEv.file, trial: seedEv.trialId, status: seedEv.score.status, heldOutLoss: seedLoss } : { ...seedBase, status: 'rejected', heldOutLoss: null },
      strategies,
      candidates: rankRows(done, seedLoss),
      complete,
    };
  };
  const save = (complete: boolean) => writeFileAtomic(join(o.out, 'results.json'), new TextEncoder().encode(JSON.stringify(results(complete), null, 2) + '\n'));
  const finish = (interrupted: boolean): SearchReport => {
    save(!interrupted);
    const r = results(!interrupted);
    const cells = new Map(done.map((d) => [`${d.s.strategy}#${d.s.index}`, d.s]));
    const best = interrupted ? [] : writeBest(o.out, r, cells, seedCell.name);
    return { results: r, markdown: resultsMarkdown(r), best, trained: ev.trained, interrupted, bugs };
  };

  if (!seedEv) return finish(true);
  o.log(`seed ${seedCell.name}: ${seedEv.score.status === 'ok' ? `held-out loss ${lossText(seedEv)}` : `${seedEv.score.status}: ${seedEv.score.reason}`}${seedEv.fresh ? '' : ' (kept from an earlier run)'}`);
  if (seedEv.score.status === 'rejected') throw new SearchError(`the seed cell ${s.seedFile} was ${seedEv.score.reason}; a search needs a seed that trains`);
  const seedLoss = seedEv.score.status === 'ok' ? seedEv.score.loss : null;
  const seed = { cell: seedCell, source: seedSource, score: seedEv.score };

  for (const [strategy, budget] of budgets(s)) {
    if (budget === 0) continue;
    const evals = new Map<number, Evaluation>();
    const run = await runStrategy(
      strategy,
      seed,
      { budget, population: s.population, sample: s.sample, seed: s.seed },
      async (c) => {
        const e = await ev.evaluate(c.source, c.cell.name, `${strategy} #${c.index}`);
        if (e) evals.set(c.index, e);
        return e?.score;
      },
      (sc) => {
        const e = evals.get(sc.index)!;
        if (e.bug) bugs++;
        done.push({ s: sc, ev: e });
        const last = sc.history[sc.history.length - 1];
        const vs = sc.score.status === 'ok' && seedLoss ? ` (${(sc.score.loss / seedLoss).toFixed(3)} × the seed)` : '';
        const why = sc.score.status !== 'ok' ? `: ${sc.score.reason}` : '';
        o.log(`${strategy} #${sc.index} (${done.filter((d) => d.s.strategy === strategy && d.s.score.status !== 'rejected').length}/${budget} trained): ${lossText(e)}${vs}${why}${e.fresh ? '' : ' (kept from an earlier run)'} — ${sc.history.length} mutation(s), last: ${last.description}`);
        save(false);
      },
    );
    runs.push([run, budget]);
    if (run.interrupted) {
      o.log(`interrupted during ${strategy}; run the search again to continue (the candidate in training starts over)`);
      return finish(true);
    }
  }
  return finish(false);
}
