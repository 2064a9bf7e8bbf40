// Every built-in on the GPU with pre-activations of 5–20 (inputs of standard
// deviation 8), against the float64 interpreter element by element. At these
// values the WGSL spellings' clamps and thresholds matter (tanh's ±15,
// softplus's max(x, 0), silu's ±80) and saturated elements are compared on their
// own, not drowned in a max-relative error: tanh clamped at ±5 is off by 9e-5
// in the forward value, well inside 1e-4 of the largest element but 5× this
// file's per-element tolerance. B and T odd, sizes not multiples of 4.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellFromText } from '../autodiff/util.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';
import { comparePerElement, describeBad } from './perElement.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('largeValues.test');
});
afterAll(() => dev.ctx?.destroy());

const HEAD = `  size H = 7
  param W[H, H] init glorot
  param b[H] init normal(1)
  state h[H] = 0`;

// Each cell: `a` is the pre-activation (x has standard deviation 8, so |a| reaches 5–20),
// every output one built-in of it; the state keeps the loop non-trivial.
const CELLS: Record<string, string> = {
  saturating: `cell Sat(x[H]) {
${HEAD}
  a = x + 0.5 * h + b
  h' = tanh(0.05 * (W @ tanh(a)) + 0.5 * h)
  output a
  output t = tanh(a)
  output s = sigmoid(a)
  output p = softplus(a)
  output q = silu(a)
  output e = exp(0.2 * a)
}`,
  positive: `cell Pos(x[H]) {
${HEAD}
  a = x + h + b
  p = square(a) + 0.25
  h' = tanh(0.01 * (W @ rsqrt(p)) + 0.3 * h)
  output a
  output r = rsqrt(p)
  output s = sqrt(p)
  output l = log(p)
  output m = abs(a) - relu(a - 3)
}`,
  choosing: `cell Sel(x[H]) {
${HEAD}
  a = x - h + b
  c = W @ h
  h' = tanh(0.1 * select(a > c, a, c) + 0.1 * maximum(a, -c) - 0.1 * minimum(a, 2 * c))
  output a
  output s = select(a >= 6, a, -a * 0.5)
  output u = select(a < -5, 1, h)
  output m = maximum(a, 7) - minimum(a, -7)
}`,
  normalising: `cell Norm(x[H]) {
${HEAD}
  a = x + 2 * h + b
  h' = tanh(0.2 * layernorm(W @ a) + 0.2 * h)
  output a
  output n = layernorm(a)
  output s = softmax(a)
  output l = logsoftmax(a)
  output z = logsumexp(a) - max(a)
  output m = mean(square(a))
}`,
};

describe('built-ins on the GPU at pre-activations of 5–20, element by element (B=5, T=9)', () => {
  it.for(Object.entries(CELLS))('%s', async ([name, src], t) => {
    const ctx = deviceOrSkip(t, dev);
    const g = cellFromText(`${name}.cell`, src);
    const { bad, compared, outputs } = await comparePerElement(ctx, g, { H: 7 }, { B: 5, T: 9, seed: 5, inputScale: 8, atol: 1e-5 });
    const a = outputs.get('a')!;
    const big = a.filter((v) => Math.abs(v) >= 5).length;
    const reach = Math.max(...a.map(Math.abs));
    // the pre-activations really are large: many elements past 5, some past 15
    expect(big / a.length, `${name}: share of |a| ≥ 5`).toBeGreaterThan(0.3);
    expect(reach, `${name}: max |a|`).toBeGreaterThan(15);
    expect(compared).toBe(g.outputs.length + 2 * g.states.length + g.params.length + g.inputs.length);
    expect(describeBad(bad)).toEqual([]);
  });
});
