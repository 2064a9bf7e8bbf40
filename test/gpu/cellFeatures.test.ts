// The language features of test/frontend/cellFeatures.test.ts on the device,
// against the float64 reference, at odd sizes: single indices (h[0], M[1],
// M[:, 0]), dense(out = 4*H), outer(a, b) into a matrix state, learned initial
// states for a vector and a matrix state, and an initialiser expression.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const CELL = `
cell Features(x[I]) {
  size I = 3
  size H = 5
  param h0[H] init normal(0, 1 / sqrt(2 * H))
  param C0[H, I] init 0.1
  state h[H] = h0
  state C[H, I] = C0
  z = dense(x, h, out = 4*H)
  g = sigmoid(z[0:H])
  u = tanh(z[H:2*H] + z[2*H:3*H] * h[0] + z[3*H:4*H] * C[0, I - 1])
  C' = 0.5 * g[0] * C + 0.2 * outer(u, x)           # contractive: float32 rounding does not grow with T
  h' = tanh(0.5 * u + 0.2 * (C' @ x + C'[:, 0] + sum(C'[H - 1])))
  output h'
}`;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('cellFeatures.test');
});
afterAll(() => dev.ctx?.destroy());

describe('indices, dense(out = 4*H), outer, learned vector and matrix initial states on the GPU', () => {
  const r = checkSource('features.cell', CELL);
  it.for([
    { B: 3, T: 7, sizes: { I: 5, H: 17 } },
    { B: 5, T: 9, sizes: { I: 3, H: 65 } },
  ])('B=$B T=$T sizes $sizes match the float64 reference', async ({ B, T, sizes }, t) => {
    expect(r.diagnostics).toEqual([]);
    const ctx = deviceOrSkip(t, dev);
    const rows = await compareWithReference(ctx, { graph: r.graphs[0], sizes }, { B, T, seed: 3 });
    expect(rows.map((x) => x.kind).filter((k) => k === 'param grad').length).toBe(r.graphs[0].params.length);
    expect(rows.filter((x) => !(x.maxRel < 1e-4)).map((x) => `${x.kind} ${x.name}: rel ${x.maxRel.toExponential(2)}`)).toEqual([]);
  });
});
