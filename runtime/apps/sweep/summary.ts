// The statistics of a sweep from its trials' results: per task a table over
// seeds for every cell and combination of factor levels (n, mean ± 95% t
// interval, median, best, the fraction of seeds below the task's threshold),
// and the importance of each factor (marginal means per level and the share
// of the variance of the final held-out loss its main effect explains).
// Pure: the same plan and results give the same summary, byte for byte,
// whichever folders (shards) the results came from.

import { lineChart } from '../../../compiler/tools/index.js';
import type { Level, Plan, Trial } from './plan.js';
import { mean, median, sampleSd, tInterval, varianceShares, type FactorShare } from './stats.js';
import type { TrialResult } from './trial.js';
import type { CellVerdict } from './verifyCells.js';

export interface GroupRow {
  readonly cell: string;
  /** The levels of the factors that vary (not cell, not seed). */
  readonly levels: Readonly<Record<string, string>>;
  /** Trials with a finite held-out loss. */
  readonly n: number;
  readonly diverged: number;
  readonly mean: number | null;
  /** Half-width of the 95% t interval of the mean over seeds (null below two). */
  readonly ci95: number | null;
  readonly sd: number | null;
  readonly median: number | null;
  readonly best: number | null;
  /** Trials below the threshold / all trials of the group (diverged ones never reach it). */
  readonly reached?: number;
  readonly seeds: readonly { readonly seed: number; readonly loss: number | null }[];
}

export interface TaskSummary {
  readonly task: string;
  readonly threshold?: number;
  /** The factors that vary over this task's trials, besides cell and seed. */
  readonly factors: readonly string[];
  readonly rows: readonly GroupRow[];
  readonly importance: { readonly trials: number; readonly factors: readonly FactorShare[]; readonly rest: number } | null;
}

export interface SweepSummary {
  readonly format: 'cellc-sweep-summary-1';
  readonly name: string;
  readonly plan: string;
  readonly trials: { readonly total: number; readonly done: number; readonly diverged: number; readonly skipped: number; readonly missing: number };
  readonly skipped: readonly { readonly id: string; readonly cell: string; readonly reason: string }[];
  readonly missing: readonly string[];
  readonly tasks: readonly TaskSummary[];
}

/** A factor level as text: numbers as written, no tbptt as "full". */
export function levelText(factor: string, v: Level): string {
  if (v === null) return factor === 'tbptt' ? 'full' : 'none';
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  return v;
}

/** Quantile bins of a drawn factor's values (at most 4), each labelled by its range: the levels of its main effect. */
function bins(values: readonly number[]): Map<number, string> {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const k = Math.min(4, distinct.length);
  const out = new Map<number, string>();
  for (let b = 0; b < k; b++) {
    const part = distinct.slice(Math.floor((b * distinct.length) / k), Math.floor(((b + 1) * distinct.length) / k));
    const label = `${levelText('', part[0])}–${levelText('', part[part.length - 1])}`;
    for (const v of part) out.set(v, part.length > 1 ? label : levelText('', part[0]));
  }
  return out;
}

export function summarise(plan: Plan, results: ReadonlyMap<string, TrialResult>, verdicts: ReadonlyMap<string, CellVerdict>): SweepSummary {
  const skipped: SweepSummary['skipped'][number][] = [];
  const missing: string[] = [];
  for (const t of plan.trials) {
    if (results.has(t.id)) continue;
    const v = verdicts.get(t.config.cell.source);
    if (v && !v.ok) skipped.push({ id: t.id, cell: String(t.levels.cell), reason: `the cell failed verification: ${v.summary}` });
    else missing.push(t.id);
  }
  const done = plan.trials.filter((t) => results.has(t.id));
  const tasks = plan.tasks.map((task) => taskSummary(plan, task, done.filter((t) => t.config.task.name === task.name), results));
  return {
    format: 'cellc-sweep-summary-1',
    name: plan.name,
    plan: plan.hash,
    trials: { total: plan.trials.length, done: done.length, diverged: done.filter((t) => results.get(t.id)!.status !== 'ok').length, skipped: skipped.length, missing: missing.length },
    skipped,
    missing,
    tasks,
  };
}

