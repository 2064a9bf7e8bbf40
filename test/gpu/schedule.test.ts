// The schedule, pinned (pure: no GPU). Per time step a cell needs one kernel
// per grid-wide dependency: a matrix product W·v at element j reads every
// element of v, so when v is computed in the same step, v must be complete —
// written by an earlier dispatch — before the product runs. Products of the
// previous state alone (W·h_{t−1}) need no barrier: h_{t−1} was finished by
// the previous step. Input projections W·x_t do not depend on the carry and
// run before the loop as one GEMM over all T·B rows; parameter gradients do
// not feed the carry and run after the loop as GEMMs / reductions over all
// T·B rows, never accumulated step by step.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, compile, dispatchCounts, dispatchTotals, formatPlan, type Artifact, type GemmProblem, type KernelRecord } from '../../compiler/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort();

const source = (file: string) => readFileSync(join(ROOT, 'dsl-examples', file), 'utf8');

// the per-step schedule's kernels (what `auto` picks instead — scans, lane kernels — is pinned in recurrence.test.ts)
function artifactOf(file: string, sizes: Record<string, number> = {}, cell?: string): Artifact {
  const r = compile(source(file), { path: file, sizes, schedule: 'sequential', ...(cell ? { cell } : {}) });
  if ('diagnostics' in r) throw new Error(r.formatted);
  return r.artifact;
}

const recordsIn = (a: Artifact, steps: readonly string[]): KernelRecord[] => steps.map((s) => a.kernels.find((k) => k.name === s)!);
/** The GEMMs of a stage, as problems with the record's name and summary. */
const gemms = (a: Artifact, steps: readonly string[]): (GemmProblem & { name: string; summary: string })[] =>
  recordsIn(a, steps).flatMap((k) => (k.role === 'gemm' ? [{ ...k.gemm!, name: k.name, summary: k.summary.slice(k.summary.indexOf(': ') + 2) }] : []));
const kernelsIn = (a: Artifact, steps: readonly string[]) => recordsIn(a, steps).filter((k) => k.role !== 'gemm');
const arenasOf = (k: KernelRecord) => k.bindings.flatMap((b) => (b.resource.kind === 'arena' ? [b.resource.arena] : []));

/** Every parameter's gradient is written by the parameter-gradient stage, and nothing before it touches the grads arena. */
function expectGradientsAfterTheLoop(a: Artifact): void {
  const b = a.backward;
  if (a.params.length) expect(b.grads.length).toBeGreaterThan(0);
  for (const stage of [a.forward.prelude, a.forward.before, a.forward.step, a.forward.after, b.prelude, b.before, b.step, b.after]) {
    for (const k of kernelsIn(a, stage)) expect(arenasOf(k), `${k.name} binds the grads arena`).not.toContain('grads');
    for (const g of gemms(a, stage)) expect(g.C.tensor.startsWith('g:'), `${g.name} writes a gradient`).toBe(false);
  }
  const written = new Set<string>();
  for (const g of gemms(a, b.grads)) written.add(g.C.tensor);
  for (const k of kernelsIn(a, b.grads)) for (const p of a.params) if (k.wgsl.includes(`// g:${p.name}\n`)) written.add(`g:${p.name}`);
  expect([...written].sort()).toEqual(a.params.map((p) => `g:${p.name}`).sort());
}

