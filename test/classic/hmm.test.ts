// Hidden Markov models as cells (dsl-examples/hmm_forward.cell): the scaled
// forward algorithm in log space against brute-force summation over every
// state path, in float64 and on the GPU; BPTT of the log-likelihood against
// an independently written forward–backward smoother (the gradient with
// respect to log-emission and log-transition scores IS the posterior
// marginals and the expected transition counts); and maximum-likelihood
// training on data from a known HMM (GPU), judged on held-out sequences.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { batchRng, hmmTask, sampleHmm, TRUE_HMM } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer } from '../../runtime/apps/train/trainer.js';
import { Rng } from '../../compiler/numeric/random.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';
import { bruteForceLogLikelihood, cells, exampleCell, forwardBackward, hmmFromLogits, runGpu, runReference, uniforms, type Hmm, type Seq } from './reference.js';

const S = 3;
const V = 4;
const T = 6;
const B = 4;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('classic/hmm.test');
});
afterAll(() => dev.ctx?.destroy());

const g = exampleCell('hmm_forward.cell');
const rand = uniforms(2024);
const params = new Map(g.params.map((p) => [p.name, Float64Array.from({ length: p.name === 'init_logits' ? S : p.name === 'trans_logits' ? S * S : S * V }, () => 2 * (rand() - 0.5) * 1.5)]));
const hmm = hmmFromLogits(S, V, params);
/** obs[b][t] */
const obs = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rand() * V)));
const tokens: Seq = Array.from({ length: T }, (_, t) => Float64Array.from(obs, (o) => o[t]));

