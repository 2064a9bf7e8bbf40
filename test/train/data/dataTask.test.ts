// The validation split, the normalisation (statistics of the training split
// only, and the stored ones reused by eval), the windows a batch holds, the
// held-out batches' weights, and the baselines, on small data sets whose
// answers are known.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../compiler/numeric/random.js';
import { fitAr } from '../../../runtime/apps/train/data/baselines.js';
import { parseCsv } from '../../../runtime/apps/train/data/csv.js';
import { DataError, type Dataset } from '../../../runtime/apps/train/data/dataset.js';
import { dataTask } from '../../../runtime/apps/train/data/dataTask.js';
import { parseJsonl } from '../../../runtime/apps/train/data/jsonl.js';
import { parseStoredData, storedDataTask } from '../../../runtime/apps/train/data/load.js';
import { featureStats, normaliseSteps } from '../../../runtime/apps/train/data/normalise.js';
import { splitData } from '../../../runtime/apps/train/data/split.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-data-task-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function series(xs: readonly number[], F = 1): Dataset {
  return { source: 's.csv', features: F, sequences: [{ values: Float64Array.from(xs), steps: xs.length / F, where: 'line 1' }] };
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('split', () => {
  it('a single series: its end, contiguous in time', () => {
    const s = splitData(series([...Array(10).keys()]), 0.3);
    expect([...s.train[0].values]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...s.val[0].values]).toEqual([7, 8, 9]);
    expect(s.how).toBe('the last 3 of 10 steps in time');
  });

  it('several sequences: whole sequences, the same for every run', () => {
    const ds = parseJsonl(Array.from({ length: 10 }, (_, i) => JSON.stringify({ x: [i, i], label: i % 2 })).join('\n'), 'a.jsonl');
    const a = splitData(ds, 0.2);
    const b = splitData(ds, 0.2);
    expect(a.val).toHaveLength(2);
    expect(a.train).toHaveLength(8);
    expect(a.val.map((s) => s.values[0])).toEqual(b.val.map((s) => s.values[0]));
    const all = [...a.train, ...a.val].map((s) => s.values[0]).sort((x, y) => x - y);
    expect(all).toEqual([...Array(10).keys()]);
    expect(a.how).toBe('2 of 10 sequences');
  });

  it('too short to hold anything out', () => {
    expect(() => splitData(series([1, 2]), 0.1)).toThrow(new DataError('s.csv: the series has 2 steps, too few to hold out 0.1 of them in time'));
  });
});

describe('normalisation', () => {
  it('the statistics come from the training split only', () => {
    // training part 0…7 (mean 3.5, population std √5.25); the held-out part is huge and must not matter
    const t = dataTask(series([0, 1, 2, 3, 4, 5, 6, 7, 1000, 2000]), { kind: 'forecast', T: 1, valFraction: 0.2 });
    expect(t.stats.mean[0]).toBeCloseTo(3.5, 12);
    expect(t.stats.std[0]).toBeCloseTo(Math.sqrt(5.25), 12);
    const b = t.heldOut.batches(1)[0];
    // the held-out window: input 1000, target 2000, normalised with the training statistics
    expect(b.inputs.get('x')![0]).toBeCloseTo((1000 - 3.5) / Math.sqrt(5.25), 3);
    expect(b.inputs.get('target')![0]).toBeCloseTo((2000 - 3.5) / Math.sqrt(5.25), 3);
  });

  it('per feature; a constant feature gets std 1', () => {
    const s = featureStats([{ values: Float64Array.from([1, 5, 3, 5]), steps: 2, where: '' }], 2);
    expect(s).toEqual({ mean: [2, 5], std: [1, 1] });
  });

  it('normaliseSteps: as training, then relative to each sequence\'s first step', () => {
    const d = Float64Array.from([1, 3, 5, 7, 9, 11]); // T=3, B=2, F=1
    normaliseSteps(d, 3, 2, { mean: [1], std: [2] }, true);
    expect([...d]).toEqual([0, 0, 2, 2, 4, 4]);
  });
});

