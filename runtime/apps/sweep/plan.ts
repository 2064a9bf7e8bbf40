// The trials of a sweep: every cell × task × grid point (the product of the
// list factors) × draw of the distribution factors (a seeded stream) × seed.
// Each trial's id is a hash of its canonical configuration (keys sorted), so
// it does not depend on the order of the sweep file or on which machine plans
// it; the list is sorted by id, and shard i of n takes every n-th trial.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { check, Rng } from '../../../compiler/index.js';
import { SweepError, type FactorSpec, type SweepSpec, type TrainSettings } from './sweepFile.js';

/** What a trial trains: everything its result depends on (and nothing else: not the threshold, not where it runs). */
export interface TrialConfig {
  readonly cell: { readonly file: string; readonly name: string; readonly source: string };
  readonly task: { readonly name: string; readonly T: number; readonly B: number; readonly evalBatches: number; readonly text?: string };
  readonly train: TrainSettings;
  readonly seed: number;
}

export type Level = number | string | null;

export interface Trial {
  readonly id: string;
  readonly config: TrialConfig;
  /** The trial's level of each factor of the sweep: `cell` (its label), `seed`, and every factor of the sweep file. */
  readonly levels: Readonly<Record<string, Level>>;
}

export interface Plan {
  readonly format: 'cellc-sweep-1';
  readonly name: string;
  /** Hash of the trial list: shard folders of the same sweep have the same. */
  readonly hash: string;
  readonly tasks: readonly { readonly name: string; readonly threshold?: number }[];
  /** The cells' labels in the order of the sweep file (the order of the tables and charts). */
  readonly cells: readonly string[];
  /** The factors in order: `cell`, the sweep file's factors, `seed`; which were drawn. */
  readonly factors: readonly { readonly name: string; readonly drawn: boolean }[];
  /** Sorted by id. */
  readonly trials: readonly Trial[];
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** JSON with object keys sorted at every level: one text per value. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export const trialId = (c: TrialConfig): string => sha(canonicalJson(c)).slice(0, 12);

/** The name and size names of a cell file's (first) cell; a file that does not check is an error naming the sweep key. */
function cellInfo(path: string, key: string, file: string): { name: string; sizes: string[] } {
  const r = check(readFileSync(path, 'utf8'), path);
  if (r.diagnostics.length || !r.graphs.length) throw new SweepError(`${file}: '${key}': ${path} does not check (${r.diagnostics.length} error(s); run cellc check ${path})`);
  return { name: r.graphs[0].name, sizes: r.graphs[0].sizes.map((x) => x.name) };
}

/** Value of a drawn factor. */
function draw(f: FactorSpec, rng: Rng): number {
  const { kind, lo, hi } = f.distribution!;
  const u = rng.uniform();
  return kind === 'uniform' ? lo + (hi - lo) * u : Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * u);
}

function withSetting(t: TrainSettings, name: string, v: Level): TrainSettings {
  if (name.startsWith('set.')) return { ...t, set: { ...t.set, [name.slice(4)]: v as number } };
  return { ...t, [name]: v };
}

export function planSweep(s: SweepSpec): Plan {
  const grid = s.factors.filter((f) => f.values);
  const drawn = s.factors.filter((f) => f.distribution);
  // grid points: the product of the list factors
  let points: Record<string, Level>[] = [{}];
  for (const f of grid) points = points.flatMap((p) => f.values!.map((v) => ({ ...p, [f.name]: v })));
  // draws of the distribution factors, from one seeded stream (the same on every machine)
  const rng = new Rng(s.samplingSeed);
  const draws: Record<string, Level>[] = drawn.length ? Array.from({ length: s.samples! }, () => Object.fromEntries(drawn.map((f) => [f.name, draw(f, rng)]))) : [{}];

  const infos = s.cells.map((c, i) => cellInfo(c.path, `cells[${i}]`, s.file));
  const names = infos.map((c) => c.name);
  // a size set on a cell that has no such size is named by its key
  const setKeys = [...Object.keys(s.train.set).map((n) => [n, `train.set.${n}`]), ...s.factors.filter((f) => f.name.startsWith('set.')).map((f) => [f.name.slice(4), `factors.${f.name}`])];
  for (const [ci, info] of infos.entries()) {
    for (const [n, key] of setKeys) {
      if (!info.sizes.includes(n)) throw new SweepError(`${s.file}: '${key}': ${info.name} (${s.cells[ci].file}) has no size ${n} (its sizes: ${info.sizes.join(', ') || 'none'})`);
    }
  }
  const labels = names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n} (${basename(s.cells[i].file)})` : n));
  const textHash = new Map<string, string>();
  const trials: Trial[] = [];
  for (const [ci, cell] of s.cells.entries()) {
    const source = sha(readFileSync(cell.path)).slice(0, 16);
    for (const task of s.tasks) {
      let text: string | undefined;
      if (task.text) {
        if (!textHash.has(task.text)) textHash.set(task.text, sha(readFileSync(task.text)).slice(0, 16));
        text = textHash.get(task.text);
      }
      for (const point of points) {
        for (const d of draws) {
          let train: TrainSettings = s.train;
          for (const [k, v] of Object.entries({ ...point, ...d })) train = withSetting(train, k, v);
          if (train.tbptt !== null && task.T % train.tbptt !== 0) {
            throw new SweepError(`${s.file}: '${grid.some((f) => f.name === 'tbptt') ? 'factors.tbptt' : 'train.tbptt'}': ${train.tbptt} does not divide T = ${task.T} of task ${task.name}`);
          }
          for (const seed of s.seeds) {
            const config: TrialConfig = {
              cell: { file: cell.file, name: names[ci], source },
              task: { name: task.name, T: task.T, B: task.B, evalBatches: task.evalBatches, ...(text ? { text } : {}) },
              train,
              seed,
            };
            trials.push({ id: trialId(config), config, levels: { cell: labels[ci], ...point, ...d, seed } });
          }
        }
      }
    }
  }
  trials.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const dup = trials.find((t, i) => i > 0 && trials[i - 1].id === t.id);
  if (dup) throw new SweepError(`${s.file}: two trials have the same configuration (${dup.config.cell.file}, seed ${dup.config.seed}): a factor repeats a setting`);
  return {
    format: 'cellc-sweep-1',
    name: s.name,
    hash: sha(trials.map((t) => t.id).join('\n')).slice(0, 16),
    tasks: s.tasks.map((t) => ({ name: t.name, ...(t.threshold !== undefined ? { threshold: t.threshold } : {}) })),
    cells: labels,
    factors: [{ name: 'cell', drawn: false }, ...s.factors.map((f) => ({ name: f.name, drawn: !!f.distribution })), { name: 'seed', drawn: false }],
    trials,
  };
}

/** `--shard i/n`: 0 ≤ i < n. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new SweepError(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4, the first of four), got '${text}'`);
  return { index, count };
}

/** The trials of shard i of n: every n-th in id order, starting at the i-th. Disjoint, and together all of them. */
export function shardOf<T>(trials: readonly T[], shard: { index: number; count: number } | undefined): T[] {
  return shard ? trials.filter((_, k) => k % shard.count === shard.index) : [...trials];
}