function taskSummary(plan: Plan, task: Plan['tasks'][number], trials: readonly Trial[], results: ReadonlyMap<string, TrialResult>): TaskSummary {
  const distinct = (f: string) => new Set(trials.map((t) => JSON.stringify(t.levels[f] ?? null))).size;
  const varying = plan.factors.filter((f) => f.name !== 'cell' && f.name !== 'seed' && distinct(f.name) > 1).map((f) => f.name);
  const loss = (t: Trial) => results.get(t.id)!.heldOutLoss;
  // rows: one per cell × combination of the varying factors, in the order of first appearance in the sweep file's order
  const cells = plan.cells;
  const groups = new Map<string, Trial[]>();
  const key = (t: Trial) => JSON.stringify([String(t.levels.cell), ...varying.map((f) => t.levels[f] ?? null)]);
  const ordered = [...trials].sort((a, b) => cells.indexOf(String(a.levels.cell)) - cells.indexOf(String(b.levels.cell)) || compareLevels(a, b, varying) || Number(a.levels.seed) - Number(b.levels.seed));
  for (const t of ordered) {
    if (!groups.has(key(t))) groups.set(key(t), []);
    groups.get(key(t))!.push(t);
  }
  const rows = [...groups.values()].map((g): GroupRow => {
    const ys = g.map(loss).filter((y): y is number => y !== null);
    const ci = ys.length ? tInterval(ys) : undefined;
    const sd = sampleSd(ys);
    return {
      cell: String(g[0].levels.cell),
      levels: Object.fromEntries(varying.map((f) => [f, levelText(f, g[0].levels[f] ?? null)])),
      n: ys.length,
      diverged: g.length - ys.length,
      mean: ys.length ? mean(ys) : null,
      ci95: ci ?? null,
      sd: sd ?? null,
      median: ys.length ? median(ys) : null,
      best: ys.length ? Math.min(...ys) : null,
      ...(task.threshold !== undefined ? { reached: ys.filter((y) => y < task.threshold!).length / g.length } : {}),
      seeds: g.map((t) => ({ seed: Number(t.levels.seed), loss: loss(t) })),
    };
  });
  // importance over the trials with a finite held-out loss
  const finite = ordered.filter((t) => loss(t) !== null);
  let importance: TaskSummary['importance'] = null;
  if (finite.length >= 2) {
    const y = finite.map((t) => loss(t)!);
    const factors: Record<string, string[]> = {};
    const order: Record<string, string[]> = {};
    for (const f of plan.factors) {
      if (f.name !== 'cell' && f.name !== 'seed' && !varying.includes(f.name)) continue;
      const raw = finite.map((t) => t.levels[f.name] ?? null);
      const b = f.drawn ? bins(raw as number[]) : undefined;
      const lv = raw.map((v) => (b ? b.get(v as number)! : levelText(f.name, v)));
      if (new Set(lv).size < 2) continue;
      factors[f.name] = lv;
      order[f.name] = f.name === 'cell' ? [...cells] : b ? [...new Set([...b.entries()].sort((p, q) => p[0] - q[0]).map(([, l]) => l))] : [];
    }
    const shares = varianceShares(y, factors, order);
    importance = { trials: finite.length, factors: shares, rest: Math.max(0, 1 - shares.reduce((s, f) => s + f.share, 0)) };
  }
  return { task: task.name, ...(task.threshold !== undefined ? { threshold: task.threshold } : {}), factors: varying, rows, importance };
}

