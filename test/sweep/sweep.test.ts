// `cellc sweep` on the GPU with tiny trials (2 cells × 2 seeds, H = 2, T = 4,
// 3 steps): it trains every trial and writes the tables; a rerun trains
// nothing (result.json untouched, no device started); deleting one
// result.json reruns exactly that trial, with the same result; three shards
// merged give the unsharded summary.json; a sweep interrupted inside a trial
// resumes with what is left; a cell that fails verification has its trials
// skipped with the reason.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSweep, type Plan } from '../../runtime/apps/sweep/plan.js';
import { runSweep, writeSummary } from '../../runtime/apps/sweep/runSweep.js';
import { readSweepFile, type SweepSpec } from '../../runtime/apps/sweep/sweepFile.js';
import type { TrialResult } from '../../runtime/apps/sweep/trial.js';
import { gradcheckCell } from '../../runtime/apps/sweep/verifyCells.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';
import { cellc, inProcess, ROOT } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-sweep-'));
let dev: TestDevice;
let spec: SweepSpec;
let plan: Plan;
const file = join(tmp, 'tiny.json');
const A = join(tmp, 'all');

beforeAll(async () => {
  writeFileSync(
    file,
    JSON.stringify({
      name: 'tiny',
      cells: [join(ROOT, 'dsl-examples/elman.cell'), join(ROOT, 'dsl-examples/irnn.cell')],
      tasks: { adding: { T: 4, B: 2, evalBatches: 2, threshold: 0.5 } },
      train: { steps: 3, lr: 0.02, set: { H: 2 } },
      seeds: [1, 2],
    }),
  );
  spec = readSweepFile(file);
  plan = planSweep(spec);
  dev = await acquireTestDevice('sweep');
});
afterAll(() => {
  dev?.ctx?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

const lines: string[] = [];
const log = (l: string) => lines.push(l);
const result = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, 'trials', id, 'result.json'), 'utf8')) as TrialResult;
const mtimes = (dir: string) => plan.trials.map((t) => statSync(join(dir, 'trials', t.id, 'result.json')).mtimeMs);
const silent = { start() {}, update() {}, stop() {}, log() {} };
const noDevice = () => Promise.reject(new Error('a device was started with nothing to train'));

