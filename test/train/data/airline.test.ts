// Training on the shipped airline series (Box & Jenkins Series G) from the
// command line: an LSTM beats the persistence baseline on the held-out last
// 29 months; eval reads the checkpoint's normalisation back and scores the
// same held-out windows; early stopping; apply normalises like training; bad
// --data input exits 1 with one sentence.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../compiler/numeric/random.js';
import { loadCheckpoint } from '../../../runtime/apps/train/checkpoint.js';
import { cellc, expectNoStack, inCI, inProcess, type Run } from '../helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-airline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const AIRLINE = 'dsl-examples/data/airline-passengers.csv';
const TRAIN = ['train', 'dsl-examples/lstm.cell', '--data', AIRLINE, '--T', '12', '--B', '16', '--set', 'H=16', '--relative'];

/** A run without a WebGPU adapter: skipped outside CI, a failure in CI. */
function needAdapter(r: Run, t: { skip: (note: string) => never }) {
  if (r.code !== 0 && /WebGPU|adapter/i.test(r.stderr) && !inCI) t.skip(`no WebGPU adapter: ${r.stderr.trim().split('\n').at(-1)}`);
}

function heldOutTable(stdout: string): Record<string, number> {
  const rows = [...stdout.matchAll(/^(model|persistence|AR\(\d+\)) +(\S+) /gm)];
  return Object.fromEntries(rows.map((m) => [m[1], Number(m[2])]));
}

describe('the airline series', { timeout: 300_000 }, () => {
  const run = join(tmp, 'air');

  it('an LSTM beats persistence on the held-out months; eval scores the checkpoint the same', async (t) => {
    const r = await cellc([...TRAIN, '--steps', '300', '--out', run]);
    needAdapter(r, t);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^task forecast: forecast 1 step\(s\) ahead on dsl-examples\/data\/airline-passengers\.csv: 1 feature\(s\), 103 training windows of T=12, held out the last 29 of 144 steps in time \(17 windows\)/m);
    expect(r.stderr).toMatch(/^epoch 1 \(step 7\): held-out loss \S+ \(best so far\)$/m);
    expect(r.stdout).toMatch(/^held out: the last 29 of 144 steps in time, 17 windows of T=12$/m);
    const table = heldOutTable(r.stdout);
    // persistence, from the file: normalised by the first 115 months, the 17 windows of 12 months in the last 29
    const months = readFileSync(AIRLINE, 'utf8').split('\n').filter((l) => /^\d/.test(l)).map((l) => Number(l.split(',')[1]));
    expect(months).toHaveLength(144);
    const train = months.slice(0, 115);
    const mean = train.reduce((a, b) => a + b, 0) / 115;
    const std = Math.sqrt(train.reduce((s, v) => s + (v - mean) ** 2, 0) / 115);
    const z = months.slice(115).map((v) => (v - mean) / std);
    let sq = 0;
    for (let s = 0; s + 13 <= 29; s++) for (let k = 0; k < 12; k++) sq += (z[s + k + 1] - z[s + k]) ** 2;
    const persistence = sq / (17 * 12);
    expect(table.persistence).toBeCloseTo(persistence, 3);
    expect(table.model).toBeLessThan(table.persistence);
    const last = Number(/at the last step (\S+)$/m.exec(r.stdout)![1]);
    expect(last, 'the model at its last step, not only at its best epoch').toBeLessThan(table.persistence);

    const ck = loadCheckpoint(join(run, 'checkpoint.safetensors'));
    const data = JSON.parse(ck.metadata.data);
    expect(data).toMatchObject({ kind: 'forecast', T: 12, horizon: 1, valFraction: 0.2, relative: true, features: 1, load: { file: AIRLINE, format: 'csv' } });
    // the statistics of the training split, the first 115 months
    expect(data.mean[0]).toBeCloseTo(mean, 9);
    expect(data.std[0]).toBeCloseTo(std, 9);
    const history = JSON.parse(ck.metadata.heldout) as [number, number][];
    const best = history.reduce((b, h) => (h[1] < b[1] ? h : b));
    expect(Number(ck.metadata.step)).toBe(best[0]);

    const e = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', run, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const j = JSON.parse(e.stdout);
    expect(j.loss).toBeCloseTo(table.model, 4);
    expect(j.baselines.persistence).toBeCloseTo(persistence, 9);
    expect(j.heldOut).toBe('the last 29 of 144 steps in time, 17 windows of T=12');
  });

  it('apply normalises the input with the checkpoint\'s statistics', async (t) => {
    if (!existsSync(join(run, 'checkpoint.safetensors'))) t.skip('needs the trained checkpoint');
    const inputs = join(tmp, 'in.json');
    writeFileSync(inputs, JSON.stringify({ x: [[[112]], [[118]], [[132]]] }));
    const r = await cellc(['apply', 'dsl-examples/lstm.cell', '--inputs', inputs, '--params', join(run, 'checkpoint.safetensors'), '--set', 'I=1', '--set', 'H=16', '--reference']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^input x normalised with the checkpoint's training-split mean and std, relative to each sequence's first step$/m);
    expect(JSON.parse(r.stdout).h).toHaveLength(3);
  });

  it('--patience stops when the held-out loss stops improving; the checkpoint is the best epoch', async (t) => {
    const out = join(tmp, 'early');
    const r = await cellc([...TRAIN, '--steps', '2000', '--patience', '2', '--out', out, '--lr', '0.03']);
    needAdapter(r, t);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/; stopping early: no improvement in 2 epoch\(s\)$/m);
    expect(r.stdout).toMatch(/; stopped early; /);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.length).toBeLessThan(2000);
    const evals = metrics.filter((m) => m.val_loss !== undefined);
    const best = evals.reduce((b, m) => (m.val_loss < b.val_loss ? m : b));
    expect(evals.slice(-2).every((m) => m.val_loss >= best.val_loss)).toBe(true);
    expect(evals.at(-1).step - best.step).toBe(2 * 7);
    expect(loadCheckpoint(join(out, 'checkpoint.safetensors')).metadata.step).toBe(String(best.step));
  });
});

