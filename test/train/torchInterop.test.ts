// PyTorch interop: torch.nn.LSTM / torch.nn.GRU weights in torch's layout,
// imported onto lstm.cell / gru_cudnn.cell, compute what PyTorch computes.
// PyTorch's equations are written out here in plain float64 TypeScript
// (torch.nn.LSTM: gates = W_ih x + b_ih + W_hh h + b_hh, blocks i, f, g, o;
// torch.nn.GRU: r, z from both, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
// h' = (1 − z) ⊙ n + z ⊙ h). The cells run through the float64 reference
// interpreter (equal to ~1e-12) and, for one configuration, on the GPU
// (1e-5). Export after import gives back torch's tensors (for the LSTM the
// two biases come back summed into bias_ih, bias_hh = 0).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBound } from '../../compiler/index.js';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { Rng } from '../../compiler/numeric/random.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { textTask } from '../../runtime/apps/train/tasks.js';
import { exportTorch, importTorch, InteropError, torchKindOfCell, type Tensor64, type TorchRnnKind } from '../../runtime/apps/train/torchInterop.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/torchInterop');
});
afterAll(() => dev.ctx?.destroy());

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Float32-representable random values (as torch would store them), in float64. */
function randn(rng: Rng, shape: number[], std = 0.5): Tensor64 {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float64Array.from(Float32Array.from(rng.fillNormal(n, std))) };
}

type TorchLayer = { wih: Float64Array; whh: Float64Array; bih: Float64Array; bhh: Float64Array };

function torchWeights(kind: TorchRnnKind, I: number, H: number, layers: number, seed: number, prefix = ''): Map<string, Tensor64> {
  const G = kind === 'lstm' ? 4 : 3;
  const rng = new Rng(seed);
  const out = new Map<string, Tensor64>();
  for (let k = 0; k < layers; k++) {
    const inp = k === 0 ? I : H;
    out.set(`${prefix}weight_ih_l${k}`, randn(rng, [G * H, inp]));
    out.set(`${prefix}weight_hh_l${k}`, randn(rng, [G * H, H]));
    out.set(`${prefix}bias_ih_l${k}`, randn(rng, [G * H]));
    out.set(`${prefix}bias_hh_l${k}`, randn(rng, [G * H]));
  }
  return out;
}

const layerOf = (w: ReadonlyMap<string, Tensor64>, k: number, prefix = ''): TorchLayer => ({
  wih: w.get(`${prefix}weight_ih_l${k}`)!.data,
  whh: w.get(`${prefix}weight_hh_l${k}`)!.data,
  bih: w.get(`${prefix}bias_ih_l${k}`)!.data,
  bhh: w.get(`${prefix}bias_hh_l${k}`)!.data,
});

/** y = W x + b for one example (W: [rows, cols] row-major). */
function affine(W: Float64Array, b: Float64Array, x: Float64Array, xOff: number, cols: number): Float64Array {
  const rows = b.length;
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = b[r];
    for (let c = 0; c < cols; c++) s += W[r * cols + c] * x[xOff + c];
    y[r] = s;
  }
  return y;
}

/** torch.nn.LSTM (one layer, h0 = c0 = 0) over T steps of B·I inputs → T arrays of B·H. */
function torchLstm(L: TorchLayer, I: number, H: number, B: number, xs: readonly Float64Array[]): Float64Array[] {
  const h = new Float64Array(B * H);
  const c = new Float64Array(B * H);
  const ys: Float64Array[] = [];
  for (const x of xs) {
    const hPrev = Float64Array.from(h);
    for (let b = 0; b < B; b++) {
      const gi = affine(L.wih, L.bih, x, b * I, I);
      const gh = affine(L.whh, L.bhh, hPrev, b * H, H);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gi[j] + gh[j]);
        const f = sigmoid(gi[H + j] + gh[H + j]);
        const g = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
        const o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
        c[b * H + j] = f * c[b * H + j] + i * g;
        h[b * H + j] = o * Math.tanh(c[b * H + j]);
      }
    }
    ys.push(Float64Array.from(h));
  }
  return ys;
}

