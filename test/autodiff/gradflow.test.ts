// The gradflow engine (compiler/tools/interp/gradflow.ts): ‖∂L/∂s_t‖ for t = T … 0
// under a loss at the last step, at realistic sizes with the declared
// initialisers.

import { describe, expect, it } from 'vitest';
import { gradientFlow, initialParams, meanDecayPerStep } from '../../compiler/tools/interp/gradflow.js';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import { Rng } from '../../compiler/numeric/random.js';
import { cellFromText, example } from './util.js';

const declared = (file: string) => {
  const g = example(file);
  return { g, sizes: Object.fromEntries(g.sizes.map((s) => [s.name, s.value!])) };
};

describe('gradientFlow', () => {
  it('reports t = T … 0; the t = T row of an `output h\'` cell is ‖∂L/∂y_T‖, the other states 0 there', () => {
    const { g } = declared('lstm.cell');
    const r = gradientFlow(g, { T: 10, B: 3, seed: 4, sizes: { I: 5, H: 6 } });
    expect(r.steps.map((s) => s.t)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(r.states).toEqual(['h', 'c']);
    expect(r.steps[0].perState.get('c')).toBe(0);
    expect(r.steps[0].perState.get('h')).toBeGreaterThan(0);
    for (const s of r.steps) {
      const total = Math.hypot(...[...s.perState.values()]);
      expect(Math.abs(s.total - total)).toBeLessThanOrEqual(1e-15 * total);
    }
    expect(r.spec).toMatchObject({ at: 'last', kind: 'mse' });
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const { g } = declared('gru.cell');
    const a = gradientFlow(g, { T: 6, B: 2, seed: 1, sizes: { I: 4, H: 5 } });
    const b = gradientFlow(g, { T: 6, B: 2, seed: 1, sizes: { I: 4, H: 5 } });
    const c = gradientFlow(g, { T: 6, B: 2, seed: 2, sizes: { I: 4, H: 5 } });
    expect(b.steps).toEqual(a.steps);
    expect(c.steps[3].total).not.toBe(a.steps[3].total);
  });

  it('uses the declared initialisers (forget bias 1, orthogonal U) from the seed', () => {
    const { g, sizes } = declared('elman.cell');
    const interp = new CellInterpreter(g, sizes, 1);
    const p = initialParams(interp, new Rng(9));
    const U = p.get('U')!;
    const H = sizes.H;
    // UᵀU = I for an orthogonal init
    let worst = 0;
    for (let i = 0; i < H; i += 17) for (let j = 0; j < H; j += 13) {
      let s = 0;
      for (let k = 0; k < H; k++) s += U[k * H + i] * U[k * H + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
    expect(worst).toBeLessThan(1e-12);
    const lstm = example('lstm.cell');
    const lp = initialParams(new CellInterpreter(lstm, { I: 3, H: 4 }, 1), new Rng(9));
    expect([...lp.get('f.b')!]).toEqual([1, 1, 1, 1]);
    expect([...lp.get('i.b')!]).toEqual([0, 0, 0, 0]);
  });

  it('a cell whose output is not a state gets the loss through ∂L/∂y_T: the t = T row is 0', () => {
    const g = cellFromText('proj.cell', `
cell Proj(x[I]) {
  size I = 3
  size H = 4
  state h[H] = 0
  h' = tanh(dense(x, h))
  output y = dense(h', out = 2)
}`);
    const r = gradientFlow(g, { T: 5, B: 2, seed: 1, sizes: { I: 3, H: 4 } });
    expect(r.steps[0].total).toBe(0);
    expect(r.steps[1].total).toBeGreaterThan(0);
    expect(meanDecayPerStep(r)!.from).toBe(4);
  });

  it('handles index inputs (embedding cells)', () => {
    const g = cellFromText('emb.cell', `
cell Emb(o: index(V)) {
  size V = 7
  size H = 4
  param E[V, H] init normal(1)
  state h[H] = 0
  h' = tanh(gather(E, o) + dense(h))
  output h'
}`);
    const r = gradientFlow(g, { T: 6, B: 3, seed: 1, sizes: { V: 7, H: 4 } });
    expect(r.steps.every((s) => Number.isFinite(s.total))).toBe(true);
    expect(r.steps.at(-1)!.total).toBeGreaterThan(0);
  });

  it('runs at realistic sizes: LSTM I=64, H=128 (declared), T=100, B=2', () => {
    const { g, sizes } = declared('lstm.cell');
    const t0 = performance.now();
    const r = gradientFlow(g, { T: 100, B: 2, seed: 1, sizes });
    const ms = performance.now() - t0;
    expect(r.steps.length).toBe(101);
    expect(r.steps.every((s) => Number.isFinite(s.total) && s.total >= 0)).toBe(true);
    const d = meanDecayPerStep(r)!;
    console.log(`gradflow LSTM I=64 H=128 T=100 B=2: ${ms.toFixed(0)} ms, ‖∂L/∂s_0‖/‖∂L/∂s_100‖ = ${d.ratio.toExponential(2)} (×${d.perStep.toFixed(3)}/step)`);
    expect(d.perStep).toBeLessThan(1);
    expect(ms).toBeLessThan(30_000);
  });
});
