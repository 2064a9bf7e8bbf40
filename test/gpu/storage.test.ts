// Values the schedule keeps for every step (a 'seq' tensor) rather than for
// the current step only (a 'row' buffer), dispatched on the GPU and compared
// with the float64 interpreter element by element:
//   - a value of the backward loop that a later region reads only through
//     cheap values it recomputes (generated cells that have one; forward
//     matmuls are saved for the backward pass anyway): it must be kept for
//     every step, though no later node reads it directly;
//   - the backward pass of a training artifact (no input gradients), where the
//     only post-loop readers of the loop's cotangents are the parameter-gradient
//     kernels.
// B and T odd, sizes not multiples of 4.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSizes, failed, lower, schedule } from '../../compiler/index.js';
import { generateCell, renderCell } from '../../compiler/tools/index.js';
import { cellFromText, EXAMPLES_DIR } from '../autodiff/util.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';
import { comparePerElement, describeBad } from './perElement.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('storage.test');
});
afterAll(() => dev.ctx?.destroy());

const READ_LATER = `cell ReadLater(x[I]) {
  size I = 5
  size H = 7
  param W[H, I] init glorot
  param U[H, H] init orthogonal
  param V[H, H] init glorot
  param b[H] init normal(0.5)
  state h[H] = 0
  a = tanh(U @ h + W @ x + b)
  h' = 0.5 * tanh(V @ a) + 0.5 * h
  output y = square(a) - a
}`;
const SIZES = { I: 5, H: 7 };

describe('values kept for every step', () => {
  it.for([17, 22])('generated cell %i: a backward loop value that a later region reads only through recomputed values', { timeout: 300_000 }, async (seed, t) => {
    const src = renderCell(generateCell(seed, { depth: 2, small: true }));
    const g = cellFromText(`seed${seed}.cell`, src);
    const b = bindSizes(g, {});
    if (failed(b)) throw new Error('bind failed');
    const s = schedule(lower(b)).bwd;
    const operands = new Set(s.gradTerms.flatMap((x) => (x.kind === 'outer' ? [x.a, x.b] : [x.a])));
    const kept = [...s.temporaries.values()].filter(
      (x) => x.kind === 'seq' && s.region.get(x.node) === 'loop' && !operands.has(x.node) && !s.fn.nodes.some((c) => c.args.includes(x.node) && s.region.get(c.id) !== 'loop' && s.region.has(c.id)),
    );
    expect(kept.length, `seed ${seed} exercises the case`).toBeGreaterThan(0);
    const ctx = deviceOrSkip(t, dev);
    const { bad } = await comparePerElement(ctx, g, b.sizes, { B: 5, T: 9, seed: 3, atol: 1e-5, rtol: 1e-4 });
    expect(describeBad(bad), src).toEqual([]);
  });

  for (const inputGradients of [true, false]) {
    it(`ReadLater on the GPU, ${inputGradients ? 'with' : 'without (as in training)'} input gradients, B=5 T=9`, async (t) => {
      const ctx = deviceOrSkip(t, dev);
      const { bad, compared } = await comparePerElement(ctx, cellFromText('readLater.cell', READ_LATER), SIZES, { B: 5, T: 9, seed: 2, atol: 1e-5, inputGradients });
      expect(compared).toBeGreaterThan(4);
      expect(describeBad(bad)).toEqual([]);
    });
  }

  it.for(['lstm', 'gru'])('%s without input gradients (a training artifact), B=5 T=9', async (name, t) => {
    const ctx = deviceOrSkip(t, dev);
    const g = cellFromText(`${name}.cell`, readFileSync(join(EXAMPLES_DIR, `${name}.cell`), 'utf8'));
    const { bad } = await comparePerElement(ctx, g, { I: 5, H: 9 }, { B: 5, T: 9, seed: 4, atol: 1e-5, rtol: 1e-4, inputGradients: false });
    expect(describeBad(bad)).toEqual([]);
  });
});
