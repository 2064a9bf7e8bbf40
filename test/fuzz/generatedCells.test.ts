// Differential testing against generated, unseen cells: a fixed seed set of
// random well-typed cells (compiler/tools/cellgen) must each pass the float64
// gradient check and match the float64 interpreter on the GPU (every output,
// final state, parameter, initial-state and input gradient, within 1e-4
// relative) at odd B and T. A failure names the seed and prints the source;
// `npm run fuzz:cells -- --count N` runs as many more as you like and shrinks
// what fails.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../compiler/index.js';
import { generateCell, renderCell, shrinkCell } from '../../compiler/tools/index.js';
import { differential } from '../../runtime/apps/fuzz/differential.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';

/** GPU cells per run: lavapipe compiles every new shader (0.1–1 s each), so the set is small; see the fuzz:cells script for volume. */
const GPU_SEEDS = Array.from({ length: 8 }, (_, i) => 1 + i);
/** Float64-only cells per run (≈ 0.5 s each on one core): seeds 1001–1200, in chunks. */
const CPU_CHUNKS = Array.from({ length: 8 }, (_, i) => 1001 + 25 * i);
const GEN = { depth: 2, small: true };

describe('the generator', () => {
  it('≥ 99% of 500 generated cells pass check (type-directed, not filtered)', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 500; seed++) {
      for (const o of [GEN, {}]) {
        const src = renderCell(generateCell(seed, o));
        const r = check(src, `seed${seed}.cell`);
        if (r.diagnostics.length) failures.push(`seed ${seed}: ${r.diagnostics[0].code} ${r.diagnostics[0].message}\n${src}`);
      }
    }
    expect(failures.length / 1000, failures.slice(0, 3).join('\n')).toBeLessThanOrEqual(0.01);
  });

  it('is deterministic and covers the language', () => {
    expect(renderCell(generateCell(42))).toBe(renderCell(generateCell(42)));
    const all = Array.from({ length: 300 }, (_, i) => renderCell(generateCell(i))).join('\n');
    for (const word of ['tanh(', 'sigmoid(', 'relu(', 'exp(', 'log(', 'sqrt(', 'rsqrt(', 'abs(', 'softplus(', 'square(', 'silu(', 'maximum(', 'minimum(', 'select(', 'sum(', 'max(', 'logsumexp(', 'mean(', 'softmax(', 'logsoftmax(', 'layernorm(', 'concat(', 'transpose(', ' @ ', 'dense(', 'eye(', 'gather(', 'onehot(', 'argmax(', 'delay(', 'inv(', 'logdet(', 'solve(', ' reverse {', ': index(V)', '][', 'transpose(eye(1) *', 'bias = false', ' / ', ' <', ' > ']) {
      expect(all, word).toContain(word);
    }
  });
});

describe('the shrinker', () => {
  it('keeps the property and the typing while making the cell smaller', async () => {
    const cell = generateCell(7);
    const has = (c: typeof cell) => renderCell(c).includes('tanh(');
    expect(has(cell)).toBe(true);
    const small = await shrinkCell(cell, has, { maxTries: 400 });
    const src = renderCell(small);
    expect(check(src).diagnostics).toEqual([]);
    expect(has(small)).toBe(true);
    expect(src.length).toBeLessThan(renderCell(cell).length);
  });
});

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('generatedCells.test');
});
afterAll(() => dev.ctx?.destroy());

describe('generated cells: float64 gradcheck and GPU vs interpreter (B=3 T=5, B=5 T=4)', () => {
  it.for(GPU_SEEDS)('seed %i', async (seed, t) => {
    const ctx = deviceOrSkip(t, dev);
    const source = renderCell(generateCell(seed, GEN));
    const r = await differential(ctx, source);
    expect(r.ok, `seed ${seed}: ${r.kind}: ${r.detail}\n${source}`).toBe(true);
    expect(r.compared).toBeGreaterThan(0);
  });
});

describe('generated cells with random masks (dropout, zoneout): float64 gradcheck and GPU vs interpreter under drawn masks', () => {
  // the first six seeds whose cell draws a mask (about half do)
  const MASKED = { ...GEN, masks: true };
  const seeds = Array.from({ length: 40 }, (_, i) => 1 + i).filter((s) => /dropout\(|zoneout\(/.test(renderCell(generateCell(s, MASKED)))).slice(0, 6);
  it.for(seeds)('seed %i', async (seed, t) => {
    const ctx = deviceOrSkip(t, dev);
    const source = renderCell(generateCell(seed, MASKED));
    const r = await differential(ctx, source);
    expect(r.ok, `seed ${seed}: ${r.kind}: ${r.detail}\n${source}`).toBe(true);
    expect(r.compared).toBeGreaterThan(0);
  });
});

describe('generated cells with heads (NH·DH sizes, per-head products, outer products, stacked transposes, reshapes, states that are stacks): float64 gradcheck and GPU vs interpreter', () => {
  const HEADS = { ...GEN, heads: true };
  // the first four seeds whose cell has a per-head product (most do)
  const seeds = Array.from({ length: 20 }, (_, i) => 1 + i).filter((s) => /heads = NH|\[NH, DH, DH\]/.test(renderCell(generateCell(s, HEADS)))).slice(0, 4);
  it.for(seeds)('seed %i', async (seed, t) => {
    const ctx = deviceOrSkip(t, dev);
    const source = renderCell(generateCell(seed, HEADS));
    const r = await differential(ctx, source);
    expect(r.ok, `seed ${seed}: ${r.kind}: ${r.detail}\n${source}`).toBe(true);
    expect(r.compared).toBeGreaterThan(0);
  });

  it('float64 gradcheck of seeds 2001–2025', async () => {
    const failures: string[] = [];
    for (let seed = 2001; seed <= 2025; seed++) {
      const source = renderCell(generateCell(seed, HEADS));
      const r = await differential(null, source);
      if (!r.ok) failures.push(`seed ${seed}: ${r.kind}: ${r.detail}\n${source}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('generated cells: float64 gradcheck (finite differences and the dot test), seeds 1001–1200', () => {
  it.for(CPU_CHUNKS)('seeds %i…+24', async (from) => {
    const failures: string[] = [];
    const inconclusive: number[] = [];
    for (let seed = from; seed < from + 25; seed++) {
      const source = renderCell(generateCell(seed, GEN));
      const r = await differential(null, source);
      if (!r.ok) failures.push(`seed ${seed}: ${r.kind}: ${r.detail}\n${source}`);
      else if (r.inconclusive) inconclusive.push(seed);
    }
    expect(failures).toEqual([]);
    // a cell non-differentiable at every point tried (a structural tie in max or argmax) says nothing;
    // they must stay rare, or the check would be vacuous
    expect(inconclusive.length, `inconclusive: ${inconclusive.join(', ')}`).toBeLessThanOrEqual(2);
  });
});

