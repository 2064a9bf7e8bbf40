// Training runs on the GPU that stop and go on: --resume continues bit for
// bit (the same losses in metrics.jsonl, the same final parameters and
// optimizer moments, bitwise) after an interrupt (Ctrl-C) and when a
// finished run is extended; a NaN loss stops the run with a clear message
// and keeps the last good checkpoint.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../runtime/apps/train/checkpoint.js';
import { trainRun, type Progress, type RunConfig } from '../../runtime/apps/train/run.js';
import { adding, type Task } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, silentProgress, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/resume');
});
afterAll(() => dev.ctx?.destroy());

const tmp = mkdtempSync(join(tmpdir(), 'cellc-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(out: string, steps: number, extra: Partial<RunConfig> = {}): RunConfig {
  return {
    layers: [{ graph: exampleCell('lstm.cell', ['H=8']) }],
    task: adding,
    B: 8,
    T: 10,
    steps,
    seed: 5,
    embed: 8,
    optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.01, steps },
    out,
    checkpointEvery: 10,
    logEvery: 100,
    ...extra,
  };
}

const metrics = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss: number; grad_norm: number; lr: number; seconds: number });

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function expectSameCheckpoint(a: string, b: string) {
  const A = loadCheckpoint(join(a, 'checkpoint.safetensors'));
  const Bk = loadCheckpoint(join(b, 'checkpoint.safetensors'));
  expect(A.metadata.step).toBe(Bk.metadata.step);
  expect([...A.params.keys()]).toEqual([...Bk.params.keys()]);
  for (const [k, t] of A.params) expect(bits(Bk.params.get(k)!.data), `param ${k}`).toBe(bits(t.data));
  const raw = (dir: string) => readFileSync(join(dir, 'checkpoint.safetensors'));
  // the moments too: every optim.* tensor is compared through the raw file minus the metadata
  const tensorsOf = (buf: Buffer) => buf.subarray(8 + Number(buf.readBigUInt64LE(0)));
  expect(tensorsOf(raw(a)).equals(tensorsOf(raw(b)))).toBe(true);
  expect(A.metadata.losses).toBe(Bk.metadata.losses);
}

describe('resume', { timeout: 300_000 }, () => {
  it('30 steps straight = 30 steps interrupted at 15 and resumed = 15 steps extended to 30 (bitwise)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const straight = join(tmp, 'straight');
    const a = await trainRun(ctx, config(straight, 30), silentProgress, { interrupted: false });
    expect(a.stepsRun).toBe(30);

    // Ctrl-C at step 15: the run saves a checkpoint and stops; --resume goes on to 30
    const interrupted = join(tmp, 'interrupted');
    const signal = { interrupted: false };
    const logs: string[] = [];
    const progress: Progress = { ...silentProgress, update: (step) => void (step === 15 && (signal.interrupted = true)), log: (l) => void logs.push(l) };
    const b1 = await trainRun(ctx, config(interrupted, 30), progress, signal);
    expect(b1.stoppedBy).toBe('interrupt');
    expect(logs.join('\n')).toMatch(/interrupted at step 15; checkpoint saved to .*continue with --resume/);
    expect(loadCheckpoint(join(interrupted, 'checkpoint.safetensors')).metadata.step).toBe('15');
    const b2 = await trainRun(ctx, config(interrupted, 30, { resume: true }), silentProgress, { interrupted: false });
    expect(b2.stepsRun).toBe(15);

    // a finished 15-step run (constant learning rate) extended with --steps 30 --resume
    const extended = join(tmp, 'extended');
    await trainRun(ctx, config(extended, 15), silentProgress, { interrupted: false });
    await trainRun(ctx, config(extended, 30, { resume: true }), silentProgress, { interrupted: false });

    const ref = metrics(straight);
    expect(ref.map((m) => m.step)).toEqual([...Array(30).keys()].map((k) => k + 1));
    for (const dir of [interrupted, extended]) {
      const m = metrics(dir);
      expect(m.map((x) => x.step)).toEqual(ref.map((x) => x.step));
      expect(m.map((x) => x.loss)).toEqual(ref.map((x) => x.loss));
      expect(m.map((x) => x.grad_norm)).toEqual(ref.map((x) => x.grad_norm));
      expectSameCheckpoint(straight, dir);
    }
    expect(b2.losses.map((l) => l.loss)).toEqual(a.losses.map((l) => l.loss));
  });

  it('with truncated BPTT and a cosine schedule too (T=10, windows of 5: two updates per batch)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const cosine = (dir: string, extra: Partial<RunConfig> = {}) => {
      const c = config(dir, 20, { tbptt: 5, ...extra });
      return { ...c, optimizer: { ...c.optimizer, schedule: 'cosine' as const, warmup: 3 } };
    };
    const straight = join(tmp, 'tbptt-straight');
    await trainRun(ctx, cosine(straight), silentProgress, { interrupted: false });
    const dir = join(tmp, 'tbptt-resumed');
    const signal = { interrupted: false };
    await trainRun(ctx, cosine(dir), { ...silentProgress, update: (step) => void (step === 7 && (signal.interrupted = true)) }, signal);
    expect(loadCheckpoint(join(dir, 'checkpoint.safetensors')).metadata.step).toBe('7');
    await trainRun(ctx, cosine(dir, { resume: true }), silentProgress, { interrupted: false });
    const ref = metrics(straight);
    // the logged learning rate is the one used: warm-up over 3 batches, then cosine to 0 at batch 20
    expect(ref[0].lr).toBeCloseTo(0.01 / 3, 12);
    expect(ref[2].lr).toBeCloseTo(0.01, 12);
    expect(ref[19].lr).toBeCloseTo(0.5 * 0.01 * (1 + Math.cos((Math.PI * 16) / 17)), 12);
    expect(metrics(dir)).toEqual(ref.map((m, i) => ({ ...m, seconds: metrics(dir)[i].seconds })));
    expectSameCheckpoint(straight, dir);
  });

  it('resume after a crash between checkpoints: metrics.jsonl keeps no step twice', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const dir = join(tmp, 'crash');
    await trainRun(ctx, config(dir, 20, { checkpointEvery: 10 }), silentProgress, { interrupted: false });
    // as if the process died at step 14: metrics up to 14 written, the checkpoint at 10
    const straight = metrics(dir);
    const ck = readFileSync(join(dir, 'checkpoint.safetensors'));
    await trainRun(ctx, config(join(tmp, 'crash10'), 10, { checkpointEvery: 10 }), silentProgress, { interrupted: false });
    const ck10 = readFileSync(join(tmp, 'crash10', 'checkpoint.safetensors'));
    expect(ck.equals(ck10)).toBe(false);
    writeFileSync(join(dir, 'checkpoint.safetensors'), ck10);
    writeFileSync(join(dir, 'metrics.jsonl'), straight.slice(0, 14).map((m) => JSON.stringify(m) + '\n').join('') + '{"step": 15, "lo');
    await trainRun(ctx, config(dir, 20, { resume: true }), silentProgress, { interrupted: false });
    const m = metrics(dir);
    expect(m.map((x) => x.step)).toEqual([...Array(20).keys()].map((k) => k + 1));
    expect(m.map((x) => x.loss)).toEqual(straight.map((x) => x.loss));
  });

  it('--resume refuses a checkpoint of a different run', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    await expect(trainRun(ctx, config(join(tmp, 'straight'), 30, { resume: true, seed: 6 }), silentProgress, { interrupted: false })).rejects.toThrow(/written by a different run or is damaged: seed is 5 in the checkpoint, 6 here$/);
    await expect(trainRun(ctx, config(join(tmp, 'nothing-here'), 30, { resume: true }), silentProgress, { interrupted: false })).rejects.toThrow(/--resume: no checkpoint at/);
  });
});

