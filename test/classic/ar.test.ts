// Delay taps (`delay(x, p)`: a shift register as a hidden state) and the
// models built on them: the taps against the shifted input sequence (float64
// and GPU), an AR(p) cell's log-likelihood against the Gaussian density
// written out here, and maximum-likelihood training of dsl-examples/ar.cell on
// data from a known AR(2) process (GPU), which must recover its coefficients.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { arMleTask, batchRng } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer } from '../../runtime/apps/train/trainer.js';
import { gradcheck } from '../../compiler/tools/interp/gradcheck.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';
import { cells, exampleCell, runGpu, runReference, uniforms, type Seq } from './reference.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('classic/ar.test');
});
afterAll(() => dev.ctx?.destroy());

describe('delay(x, p): the p previous values, newest first', () => {
  const [taps] = cells(
    'taps.cell',
    `
cell Taps(x[I], u) {
  size I = 2
  output d = delay(x, 3)
  output e = delay(x, 3) * 2 + concat(delay(u, 2), delay(u, 2))[0:1]
}`,
  );
  const T = 6;
  const B = 2;
  const x: Seq = Array.from({ length: T }, (_, t) => Float64Array.from({ length: B * 2 }, (_, k) => 100 * (t + 1) + k));
  const u: Seq = Array.from({ length: T }, (_, t) => Float64Array.from({ length: B }, (_, b) => -(t + 1) - 10 * b));
  /** (x_{t−1}, x_{t−2}, x_{t−3}) of example b, zeros before the start. */
  const want = (t: number, b: number) => [1, 2, 3].flatMap((k) => (t - k >= 0 ? [x[t - k][b * 2], x[t - k][b * 2 + 1]] : [0, 0]));

  it('one shift register per (value, taps) — named after the value — as an ordinary state', () => {
    expect(taps.states.map((s) => s.name)).toEqual(['x.delay3', 'u.delay2']);
    expect(taps.states.map((s) => s.init)).toEqual([0, 0]);
  });

  it('float64 reference and GPU', async (t) => {
    const ref = runReference(taps, { I: 2 }, B, new Map(), new Map([['x', x], ['u', u]]), T).tape;
    for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) expect(Array.from(ref.outputs.get('d')![s].subarray(b * 6, b * 6 + 6))).toEqual(want(s, b));
    const ctx = deviceOrSkip(t, dev);
    const gpu = (await runGpu(ctx, taps, { I: 2 }, B, new Map(), new Map([['x', x], ['u', u]]), T)).get('d')!;
    for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) expect(Array.from(gpu.subarray((s * B + b) * 6, (s * B + b + 1) * 6))).toEqual(want(s, b));
  });

  it('gradcheck through the register (initial state, inputs)', () => {
    const r = gradcheck(taps, { T: 8, B: 2, seed: 2, sizes: { I: 2 } });
    for (const c of r.tensors) expect(c.maxRel, `${c.kind} ${c.name}`).toBeLessThan(1e-6);
    expect(r.dot.rel).toBeLessThan(1e-6);
  });
});

describe('ar.cell: AR(P) as a cell', () => {
  const g = exampleCell('ar.cell');

  it('ll_t is the Gaussian log-density of x_t given the P previous values', () => {
    const rand = uniforms(8);
    const T = 7;
    const B = 3;
    const a = [0.5, -0.25];
    const [c, logSigma] = [0.1, -0.3];
    const params = new Map([['a', Float64Array.from(a)], ['c', Float64Array.of(c)], ['log_sigma', Float64Array.of(logSigma)]]);
    const xs: Seq = Array.from({ length: T }, () => Float64Array.from({ length: B }, () => 2 * rand() - 1));
    const { tape } = runReference(g, { P: 2 }, B, params, new Map([['x', xs]]), T);
    const sigma = Math.exp(logSigma);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const prev = (k: number) => (t - k >= 0 ? xs[t - k][b] : 0);
        const mean = a[0] * prev(1) + a[1] * prev(2) + c;
        const density = Math.exp(-0.5 * ((xs[t][b] - mean) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
        expect(tape.outputs.get('ll')![t][b]).toBeCloseTo(Math.log(density), 13);
        expect(tape.outputs.get('pred')![t][b]).toBeCloseTo(mean, 14);
      }
    }
  });

  it('GPU forward and backward match the float64 reference (runtime/apps/compare)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const rows = await compareWithReference(ctx, { graph: g, sizes: { P: 3 } }, { B: 3, T: 9, seed: 1 });
    expect(rows.filter((r) => !(r.maxRel < 1e-4)).map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)}`)).toEqual([]);
  });

  it('maximum-likelihood training on data from a known AR(2) process recovers its coefficients within 0.05 (GPU, task ar-mle)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const task = arMleTask(0.6, -0.3, 0.5);
    const [B, T, steps] = [32, 50, 300];
    const model = buildModelOrThrow({ layers: [{ graph: g }], task, embed: 1 });
    const trainer = await Trainer.create(ctx, model, { B, T }, { ...DEFAULT_OPTIMIZER, lr: 0.05, schedule: 'cosine', steps });
    try {
      trainer.init(1);
      for (let k = 0; k < steps; k++) await trainer.trainStep(task.batch(batchRng(1, 0, k), B, T));
      const p = await trainer.rt.readParams();
      const [a1, a2] = p.get('a')!;
      const sigma = Math.exp(p.get('log_sigma')![0]);
      console.log(`ar-mle: a = (${a1.toFixed(4)}, ${a2.toFixed(4)}), c = ${p.get('c')![0].toFixed(4)}, σ = ${sigma.toFixed(4)} (true 0.6, −0.3, 0, 0.5)`);
      expect(Math.abs(a1 - 0.6)).toBeLessThan(0.05);
      expect(Math.abs(a2 + 0.3)).toBeLessThan(0.05);
      expect(Math.abs(p.get('c')![0])).toBeLessThan(0.05);
      expect(Math.abs(sigma - 0.5)).toBeLessThan(0.05);
    } finally {
      trainer.destroy();
    }
  });
});
