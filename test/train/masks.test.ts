// Training cells with random masks (dropout, zoneout) on the GPU:
//   - the examples train: the loss falls on a built-in task;
//   - masks come from the seed and the optimizer step: a run interrupted and
//     resumed gives the losses and checkpoint of the run straight through,
//     bitwise, and another seed other losses;
//   - evaluation runs without masks: its loss does not depend on the draw.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelOrThrow, trainRun, type RunConfig } from '../../runtime/apps/train/run.js';
import { adding, batchRng, sine } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, silentProgress, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/masks');
});
afterAll(() => dev.ctx?.destroy());

const tmp = mkdtempSync(join(tmpdir(), 'cellc-masks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(file: string, steps: number, extra: Partial<RunConfig> = {}): RunConfig {
  return {
    layers: [{ graph: exampleCell(file, ['H=8']) }],
    task: adding,
    B: 8,
    T: 10,
    steps,
    seed: 5,
    embed: 8,
    optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.02, steps },
    checkpointEvery: 10,
    logEvery: 100,
    ...extra,
  };
}

const losses = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { loss: number }).loss);

describe('training with random masks', { timeout: 300_000 }, () => {
  it('lstm_zoneout.cell: interrupted and resumed = straight through, bitwise; another seed differs', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const straight = join(tmp, 'straight');
    await trainRun(ctx, config('lstm_zoneout.cell', 20, { out: straight }), silentProgress);
    const resumed = join(tmp, 'resumed');
    const signal = { interrupted: false };
    const stopAt10 = { ...silentProgress, update: (step: number) => void (step === 10 && (signal.interrupted = true)) };
    expect((await trainRun(ctx, config('lstm_zoneout.cell', 20, { out: resumed }), stopAt10, signal)).stoppedBy).toBe('interrupt');
    await trainRun(ctx, config('lstm_zoneout.cell', 20, { out: resumed, resume: true }), silentProgress);
    expect(losses(resumed)).toEqual(losses(straight));
    const tensors = (dir: string) => {
      const buf = readFileSync(join(dir, 'checkpoint.safetensors'));
      return buf.subarray(8 + Number(buf.readBigUInt64LE(0)));
    };
    expect(tensors(resumed).equals(tensors(straight))).toBe(true);
    const other = join(tmp, 'other-seed');
    await trainRun(ctx, config('lstm_zoneout.cell', 20, { out: other, seed: 6 }), silentProgress);
    expect(losses(other)).not.toEqual(losses(straight));
  });

  it('gru_vdropout.cell learns the sine task (under half the baseline loss), and its evaluation loss does not depend on the draw', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const c = config('gru_vdropout.cell', 60, { task: sine, optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.03, steps: 60 } });
    const run = await trainRun(ctx, c, silentProgress);
    // below half the loss of predicting 0 (the variance of a unit sine)
    expect(run.finalLoss).toBeLessThan(0.5 * sine.baseline!.loss);

    const trainer = await Trainer.create(ctx, buildModelOrThrow(c), { B: c.B, T: c.T }, c.optimizer);
    try {
      trainer.init(c.seed);
      const batch = sine.batch(batchRng(c.seed, 1, 0), c.B, c.T);
      const e0 = await trainer.evaluate(batch);
      await trainer.trainStep(batch); // draws masks (and moves the parameters)
      trainer.step = 0;
      const e1 = await trainer.evaluate(batch);
      trainer.step = 7; // another draw: evaluation draws none, so the same loss
      expect(await trainer.evaluate(batch)).toBe(e1);
      expect(e1).not.toBe(e0);
    } finally {
      trainer.destroy();
    }
  });
});