describe('NaN', { timeout: 300_000 }, () => {
  it('a NaN loss stops the run with a clear message; the last good checkpoint stays', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    // the adding task, with NaN inputs from the 8th batch on
    let calls = 0;
    const poisoned: Task = {
      ...adding,
      batch(rng, B, T) {
        const b = adding.batch(rng, B, T);
        if (++calls >= 8) b.inputs.get('x')!.fill(NaN);
        return b;
      },
    };
    const dir = join(tmp, 'nan');
    const logs: string[] = [];
    const r = await trainRun(ctx, config(dir, 30, { task: poisoned, checkpointEvery: 5 }), { ...silentProgress, log: (l) => void logs.push(l) }, { interrupted: false });
    expect(r.stoppedBy).toBe('nan');
    expect(r.losses.length).toBe(7);
    expect(logs.join('\n')).toMatch(/training stopped at step 8: the loss is NaN \(try a smaller --lr or --clip\); the last good checkpoint \(step 5\) is kept in .*checkpoint\.safetensors/);
    const ck = loadCheckpoint(join(dir, 'checkpoint.safetensors'));
    expect(ck.metadata.step).toBe('5');
    for (const [k, p] of ck.params) expect(p.data.every(Number.isFinite), k).toBe(true);
    expect(metrics(dir).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('an absurd learning rate (1e30) ends in a non-finite loss, gradient or parameter: stopped, only the initial checkpoint kept', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const dir = join(tmp, 'lr');
    const logs: string[] = [];
    const c = config(dir, 30, { checkpointEvery: 100 });
    const r = await trainRun(ctx, { ...c, optimizer: { ...c.optimizer, lr: 1e30 } }, { ...silentProgress, log: (l) => void logs.push(l) }, { interrupted: false });
    expect(r.stoppedBy).toBe('nan');
    expect(logs.join('\n')).toMatch(/training stopped at step \d+: (the (loss|gradient norm)|parameter \S+) is (NaN|Infinity|-Infinity)( after the update)? \(try a smaller --lr or --clip\)/);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBe(r.losses.length);
    // a fresh run saves its initial parameters: what is kept is finite, and the step it says
    const ck = loadCheckpoint(join(dir, 'checkpoint.safetensors'));
    expect(ck.metadata.step).toBe('0');
    for (const [k, p] of ck.params) expect(p.data.every(Number.isFinite), k).toBe(true);
    console.log(`lr 1e30: ${logs.join(' ')}`);
  });
});
