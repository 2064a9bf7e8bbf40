// A run that diverges never leaves or resumes into a poisoned state: what is
// kept has finite parameters and a finite loss, `eval` scores it, and
// --resume continues it with a saner learning rate. A run folder that holds
// another run is not overwritten; --resume rejects a checkpoint that does not
// fit; SIGTERM saves like Ctrl-C; eval exits 1 on a non-finite loss.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../runtime/apps/train/checkpoint.js';
import { trainRun, type RunConfig } from '../../runtime/apps/train/run.js';
import { decodeSafetensors, encodeSafetensors } from '../../runtime/apps/train/safetensors.js';
import { adding } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, cellc, deviceOrSkip, exampleCell, expectNoStack, ROOT, silentProgress, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/divergence');
});
afterAll(() => dev.ctx?.destroy());

const tmp = mkdtempSync(join(tmpdir(), 'cellc-diverge-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(out: string, optimizer: Partial<OptimizerConfig>, extra: Partial<RunConfig> = {}): RunConfig {
  return {
    layers: [{ graph: exampleCell('lstm.cell', ['H=8']) }],
    task: adding,
    B: 4,
    T: 10,
    steps: 50,
    seed: 1,
    embed: 32,
    optimizer: { ...DEFAULT_OPTIMIZER, steps: 50, ...optimizer },
    out,
    checkpointEvery: 1,
    logEvery: 100,
    ...extra,
  };
}

const finiteParams = (dir: string) => [...loadCheckpoint(join(dir, 'checkpoint.safetensors')).params.values()].every((t) => t.data.every(Number.isFinite));

describe('divergence', { timeout: 300_000 }, () => {
  const sgd = join(tmp, 'sgd');

  it('SGD at lr 3e38: the checkpoint kept is finite, eval scores it, --resume --lr 0.01 continues from it', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const logs: string[] = [];
    const r = await trainRun(ctx, config(sgd, { optimizer: 'sgd', momentum: 0, lr: 3e38, clip: 0 }), { ...silentProgress, log: (l) => void logs.push(l) }, { interrupted: false });
    expect(r.stoppedBy).toBe('nan');
    const step = Number(loadCheckpoint(join(sgd, 'checkpoint.safetensors')).metadata.step);
    expect(logs.join('\n')).toMatch(new RegExp(`training stopped at step \\d+: .*the (last good )?checkpoint \\(step ${step}\\)`));
    expect(finiteParams(sgd)).toBe(true);
    const e = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', sgd, '--batches', '2', '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(Number.isFinite(JSON.parse(e.stdout).loss)).toBe(true);
    // the run identity does not hold the learning rate or the clipping
    const resumed = await trainRun(ctx, config(sgd, { optimizer: 'sgd', momentum: 0, lr: 0.01, clip: 1 }, { resume: true }), silentProgress, { interrupted: false });
    expect(resumed.stoppedBy).toBeUndefined();
    expect(resumed.stepsRun).toBe(50 - step);
    expect(loadCheckpoint(join(sgd, 'checkpoint.safetensors')).metadata.step).toBe('50');
  });

  it('Adam at lr 1e30: parameters finite but the next loss NaN — the checkpoint of those parameters is rolled back', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const dir = join(tmp, 'adam');
    const logs: string[] = [];
    const r = await trainRun(ctx, config(dir, { lr: 1e30, clip: 0 }), { ...silentProgress, log: (l) => void logs.push(l) }, { interrupted: false });
    expect(r.stoppedBy).toBe('nan');
    const m = /training stopped at step (\d+): .*the last good checkpoint \(step (\d+)\) is kept/.exec(logs.join('\n'));
    expect(m, logs.join('\n')).not.toBeNull();
    const [at, kept] = [Number(m![1]), Number(m![2])];
    expect(kept).toBeLessThan(at - 1); // the parameters of step at-1 gave the NaN
    expect(loadCheckpoint(join(dir, 'checkpoint.safetensors')).metadata.step).toBe(String(kept));
    expect(finiteParams(dir)).toBe(true);
  });

  it('a new run refuses a folder holding another run; --force starts over', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const before = readFileSync(join(sgd, 'metrics.jsonl'), 'utf8');
    await expect(trainRun(ctx, config(sgd, {}), silentProgress, { interrupted: false })).rejects.toThrow(
      /--out .*sgd already holds a run \(a checkpoint at step 50\): continue it with --resume, choose another --out, or pass --force to start over there/,
    );
    expect(readFileSync(join(sgd, 'metrics.jsonl'), 'utf8')).toBe(before);
    const r = await trainRun(ctx, config(sgd, {}, { steps: 2, force: true }), silentProgress, { interrupted: false });
    expect(r.stepsRun).toBe(2);
  });

  it('--resume names what does not fit: a swapped shape, a missing moment, a non-numeric step', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const dir = join(tmp, 'fit');
    await trainRun(ctx, config(dir, {}, { steps: 2 }), silentProgress, { interrupted: false });
    const path = join(dir, 'checkpoint.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(path));
    const [name, w] = [...tensors].find(([k, v]) => k.startsWith('param.') && v.shape.length === 2 && v.shape[0] !== v.shape[1])!;
    tensors.set(name, { shape: [w.shape[1], w.shape[0]], data: w.data });
    tensors.delete('optim.m.readout.b');
    writeFileSync(path, encodeSafetensors(tensors, { ...metadata, step: 'two' }));
    const err = await trainRun(ctx, config(dir, {}, { resume: true }), silentProgress, { interrupted: false }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(err).toMatch(/^--resume: the checkpoint in .* was written by a different run or is damaged: /);
    expect(err).toContain(`tensor ${name} has shape [${w.shape[1]}, ${w.shape[0]}], the model needs [${w.shape.join(', ')}]`);
    expect(err).toContain('tensor optim.m.readout.b is missing');
    expect(err).toContain('its step is "two", not a step count');
  });

  it('eval exits 1 on a non-finite loss, naming the parameter', async (t) => {
    deviceOrSkip(t, dev);
    const path = join(tmp, 'nan.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(sgd, 'checkpoint.safetensors')));
    tensors.get('param.readout.b')!.data[0] = NaN;
    writeFileSync(path, encodeSafetensors(tensors, metadata));
    const r = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', path, '--batches', '1']);
    expect(r.code, r.stderr).toBe(1);
    expectNoStack(r);
    expect(r.stderr).toMatch(/cellc: the held-out loss of .*nan\.safetensors is NaN \(parameter readout\.b\[0\] is NaN\)/);
  });

  it('SIGTERM saves a checkpoint and exits 143, like Ctrl-C', async (t) => {
    deviceOrSkip(t, dev);
    const dir = join(tmp, 'term');
    const args = ['train', 'dsl-examples/lstm.cell', '--task', 'adding', '--T', '10', '--B', '4', '--set', 'H=8', '--steps', '100000', '--checkpoint-every', '100000', '--log-every', '1', '--out', dir];
    const p = spawn(process.execPath, [join(ROOT, 'runtime/apps/cli/cellc.mjs'), ...args], { cwd: ROOT, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    let stderr = '';
    let sent = false; // once: a second signal exits at once, as a second Ctrl-C does
    p.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && /step 3\//.test(stderr)) sent = p.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    expect(code, stderr).toBe(143);
    expect(stderr).toMatch(/interrupted at step (\d+); checkpoint saved to .*continue with --resume/);
    const step = Number(/interrupted at step (\d+)/.exec(stderr)![1]);
    expect(loadCheckpoint(join(dir, 'checkpoint.safetensors')).metadata.step).toBe(String(step));
  });
});
