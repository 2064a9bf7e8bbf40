// The losses of compiler/tools/interp/loss.ts against central finite differences:
// ∂L/∂y_t, ∂L/∂R and ∂L/∂c for mse and softmax cross-entropy, at every step or
// the last, summed or averaged.

import { describe, expect, it } from 'vitest';
import { lossAndGradient, type LossSpec } from '../../compiler/tools/interp/loss.js';
import { Rng } from '../../compiler/numeric/random.js';
import { concat, relErr } from './util.js';

const T = 4;
const B = 3;
const D = 5;
const K = 3;

describe('lossAndGradient', () => {
  const specs: LossSpec[] = [];
  for (const kind of ['mse', 'xent'] as const) for (const at of ['every', 'last'] as const) for (const reduce of ['mean', 'sum'] as const) specs.push({ kind, at, reduce, K });
  it.each(specs.map((s) => [`${s.kind}/${s.at}/${s.reduce}`, s] as const))('%s: gradients match finite differences', (_n, spec) => {
    const rng = new Rng(3);
    const ys = Array.from({ length: T }, () => rng.fillNormal(B * D));
    const readout = { R: rng.fillNormal(K * D, 0.5), c: rng.fillNormal(K, 0.1) };
    const targets = Array.from({ length: T }, () => (spec.kind === 'mse' ? rng.fillNormal(B * K) : Float64Array.from({ length: B }, () => rng.int(K))));
    const f = () => lossAndGradient(spec, readout, ys, targets, B).loss;
    const r = lossAndGradient(spec, readout, ys, targets, B);
    const fd = (x: Float64Array) =>
      Float64Array.from(x, (_, i) => {
        const x0 = x[i];
        x[i] = x0 + 1e-6;
        const p = f();
        x[i] = x0 - 1e-6;
        const m = f();
        x[i] = x0;
        return (p - m) / 2e-6;
      });
    expect(relErr(concat(r.dOutputs), concat(ys.map(fd)))).toBeLessThan(1e-7);
    expect(relErr(r.dR, fd(readout.R))).toBeLessThan(1e-7);
    expect(relErr(r.dc, fd(readout.c))).toBeLessThan(1e-7);
    if (spec.at === 'last') for (let t = 0; t < T - 1; t++) expect(r.dOutputs[t].every((v) => v === 0)).toBe(true);
  });

  it('mean divides by |steps|·B, sum does not', () => {
    const rng = new Rng(1);
    const ys = Array.from({ length: T }, () => rng.fillNormal(B * D));
    const readout = { R: rng.fillNormal(K * D), c: new Float64Array(K) };
    const targets = Array.from({ length: T }, () => rng.fillNormal(B * K));
    const sum = lossAndGradient({ kind: 'mse', at: 'every', reduce: 'sum', K }, readout, ys, targets, B).loss;
    const mean = lossAndGradient({ kind: 'mse', at: 'every', reduce: 'mean', K }, readout, ys, targets, B).loss;
    expect(mean * T * B).toBeCloseTo(sum, 10);
  });
});
