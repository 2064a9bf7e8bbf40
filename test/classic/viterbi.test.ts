// Viterbi decoding as two cells (dsl-examples/viterbi.cell): the max-product
// forward pass with back-pointers as an output, then backtracking in a
// reverse-time cell fed with the forward pass's outputs. Against brute-force
// enumeration of every state path, in float64 and on the GPU. Plus the
// meaning of a reverse-time scan itself (`cell C(…) reverse { … }`).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradcheck } from '../../compiler/tools/interp/gradcheck.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';
import { bruteForceViterbi, cells, exampleCell, hmmFromLogits, runGpu, runReference, uniforms, type Seq } from './reference.js';

const S = 3;
const V = 4;
const T = 6;
const B = 5;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('classic/viterbi.test');
});
afterAll(() => dev.ctx?.destroy());

const viterbi = exampleCell('viterbi.cell', 'Viterbi');
const backtrack = exampleCell('viterbi.cell', 'Backtrack');
const rand = uniforms(99);
const params = new Map(viterbi.params.map((p) => [p.name, Float64Array.from({ length: p.name === 'init_logits' ? S : p.name === 'trans_logits' ? S * S : S * V }, () => 3 * (rand() - 0.5))]));
const hmm = hmmFromLogits(S, V, params);
const obs = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rand() * V)));
const tokens: Seq = Array.from({ length: T }, (_, t) => Float64Array.from(obs, (o) => o[t]));
const brute = obs.map((o) => bruteForceViterbi(hmm, o));

/** The decoded state at (t, b) from the one-hot path output (T·B·S values, time-major). */
const decode = (path: ArrayLike<number>, t: number, b: number) => {
  const row = Array.from({ length: S }, (_, j) => path[(t * B + b) * S + j]);
  expect(row.filter((v) => Math.abs(v) > 1e-6).length, `path at t=${t}, example ${b} is one-hot`).toBe(1);
  return row.findIndex((v) => Math.abs(v - 1) < 1e-5);
};

describe('viterbi.cell against brute-force enumeration of all 3^6 state paths', () => {
  it('the problem has no ties (best and second-best paths differ)', () => {
    for (const r of brute) expect(r.score - r.runnerUp).toBeGreaterThan(1e-6);
  });

  it('float64 reference: the score is max_z log p(z, o) and backtracking returns the argmax path', () => {
    const fwd = runReference(viterbi, { S, V }, B, params, new Map([['o', tokens]]), T).tape;
    for (let b = 0; b < B; b++) expect(fwd.outputs.get('score')![T - 1][b]).toBeCloseTo(brute[b].score, 12);
    const back = runReference(backtrack, { S }, B, new Map(), new Map([['delta', fwd.outputs.get('delta')!], ['bp', fwd.outputs.get('bp')!]]), T).tape;
    const path = back.outputs.get('path')!.flatMap((x) => Array.from(x));
    for (let b = 0; b < B; b++) expect(Array.from({ length: T }, (_, t) => decode(path, t, b)), `example ${b}`).toEqual(brute[b].path);
  });

  it('GPU: both cells, the second fed with the first one’s float32 outputs', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const fwd = await runGpu(ctx, viterbi, { S, V }, B, params, new Map([['o', tokens]]), T);
    for (let b = 0; b < B; b++) expect(Math.abs(fwd.get('score')![(T - 1) * B + b] - brute[b].score)).toBeLessThan(2e-6 * Math.abs(brute[b].score) + 1e-6);
    const steps = (v: Float32Array, n: number): Seq => Array.from({ length: T }, (_, s) => Float64Array.from(v.subarray(s * B * n, (s + 1) * B * n)));
    const back = await runGpu(ctx, backtrack, { S }, B, new Map(), new Map([['delta', steps(fwd.get('delta')!, S)], ['bp', steps(fwd.get('bp')!, S * S)]]), T);
    const path = back.get('path')!;
    for (let b = 0; b < B; b++) expect(Array.from({ length: T }, (_, s) => decode(path, s, b)), `example ${b}`).toEqual(brute[b].path);
  });

  it('GPU forward and backward of both cells match the float64 reference (runtime/apps/compare)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    for (const [cell, sizes] of [[viterbi, { S, V }], [backtrack, { S }]] as const) {
      const rows = await compareWithReference(ctx, { graph: cell, sizes }, { B, T, seed: 1 }); // the B and T above: forward pipelines compiled already
      expect(rows.filter((r) => !(r.maxRel < 1e-4)).map((r) => `${cell.name}: ${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)}`)).toEqual([]);
    }
  });
});

