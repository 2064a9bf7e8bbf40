// Every parameter-gradient path of the per-step backend dispatched on the GPU
// and compared with the float64 interpreter. A matrix parameter of at least
// 64×64 (backend/webgpu/perStep.ts) gets its outer-product terms as tiled
// GEMMs over all T·B rows, accumulated into ∂W, and its other terms as
// column-sum kernels that add into the same ∂W; smaller parameters share one
// per-element kernel ('grads_small'). The cell below gives the large W two
// outer terms (two products) and two column-sum terms (two elementwise uses),
// so each accumulation into an existing gradient is exercised, and the test
// first checks from the artifact that those kernels are the ones dispatched.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBound } from '../../compiler/index.js';
import { targetOf } from '../../runtime/core/device.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { cellFromText } from '../autodiff/util.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';
import { comparePerElement, describeBad } from './perElement.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('gradPaths.test');
});
afterAll(() => dev.ctx?.destroy());

const SRC = `cell Big(x[I], u[I]) {
  size I = 67
  size H = 65
  param W[H, I] init glorot
  param V[H, H] init orthogonal
  param c[H] init 0
  state h[H] = 0
  h' = tanh(W @ x + 0.5 * (W @ u) + V @ h + 0.1 * sum(W * x, axis = 1) - 0.2 * sum(W * u, axis = 1) + c)
  output h'
}`;
const SIZES = { I: 67, H: 65 };

describe('large-parameter gradients: GEMM and column-sum terms accumulated into one ∂W', () => {
  it('the artifact dispatches two gradient GEMMs and two column sums for W, and the small kernel for the rest', (t) => {
    const ctx = deviceOrSkip(t, dev);
    const a = compileBound({ graph: cellFromText('big.cell', SRC), sizes: SIZES }, { target: targetOf(ctx) });
    const grads = a.kernels.filter((k) => k.role === 'gemm' || k.role === 'colsum' || k.role === 'grads').map((k) => k.name);
    expect(grads.filter((n) => /^grad\d+_W$/.test(n))).toHaveLength(2);
    expect(grads.filter((n) => /^grad\d+_colsum$/.test(n))).toHaveLength(2);
    expect(grads).toContain('grads_small');
  });

  it('matches the interpreter at B=5, T=9 (max-relative 1e-4)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const g = cellFromText('big.cell', SRC);
    const rows = await compareWithReference(ctx, { graph: g, sizes: SIZES }, { B: 5, T: 9, seed: 3 });
    expect(rows.filter((r) => !(r.maxRel < 1e-4)).map((r) => `${r.kind} ${r.name}: ${r.maxRel.toExponential(2)}`)).toEqual([]);
    expect(rows.filter((r) => r.kind === 'param grad').map((r) => r.name).sort()).toEqual(['V', 'W', 'c']);
  });

  it('matches the interpreter element by element at B=3, T=15', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const { bad } = await comparePerElement(ctx, cellFromText('big.cell', SRC), SIZES, { B: 3, T: 15, seed: 9, atol: 1e-5, rtol: 1e-4 });
    expect(describeBad(bad)).toEqual([]);
  });
});
