// What a search leaves: the ranked table (stdout), DIR/results.json (every
// candidate with its score and mutation history, in ranked order, and a
// summary per strategy), and the best K cells as readable .cell files whose
// header comment gives the score, the seed's score and the mutations.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderCell, type Mutation, type Score, type Scored, type Strategy, type StrategyRun } from '../../../compiler/tools/index.js';
import { writeFileAtomic } from '../train/checkpoint.js';
import type { TrainSettings } from '../sweep/sweepFile.js';
import type { Evaluation, SearchTask } from './evaluate.js';

export interface SearchSettings {
  /** The seed file as given on the command line. */
  readonly seedFile: string;
  readonly strategy: Strategy | 'both';
  readonly budget: number;
  readonly population: number;
  readonly sample: number;
  readonly seed: number;
  readonly top: number;
  readonly task: SearchTask;
  readonly train: TrainSettings;
}

export interface ResultRow {
  /** Among the candidates with a held-out loss, 1 = lowest; null for diverged and rejected ones. */
  readonly rank: number | null;
  readonly strategy: Strategy;
  readonly index: number;
  readonly parent: number;
  readonly status: Score['status'];
  readonly heldOutLoss: number | null;
  /** heldOutLoss / the seed's. */
  readonly vsSeed: number | null;
  readonly reason?: string;
  readonly file: string;
  readonly trial: string;
  readonly history: readonly Mutation[];
}

export interface StrategySummary {
  readonly strategy: Strategy;
  readonly budget: number;
  readonly trained: number;
  readonly diverged: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly proposals: number;
  readonly exhausted: boolean;
  readonly best: number | null;
  readonly median: number | null;
  /** Candidates with a lower held-out loss than the seed. */
  readonly betterThanSeed: number;
}

export interface SearchResults {
  readonly format: 'cellc-search-1';
  readonly settings: SearchSettings;
  readonly seed: { readonly cell: string; readonly file: string; readonly trial: string; readonly status: Score['status']; readonly heldOutLoss: number | null };
  readonly strategies: readonly StrategySummary[];
  readonly candidates: readonly ResultRow[];
  /** False while the search runs (results.json is rewritten after every candidate) or when it was interrupted. */
  readonly complete: boolean;
}

const lossOf = (s: Score) => (s.status === 'ok' ? s.loss : null);
const order = { ok: 0, diverged: 1, rejected: 2 } as const;

export function rankRows(scored: readonly { s: Scored; ev: Evaluation }[], seedLoss: number | null): ResultRow[] {
  const sorted = [...scored].sort((a, b) => order[a.s.score.status] - order[b.s.score.status] || (lossOf(a.s.score) ?? 0) - (lossOf(b.s.score) ?? 0));
  let rank = 0;
  return sorted.map(({ s, ev }) => {
    const loss = lossOf(s.score);
    return {
      rank: loss === null ? null : ++rank,
      strategy: s.strategy,
      index: s.index,
      parent: s.parent,
      status: s.score.status,
      heldOutLoss: loss,
      vsSeed: loss !== null && seedLoss ? loss / seedLoss : null,
      ...(s.score.status !== 'ok' ? { reason: s.score.reason } : {}),
      file: ev.file,
      trial: ev.trialId,
      history: s.history,
    };
  });
}

export function summarise(run: StrategyRun, budget: number, seedLoss: number | null): StrategySummary {
  const losses = run.scored.map((s) => lossOf(s.score)).filter((l): l is number => l !== null).sort((a, b) => a - b);
  const mid = losses.length ? (losses.length % 2 ? losses[(losses.length - 1) / 2] : (losses[losses.length / 2 - 1] + losses[losses.length / 2]) / 2) : null;
  return {
    strategy: run.strategy,
    budget,
    trained: run.trained,
    diverged: run.scored.filter((s) => s.score.status === 'diverged').length,
    rejected: run.scored.filter((s) => s.score.status === 'rejected').length,
    duplicates: run.duplicates,
    proposals: run.proposals,
    exhausted: run.exhausted,
    best: losses[0] ?? null,
    median: mid,
    betterThanSeed: seedLoss === null ? 0 : losses.filter((l) => l < seedLoss).length,
  };
}