function compareLevels(a: Trial, b: Trial, factors: readonly string[]): number {
  for (const f of factors) {
    const x = a.levels[f] ?? null;
    const y = b.levels[f] ?? null;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toPrecision(4));
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The summary as markdown: per task the table and the importance of the factors. */
export function summaryMarkdown(s: SweepSummary, o: { trained?: string } = {}): string {
  const lines = [`# Sweep ${s.name}`, ''];
  const t = s.trials;
  lines.push(`${t.done} of ${t.total} trials done${t.diverged ? ` (${t.diverged} diverged)` : ''}${t.skipped ? `, ${t.skipped} skipped` : ''}${t.missing ? `, ${t.missing} not run yet` : ''}; the loss is the final held-out loss (mean over the evaluation batches, stream 1 of each seed).${o.trained ? ' ' + o.trained : ''}`);
  if (s.skipped.length) {
    lines.push('', 'Skipped:');
    const reasons = new Map<string, { cell: string; n: number }>();
    for (const k of s.skipped) reasons.set(k.reason, { cell: k.cell, n: (reasons.get(k.reason)?.n ?? 0) + 1 });
    for (const [reason, { cell, n }] of reasons) lines.push(`- ${cell}: ${n} trial(s): ${reason}`);
  }
  for (const task of s.tasks) {
    lines.push('', `## ${task.task}`, '');
    const th = task.threshold !== undefined ? [`reached < ${task.threshold}`] : [];
    const anyDiverged = task.rows.some((r) => r.diverged > 0);
    const head = ['cell', ...task.factors, 'n', 'mean ± 95% CI', 'median', 'best', ...th, ...(anyDiverged ? ['diverged'] : [])];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 || i <= task.factors.length ? '---' : '---:')).join('|')}|`);
    for (const r of task.rows) {
      const m = r.mean === null ? '—' : r.ci95 === null ? fmt(r.mean) : `${fmt(r.mean)} ± ${fmt(r.ci95)}`;
      const reached = r.reached !== undefined ? [`${Math.round(r.reached * (r.n + r.diverged))}/${r.n + r.diverged}`] : [];
      lines.push(`| ${[r.cell, ...task.factors.map((f) => r.levels[f]), String(r.n), m, fmt(r.median), fmt(r.best), ...reached, ...(anyDiverged ? [String(r.diverged)] : [])].join(' | ')} |`);
    }
    if (!task.rows.length) lines.push('| (no finished trials) |');
    if (task.importance) {
      const imp = task.importance;
      lines.push('', `Importance (main effects on the final held-out loss over ${imp.trials} trials; share = Var(E[loss | factor]) / Var(loss)):`, '');
      lines.push('| factor | share of variance | mean loss per level |', '|---|---:|---|');
      for (const f of [...imp.factors].sort((a, b) => b.share - a.share)) lines.push(`| ${f.factor} | ${pct(f.share)} | ${f.levels.map((l) => `${l.level}: ${fmt(l.mean)}`).join(', ')} |`);
      lines.push(`| interactions and noise | ${pct(imp.rest)} | |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Per task: the smoothed training-loss curves, one per row (mean over its seeds, min–max band). */
export function curvesChart(task: TaskSummary, plan: Plan, results: ReadonlyMap<string, TrialResult>): string {
  const series = task.rows.map((r) => {
    const curves = trialsOf(r, task, plan)
      .map((t) => results.get(t.id)?.curve)
      .filter((c): c is readonly (readonly [number, number])[] => !!c && c.length > 0);
    const steps = curves.length ? curves.reduce((a, c) => (c.length < a.length ? c : a)).map((p) => p[0]) : [];
    const at = (c: readonly (readonly [number, number])[], step: number) => c.find((p) => p[0] >= step)?.[1] ?? c[c.length - 1][1];
    const points = steps.map((x) => [x, mean(curves.map((c) => at(c, x)))] as const);
    const band = steps.map((x) => {
      const ys = curves.map((c) => at(c, x));
      return [x, Math.min(...ys), Math.max(...ys)] as const;
    });
    return { name: rowName(r, task), points, ...(curves.length > 1 ? { band } : {}) };
  });
  return lineChart(series, { title: `${task.task}: training loss (mean of the last 20 steps), mean over seeds, band min–max`, xLabel: 'step', yLabel: 'loss', logY: true });
}

/** Per task: the final held-out loss of every trial (a dot per seed) for each row, with the row's mean. */
export function finalChart(task: TaskSummary): string {
  const names = task.rows.map((r) => rowName(r, task));
  const dots = task.rows.flatMap((r, i) => r.seeds.filter((s) => s.loss !== null).map((s) => [i, s.loss!] as const));
  const means = task.rows.flatMap((r, i) => (r.mean !== null ? [[i, r.mean] as const] : []));
  return lineChart(
    [
      { name: 'one seed', points: dots, markers: true, color: '#1f77b4' },
      { name: 'mean', points: means, markers: true, color: '#d62728' },
    ],
    { title: `${task.task}: final held-out loss per seed`, yLabel: 'held-out loss', logY: true, xCategories: names },
  );
}

function rowName(r: GroupRow, task: TaskSummary): string {
  return [r.cell, ...task.factors.map((f) => `${f}=${r.levels[f]}`)].join(' ');
}

function trialsOf(r: GroupRow, task: TaskSummary, plan: Plan): Trial[] {
  return plan.trials.filter(
    (t) => t.config.task.name === task.task && String(t.levels.cell) === r.cell && task.factors.every((f) => levelText(f, t.levels[f] ?? null) === r.levels[f]),
  );
}