/** torch.nn.GRU (one layer, h0 = 0). */
function torchGru(L: TorchLayer, I: number, H: number, B: number, xs: readonly Float64Array[]): Float64Array[] {
  const h = new Float64Array(B * H);
  const ys: Float64Array[] = [];
  for (const x of xs) {
    const hPrev = Float64Array.from(h);
    for (let b = 0; b < B; b++) {
      const gi = affine(L.wih, L.bih, x, b * I, I);
      const gh = affine(L.whh, L.bhh, hPrev, b * H, H);
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gi[j] + gh[j]);
        const z = sigmoid(gi[H + j] + gh[H + j]);
        const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
        h[b * H + j] = (1 - z) * n + z * hPrev[b * H + j];
      }
    }
    ys.push(Float64Array.from(h));
  }
  return ys;
}

const CELLS = { lstm: 'lstm.cell', gru: 'gru_cudnn.cell' } as const;
const TORCH = { lstm: torchLstm, gru: torchGru } as const;

function inputsFor(rng: Rng, T: number, B: number, I: number): Float64Array[] {
  return Array.from({ length: T }, () => Float64Array.from(Float32Array.from(rng.fillNormal(B * I))));
}

function maxRel(a: readonly Float64Array[] | Float32Array, b: readonly Float64Array[]): number {
  const flatB = b.flatMap((x) => [...x]);
  const flatA = Array.isArray(a) ? (a as Float64Array[]).flatMap((x) => [...x]) : [...(a as Float32Array)];
  expect(flatA.length).toBe(flatB.length);
  let d = 0;
  let s = 0;
  for (let i = 0; i < flatB.length; i++) {
    d = Math.max(d, Math.abs(flatA[i] - flatB[i]));
    s = Math.max(s, Math.abs(flatB[i]));
  }
  return d / s;
}

function cellOutputs(g: Graph, sizes: Record<string, number>, params: Map<string, Tensor64>, xs: Float64Array[], B: number): Float64Array[] {
  const interp = new CellInterpreter(g, sizes, B);
  const tape = interp.forward(new Map([...params].map(([k, v]) => [k, v.data])), new Map([[g.inputs[0].name, xs]]), interp.initialStates(), xs.length);
  return tape.outputs.get(g.outputs[0].name)!;
}

describe('import: torch weights onto the cells, reference interpreter (float64)', () => {
  for (const kind of ['lstm', 'gru'] as const) {
    it(`torch.nn.${kind.toUpperCase()} = ${CELLS[kind]} to 1e-12 (I=3, H=5, B=2, T=7)`, () => {
      const [I, H, B, T] = [3, 5, 2, 7];
      const g = exampleCell(CELLS[kind], [`I=${I}`, `H=${H}`]);
      expect(torchKindOfCell(g.params.map((p) => p.name))).toBe(kind);
      const w = torchWeights(kind, I, H, 1, 11);
      const imp = importTorch(w, { kind });
      expect(imp.layers).toBe(1);
      expect(imp.layerSizes).toEqual([{ I, H }]);
      expect([...imp.params.keys()].sort()).toEqual(g.params.map((p) => p.name).sort());
      const xs = inputsFor(new Rng(5), T, B, I);
      const ours = cellOutputs(g, { I, H }, imp.params, xs, B);
      const theirs = TORCH[kind](layerOf(w, 0), I, H, B, xs);
      const r = maxRel(ours, theirs);
      console.log(`${kind}: max rel diff vs torch equations (float64) ${r.toExponential(2)}`);
      expect(r).toBeLessThan(1e-12);
    });
  }

  it('a 2-layer character LSTM with embedding and readout (a state_dict with prefixes) = torch to 1e-12', () => {
    const [V, E, H, B, T] = [6, 4, 5, 3, 6];
    const w = torchWeights('lstm', E, H, 2, 21, 'rnn.');
    const rng = new Rng(9);
    w.set('embed.weight', randn(rng, [V, E]));
    w.set('readout.weight', randn(rng, [V, H]));
    w.set('readout.bias', randn(rng, [V]));
    const imp = importTorch(w, { kind: 'lstm', embedding: 'embed.weight', readout: 'readout' });
    expect(imp.prefix).toBe('rnn.');
    expect(imp.layers).toBe(2);
    expect(imp.embed).toBe(E);
    const lstm = exampleCell('lstm.cell');
    const model = buildModelOrThrow({ layers: imp.layerSizes.map((sizes) => ({ graph: lstm, sizes })), task: textTask('abcdef'), embed: E });
    expect(model.graph.params.map((p) => p.name).sort()).toEqual([...imp.params.keys()].sort());
    // tokens → torch: embedding, LSTM l0, LSTM l1, linear
    const toks = Array.from({ length: T }, () => Float64Array.from({ length: B }, () => rng.int(V)));
    const Emb = w.get('embed.weight')!.data;
    const xs = toks.map((tk) => {
      const x = new Float64Array(B * E);
      for (let b = 0; b < B; b++) for (let j = 0; j < E; j++) x[b * E + j] = Emb[tk[b] * E + j];
      return x;
    });
    const h2 = torchLstm(layerOf(w, 1, 'rnn.'), H, H, B, torchLstm(layerOf(w, 0, 'rnn.'), E, H, B, xs));
    const Wr = w.get('readout.weight')!.data;
    const br = w.get('readout.bias')!.data;
    const zTorch = h2.map((h) => {
      const z = new Float64Array(B * V);
      for (let b = 0; b < B; b++) z.set(affine(Wr, br, h, b * H, H), b * V);
      return z;
    });
    const interp = new CellInterpreter(model.graph, {}, B);
    const zero = Array.from({ length: T }, () => new Float64Array(B));
    const tape = interp.forward(new Map([...imp.params].map(([k, v]) => [k, v.data])), new Map([['tok', toks], ['target', zero], ['mask', zero]]), interp.initialStates(), T);
    const r = maxRel(tape.outputs.get('z')!, zTorch);
    console.log(`2-layer char LSTM: max rel diff of the logits vs torch equations ${r.toExponential(2)}`);
    expect(r).toBeLessThan(1e-12);
  });
});