const num = (x: number | null) => (x === null ? '—' : x.toPrecision(4));
const ratio = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const historyText = (h: readonly Mutation[]) => h.map((m) => m.description).join('; ');

export function resultsMarkdown(r: SearchResults): string {
  const s = r.settings;
  const lines = [
    `# Search from ${r.seed.cell} (${s.seedFile})`,
    '',
    `Task ${s.task.name} (T = ${s.task.T}, B = ${s.task.B}); every candidate trained ${s.train.steps} steps (lr ${s.train.lr}, seed ${s.seed}${Object.keys(s.train.set).length ? `, ${Object.entries(s.train.set).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}); the loss is the held-out loss over ${s.task.evalBatches} batches.`,
    `The seed ${r.seed.cell}: ${r.seed.status === 'ok' ? `held-out loss ${num(r.seed.heldOutLoss)}` : r.seed.status}.`,
    '',
    '| rank | held-out loss | vs seed | strategy | mutations |',
    '|---:|---:|---:|---|---|',
  ];
  for (const c of r.candidates.filter((x) => x.rank !== null)) lines.push(`| ${c.rank} | ${num(c.heldOutLoss)} | ${ratio(c.vsSeed)} | ${c.strategy} #${c.index} | ${historyText(c.history)} |`);
  const other = r.candidates.filter((x) => x.rank === null);
  if (other.length) {
    lines.push('', 'Without a held-out loss:', '');
    for (const c of other) lines.push(`- ${c.strategy} #${c.index} ${c.status}: ${c.reason} (mutations: ${historyText(c.history)})`);
  }
  if (r.strategies.length) {
    lines.push('', '| strategy | budget | trained | best | median | better than the seed | diverged | rejected | duplicates skipped |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of r.strategies) lines.push(`| ${x.strategy} | ${x.budget} | ${x.trained} | ${num(x.best)} | ${num(x.median)} | ${x.betterThanSeed} | ${x.diverged} | ${x.rejected} | ${x.duplicates} |`);
    for (const x of r.strategies.filter((y) => y.exhausted)) lines.push('', `${x.strategy} stopped after ${x.proposals} proposals with ${x.trained} of ${x.budget} candidates trained: the mutations found no more new cells.`);
  }
  return lines.join('\n') + '\n';
}

/** Writes DIR/best-1.cell … for the K best distinct candidates (removing older best files beyond K); returns their paths. */
export function writeBest(out: string, r: SearchResults, cells: ReadonlyMap<string, Scored>, seedName: string): string[] {
  const s = r.settings;
  const seen = new Set<string>();
  const best = r.candidates.filter((c) => c.rank !== null && !seen.has(c.file) && seen.add(c.file)).slice(0, s.top);
  const paths: string[] = [];
  for (const [k, c] of best.entries()) {
    const cand = cells.get(`${c.strategy}#${c.index}`)!;
    const name = `${seedName}Best${k + 1}`;
    const header = [
      `# ${name}: found by cellc search from ${s.seedFile} (${c.strategy}, candidate ${c.index}); trained as ${c.file}`,
      `# task ${s.task.name} (T = ${s.task.T}, B = ${s.task.B}), ${s.train.steps} steps, lr ${s.train.lr}, seed ${s.seed}${Object.keys(s.train.set).length ? `, trained with --set ${Object.entries(s.train.set).map(([n, v]) => `${n}=${v}`).join(' --set ')}` : ''}`,
      `# held-out loss ${num(c.heldOutLoss)}; the seed ${r.seed.cell}: ${num(r.seed.heldOutLoss)} (ratio ${ratio(c.vsSeed)}); rank ${c.rank}`,
      '# mutations from the seed:',
      ...c.history.map((m, i) => `#   ${i + 1}. ${m.kind}: ${m.description}`),
      '',
      '',
    ];
    const p = join(out, `best-${k + 1}.cell`);
    writeFileAtomic(p, new TextEncoder().encode(header.join('\n') + renderCell({ ...cand.cell, name })));
    paths.push(p);
  }
  for (const f of readdirSync(out)) {
    const m = /^best-(\d+)\.cell$/.exec(f);
    if (m && Number(m[1]) > best.length) rmSync(join(out, f));
  }
  return paths;
}
