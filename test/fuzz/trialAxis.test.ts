// The trial axis against the float64 interpreter on generated, unseen cells:
// three trials of each cell, each with its own parameters, inputs, initial
// states and cotangents, run by one forward + backward of a trial-axis
// artifact, each compared with the interpreter (every output, final state,
// parameter, initial-state and input gradient within 1e-4 relative) at odd
// B and T — on the sequential and the scan schedule.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCell, renderCell } from '../../compiler/tools/index.js';
import { differential } from '../../runtime/apps/fuzz/differential.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';

const SEEDS = [2, 3, 5, 8, 13, 21];
const GEN = { depth: 2, small: true };
const TRIALS = 3;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('trialAxis.test');
});
afterAll(() => dev.ctx?.destroy());

describe(`generated cells, ${TRIALS} trials per dispatch, each trial = the float64 interpreter (B=3 T=5)`, { timeout: 300_000 }, () => {
  it.for(SEEDS)('seed %i', async (seed, t) => {
    const ctx = deviceOrSkip(t, dev);
    const source = renderCell(generateCell(seed, GEN));
    const r = await differential(ctx, source, { noGradcheck: true, trials: TRIALS, configs: [{ B: 3, T: 5 }] });
    expect(r.ok, `seed ${seed}: ${r.kind}: ${r.detail}\n${source}`).toBe(true);
    expect(r.compared % TRIALS).toBe(0);
    expect(r.compared).toBeGreaterThanOrEqual(TRIALS * 2);
  });
  it.for(['mingru', 'lru'])('%s.cell on the scan schedule', async (name, t) => {
    const ctx = deviceOrSkip(t, dev);
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL(`../../dsl-examples/${name}.cell`, import.meta.url), 'utf8');
    const r = await differential(ctx, source, { noGradcheck: true, trials: TRIALS, configs: [{ B: 3, T: 5 }], schedule: 'scan' });
    expect(r.ok, `${name}: ${r.kind}: ${r.detail}`).toBe(true);
  });
});