describe('windows and batches', () => {
  const xs = Array.from({ length: 40 }, (_, i) => Math.sin(i / 3) + i / 40);

  it('forecast, horizon 2: the target at t is the input at t + 2; the mask sums to 1', () => {
    const t = dataTask(series(xs), { kind: 'forecast', T: 5, horizon: 2, valFraction: 0.25 });
    expect(t.output).toEqual({ kind: 'mse', size: 1 });
    expect(t.trainWindows).toBe(30 - 7 + 1);
    const b = t.batch(new Rng(3), 4, 5);
    const x = b.inputs.get('x')!;
    const y = b.inputs.get('target')!;
    const norm = (v: number) => (v - t.stats.mean[0]) / t.stats.std[0];
    for (let r = 0; r < 4; r++) {
      const start = xs.findIndex((v) => Math.abs(norm(v) - x[r]) < 1e-6);
      for (let s = 0; s < 5; s++) {
        expect(x[s * 4 + r]).toBeCloseTo(norm(xs[start + s]), 5);
        expect(y[s * 4 + r]).toBeCloseTo(norm(xs[start + s + 2]), 5);
      }
    }
    expect(sum(b.inputs.get('mask')!)).toBeCloseTo(1, 6);
    expect(() => t.batch(new Rng(0), 1, 6)).toThrow('this data task was built for T = 5, not 6');
  });

  it('held-out batches: every window once, padded rows weigh 0, the weights sum to 1 over all batches', () => {
    const t = dataTask(series(xs), { kind: 'forecast', T: 4, valFraction: 0.25 });
    // held out: the last 10 steps → 10 − 5 + 1 = 6 windows; B = 4 → 2 batches, the second half empty
    const bs = t.heldOut.batches(4);
    expect(bs).toHaveLength(2);
    expect(sum(bs[0].inputs.get('mask')!) + sum(bs[1].inputs.get('mask')!)).toBeCloseTo(1, 6);
    const m1 = bs[1].inputs.get('mask')!;
    for (let s = 0; s < 4; s++) expect([m1[s * 4 + 2], m1[s * 4 + 3]]).toEqual([0, 0]);
    expect(t.heldOut.describe).toBe('the last 10 of 40 steps in time, 6 windows of T=4');
    expect(t.heldOut.epochSteps(4)).toBe(Math.ceil((30 - 5 + 1) / 4));
  });

  it('classification: the last T steps of each sequence, the label at the last step; labelling: a label per step', () => {
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ x: [9, i, i + 1], label: i % 3 }));
    const t = dataTask(parseJsonl(lines.join('\n'), 'c.jsonl'), { kind: 'classify', T: 2, valFraction: 0.34 });
    expect(t.output).toEqual({ kind: 'xent', classes: 3 });
    const b = t.batch(new Rng(1), 3, 2);
    const mask = b.inputs.get('mask')!;
    expect([...mask.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect(sum(mask)).toBeCloseTo(1, 6);
    const raw = (v: number) => v * t.stats.std[0] + t.stats.mean[0];
    for (let r = 0; r < 3; r++) {
      const i = Math.round(raw(b.inputs.get('x')![r]));
      expect(raw(b.inputs.get('x')![3 + r])).toBeCloseTo(i + 1, 6);
      expect(b.inputs.get('target')![3 + r]).toBe(i % 3);
    }
    const lab = dataTask(parseCsv('x,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i % 2}`).join('\n'), 'l.csv', { labelColumn: 'y' }), { kind: 'label', T: 3 });
    const lb = lab.batch(new Rng(2), 2, 3);
    for (let r = 0; r < 2; r++) for (let s = 0; s < 3; s++) expect(lb.inputs.get('target')![s * 2 + r]).toBe(Math.round(lb.inputs.get('x')![s * 2 + r] * lab.stats.std[0] + lab.stats.mean[0]) % 2);
  });

  const bad: [string, () => unknown, string][] = [
    ['too short for T + horizon', () => dataTask(series(xs), { kind: 'forecast', T: 31, horizon: 2 }), 's.csv: the training split has no window of --T 31 + --horizon 2 = 33 steps (its longest sequence has 32)'],
    ['a held-out part too short', () => dataTask(series(xs), { kind: 'forecast', T: 10, valFraction: 0.2 }), 's.csv: the held-out split (the last 8 of 40 steps in time) has no window of --T 10 + --horizon 1 = 11 steps (its longest sequence has 8): lower --T or raise --val-fraction'],
    ['a label out of range', () => dataTask(parseJsonl('{"x": [1], "label": 0}\n{"x": [2], "label": 3}\n', 'c.jsonl'), { kind: 'classify', T: 1, classes: 3 }), 'c.jsonl, line 2: label 3 is out of range 0…2 (3 classes)'],
    ['a per-step label out of range', () => dataTask(parseJsonl('{"x": [1, 2], "labels": [0, 5]}\n', 'c.jsonl'), { kind: 'label', T: 1, classes: 2 }), 'c.jsonl, line 1, step 1: label 5 is out of range 0…1 (2 classes)'],
    ['a sequence without a label', () => dataTask(parseJsonl('{"x": [1], "label": 0}\n[2]\n', 'c.jsonl'), { kind: 'classify', T: 1 }), 'c.jsonl, line 2: the sequence has no label (classification needs one per sequence: --label-column, or "label" in JSON lines)'],
    ['one class only', () => dataTask(parseJsonl('{"x": [1], "label": 0}\n{"x": [2], "label": 0}\n', 'c.jsonl'), { kind: 'classify', T: 1 }), 'c.jsonl: every label is 0; classification needs at least 2 classes'],
    ['classification of one series', () => dataTask(parseCsv('x,y\n1,0\n2,1\n', 'l.csv', { labelColumn: 'y' }), { kind: 'classify', T: 1 }), 'l.csv, line 2: the sequence has no label (classification needs one per sequence: --label-column, or "label" in JSON lines)'],
  ];
  for (const [what, f, message] of bad) it(`bad: ${what}`, () => expect(f).toThrow(new DataError(message)));
});

describe('baselines', () => {
  it('persistence is the mean squared one-step change of the held-out windows', () => {
    const xs = [0, 1, 3, 6, 10, 15, 21, 28, 36, 45];
    const t = dataTask(series(xs), { kind: 'forecast', T: 2, valFraction: 0.4, arOrder: 1 });
    const z = xs.map((v) => (v - t.stats.mean[0]) / t.stats.std[0]);
    // held out: steps 6…9, windows starting at 6 and 7 (T = 2, horizon 1)
    const want = ([6, 7].flatMap((s) => [0, 1].map((k) => (z[s + k + 1] - z[s + k]) ** 2)).reduce((a, b) => a + b, 0)) / 4;
    expect(t.heldOut.baselines[0].name).toBe('persistence');
    expect(t.heldOut.baselines[0].loss).toBeCloseTo(want, 12);
    expect(t.baseline, "the baselines are held-out losses, not a training task's trivial predictor").toBeUndefined();
  });

  it('AR(p) least squares recovers the coefficients of an AR(2) process', () => {
    const rng = new Rng(7);
    const v = [0, 0];
    for (let i = 0; i < 20000; i++) v.push(0.6 * v[v.length - 1] - 0.3 * v[v.length - 2] + 0.5 + 0.1 * rng.normal());
    const [c] = fitAr([{ values: Float64Array.from(v), steps: v.length, where: '' }], 2, 1, 1)!;
    // the same numbers as numpy.linalg.lstsq on this series (0.49604, 0.61742, −0.31210): within sampling error of the truth
    expect(Math.abs(c[0] - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(c[1] - 0.6)).toBeLessThan(0.03);
    expect(Math.abs(c[2] + 0.3)).toBeLessThan(0.03);
  });

  it('classes: the cross-entropy of the training frequencies', () => {
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ x: [i], label: i < 7 ? 0 : 1 }));
    const t = dataTask(parseJsonl(lines.join('\n'), 'c.jsonl'), { kind: 'classify', T: 1, valFraction: 0.2 });
    const trainLabels = t.split.train.map((s) => s.label!);
    const p = (c: number) => (trainLabels.filter((l) => l === c).length + 1) / (trainLabels.length + 2);
    const want = -t.split.val.reduce((s, q) => s + Math.log(p(q.label!)), 0) / t.split.val.length;
    expect(t.heldOut.baselines[0].loss).toBeCloseTo(want, 12);
  });
});

