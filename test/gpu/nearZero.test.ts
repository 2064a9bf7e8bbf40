// Built-ins whose WGSL builtin loses relative accuracy near a point where the
// value is tiny (compiler/backend/webgpu/wgslOps.ts): lavapipe's tanh has an
// absolute error of about 1e-7, so tanh(1e-6) came out 3 % off, and
// log(1 + exp(x)) is 0 in f32 for x < −17 (softplus(−30) = 9.4e-14 became 0).
// Their spellings take a series there. Each output against the float64
// interpreter within 1e-5 of its own scale.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, boundCell, deviceOrSkip, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('nearZero.test');
});
afterAll(() => dev.ctx?.destroy());

const CELL = `cell Tiny(x[I]) {
  size I = 37
  output a = tanh(0.000001 * x)
  output b = tanh(0.001 * x)
  output c = tanh(0.1 * x)
  output d = softplus(x - 30)
  output e = softplus(10 * x - 3)
  output f = softplus(x + 30)
}
`;

it('tanh near 0 and softplus far below 0 keep their relative accuracy', async (t) => {
  const ctx = deviceOrSkip(t, dev);
  const rows = await compareWithReference(ctx, boundCell(CELL, 'tiny.cell'), { B: 3, T: 5, seed: 2 });
  const outputs = rows.filter((r) => r.kind === 'output');
  expect(outputs.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  for (const r of rows) expect(r.maxRel, `${r.kind} ${r.name}`).toBeLessThan(1e-5);
});