describe('reverse-time cells', () => {
  const [suffix, rnnFwd, rnnRev] = cells(
    'reverse.cell',
    `
cell Suffix(x) reverse {
  state s = 0
  s' = s + x
  output s'
}
cell Rnn(x[I]) {
  size I = 3
  size H = 4
  state h[H] = 0
  h' = tanh(dense(x, h))
  output h'
}
cell RnnRev(x[I]) reverse {
  size I = 3
  size H = 4
  state h[H] = 0
  h' = tanh(dense(x, h))
  output h'
}`,
  );
  const Tr = 7;
  const Br = 2;
  const xs: Seq = Array.from({ length: Tr }, (_, t) => Float64Array.from({ length: Br }, (_, b) => t + 10 * b + 1));

  it('a reverse scan runs t = T−1 … 0: the output at t is the suffix sum Σ_{τ ≥ t} x_τ (reference and GPU)', async (t) => {
    const want = (s: number, b: number) => xs.slice(s).reduce((a, x) => a + x[b], 0);
    const ref = runReference(suffix, {}, Br, new Map(), new Map([['x', xs]]), Tr).tape;
    for (let s = 0; s < Tr; s++) for (let b = 0; b < Br; b++) expect(ref.outputs.get('s')![s][b]).toBe(want(s, b));
    expect(ref.states.get('s')![Tr][1]).toBe(want(0, 1)); // the final state is the one after the last scan step (t = 0)
    const ctx = deviceOrSkip(t, dev);
    const gpu = (await runGpu(ctx, suffix, {}, Br, new Map(), new Map([['x', xs]]), Tr)).get('s')!;
    for (let s = 0; s < Tr; s++) for (let b = 0; b < Br; b++) expect(gpu[s * Br + b]).toBe(want(s, b));
  });

  it('a reverse cell is the forward cell run on the time-reversed sequence, and its BPTT passes gradcheck', () => {
    const rand2 = uniforms(5);
    const p = new Map(rnnFwd.params.map((q) => [q.name, Float64Array.from({ length: q.name.endsWith('.b') ? 4 : q.name.endsWith('W_x') ? 12 : 16 }, () => rand2() - 0.5)]));
    const x: Seq = Array.from({ length: Tr }, () => Float64Array.from({ length: Br * 3 }, () => rand2() - 0.5));
    const fwd = runReference(rnnFwd, { I: 3, H: 4 }, Br, p, new Map([['x', [...x].reverse()]]), Tr).tape;
    const rev = runReference(rnnRev, { I: 3, H: 4 }, Br, p, new Map([['x', x]]), Tr).tape;
    for (let s = 0; s < Tr; s++) expect(Array.from(rev.outputs.get('h')![s])).toEqual(Array.from(fwd.outputs.get('h')![Tr - 1 - s]));
    const r = gradcheck(rnnRev, { T: 8, B: 2, seed: 3, sizes: { I: 3, H: 4 } });
    for (const c of r.tensors) expect(c.maxRel, `${c.kind} ${c.name}`).toBeLessThan(1e-6);
    expect(r.dot.rel).toBeLessThan(1e-6);
  });

  it('gradcheck of both Viterbi cells (T = 8, B = 2)', () => {
    for (const [cell, sizes] of [[viterbi, { S, V }], [backtrack, { S }]] as const) {
      const r = gradcheck(cell, { T: 8, B: 2, seed: 1, sizes });
      for (const c of r.tensors) expect(c.maxRel, `${cell.name}: ${c.kind} ${c.name}`).toBeLessThan(1e-6);
      expect(r.dot.rel).toBeLessThan(1e-6);
    }
  });
});
