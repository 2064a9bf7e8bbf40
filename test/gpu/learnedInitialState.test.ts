// Learned initial states (`state h[H] = h0`, SPEC.md §4.4) in the artifact
// and on the device: s_0 is filled from the parameter by a kernel first in the
// forward prelude, Σ_rows ∂L/∂s_0 is added to the parameter's gradient by a
// kernel last in the gradient stage, and both are skipped while the caller
// gives or carries s_0. (The float64 comparison of every output and gradient
// is test/gpu/cells.test.ts on dsl-examples/lstm_h0.cell.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, dispatchCounts, type Artifact } from '../../compiler/index.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { acquireTestDevice, deviceOrSkip, randomF32, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sizes = { I: 3, H: 5 };
const [B, T] = [3, 4];

function artifactOf(file: string): Artifact {
  const r = compile(readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'), { path: file, sizes });
  if ('diagnostics' in r) throw new Error(r.formatted);
  return r.artifact;
}

const a = artifactOf('lstm_h0.cell');

describe('the artifact of lstm_h0.cell', () => {
  it('fills h and c from h0 and c0 first in the forward prelude and sums their gradients last', () => {
    const fills = a.states.map((s) => s.initParam?.fill);
    const grads = a.states.map((s) => s.initParam?.grad);
    expect(a.states.map((s) => s.initParam?.param)).toEqual(['h0', 'c0']);
    expect(a.forward.prelude.slice(0, 2)).toEqual(fills);
    expect(a.backward.grads.slice(-2)).toEqual(grads);
    const fill = a.kernels.find((k) => k.name === fills[0])!;
    expect(fill.bindings.flatMap((b) => (b.resource.kind === 'arena' ? [`${b.resource.arena}:${b.kind}`] : []))).toEqual(['params:read-only-storage', 'tape:storage']);
  });

  it('has the per-step schedule of the LSTM with a zero initial state (nothing added to the loop)', () => {
    const plain = artifactOf('lstm.cell');
    const [c, p] = [dispatchCounts(a), dispatchCounts(plain)];
    expect([c.forwardPerStep, c.backwardPerStep]).toEqual([p.forwardPerStep, p.backwardPerStep]);
    expect([c.forwardOnce, c.backwardOnce]).toEqual([p.forwardOnce + 2, p.backwardOnce + 2]);
  });
});

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('learnedInitialState.test');
});
afterAll(() => dev.ctx?.destroy());

describe('on the device', () => {
  const H = sizes.H;
  const rows = (v: Float32Array) => Float32Array.from({ length: B * v.length }, (_, i) => v[i % v.length]);
  const batchSum = (v: Float32Array) => Float32Array.from({ length: H }, (_, i) => Array.from({ length: B }, (_, b) => v[b * H + i]).reduce((s, x) => s + x, 0));

  it('s_0 is the parameter; its gradient is Σ_rows ∂L/∂s_0; a given or carried s_0 is kept and gives the parameter no gradient', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const rt = await CellRuntime.create(ctx, a, { B, T });
    try {
      const params = rt.initParams(5);
      params.set('h0', randomF32(H, 1));
      params.set('c0', randomF32(H, 2));
      rt.setParams(params);
      rt.setInputs(new Map([['x', randomF32(T * B * sizes.I, 3)]]));
      rt.setOutputCotangents(new Map([['h', randomF32(T * B * H, 4)]]));
      rt.setFinalStateCotangents();

      rt.setInitialStates();
      await rt.forwardBackward();
      expect(await rt.readState('h', 0)).toEqual(rows(params.get('h0')!));
      expect(await rt.readState('c', 0)).toEqual(rows(params.get('c0')!));
      const g = await rt.readGrads();
      const ds = await rt.readInitialStateGrads();
      for (const [s, p] of [['h', 'h0'], ['c', 'c0']]) {
        const want = batchSum(ds.get(s)!);
        expect(Math.max(...want.map(Math.abs)), `∂${p} is not trivially zero`).toBeGreaterThan(1e-3);
        for (let i = 0; i < H; i++) expect(g.get(p)![i]).toBeCloseTo(want[i], 5);
      }
      const before = await rt.readOutput('h');

      // a given s_0 for h only: h keeps it, c still starts from c0
      const given = randomF32(B * H, 6);
      rt.setInitialStates(new Map([['h', given]]));
      await rt.forwardBackward();
      expect(await rt.readState('h', 0)).toEqual(given);
      expect(await rt.readState('c', 0)).toEqual(rows(params.get('c0')!));
      const g2 = await rt.readGrads();
      expect([...g2.get('h0')!]).toEqual(new Array(H).fill(0));
      expect(Math.max(...g2.get('c0')!.map(Math.abs))).toBeGreaterThan(1e-3);

      // back to the parameter: the first run again, bit for bit
      rt.setInitialStates();
      await rt.forwardBackward();
      expect(await rt.readOutput('h')).toEqual(before);

      // held (a carry): a new h0 is not written into s_0 and gets no gradient
      params.set('h0', randomF32(H, 7));
      rt.setParams(params);
      rt.holdInitialStates();
      await rt.forwardBackward();
      expect(await rt.readOutput('h')).toEqual(before);
      const g3 = await rt.readGrads();
      expect([...g3.get('h0')!, ...g3.get('c0')!]).toEqual(new Array(2 * H).fill(0));
    } finally {
      rt.destroy();
    }
  });
});
