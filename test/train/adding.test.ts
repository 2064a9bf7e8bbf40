// The vanishing-gradient lesson, end to end on the GPU (the `cellc demo`
// settings): on the adding problem at T = 50 an LSTM learns the long-range
// sum (MSE < 0.01) while a tanh RNN with the same budget stays near the
// 0.167 of a constant predictor. About 1–2 minutes on lavapipe.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { DEMO_DEFAULTS, runDemo } from '../../runtime/apps/cli/commands/demo.js';
import { GpuUnavailableError } from '../../runtime/core/errors.js';
import { inCI } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-adding-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('adding problem, T = 50: LSTM MSE < 0.01, tanh RNN near the baseline (H=32, B=32, lr 0.01, 600 steps)', async (t) => {
  const lines: string[] = [];
  let r;
  try {
    r = await runDemo({ ...DEMO_DEFAULTS, out: tmp }, (s) => void lines.push(s));
  } catch (e) {
    if (e instanceof GpuUnavailableError && !inCI) return t.skip(`no WebGPU adapter: ${e.message}`);
    throw e;
  }
  const { lstm, rnn } = r;
  console.log(`LSTM final MSE ${lstm.finalLoss.toFixed(4)} (below 0.01 at step ${lstm.stepsToThreshold}, ${lstm.seconds.toFixed(0)} s); tanh RNN ${rnn.finalLoss.toFixed(4)} (${rnn.seconds.toFixed(0)} s)`);
  expect(DEMO_DEFAULTS).toMatchObject({ T: 50, H: 32, B: 32, steps: 600 });
  expect(lstm.stepsRun).toBe(600);
  expect(lstm.finalLoss).toBeLessThan(0.01);
  expect(lstm.stepsToThreshold).toBeDefined();
  expect(rnn.finalLoss).toBeGreaterThan(0.12);
  expect(rnn.finalLoss).toBeLessThan(0.25);
  expect(rnn.stepsToThreshold).toBeUndefined();
  expect(lines.join('\n')).toMatch(/The LSTM learned the long-range sum/);
}, 900_000);