describe('LSTM', () => {
  const a = artifactOf('lstm.cell');
  const H = a.sizes.H;
  const I = a.sizes.I;

  it('forward: the four gates input projections are ONE stacked GEMM before the loop, then ONE dispatch per step', () => {
    expect(a.forward.prelude).toEqual([]);
    expect(a.forward.before).toHaveLength(1);
    const [g] = gemms(a, a.forward.before);
    expect(g).toBeDefined();
    // C[T·B, 4H] = x[T·B, I] · [W_i; W_f; W_o; W_g]ᵀ — the weights are contiguous in the params arena
    expect(g.M).toBe('TB');
    expect(g.N).toBe(4 * H);
    expect(g.K).toBe(I);
    expect(g.summary.split(';')).toHaveLength(4);
    // every gate reads only h_{t−1} (complete from the previous step) through U·h_{t−1}, then
    // c_t and h_t are elementwise: nothing needs a barrier inside the step.
    expect(a.forward.step).toHaveLength(1);
    expect(kernelsIn(a, a.forward.step)).toHaveLength(1);
    expect(a.forward.after).toEqual([]);
  });

  it('backward: at most 2 dispatches per step; parameter gradients after the loop, none per step', () => {
    // level 0: the gate cotangents from ∂h_t, ∂c_t (elementwise);
    // level 1: ∂h_{t−1} = Σ_g U_gᵀ·∂gate_g reads every element of the gate cotangents → a barrier.
    expect(a.backward.step.length).toBeLessThanOrEqual(2);
    expect(a.backward.step).toHaveLength(2);
    expect(kernelsIn(a, a.backward.step)).toHaveLength(a.backward.step.length);
    expectGradientsAfterTheLoop(a);
    // ∂W over all T·B rows is a GEMM with K = T·B (large parameters), not a per-step outer product
    expect(gemms(a, a.backward.grads).filter((g) => g.K === 'TB' && g.transA && g.accumulate).length).toBeGreaterThanOrEqual(8);
  });

  it('dispatch totals: 1 + T forward, backward 2 per step plus the once-per-call work', () => {
    const c = dispatchCounts(a);
    expect(c).toMatchObject({ forwardPerStep: 1, forwardOnce: 1, backwardPerStep: 2 });
    const T = 50;
    expect(dispatchTotals(a, T).forward).toBe(1 + T);
    expect(dispatchTotals(a, T).forwardBackward).toBe(1 + T + c.backwardOnce + 2 * T);
    // the plan text says the same
    const plan = formatPlan(a, { B: 32, T });
    expect(plan).toMatch(new RegExp(`forward\\s+1\\s+1\\s+${1 + T}\\n`));
    expect(plan).toContain('ceil(H/64) × ceil(B/4) = 2 × 8');
  });
});

describe('GRU (reset before the recurrent product, gru.cell)', () => {
  const a = artifactOf('gru.cell');
  it('forward: 2 dispatches per step', () => {
    // n = tanh(W·x + U·(r ⊙ h_{t−1})): U·(r⊙h) at element j reads r⊙h at every element, and r is
    // computed in this step → r⊙h is written by kernel 1 (with r, z), n and h_t by kernel 2.
    expect(a.forward.step).toHaveLength(2);
    expect(gemms(a, a.forward.before)).toHaveLength(1);
  });
  it('backward: 3 dispatches per step', () => {
    // 1: ∂pre_n and friends from ∂h_t (elementwise);
    // 2: ∂(r⊙h) = Uᵀ·∂pre_n needs all of ∂pre_n → barrier; then ∂r, ∂pre_r, ∂pre_z elementwise;
    // 3: ∂h_{t−1} = U_rᵀ·∂pre_r + U_zᵀ·∂pre_z + r ⊙ ∂(r⊙h) + … needs all of ∂pre_r, ∂pre_z → barrier.
    expect(a.backward.step).toHaveLength(3);
    expectGradientsAfterTheLoop(a);
  });
});

describe('GRU, cuDNN form (reset after the recurrent product, gru_cudnn.cell)', () => {
  it('forward: 1 dispatch per step', () => {
    // r multiplies (W_hn·h_{t−1} + b_hn): every product reads only h_{t−1}, so no barrier.
    const a = artifactOf('gru_cudnn.cell');
    expect(a.forward.step).toHaveLength(1);
    expect(a.backward.step).toHaveLength(2); // gate cotangents, then ∂h_{t−1} = Σ Uᵀ·∂gate
  });
});

describe('MUT1', () => {
  it('forward: 2 dispatches per step', () => {
    // n = tanh(W_hh·(r ⊙ h_t) + tanh(P·x) + b): like the GRU, r⊙h must be complete before the product.
    const a = artifactOf('mut1.cell');
    expect(a.forward.step).toHaveLength(2);
    expect(a.backward.step).toHaveLength(3);
  });
});