describe('export: back to torch layout', () => {
  it('LSTM: weights come back exactly; bias_ih = b_ih + b_hh, bias_hh = 0 (2 layers)', () => {
    const w = torchWeights('lstm', 3, 4, 2, 31);
    const back = exportTorch(importTorch(w, { kind: 'lstm' }).params, { kind: 'lstm', layers: 2, prefix: '' });
    expect([...back.keys()].sort()).toEqual([...w.keys()].sort());
    for (let k = 0; k < 2; k++) {
      for (const n of [`weight_ih_l${k}`, `weight_hh_l${k}`]) {
        expect(back.get(n)!.shape).toEqual(w.get(n)!.shape);
        expect(back.get(n)!.data).toEqual(w.get(n)!.data);
      }
      const sum = w.get(`bias_ih_l${k}`)!.data.map((v, i) => v + w.get(`bias_hh_l${k}`)!.data[i]);
      expect(back.get(`bias_ih_l${k}`)!.data).toEqual(sum);
      expect([...back.get(`bias_hh_l${k}`)!.data].every((v) => v === 0)).toBe(true);
    }
  });

  it('GRU: every tensor comes back exactly, biases included', () => {
    const w = torchWeights('gru', 3, 4, 1, 41, 'gru.');
    const back = exportTorch(importTorch(w, { kind: 'gru' }).params, { kind: 'gru', layers: 1, prefix: 'gru.' });
    expect([...back.keys()].sort()).toEqual([...w.keys()].sort());
    for (const [n, t] of w) {
      expect(back.get(n)!.shape).toEqual(t.shape);
      expect(back.get(n)!.data).toEqual(t.data);
    }
  });

  it('the exported LSTM computes the same function (through the torch equations)', () => {
    const [I, H, B, T] = [3, 4, 2, 5];
    const w = torchWeights('lstm', I, H, 1, 51);
    const back = exportTorch(importTorch(w, { kind: 'lstm' }).params, { kind: 'lstm', layers: 1, prefix: '' });
    const xs = inputsFor(new Rng(3), T, B, I);
    expect(maxRel(torchLstm(layerOf(back, 0), I, H, B, xs), torchLstm(layerOf(w, 0), I, H, B, xs))).toBeLessThan(1e-14);
  });
});

