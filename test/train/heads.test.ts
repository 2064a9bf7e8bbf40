// The heads examples train on the GPU: xLSTM's sLSTM with block-diagonal
// recurrent matrices and its mLSTM with one matrix memory per head learn the
// sine task (the loss falls below half of predicting 0), at small odd sizes.
// Their gradients against float64 and the GPU against the interpreter are
// test/autodiff/gradcheck.test.ts and test/gpu/heads.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainRun, type RunConfig } from '../../runtime/apps/train/run.js';
import { sine } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, silentProgress, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/heads');
});
afterAll(() => dev.ctx?.destroy());

const STEPS = 60;
const config = (file: string): RunConfig => ({
  layers: [{ graph: exampleCell(file, ['NH=2', 'DH=5']) }],
  task: sine,
  B: 8,
  T: 10,
  steps: STEPS,
  seed: 5,
  embed: 8,
  optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.03, steps: STEPS },
  checkpointEvery: 1000,
  logEvery: 1000,
});

describe('the heads examples train', { timeout: 300_000 }, () => {
  it.for(['slstm_heads.cell', 'mlstm_heads.cell'])('%s learns the sine task (under half the baseline loss)', async (file, t) => {
    const ctx = deviceOrSkip(t, dev);
    const run = await trainRun(ctx, config(file), silentProgress);
    expect(run.stoppedBy).toBeUndefined();
    expect(run.finalLoss).toBeLessThan(0.5 * sine.baseline!.loss);
  });
});
