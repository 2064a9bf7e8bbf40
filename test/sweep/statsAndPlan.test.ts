// The sweep without a GPU: the statistics against hand-computed values, the
// sweep file's validation (every error names its key; through the CLI: exit
// 1, one line, no stack), the trial plan (stable ids, grid × draws × seeds,
// disjoint shards that cover it) and the summary's tables.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mean, median, sampleSd, studentTCdf, studentTQuantile, tInterval, varianceShares } from '../../runtime/apps/sweep/stats.js';
import { parseSweep, SweepError } from '../../runtime/apps/sweep/sweepFile.js';
import { parseShard, planSweep, shardOf, trialId } from '../../runtime/apps/sweep/plan.js';
import { summarise, summaryMarkdown } from '../../runtime/apps/sweep/summary.js';
import { groupKey, groupTrials } from '../../runtime/apps/sweep/trialGroup.js';
import type { TrialResult } from '../../runtime/apps/sweep/trial.js';
import { inProcess, ROOT } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-sweep-plan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('statistics', () => {
  it('Student t quantiles match the tables', () => {
    // two-sided 95%: t(0.975, df)
    const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [3, 3.1824], [4, 2.7764], [9, 2.2622], [10, 2.2281], [30, 2.0423]];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.0321, 3);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.7764, 3);
    // df = 1 is the Cauchy distribution: P(T ≤ 1) = 3/4
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 12);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
  });

  it('the 95% t interval of [1, 2, 3] is 2 ± 4.3027·1/√3', () => {
    const xs = [1, 2, 3];
    expect(mean(xs)).toBe(2);
    expect(sampleSd(xs)).toBeCloseTo(1, 12);
    expect(tInterval(xs)).toBeCloseTo((4.302653 * 1) / Math.sqrt(3), 4); // 2.4842
    expect(tInterval([5])).toBeUndefined();
    // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, sd √(32/7), t(0.975, 7) = 2.3646
    expect(tInterval([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo((2.364624 * Math.sqrt(32 / 7)) / Math.sqrt(8), 4);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('variance shares of a balanced 2 × 2 design: main effects by hand, the rest is the interaction', () => {
    // y over (a, b): (0,0) 1, (0,1) 3, (1,0) 5, (1,1) 11. Mean 5; total SS = 16 + 4 + 0 + 36 = 56.
    // a: level means 2 and 8 → SS 2·9 + 2·9 = 36 → 36/56. b: means 3 and 7 → SS 2·4 + 2·4 = 16 → 16/56. Rest 4/56.
    const y = [1, 3, 5, 11];
    const [a, b] = varianceShares(y, { a: ['0', '0', '1', '1'], b: ['0', '1', '0', '1'] });
    expect(a.share).toBeCloseTo(36 / 56, 12);
    expect(b.share).toBeCloseTo(16 / 56, 12);
    expect(a.levels).toEqual([{ level: '0', n: 2, mean: 2 }, { level: '1', n: 2, mean: 8 }]);
    expect(b.levels.map((l) => l.mean)).toEqual([3, 7]);
    // a factor that does not matter explains nothing; a constant y has no variance to share
    expect(varianceShares([1, 1, 2, 2], { c: ['x', 'y', 'x', 'y'] })[0].share).toBe(0);
    expect(varianceShares([3, 3], { c: ['x', 'y'] })[0].share).toBe(0);
  });
});

const cellsDir = join(ROOT, 'dsl-examples');
function sweepFile(obj: unknown, name = 's.json'): string {
  const p = join(tmp, name);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}
const good = {
  name: 'g',
  cells: [join(cellsDir, 'elman.cell'), join(cellsDir, 'lstm.cell')],
  tasks: { adding: { T: 8, B: 2, threshold: 0.1 } },
  train: { steps: 5, set: { H: 2 } },
  factors: { lr: [0.01, 0.03], clip: { loguniform: [0.1, 10] } },
  samples: 3,
  seeds: [1, 2],
};

describe('the sweep file', () => {
  const bad: [string, unknown, RegExp][] = [
    ['an unknown top-level key', { ...good, sedes: [1] }, /unknown key 'sedes' \(the keys here are: name, cells, tasks/],
    ['an unknown factor', { ...good, factors: { lr: [0.1], learningRate: [1] } }, /unknown factor 'factors\.learningRate' \(the factors are: steps, lr, .*set\.NAME/],
    ['a bad factor value', { ...good, factors: { lr: [0.1, 'fast'] } }, /'factors\.lr\[1\]' must be a number ≥ 0, got "fast"/],
    ['a bad optimizer', { ...good, factors: { optimizer: ['adam', 'rmsprop'] } }, /'factors\.optimizer\[1\]' must be "sgd", "adam" or "adamw", got "rmsprop"/],
    ['a distribution over an integer setting', { ...good, factors: { 'set.H': { uniform: [2, 8] } } }, /'factors\.set\.H': only real-valued settings/],
    ['a distribution without samples', { ...good, samples: undefined }, /'samples' is missing: 'factors\.clip' is a distribution/],
    ['an empty range', { ...good, factors: { lr: { loguniform: [0.1, 0.01] } } }, /'factors\.lr\.loguniform' must be a range \[a, b\] with a < b/],
    ['a missing cell file', { ...good, cells: [join(cellsDir, 'elman.cell'), 'nope.cell'] }, /'cells\[1\]': cannot read nope\.cell \(.*nope\.cell\): no such file/],
    ['an unknown task', { ...good, tasks: { adder: {} } }, /unknown task 'tasks\.adder' \(the tasks are: adding, copy/],
    ['an unknown task option', { ...good, tasks: { adding: { T: 8, window: 4 } } }, /unknown key 'tasks\.adding\.window' \(the keys here are: T, B, evalBatches, threshold, text\)/],
    ['a repeated seed', { ...good, seeds: [1, 1] }, /'seeds' lists 1 twice/],
    ['a size the cell does not have', { ...good, samples: undefined, factors: { 'set.K': [2, 3] } }, /'factors\.set\.K': Elman \(.*elman\.cell\) has no size K \(its sizes: I, H\)/],
    ['an unknown train setting', { ...good, train: { stepz: 3 } }, /unknown key 'train\.stepz'/],
  ];
  for (const [what, obj, message] of bad) {
    it(`names the key: ${what}`, () => {
      const plan = () => planSweep(parseSweep(JSON.parse(JSON.stringify(obj)), join(tmp, 'x.json')));
      expect(plan).toThrow(SweepError);
      expect(plan).toThrow(message);
    });
  }

  it('through the CLI: exit 1, one line naming the key, no stack trace', async () => {
    for (const [obj, message] of [
      [{ ...good, factors: { momentum: [0.9], warp: [1] } }, /unknown factor 'factors\.warp'/],
      [{ ...good, cells: ['missing.cell'] }, /'cells\[0\]': cannot read missing\.cell/],
      [{ ...good, samples: undefined, factors: { tbptt: [3] } }, /'factors\.tbptt': 3 does not divide T = 8 of task adding/],
    ] as [unknown, RegExp][]) {
      const r = await inProcess(['sweep', sweepFile(obj, 'cli.json'), '--dry-run', '--out', join(tmp, 'o')]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^cellc: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    }
    const notJson = join(tmp, 'broken.json');
    writeFileSync(notJson, '{"cells": [');
    const r = await inProcess(['sweep', notJson, '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cellc: .*broken\.json: not JSON/);
    const s = await inProcess(['sweep', sweepFile(good), '--shard', '3/3', '--dry-run']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/--shard must be i\/n with 0 ≤ i < n/);
  });
});

describe('the plan', () => {
  const spec = parseSweep(JSON.parse(JSON.stringify(good)), join(tmp, 'p.json'));
  const plan = planSweep(spec);

  it('crosses cells × grid × draws × seeds, sorted by a stable id', () => {
    expect(plan.trials).toHaveLength(2 * 2 * 3 * 2);
    const ids = plan.trials.map((t) => t.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of plan.trials) expect(trialId(t.config)).toBe(t.id);
    // the id does not depend on the order of the file's keys, lists or where it is planned
    const reordered = { seeds: [2, 1], samples: 3, factors: { clip: good.factors.clip, lr: [0.03, 0.01] }, train: good.train, tasks: good.tasks, cells: [...good.cells].reverse(), name: 'g' };
    expect(new Set(planSweep(parseSweep(reordered, join(tmp, 'q.json'))).trials.map((t) => t.id))).toEqual(new Set(ids));
    // three draws of clip, log-uniform in [0.1, 10], the same for every cell, lr and seed
    const clips = [...new Set(plan.trials.map((t) => t.config.train.clip))];
    expect(clips).toHaveLength(3);
    for (const c of clips) expect(c).toBeGreaterThanOrEqual(0.1), expect(c).toBeLessThanOrEqual(10);
    expect(plan.trials.every((t) => t.config.train.steps === 5 && t.config.train.set.H === 2)).toBe(true);
  });

  it('shards are disjoint, round-robin in id order, and cover every trial', () => {
    const parts = [0, 1, 2].map((i) => shardOf(plan.trials, parseShard(`${i}/3`)));
    expect(parts.map((p) => p.length)).toEqual([8, 8, 8]);
    expect(parts[1][0]).toBe(plan.trials[1]);
    expect(parts.flat().map((t) => t.id).sort()).toEqual(plan.trials.map((t) => t.id));
    expect(() => parseShard('1/0')).toThrow(/--shard must be i\/n/);
  });

  it('the summary: a row per cell × lr × clip draw over seeds, importance over the trials', () => {
    // hand-made results: loss = (cell Elman ? 1 : 0.5) + seed/100
    const results = new Map<string, TrialResult>(
      plan.trials.map((t) => [t.id, { format: 'cellc-trial-1', id: t.id, status: 'ok', heldOutLoss: (t.levels.cell === 'Elman' ? 1 : 0.5) + Number(t.levels.seed) / 100, finalTrainLoss: 1, stepsRun: 5, seconds: 0, curve: [[5, 1]] }]),
    );
    const s = summarise(plan, results, new Map());
    const task = s.tasks[0];
    expect(task.factors).toEqual(['lr', 'clip']);
    expect(task.rows).toHaveLength(2 * 2 * 3);
    const row = task.rows[0];
    expect(row.cell).toBe('Elman');
    expect(row.n).toBe(2);
    expect(row.mean).toBeCloseTo(1.015, 12);
    expect(row.ci95).toBeCloseTo((12.7062 * Math.sqrt(0.00005)) / Math.sqrt(2), 3);
    expect(row.best).toBeCloseTo(1.01, 12);
    expect(row.reached).toBe(0);
    expect(task.rows.find((r) => r.cell === 'LSTM')!.reached).toBe(0);
    const share = Object.fromEntries(task.importance!.factors.map((f) => [f.factor, f.share]));
    // SS(cell) = 24·0.25² = 1.5, SS(seed) = 24·0.005² = 0.0006, total 1.5006
    expect(share.cell).toBeCloseTo(1.5 / 1.5006, 10);
    expect(share.seed).toBeCloseTo(0.0006 / 1.5006, 10);
    expect(share.lr).toBeCloseTo(0, 12);
    expect(task.importance!.rest).toBeCloseTo(0, 10);
    const md = summaryMarkdown(s);
    expect(md).toContain('| cell | lr | clip | n | mean ± 95% CI | median | best | reached < 0.1 |');
    expect(md).toMatch(/\| cell \| 100\.0% \| Elman: 1\.015, LSTM: 0\.5150 \|/);
  });
});

describe('trials that train together', () => {
  it('groups trials of one cell, task and budget; a cell with random masks trains each trial alone', () => {
    const spec = { ...good, cells: [join(cellsDir, 'lstm.cell'), join(cellsDir, 'lstm_zoneout.cell')], factors: { lr: [0.01, 0.03] }, samples: undefined };
    const trials = planSweep(parseSweep(JSON.parse(JSON.stringify(spec)), join(tmp, 'g.json'))).trials;
    const source = (t: (typeof trials)[number]) => readFileSync(join(cellsDir, t.config.cell.file.split('/').pop()!), 'utf8');
    const groups = groupTrials(trials, 4, source);
    const sizesOf = (cell: string) => groups.filter((g) => g[0].config.cell.name === cell).map((g) => g.length);
    // 2 learning rates × 2 seeds
    expect(sizesOf('LSTM')).toEqual([4]);
    expect(sizesOf('LSTMZoneout')).toEqual([1, 1, 1, 1]);
    expect(groupKey(trials.find((t) => t.config.cell.name === 'LSTMZoneout')!, source)).toBeUndefined();
  });
});