describe('the recurrent-network examples', () => {
  // [forward, backward] dispatches per step — the number of grid-wide dependencies in one step:
  //   elementwise recurrences (IndRNN u⊙h, SRU v⊙c) need none: 1 / 1;
  //   products of h_{t−1} only (Elman, IRNN, the LSTMs, GRU cuDNN): 1 forward; backward
  //     2 (the cotangents of the pre-activations, then Uᵀ·them);
  //   a product of a value computed in the step (GRU r⊙h, MGU f⊙h, MUT1–3 r⊙h): 2 / 3.
  const expected: Record<string, [number, number]> = {
    'elman.cell': [1, 2],
    'gru.cell': [2, 3],
    'gru_cudnn.cell': [1, 2],
    'indrnn.cell': [1, 1],
    'irnn.cell': [1, 2],
    'lstm.cell': [1, 2],
    'lstm_cifg.cell': [1, 2],
    'lstm_fgr.cell': [1, 2],
    'lstm_h0.cell': [1, 2],
    // layer norm: a mean needs the whole vector first (forward U·h, its mean, its variance, the gates and c',
    // c''s mean, its variance, h'; backward the cotangents through both norms, each norm's two row sums
    // of the adjoint (a sumto over 4H or H > 32 elements is stored once instead of recomputed by every
    // element, O(H²) a row), then Uᵀ·them): 7 / 8. The step-fused schedule runs each pass's levels in one
    // kernel a step (rowOwned.test.ts).
    'lstm_layernorm.cell': [7, 8],
    'lstm_nfg.cell': [1, 2],
    'lstm_niaf.cell': [1, 2],
    'lstm_nig.cell': [1, 2],
    'lstm_noaf.cell': [1, 2],
    'lstm_nog.cell': [1, 2],
    'lstm_np.cell': [1, 2],
    'lstm_peephole.cell': [1, 2],
    'lstm_v.cell': [1, 2],
    'mgu.cell': [2, 3],
    // a matrix memory updated elementwise (C' = f·C + i·outer(v, k)): the readout C'·q leaves the loop;
    // forward 1 (the gates f, i, broadcast over C, recomputed from the stabiliser m' where C' reads
    // them, not read back after a level boundary), backward 1
    'mlstm.cell': [1, 1],
    // per head: the gates, broadcast over a head's block (reshape(f, NH, 1, 1)), recomputed where C' and
    // n' read them: forward 1; backward 2
    'mlstm_heads.cell': [1, 2],
    'mut1.cell': [2, 3],
    'mut2.cell': [2, 3],
    'mut3.cell': [2, 3],
    // per-head recurrent products (headmatvec) share the step kernel's k-loop like a dense U·h
    'slstm_heads.cell': [1, 2],
    'sru.cell': [1, 1],
  };

  it('every file of the table exists', () => {
    for (const f of Object.keys(expected)) expect(EXAMPLES, f).toContain(f);
  });

  it.each(Object.keys(expected))('%s: dispatches per step, input projections before the loop', (file) => {
    const a = artifactOf(file);
    const c = dispatchCounts(a);
    expect([c.forwardPerStep, c.backwardPerStep]).toEqual(expected[file]);
    // all input projections of the forward pass are one GEMM before the loop
    expect(gemms(a, a.forward.before)).toHaveLength(1);
  });

  // Every cell of every file (the classic sequence models too): no GEMM inside the time loop,
  // parameter gradients only after it.
  const cells = EXAMPLES.flatMap((file) => {
    const r = check(source(file), file);
    return r.graphs.map((g) => ({ file, cell: g.name }));
  });
  it.each(cells)('$file $cell: no GEMM per step; parameter gradients after the loop', ({ file, cell }) => {
    const a = artifactOf(file, {}, cell);
    expect(gemms(a, a.forward.step)).toEqual([]);
    expect(gemms(a, a.backward.step)).toEqual([]);
    expectGradientsAfterTheLoop(a);
  });
});