describe('errors name the tensor', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InteropError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('a missing tensor', () => {
    const w = torchWeights('lstm', 3, 4, 1, 1);
    w.delete('weight_hh_l0');
    expect(err(() => importTorch(w, { kind: 'lstm' }))).toMatch(/no tensor named weight_hh_l0/);
    const v = torchWeights('lstm', 3, 4, 1, 1);
    v.delete('bias_hh_l0');
    expect(err(() => importTorch(v, { kind: 'lstm' }))).toMatch(/bias_hh_l0 is missing \(bias_ih_l0 is present\)/);
    expect(err(() => importTorch(new Map(), { kind: 'gru' }))).toMatch(/no tensor named weight_ih_l0/);
  });

  it('a wrong shape', () => {
    const w = torchWeights('lstm', 3, 4, 1, 1);
    w.set('weight_ih_l0', { shape: [16, 2, 1], data: new Float64Array(32) });
    expect(err(() => importTorch(w, { kind: 'lstm' }))).toMatch(/tensor weight_ih_l0 has shape \[16, 2, 1\], expected \[16, I\]/);
    w.set('weight_ih_l0', { shape: [15, 3], data: new Float64Array(45) });
    expect(err(() => importTorch(w, { kind: 'lstm' }))).toMatch(/tensor weight_ih_l0 has shape \[15, 3\], expected \[16, 3\]/);
    const b = torchWeights('gru', 3, 4, 1, 1);
    b.set('bias_ih_l0', { shape: [11], data: new Float64Array(11) });
    expect(err(() => importTorch(b, { kind: 'gru' }))).toMatch(/tensor bias_ih_l0 has shape \[11\], expected \[12\]/);
    const l2 = torchWeights('gru', 3, 4, 2, 1);
    l2.set('weight_ih_l1', { shape: [12, 3], data: new Float64Array(36) });
    expect(err(() => importTorch(l2, { kind: 'gru' }))).toMatch(/tensor weight_ih_l1 has shape \[12, 3\], expected \[12, 4\]/);
  });

  it('LSTM weights given for the GRU cell say so', () => {
    expect(err(() => importTorch(torchWeights('lstm', 3, 4, 1, 1), { kind: 'gru' }))).toMatch(/weight_hh_l0 has shape \[16, 4\].*look like torch\.nn\.LSTM weights/);
  });

  it('bidirectional and projected RNNs are refused', () => {
    const w = torchWeights('lstm', 3, 4, 1, 1);
    w.set('weight_ih_l0_reverse', w.get('weight_ih_l0')!);
    expect(err(() => importTorch(w, { kind: 'lstm' }))).toMatch(/weight_ih_l0_reverse: bidirectional/);
  });
});

describe('on the GPU', { timeout: 300_000 }, () => {
  it('imported LSTM and GRU weights, run by the compiled cells, match torch to 1e-5 (I=3, H=5, B=3, T=6)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const [I, H, B, T] = [3, 5, 3, 6];
    for (const kind of ['lstm', 'gru'] as const) {
      const g = exampleCell(CELLS[kind], [`I=${I}`, `H=${H}`]);
      const w = torchWeights(kind, I, H, 1, 61);
      const imp = importTorch(w, { kind });
      const rt = await CellRuntime.create(ctx, compileBound({ graph: g, sizes: { I, H } }), { B, T });
      try {
        rt.setParams(new Map([...imp.params].map(([k, v]) => [k, Float32Array.from(v.data)])));
        const xs = inputsFor(new Rng(7), T, B, I);
        const flat = new Float32Array(T * B * I);
        xs.forEach((x, t) => flat.set(x, t * B * I));
        rt.setInputs(new Map([[g.inputs[0].name, flat]]));
        rt.setInitialStates();
        await rt.forward();
        const ys = await rt.readOutput(g.outputs[0].name);
        // torch in float64 on the float32 parameters the GPU holds (for the LSTM: the rounded bias sum)
        const L = layerOf(w, 0);
        if (kind === 'lstm') L.bih = L.bih.map((v, i) => Math.fround(v + L.bhh[i])) as Float64Array;
        if (kind === 'lstm') L.bhh = new Float64Array(L.bhh.length);
        const r = maxRel(ys, TORCH[kind](L, I, H, B, xs));
        console.log(`GPU ${kind}: max rel diff vs torch equations ${r.toExponential(2)}`);
        expect(r).toBeLessThan(1e-5);
      } finally {
        rt.destroy();
      }
    }
  });
});
