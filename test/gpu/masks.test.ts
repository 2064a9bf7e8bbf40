// Random masks (dropout, zoneout; SPEC.md §6.6) on the device:
//   - the mask bits are the interpreter's, bit for bit, for the same key
//     (Philox 4x32-10 in WGSL and in TypeScript): the zero pattern of every
//     masked output is identical, per step and per sequence;
//   - evaluation (no key, or training off) uses the masks' expectation:
//     dropout is the identity, exactly;
//   - the same key gives the same masks, another draw or seed other ones;
//   - forward and backward agree with the float64 interpreter under drawn
//     masks in every schedule (sequential, step-fused, persistent, scan), at
//     odd sizes: the backward pass regenerates the forward's masks.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSizes, check, compileBound, type BackendName, type Bound, type RandomKey } from '../../compiler/index.js';
import { CellInterpreter } from '../../compiler/tools/index.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { targetOf, type GpuContext } from '../../runtime/core/device.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const MASKS = `
cell Masks(x[I]) {
  size I = 7
  size H = 5
  state h[H] = 0
  a = dropout(x, 0.5)
  v = dropout(x, 0.3, per = sequence)
  h' = zoneout(h, tanh(dense(a, h)), 0.4)
  output a
  output v
  output h'
}`;

// a diagonal recurrence (scannable) with masks in its coefficients and outside the loop
const SCANNABLE = `
cell MaskedMinGRU(x[I]) {
  size I = 5
  size H = 9
  state h[H] = 0
  z = sigmoid(dense(dropout(x, 0.2), out = H))
  n = dense(x, out = H)
  h' = zoneout(h, (1 - z) * h + z * n, 0.3, per = sequence)
  output y = dropout(h', 0.35)
}`;

function bound(source: string): Bound {
  const r = check(source, 'masks.cell');
  expect(r.diagnostics).toEqual([]);
  const b = bindSizes(r.graphs[0]);
  if ('diagnostics' in b) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b;
}

const [B, T] = [5, 9];
const KEY: RandomKey = { seed: 12345, draw: 3, training: true };

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('masks.test');
});
afterAll(() => dev.ctx?.destroy());

/** Runs the Masks cell forward on inputs of ones under `key`: its outputs a and v (T·B·I each). */
async function masked(ctx: GpuContext, key: RandomKey | undefined): Promise<{ a: Float32Array; v: Float32Array }> {
  const b = bound(MASKS);
  const rt = await CellRuntime.create(ctx, compileBound(b, { target: targetOf(ctx) }), { B, T });
  try {
    rt.initParams(1);
    rt.setInputs(new Map([['x', new Float32Array(T * B * 7).fill(1)]]));
    rt.setInitialStates();
    rt.setRandom(key);
    await rt.forward();
    return { a: await rt.readOutput('a'), v: await rt.readOutput('v') };
  } finally {
    rt.destroy();
  }
}

/** The interpreter's outputs for the same problem. */
function reference(key: RandomKey | undefined): { a: Float64Array; v: Float64Array } {
  const b = bound(MASKS);
  const interp = new CellInterpreter(b.graph, b.sizes, B);
  const params = new Map(b.graph.params.map((p) => [p.name, new Float64Array(interp.numelOf(p.node))]));
  const ones = Array.from({ length: T }, () => new Float64Array(B * 7).fill(1));
  const tape = interp.forward(params, new Map([['x', ones]]), interp.initialStates(), T, key);
  const cat = (name: string) => Float64Array.from(tape.outputs.get(name)!.flatMap((s) => [...s]));
  return { a: cat('a'), v: cat('v') };
}

const zeros = (v: ArrayLike<number>): number[] => Array.from(v, (x) => (x === 0 ? 1 : 0));

describe('random masks on the GPU', () => {
  it('are the interpreter’s bit for bit: the same elements are dropped, per step and per sequence', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const gpu = await masked(ctx, KEY);
    const ref = reference(KEY);
    expect(zeros(gpu.a)).toEqual(zeros(ref.a));
    expect(zeros(gpu.v)).toEqual(zeros(ref.v));
    // the kept elements are scaled by 1/(1 − p): 2 for p = 0.5, exactly
    expect([...new Set(gpu.a)].sort()).toEqual([0, 2]);
    // about p of them are dropped (315 draws: σ ≈ 0.028; the generator's statistics are test/autodiff/philox.test.ts)
    const frac = (v: ArrayLike<number>) => zeros(v).reduce((s, z) => s + z, 0) / v.length;
    expect(Math.abs(frac(gpu.a) - 0.5)).toBeLessThan(0.1);
    // per step: the mask changes from step to step; per sequence: every step has step 0's mask, rows differ
    const step = (v: Float32Array, k: number) => zeros(v.subarray(k * B * 7, (k + 1) * B * 7));
    expect(Array.from({ length: T }, (_, k) => step(gpu.v, k))).toEqual(Array.from({ length: T }, () => step(gpu.v, 0)));
    expect(new Set(Array.from({ length: T }, (_, k) => step(gpu.a, k).join(''))).size).toBeGreaterThan(1);
    expect(new Set(Array.from({ length: B }, (_, r) => zeros(gpu.v.subarray(r * 7, r * 7 + 7)).join(''))).size).toBeGreaterThan(1);
  });

  it('are their expectation in evaluation: dropout is the identity, exactly', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    for (const key of [undefined, { ...KEY, training: false }]) {
      const gpu = await masked(ctx, key);
      expect([...new Set(gpu.a)]).toEqual([1]);
      expect([...new Set(gpu.v)]).toEqual([1]);
    }
  });

  it('are reproduced by the same key and differ for another draw or seed', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const [first, again, draw, seed] = await Promise.all([KEY, KEY, { ...KEY, draw: 4 }, { ...KEY, seed: 54321 }].map((k) => masked(ctx, k)));
    expect(zeros(again.a)).toEqual(zeros(first.a));
    expect(zeros(draw.a)).not.toEqual(zeros(first.a));
    expect(zeros(seed.a)).not.toEqual(zeros(first.a));
  });
});

describe('cells with masks match the float64 interpreter under drawn masks in every schedule', () => {
  const cases: [string, string, BackendName][] = [
    ['Masks', MASKS, 'per-step'],
    ['Masks', MASKS, 'step-fused'],
    ['Masks', MASKS, 'persistent'],
    ['MaskedMinGRU', SCANNABLE, 'per-step'],
    ['MaskedMinGRU', SCANNABLE, 'scan'],
  ];
  it.for(cases)('%s, %s backend', async ([, source, backend], t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(source);
    const artifact = compileBound(b, { target: targetOf(ctx), backend });
    expect(artifact.randomMasks).toBe(true);
    for (const random of [KEY, undefined]) {
      const rows = await compareWithReference(ctx, { ...b, artifact }, { B, T, seed: 5, random });
      const bad = rows.filter((r) => !(r.maxRel < 1e-4));
      expect(bad.map((r) => `${random ? 'training' : 'evaluation'}: ${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)}`)).toEqual([]);
    }
  });

  it('a trial axis is refused (each trial would need its own key)', () => {
    expect(() => compileBound(bound(MASKS), { trialAxis: true })).toThrow(/random masks/);
  });
});