describe('hmm_forward.cell: the log-likelihood of a tiny HMM (3 states, 4 symbols, T = 6)', () => {
  it('equals brute-force summation over all 3^6 state paths (float64 reference)', () => {
    const { tape } = runReference(g, { S, V }, B, params, new Map([['o', tokens]]), T);
    for (let b = 0; b < B; b++) {
      const brute = bruteForceLogLikelihood(hmm, obs[b]);
      const sum = tape.outputs.get('logp')!.reduce((s, step) => s + step[b], 0);
      expect(Math.abs(sum - brute), `example ${b}: Σ_t log p(o_t | o_<t)`).toBeLessThan(1e-12 * Math.abs(brute));
      expect(Math.abs(tape.outputs.get('loglik')![T - 1][b] - brute)).toBeLessThan(1e-12 * Math.abs(brute));
      // every prefix too: loglik_t = log p(o_0 … o_t)
      for (let t = 0; t < T; t++) expect(tape.outputs.get('loglik')![t][b]).toBeCloseTo(bruteForceLogLikelihood(hmm, obs[b].slice(0, t + 1)), 12);
      // the state is the normalised filter: Σ_j exp(α_t[j]) = 1
      const alpha = tape.outputs.get('alpha')![T - 1].subarray(b * S, (b + 1) * S);
      expect(alpha.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 14);
    }
  });

  it('and on the GPU (float32)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const out = await runGpu(ctx, g, { S, V }, B, params, new Map([['o', tokens]]), T);
    const loglik = out.get('loglik')!;
    for (let b = 0; b < B; b++) {
      const brute = bruteForceLogLikelihood(hmm, obs[b]);
      expect(Math.abs(loglik[(T - 1) * B + b] - brute), `example ${b}`).toBeLessThan(2e-6 * Math.abs(brute) + 1e-6);
      let sum = 0;
      for (let s = 0; s < T; s++) sum += out.get('logp')![s * B + b];
      expect(Math.abs(sum - brute)).toBeLessThan(2e-6 * Math.abs(brute) + 1e-6);
    }
  });

  it('GPU forward and backward match the float64 reference (runtime/apps/compare)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const rows = await compareWithReference(ctx, { graph: g, sizes: { S, V } }, { B, T, seed: 1 }); // the B and T above: their forward pipelines are compiled already
    expect(rows.filter((r) => !(r.maxRel < 1e-4)).map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)}`)).toEqual([]);
    expect(rows.filter((r) => r.kind === 'param grad').length).toBe(3);
  });
});

// The same recursion with the log-potentials as the differentiated leaves:
// per-step emission scores e_t[j] = log p(o_t | z_t = j) as an input, and the
// log-transition and log-initial scores as parameters.
const SCORES = `
cell HMMScores(e[S]) {
  size S = 3
  param log_pi[S]
  param log_A[S, S]
  state prior[S] = log_pi
  joint = prior + e
  c = logsumexp(joint)
  alpha = joint - c
  prior' = logsumexp(transpose(log_A) + alpha, axis = 1)
  output logp = c
}`;

describe('BPTT of the log-likelihood is the forward–backward algorithm', () => {
  const fb = obs.map((o) => forwardBackward(hmm, o));

  it('∂ log p(o) / ∂ e_t[j] = p(z_t = j | o) (posterior marginals); ∂ / ∂ log A[i, j] = expected transition counts; ∂ / ∂ log π = γ_0', () => {
    const [scores] = cells('scores.cell', SCORES);
    const p = new Map([
      ['log_pi', Float64Array.from(hmm.pi, Math.log)],
      ['log_A', Float64Array.from(hmm.A.flat(), Math.log)],
    ]);
    const e: Seq = Array.from({ length: T }, (_, t) => Float64Array.from({ length: B * S }, (_, k) => Math.log(hmm.E[k % S][obs[Math.floor(k / S)][t]])));
    const { interp, tape } = runReference(scores, { S }, B, p, new Map([['e', e]]), T);
    // the scores are normalised, so the forward recursion gives log p(o) here as well
    for (let b = 0; b < B; b++) expect(tape.outputs.get('logp')!.reduce((s, x) => s + x[b], 0)).toBeCloseTo(fb[b].logLikelihood, 12);
    const ones = Array.from({ length: T }, () => new Float64Array(B).fill(1));
    const grads = interp.backward(p, new Map([['e', e]]), tape, new Map([['logp', ones]]), new Map());
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < S; j++) expect(grads.inputs.get('e')![t][b * S + j], `γ_${t}(${j}) of example ${b}`).toBeCloseTo(fb[b].gamma[t][j], 12);
      }
    }
    for (let i = 0; i < S; i++) {
      expect(grads.params.get('log_pi')![i]).toBeCloseTo(fb.reduce((s, f) => s + f.gamma[0][i], 0), 12);
      for (let j = 0; j < S; j++) expect(grads.params.get('log_A')![i * S + j], `N(${i}, ${j})`).toBeCloseTo(fb.reduce((s, f) => s + f.counts[i][j], 0), 12);
    }
  });

  it("hmm_forward.cell's logit gradients are the same statistics through the softmax: N(i,j) − A(i,j)·Σ_k N(i,k), etc.", () => {
    const { interp, tape } = runReference(g, { S, V }, B, params, new Map([['o', tokens]]), T);
    const ones = Array.from({ length: T }, () => new Float64Array(B).fill(1));
    const grads = interp.backward(params, new Map([['o', tokens]]), tape, new Map([['logp', ones]]), new Map());
    const sum = (f: (x: (typeof fb)[number], b: number) => number) => fb.reduce((s, x, b) => s + f(x, b), 0);
    for (let i = 0; i < S; i++) {
      expect(grads.params.get('init_logits')![i]).toBeCloseTo(sum((x) => x.gamma[0][i]) - B * hmm.pi[i], 12);
      const visits = sum((x) => x.counts[i].reduce((a, c) => a + c, 0));
      for (let j = 0; j < S; j++) expect(grads.params.get('trans_logits')![i * S + j]).toBeCloseTo(sum((x) => x.counts[i][j]) - hmm.A[i][j] * visits, 12);
      const occupancy = sum((x) => x.gamma.reduce((a, g) => a + g[i], 0));
      for (let v = 0; v < V; v++) {
        const emitted = sum((x, b) => x.gamma.reduce((a, g, t) => a + (obs[b][t] === v ? g[i] : 0), 0));
        expect(grads.params.get('emit_logits')![i * V + v]).toBeCloseTo(emitted - hmm.E[i][v] * occupancy, 12);
      }
    }
  });
});

describe('maximum-likelihood training on data from a known HMM (GPU, task hmm)', () => {
  it('raises the held-out log-likelihood to within 0.02 nats per symbol of the true model', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const task = hmmTask();
    const [Bt, Tt, steps] = [32, 50, 300];
    const model = buildModelOrThrow({ layers: [{ graph: g }], task, embed: 1 });
    const trainer = await Trainer.create(ctx, model, { B: Bt, T: Tt }, { ...DEFAULT_OPTIMIZER, lr: 0.05, schedule: 'cosine', steps });
    const heldOut = Array.from({ length: 64 }, (_, k) => sampleHmm(TRUE_HMM, new Rng(777 + k), 100));
    const nll = (h: Hmm) => -heldOut.reduce((s, o) => s + forwardBackward(h, o).logLikelihood, 0) / (heldOut.length * 100);
    const asHmm = (p: Map<string, Float32Array>) => hmmFromLogits(S, V, new Map([...p].map(([k, v]) => [k, Float64Array.from(v)])));
    try {
      trainer.init(3);
      const before = nll(asHmm(await trainer.rt.readParams()));
      for (let k = 0; k < steps; k++) await trainer.trainStep(task.batch(batchRng(3, 0, k), Bt, Tt));
      const after = nll(asHmm(await trainer.rt.readParams()));
      const truth = nll({ pi: [...TRUE_HMM.pi], A: TRUE_HMM.A.map((r) => [...r]), E: TRUE_HMM.E.map((r) => [...r]) });
      console.log(`hmm: held-out NLL per symbol ${before.toFixed(4)} → ${after.toFixed(4)} (true model ${truth.toFixed(4)})`);
      expect(after).toBeLessThan(before - 0.05);
      expect(after - truth).toBeLessThan(0.02);
    } finally {
      trainer.destroy();
    }
  });
});