describe('stored statistics', () => {
  it("eval's task uses the checkpoint's normalisation, not the file's", () => {
    const path = join(tmp, 'd.csv');
    writeFileSync(path, 'v\n' + Array.from({ length: 30 }, (_, i) => String(i)).join('\n') + '\n');
    const trained = dataTask(parseCsv(`v\n${Array.from({ length: 30 }, (_, i) => i).join('\n')}\n`, path), { kind: 'forecast', T: 3, load: { file: path, format: 'csv' } });
    const stored = parseStoredData(trained.metadata!.data, 'ck.safetensors');
    expect(stored).toMatchObject({ kind: 'forecast', T: 3, horizon: 1, valFraction: 0.2, features: 1, mean: trained.stats.mean, std: trained.stats.std, load: { file: path, format: 'csv' } });
    // the file changes afterwards (its training part doubles): eval keeps the stored statistics
    writeFileSync(path, 'v\n' + Array.from({ length: 30 }, (_, i) => String(i < 24 ? 2 * i : i)).join('\n') + '\n');
    const again = storedDataTask(stored, 'ck.safetensors');
    expect(again.stats).toEqual(trained.stats);
    expect(again.heldOut.batches(8)[0].inputs.get('x')).toEqual(trained.heldOut.batches(8)[0].inputs.get('x'));
    expect(dataTask(parseCsv('v\n' + Array.from({ length: 30 }, (_, i) => (i < 24 ? 2 * i : i)).join('\n'), path), { kind: 'forecast', T: 3 }).stats).not.toEqual(trained.stats);
    expect(() => parseStoredData(JSON.stringify({ ...stored, std: [0] }), 'ck.safetensors')).toThrow(new DataError('ck.safetensors: the stored normalisation is not 1 finite means and 1 positive standard deviations'));
  });
});