describe('cellc sweep (tiny trials)', { timeout: 240_000 }, () => {
  it('trains every trial in its own folder and writes the tables and charts', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const r = await runSweep(spec, plan, { out: A, device: async () => ctx, log });
    expect(r).toMatchObject({ mine: 4, trained: 4, alreadyDone: 0, skipped: 0, interrupted: false });
    for (const trial of plan.trials) {
      const d = join(A, 'trials', trial.id);
      for (const f of ['config.json', 'metrics.jsonl', 'checkpoint.safetensors', 'result.json']) expect(existsSync(join(d, f)), f).toBe(true);
      const res = result(A, trial.id);
      expect(res.status).toBe('ok');
      expect(res.stepsRun).toBe(3);
      expect(Number.isFinite(res.heldOutLoss)).toBe(true);
      expect(JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')).seed).toBe(trial.config.seed);
    }
    expect(lines.filter((l) => l.startsWith('verified: '))).toHaveLength(2);
    const { summary, markdown } = writeSummary(A, plan, [A]);
    const task = summary.tasks[0];
    expect(task.rows.map((row) => [row.cell, row.n])).toEqual([['Elman', 2], ['IRNN', 2]]);
    const elman = plan.trials.filter((x) => x.levels.cell === 'Elman').map((x) => result(A, x.id).heldOutLoss!);
    expect(task.rows[0].mean).toBeCloseTo((elman[0] + elman[1]) / 2, 12);
    expect(task.rows[0].best).toBe(Math.min(...elman));
    expect(task.importance!.factors.map((f) => f.factor)).toEqual(['cell', 'seed']);
    expect(markdown).toMatch(/\| cell \| n \| mean ± 95% CI \| median \| best \| reached < 0\.5 \|/);
    expect(markdown).toMatch(/\| Elman \| 2 \| \S+ ± \S+ \|/);
    for (const f of ['summary.md', 'summary.json', 'adding-curves.svg', 'adding-final.svg']) expect(existsSync(join(A, f)), f).toBe(true);
    expect(readFileSync(join(A, 'adding-curves.svg'), 'utf8')).toContain('class="band"');
    expect(readFileSync(join(A, 'adding-final.svg'), 'utf8').match(/<circle /g)).toHaveLength(4 + 2 + 2); // seeds, means, legend
  });

  it('a rerun trains nothing and starts no device (the CLI prints the same table)', async (t) => {
    deviceOrSkip(t, dev);
    const before = mtimes(A);
    const r = await runSweep(spec, plan, { out: A, device: noDevice, log });
    expect(r).toMatchObject({ trained: 0, alreadyDone: 4 });
    const cli = await cellc(['sweep', file, '--out', A]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('trained 0 trial(s); 4 already done; 0 skipped');
    expect(cli.stderr).not.toMatch(/adapter:|verified/);
    expect(cli.stdout).toContain(readFileSync(join(A, 'summary.md'), 'utf8').trim());
    expect(mtimes(A)).toEqual(before);
  });

  it('--trials-per-dispatch 4 trains each cell\'s trials together and writes, trial by trial, what one by one wrote', async (t) => {
    deviceOrSkip(t, dev);
    const G = join(tmp, 'together');
    const r = await inProcess(['sweep', file, '--out', G, '--trials-per-dispatch', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/^training 2 trials of \S+ together$/gm)).toHaveLength(2);
    const noSeconds = (x: Record<string, unknown>) => ({ ...x, seconds: undefined });
    for (const x of plan.trials) {
      const [a, g] = [A, G].map((d) => join(d, 'trials', x.id));
      expect(noSeconds(result(G, x.id) as unknown as Record<string, unknown>), x.id).toEqual(noSeconds(result(A, x.id) as unknown as Record<string, unknown>));
      // the checkpoint (parameters, optimizer moments, losses) byte for byte
      expect(readFileSync(join(g, 'checkpoint.safetensors')).equals(readFileSync(join(a, 'checkpoint.safetensors'))), `${x.id} checkpoint`).toBe(true);
      const metrics = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => noSeconds(JSON.parse(l)));
      expect(metrics(g)).toEqual(metrics(a));
    }
    expect(readFileSync(join(G, 'summary.md'), 'utf8')).toBe(readFileSync(join(A, 'summary.md'), 'utf8'));
    const bad = await inProcess(['sweep', file, '--out', G, '--trials-per-dispatch', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cellc: --trials-per-dispatch must be an integer ≥ 1, got '0'/);
  });

  it('trials interrupted together leave no result and train again, with the results of one by one', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const I = join(tmp, 'togetherInterrupted');
    // the signal turns on at the group's second step
    let reads = 0;
    const signal = {
      get interrupted() {
        return ++reads >= 2;
      },
    };
    const first = await runSweep(spec, plan, { out: I, device: async () => ctx, log, signal, trialsPerDispatch: 2 });
    expect(first).toMatchObject({ trained: 0, interrupted: true });
    for (const x of plan.trials) expect(existsSync(join(I, 'trials', x.id, 'result.json')), x.id).toBe(false);
    const again = await runSweep(spec, plan, { out: I, device: async () => ctx, log, trialsPerDispatch: 2 });
    expect(again).toMatchObject({ trained: 4, interrupted: false });
    for (const x of plan.trials) {
      expect({ ...result(I, x.id), seconds: 0 }).toEqual({ ...result(A, x.id), seconds: 0 });
      expect(readFileSync(join(I, 'trials', x.id, 'checkpoint.safetensors')).equals(readFileSync(join(A, 'trials', x.id, 'checkpoint.safetensors')))).toBe(true);
    }
  });

  it('a trial that diverges among trials trained together stops alone, with the result it has alone', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const f2 = join(tmp, 'diverging.json');
    writeFileSync(
      f2,
      JSON.stringify({
        name: 'diverging',
        cells: [join(ROOT, 'dsl-examples/elman.cell')],
        tasks: { adding: { T: 4, B: 2, evalBatches: 2 } },
        train: { steps: 3, optimizer: 'sgd', momentum: 0, clip: 0, set: { H: 2 } },
        factors: { lr: [0.02, 1e38] },
        seeds: [1],
      }),
    );
    const s2 = readSweepFile(f2);
    const p2 = planSweep(s2);
    const [alone, together] = [join(tmp, 'div1'), join(tmp, 'div2')];
    await runSweep(s2, p2, { out: alone, device: async () => ctx, log });
    const r = await runSweep(s2, p2, { out: together, device: async () => ctx, log, trialsPerDispatch: 2 });
    expect(r).toMatchObject({ trained: 2, diverged: 1 });
    for (const x of p2.trials) {
      const [a, g] = [alone, together].map((d) => ({ ...result(d, x.id), seconds: 0 }));
      expect(g, `lr ${x.levels.lr}`).toEqual(a);
      expect(readFileSync(join(together, 'trials', x.id, 'checkpoint.safetensors')).equals(readFileSync(join(alone, 'trials', x.id, 'checkpoint.safetensors')))).toBe(true);
    }
    const bad = p2.trials.find((x) => x.levels.lr === 1e38)!;
    expect(result(together, bad.id)).toMatchObject({ status: 'diverged', stepsRun: 1 });
  });

  it('deleting one result.json reruns exactly that trial, with the same result', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const victim = plan.trials[2];
    const old = result(A, victim.id);
    const before = mtimes(A);
    rmSync(join(A, 'trials', victim.id, 'result.json'));
    lines.length = 0;
    const r = await runSweep(spec, plan, { out: A, device: async () => ctx, log });
    expect(r).toMatchObject({ trained: 1, alreadyDone: 3 });
    expect(lines.filter((l) => /^trial \d/.test(l))).toEqual([expect.stringContaining(victim.id)]);
    expect(lines.some((l) => l.includes('(kept from an earlier run)'))).toBe(true); // the cell is not gradchecked again
    expect(result(A, victim.id).heldOutLoss).toBe(old.heldOutLoss);
    const after = mtimes(A);
    plan.trials.forEach((x, k) => (k === 2 ? expect(after[k]).not.toBe(before[k]) : expect(after[k]).toBe(before[k])));
  });

  it('three shards, merged, give exactly the summary of the unsharded sweep', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const shards = [0, 1, 2].map((i) => join(tmp, `shard${i}`));
    const trained: number[] = [];
    for (const [i, out] of shards.entries()) trained.push((await runSweep(spec, plan, { out, shard: { index: i, count: 3 }, device: async () => ctx, log })).trained);
    expect(trained).toEqual([2, 1, 1]);
    const M = join(tmp, 'merged');
    const r = await inProcess(['sweep', 'merge', ...shards, '--out', M]);
    expect(r.code, r.stderr).toBe(0);
    writeSummary(A, plan, [A]);
    expect(JSON.parse(readFileSync(join(M, 'summary.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(A, 'summary.json'), 'utf8')));
    expect(readFileSync(join(M, 'summary.md'), 'utf8')).toBe(readFileSync(join(A, 'summary.md'), 'utf8'));
    // shards of another sweep are refused
    const o = join(tmp, 'otherOut');
    mkdirSync(o);
    writeFileSync(join(o, 'sweep.json'), JSON.stringify({ ...plan, hash: 'different' }));
    const bad = await inProcess(['sweep', 'merge', shards[0], o, '--out', M]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cellc: .*otherOut holds a different sweep/);
  });

  it('a sweep interrupted inside a trial resumes with what is left; the cut trial starts over with the same result', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const I = join(tmp, 'interrupted');
    const signal = { interrupted: false };
    // Ctrl-C during the second step of the second trial
    let trial = 0;
    const progress = () => ({ ...silent, start: () => void trial++, update: (step: number) => void (trial === 2 && step === 2 && (signal.interrupted = true)) });
    const first = await runSweep(spec, plan, { out: I, device: async () => ctx, log, progress, signal });
    expect(first).toMatchObject({ trained: 1, interrupted: true });
    const cut = plan.trials[1];
    expect(existsSync(join(I, 'trials', cut.id, 'metrics.jsonl'))).toBe(true);
    expect(existsSync(join(I, 'trials', cut.id, 'result.json'))).toBe(false);
    const again = await runSweep(spec, plan, { out: I, device: async () => ctx, log });
    expect(again).toMatchObject({ trained: 3, alreadyDone: 1, interrupted: false });
    for (const x of plan.trials) expect(result(I, x.id).heldOutLoss).toBe(result(A, x.id).heldOutLoss);
    expect(readFileSync(join(I, 'trials', cut.id, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('a cell that fails verification is reported and its trials are skipped with the reason', async (t) => {
    deviceOrSkip(t, dev);
    const C = join(tmp, 'failing');
    cpSync(A, C, { recursive: true });
    const irnn = plan.trials.filter((x) => x.levels.cell === 'IRNN');
    for (const x of irnn) rmSync(join(C, 'trials', x.id, 'result.json'));
    rmSync(join(C, 'cells'), { recursive: true });
    lines.length = 0;
    const failIrnn = (path: string, f: string, source: string) => (f.endsWith('irnn.cell') ? { source, file: f, ok: false, summary: 'FAIL (wrong gradient: W)' } : gradcheckCell(path, f, source));
    const r = await runSweep(spec, plan, { out: C, device: noDevice, log, verifier: failIrnn });
    expect(r).toMatchObject({ trained: 0, alreadyDone: 2, skipped: 2 });
    expect(lines).toContain(`FAILED verification: ${spec.cells[1].file}: FAIL (wrong gradient: W)`);
    expect(lines.filter((l) => l.startsWith('skipped trial '))).toHaveLength(2);
    const { summary, markdown } = writeSummary(C, plan, [C]);
    expect(summary.trials).toMatchObject({ total: 4, done: 2, skipped: 2, missing: 0 });
    expect(summary.skipped.map((s) => s.id).sort()).toEqual(irnn.map((x) => x.id).sort());
    expect(summary.skipped[0].reason).toBe('the cell failed verification: FAIL (wrong gradient: W)');
    expect(markdown).toContain('- IRNN: 2 trial(s): the cell failed verification: FAIL (wrong gradient: W)');
    expect(summary.tasks[0].rows.map((row) => row.cell)).toEqual(['Elman']);
  });
});