describe('sequence classification from JSON lines', { timeout: 300_000 }, () => {
  it('an LSTM learns three classes told apart by their mean; eval: accuracy and the class-frequency baseline', async (t) => {
    // 48 sequences of 6 steps, 2 features; class c shifts feature 0 by 3·(c − 1)
    const rng = new Rng(5);
    const lines = Array.from({ length: 48 }, (_, i) => JSON.stringify({ x: Array.from({ length: 6 }, () => [rng.normal() + 3 * ((i % 3) - 1), rng.normal()]), label: i % 3 }));
    const file = join(tmp, 'classes.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const out = join(tmp, 'cls');
    const r = await cellc(['train', 'dsl-examples/lstm.cell', '--data', file, '--task', 'classify', '--T', '6', '--B', '8', '--set', 'H=8', '--steps', '40', '--lr', '0.03', '--out', out]);
    needAdapter(r, t);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^held out: 10 of 48 sequences, 10 windows of T=6$/m);
    const e = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', out, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const j = JSON.parse(e.stdout);
    expect(j.task).toBe('classify');
    expect(j.loss).toBeLessThan(j.baselines['class frequencies']);
    expect(j.accuracy).toBeGreaterThan(0.6);
  });
});

describe('cellc train --data: bad input exits 1 with one sentence', () => {
  const bad = join(tmp, 'bad.csv');
  writeFileSync(bad, 'month,passengers\n1949-01,112\n1949-02,abc\n');
  for (const [args, message] of [
    [['--data', bad], `cellc: ${bad}, line 3, column 'passengers': the cell 'abc' is not a number`],
    [['--data', AIRLINE, '--T', '40'], 'cellc: dsl-examples/data/airline-passengers.csv: the held-out split (the last 29 of 144 steps in time) has no window of --T 40 + --horizon 1 = 41 steps (its longest sequence has 29): lower --T or raise --val-fraction'],
    [['--data', AIRLINE, '--task', 'classify'], "cellc: dsl-examples/data/airline-passengers.csv, line 5: the sequence has no label (classification needs one per sequence: --label-column, or \"label\" in JSON lines)"],
    [['--data', AIRLINE, '--task', 'adding'], "cellc: with --data, --task must be forecast, classify, label, got 'adding'"],
    [['--data', AIRLINE, '--val-fraction', '1'], "cellc: --val-fraction must be a number between 0 and 1 (exclusive), got '1'"],
    [['--data', AIRLINE, '--horizon', '0'], "cellc: --horizon must be an integer ≥ 1, got '0'"],
    [['--data', AIRLINE, '--tbptt', '4', '--T', '12'], 'cellc: --tbptt is not supported with --data (the windows of T steps are the truncation)'],
    [['--data', join(tmp, 'none.npy')], `cellc: cannot read the data file ${join(tmp, 'none.npy')}: ENOENT`],
    [[], 'cellc: give --task NAME (a built-in task: adding, copy, reber, sine, episodes, ar, text, hmm, ar-mle, lds) or --data FILE'],
  ] as const) {
    it(`${args.join(' ') || '(no --task, no --data)'}`, async () => {
      const r = await inProcess(['train', 'dsl-examples/lstm.cell', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expectNoStack(r);
      expect(r.stderr.trim()).toBe(message);
    });
  }
});
