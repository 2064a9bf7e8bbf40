// The GPU judge's roundoff criterion (runtime/apps/compare/gpuVsReference.ts
// `agrees`): a tensor that is ≈ 0 in float64 only by cancellation (the layer
// norm of a two-element vector is ±1 whatever the vector, so its gradient is 0)
// comes out of float32 arithmetic as roundoff far above the 1e-6 absolute
// floor. The reference computed again with every value rounded to float32
// (compiler/tools/interp/evalStep.ts) shows the same roundoff, and the judge
// accepts a GPU within 10× of it — and nothing more: a well-conditioned cell's
// float32 roundoff stays near 1e-7 of its scale, far inside the 1e-4 tolerance.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindSizes, check, type Bound } from '../../compiler/index.js';
import { CellInterpreter } from '../../compiler/tools/index.js';
import { agrees, compareWithReference, type Comparison } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// generated cell 49, shrunk (it failed the absolute floor alone: abs 7e-6 on a gradient that is 0)
const CANCELS = `cell Cancels(x[I]) {
  size I = 1
  size K = 2
  param r[K] init normal(0.4)
  param p[I, K] init normal(0.4)
  output y = p + layernorm(r)
}
`;

function bound(source: string, path: string): Bound {
  const r = check(source, path);
  expect(r.diagnostics).toEqual([]);
  const b = bindSizes(r.graphs[0], {});
  if ('diagnostics' in b) throw new Error(path);
  return b;
}

const row = (over: Partial<Comparison>): Comparison => ({ name: 'w', kind: 'param grad', maxAbs: 0, maxRel: 0, count: 4, ...over });

describe('agrees', () => {
  it('passes within the tolerance, below the floor, or within 10x the float32 roundoff; fails otherwise', () => {
    expect(agrees(row({ maxRel: 5e-5, maxAbs: 1 }), 1e-4)).toBe(true);
    expect(agrees(row({ maxRel: 1e3, maxAbs: 5e-7 }), 1e-4)).toBe(true);
    expect(agrees(row({ maxRel: 1e8, maxAbs: 7e-6, roundoff: 1.8e-5 }), 1e-4)).toBe(true);
    // a wrong value is not roundoff: 0.5 off where float32 moves it by 1e-7
    expect(agrees(row({ maxRel: 0.5, maxAbs: 0.5, roundoff: 1e-7 }), 1e-4)).toBe(false);
    // not measured, or float32 overflowed: no excuse
    expect(agrees(row({ maxRel: 1e8, maxAbs: 7e-6 }), 1e-4)).toBe(false);
    expect(agrees(row({ maxRel: 1e8, maxAbs: 7e-6, roundoff: Infinity }), 1e-4)).toBe(false);
  });

  it('the float32 interpreter rounds every value: 1/3 differs from float64, exact values do not', () => {
    const src = 'cell D(x[I]) {\n  size I = 2\n  output y = x / 3\n  output z = x * 2\n}\n';
    const b = bound(src, 'd.cell');
    const inputs = new Map([['x', [Float64Array.from([1, 2])]]]);
    const [t64, t32] = [false, true].map((f32) => new CellInterpreter(b.graph, b.sizes, 1, f32).forward(new Map(), inputs, new Map(), 1));
    expect(t32.outputs.get('y')![0][0]).toBe(Math.fround(1 / 3));
    expect(t64.outputs.get('y')![0][0]).toBe(1 / 3);
    expect(t32.outputs.get('z')![0]).toEqual(t64.outputs.get('z')![0]);
  });
});

describe('on the GPU', () => {
  let dev: TestDevice = { ctx: null, reason: 'not acquired' };
  beforeAll(async () => {
    dev = await acquireTestDevice('roundoff.test');
  });
  afterAll(() => dev.ctx?.destroy());

  it('a gradient that is 0 by cancellation: above the absolute floor, within the roundoff float32 shows', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const rows = await compareWithReference(ctx, bound(CANCELS, 'cancels.cell'), { B: 5, T: 4, seed: 3, roundoff: true });
    const r = rows.find((x) => x.name === 'r')!;
    expect(r.roundoff!).toBeGreaterThan(1e-6);
    for (const x of rows) expect(agrees(x, 1e-4), `${x.kind} ${x.name}`).toBe(true);
  });

  it('a well-conditioned cell: float32 roundoff is about 1e-7 of each tensor, so the criterion stays tight', { timeout: 120_000 }, async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(readFileSync(join(ROOT, 'dsl-examples/lstm.cell'), 'utf8').replace('size I = 64', 'size I = 5').replace('size H = 128', 'size H = 9'), 'lstm.cell');
    const rows = await compareWithReference(ctx, b, { B: 3, T: 5, seed: 3, roundoff: true });
    for (const x of rows) {
      const scale = x.maxAbs / Math.max(x.maxRel, 1e-300);
      expect(x.roundoff!, `${x.kind} ${x.name}`).toBeLessThan(1e-5 * scale);
      expect(agrees(x, 1e-4)).toBe(true);
    }
  });
});
