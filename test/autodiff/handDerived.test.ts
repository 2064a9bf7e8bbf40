// BPTT of the compiler (buildBackward + CellInterpreter) against textbook
// BPTT written out by hand, independently of the IR: a plain float64 forward
// and a hand-derived backward for the LSTM (dsl-examples/lstm.cell), the
// original GRU (gru.cell) and the cuDNN GRU (gru_cudnn.cell).
//
// Both sides get the same parameters, initial states, inputs and the same
// arbitrary cotangents ∂L/∂y_t (every step) and ∂L/∂s_T, so the comparison is
// of the whole vector-Jacobian product: every parameter gradient, the
// initial-state gradients and every input gradient, to ~1e-10.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../compiler/ir/graph.js';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import { Rng } from '../../compiler/numeric/random.js';
import { example, relErr } from './util.js';

const I = 3;
const H = 4;
const T = 7;
const B = 2;
const TOL = 1e-10;

// ---- plain vector helpers (one example at a time) -------------------------------------------

type Vec = Float64Array;
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** W[rows, cols] · v */
function mv(W: Vec, v: Vec, rows: number): Vec {
  const cols = v.length;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += W[r * cols + c] * v[c];
    out[r] = s;
  }
  return out;
}
/** out += Wᵀ · d, W[rows = d.length, cols = out.length] */
function mtvAdd(out: Vec, W: Vec, d: Vec): void {
  const cols = out.length;
  for (let r = 0; r < d.length; r++) for (let c = 0; c < cols; c++) out[c] += W[r * cols + c] * d[r];
}
/** G += d ⊗ v */
function outerAdd(G: Vec, d: Vec, v: Vec): void {
  for (let r = 0; r < d.length; r++) for (let c = 0; c < v.length; c++) G[r * v.length + c] += d[r] * v[c];
}
const addInto = (a: Vec, b: Vec) => b.forEach((v, i) => (a[i] += v));
const map = (a: Vec, f: (v: number, i: number) => number) => Float64Array.from(a, f);
const sum = (...vs: Vec[]) => map(vs[0], (_, i) => vs.reduce((s, v) => s + v[i], 0));
const ex = (a: Float64Array, b: number, n: number) => a.subarray(b * n, (b + 1) * n);

// ---- the shared random problem -----------------------------------------------------------------

interface Problem {
  params: Map<string, Float64Array>;
  init: Map<string, Float64Array>;
  xs: Float64Array[]; // T × (B·I)
  dys: Float64Array[]; // T × (B·H): ∂L/∂y_t
  dFinal: Map<string, Float64Array>; // ∂L/∂s_T
}

function problem(g: Graph, seed: number): Problem {
  const rng = new Rng(seed);
  const interp = new CellInterpreter(g, { I, H }, B);
  const params = new Map(g.params.map((p) => [p.name, rng.fillNormal(interp.numelOf(p.node), 0.5)]));
  const init = new Map(g.states.map((s) => [s.name, rng.fillNormal(B * H, 0.5)]));
  const xs = Array.from({ length: T }, () => rng.fillNormal(B * I));
  const dys = Array.from({ length: T }, () => rng.fillNormal(B * H));
  const dFinal = new Map(g.states.map((s) => [s.name, rng.fillNormal(B * H)]));
  return { params, init, xs, dys, dFinal };
}

interface Grads {
  params: Map<string, Float64Array>;
  init: Map<string, Float64Array>;
  dxs: Float64Array[];
  ys: Float64Array[];
}

function compilerGrads(g: Graph, p: Problem): Grads {
  const interp = new CellInterpreter(g, { I, H }, B);
  const inputs = new Map([['x', p.xs]]);
  const tape = interp.forward(p.params, inputs, p.init, T);
  const gr = interp.backward(p.params, inputs, tape, new Map([['h', p.dys]]), p.dFinal);
  return { params: gr.params, init: gr.initialStates, dxs: gr.inputs.get('x')!, ys: tape.outputs.get('h')! };
}

function expectSame(g: Graph, hand: Grads, comp: Grads) {
  expect([...hand.params.keys()].sort()).toEqual(g.params.map((p) => p.name).sort());
  for (let t = 0; t < T; t++) expect(relErr(hand.ys[t], comp.ys[t]), `forward y_${t + 1}`).toBeLessThan(1e-14);
  for (const [name, v] of hand.params) expect(relErr(v, comp.params.get(name)!), `∂L/∂${name}`).toBeLessThan(TOL);
  for (const [name, v] of hand.init) expect(relErr(v, comp.init.get(name)!), `∂L/∂${name}_0`).toBeLessThan(TOL);
  for (let t = 0; t < T; t++) expect(relErr(hand.dxs[t], comp.dxs[t]), `∂L/∂x_${t + 1}`).toBeLessThan(TOL);
}

const zerosLike = (params: Map<string, Float64Array>) => new Map([...params].map(([k, v]) => [k, new Float64Array(v.length)]));

// ---- LSTM ------------------------------------------------------------------------------------------
//   a_k = W_x,k x + W_h,k h + b_k (k = i, f, o, g);  i, f, o = σ(a);  g = tanh(a_g)
//   c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c');  y = h'

function handLstm(p: Problem): Grads {
  const P = p.params;
  const G = ['i', 'f', 'o', 'g'] as const;
  const ys = p.xs.map(() => new Float64Array(B * H));
  const dparams = zerosLike(P);
  const dxs = p.xs.map(() => new Float64Array(B * I));
  const dh0 = new Float64Array(B * H);
  const dc0 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    // forward, keeping every intermediate (the textbook tape)
    const hs = [ex(p.init.get('h')!, b, H).slice()];
    const cs = [ex(p.init.get('c')!, b, H).slice()];
    const gates: Record<(typeof G)[number], Vec>[] = [];
    for (let t = 0; t < T; t++) {
      const x = ex(p.xs[t], b, I);
      const a = (k: string) => sum(mv(P.get(`${k}.W_x`)!, x, H), mv(P.get(`${k}.W_h`)!, hs[t], H), P.get(`${k}.b`)!);
      const i = map(a('i'), sigmoid);
      const f = map(a('f'), sigmoid);
      const o = map(a('o'), sigmoid);
      const gg = map(a('g'), Math.tanh);
      const c = map(f, (_, j) => f[j] * cs[t][j] + i[j] * gg[j]);
      const h = map(c, (v, j) => o[j] * Math.tanh(v));
      gates.push({ i, f, o, g: gg });
      cs.push(c);
      hs.push(h);
      ex(ys[t], b, H).set(h);
    }
    // backward through time
    let dhNext = ex(p.dFinal.get('h')!, b, H).slice();
    let dcNext = ex(p.dFinal.get('c')!, b, H).slice();
    for (let t = T - 1; t >= 0; t--) {
      const { i, f, o, g } = gates[t];
      const c = cs[t + 1];
      const cPrev = cs[t];
      const hPrev = hs[t];
      const x = ex(p.xs[t], b, I);
      const dh = sum(dhNext, ex(p.dys[t], b, H));
      const tc = map(c, Math.tanh);
      const dc = map(dcNext, (v, j) => v + dh[j] * o[j] * (1 - tc[j] * tc[j]));
      const delta = {
        o: map(dh, (v, j) => v * tc[j] * o[j] * (1 - o[j])),
        i: map(dc, (v, j) => v * g[j] * i[j] * (1 - i[j])),
        f: map(dc, (v, j) => v * cPrev[j] * f[j] * (1 - f[j])),
        g: map(dc, (v, j) => v * i[j] * (1 - g[j] * g[j])),
      };
      const dhPrev = new Float64Array(H);
      const dx = ex(dxs[t], b, I);
      for (const k of G) {
        mtvAdd(dhPrev, P.get(`${k}.W_h`)!, delta[k]);
        mtvAdd(dx, P.get(`${k}.W_x`)!, delta[k]);
        outerAdd(dparams.get(`${k}.W_x`)!, delta[k], x);
        outerAdd(dparams.get(`${k}.W_h`)!, delta[k], hPrev);
        addInto(dparams.get(`${k}.b`)!, delta[k]);
      }
      dhNext = dhPrev;
      dcNext = map(dc, (v, j) => v * f[j]);
    }
    ex(dh0, b, H).set(dhNext);
    ex(dc0, b, H).set(dcNext);
  }
  return { params: dparams, init: new Map([['h', dh0], ['c', dc0]]), dxs, ys };
}

// ---- GRU (Cho et al. 2014: reset before the recurrent matmul) -----------------------------------------
//   r = σ(W_x,r x + W_h,r h + b_r);  z = σ(W_x,z x + W_h,z h + b_z)
//   n = tanh(W_x,n x + W_2,n (r ⊙ h) + b_n);  h' = z ⊙ h + (1 − z) ⊙ n

function handGru(p: Problem): Grads {
  const P = p.params;
  const ys = p.xs.map(() => new Float64Array(B * H));
  const dparams = zerosLike(P);
  const dxs = p.xs.map(() => new Float64Array(B * I));
  const dh0 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    const hs = [ex(p.init.get('h')!, b, H).slice()];
    const tape: { r: Vec; z: Vec; n: Vec; rh: Vec }[] = [];
    for (let t = 0; t < T; t++) {
      const x = ex(p.xs[t], b, I);
      const h = hs[t];
      const r = map(sum(mv(P.get('r.W_x')!, x, H), mv(P.get('r.W_h')!, h, H), P.get('r.b')!), sigmoid);
      const z = map(sum(mv(P.get('z.W_x')!, x, H), mv(P.get('z.W_h')!, h, H), P.get('z.b')!), sigmoid);
      const rh = map(r, (v, j) => v * h[j]);
      const n = map(sum(mv(P.get('n.W_x')!, x, H), mv(P.get('n.W_2')!, rh, H), P.get('n.b')!), Math.tanh);
      const hn = map(z, (v, j) => v * h[j] + (1 - v) * n[j]);
      tape.push({ r, z, n, rh });
      hs.push(hn);
      ex(ys[t], b, H).set(hn);
    }
    let dhNext = ex(p.dFinal.get('h')!, b, H).slice();
    for (let t = T - 1; t >= 0; t--) {
      const { r, z, n, rh } = tape[t];
      const h = hs[t];
      const x = ex(p.xs[t], b, I);
      const dh = sum(dhNext, ex(p.dys[t], b, H));
      const dz = map(dh, (v, j) => v * (h[j] - n[j]) * z[j] * (1 - z[j]));
      const dn = map(dh, (v, j) => v * (1 - z[j]) * (1 - n[j] * n[j]));
      const drh = new Float64Array(H);
      mtvAdd(drh, P.get('n.W_2')!, dn);
      const dr = map(drh, (v, j) => v * h[j] * r[j] * (1 - r[j]));
      const dhPrev = map(dh, (v, j) => v * z[j] + drh[j] * r[j]);
      mtvAdd(dhPrev, P.get('r.W_h')!, dr);
      mtvAdd(dhPrev, P.get('z.W_h')!, dz);
      const dx = ex(dxs[t], b, I);
      for (const [k, d] of [['r', dr], ['z', dz], ['n', dn]] as const) {
        mtvAdd(dx, P.get(`${k}.W_x`)!, d);
        outerAdd(dparams.get(`${k}.W_x`)!, d, x);
        addInto(dparams.get(`${k}.b`)!, d);
      }
      outerAdd(dparams.get('r.W_h')!, dr, h);
      outerAdd(dparams.get('z.W_h')!, dz, h);
      outerAdd(dparams.get('n.W_2')!, dn, rh);
      dhNext = dhPrev;
    }
    ex(dh0, b, H).set(dhNext);
  }
  return { params: dparams, init: new Map([['h', dh0]]), dxs, ys };
}

// ---- GRU, cuDNN / PyTorch form (reset after the recurrent matmul) -------------------------------------
//   r = σ(W_ir x + b_ir + W_hr h + b_hr);  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));  h' = (1 − z) ⊙ n + z ⊙ h

function handGruCudnn(p: Problem): Grads {
  const P = p.params;
  const ys = p.xs.map(() => new Float64Array(B * H));
  const dparams = zerosLike(P);
  const dxs = p.xs.map(() => new Float64Array(B * I));
  const dh0 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    const hs = [ex(p.init.get('h')!, b, H).slice()];
    const tape: { r: Vec; z: Vec; n: Vec; hn: Vec }[] = [];
    for (let t = 0; t < T; t++) {
      const x = ex(p.xs[t], b, I);
      const h = hs[t];
      const r = map(sum(mv(P.get('W_ir')!, x, H), P.get('b_ir')!, mv(P.get('W_hr')!, h, H), P.get('b_hr')!), sigmoid);
      const z = map(sum(mv(P.get('W_iz')!, x, H), P.get('b_iz')!, mv(P.get('W_hz')!, h, H), P.get('b_hz')!), sigmoid);
      const hn = sum(mv(P.get('W_hn')!, h, H), P.get('b_hn')!);
      const n = map(sum(mv(P.get('W_in')!, x, H), P.get('b_in')!, map(r, (v, j) => v * hn[j])), Math.tanh);
      const hNext = map(z, (v, j) => (1 - v) * n[j] + v * h[j]);
      tape.push({ r, z, n, hn });
      hs.push(hNext);
      ex(ys[t], b, H).set(hNext);
    }
    let dhNext = ex(p.dFinal.get('h')!, b, H).slice();
    for (let t = T - 1; t >= 0; t--) {
      const { r, z, n, hn } = tape[t];
      const h = hs[t];
      const x = ex(p.xs[t], b, I);
      const dh = sum(dhNext, ex(p.dys[t], b, H));
      const dz = map(dh, (v, j) => v * (h[j] - n[j]) * z[j] * (1 - z[j]));
      const dn = map(dh, (v, j) => v * (1 - z[j]) * (1 - n[j] * n[j]));
      const dr = map(dn, (v, j) => v * hn[j] * r[j] * (1 - r[j]));
      const dhn = map(dn, (v, j) => v * r[j]);
      const dhPrev = map(dh, (v, j) => v * z[j]);
      mtvAdd(dhPrev, P.get('W_hr')!, dr);
      mtvAdd(dhPrev, P.get('W_hz')!, dz);
      mtvAdd(dhPrev, P.get('W_hn')!, dhn);
      const dx = ex(dxs[t], b, I);
      for (const [k, d] of [['r', dr], ['z', dz], ['n', dn]] as const) {
        mtvAdd(dx, P.get(`W_i${k}`)!, d);
        outerAdd(dparams.get(`W_i${k}`)!, d, x);
        addInto(dparams.get(`b_i${k}`)!, d);
      }
      for (const [k, d] of [['r', dr], ['z', dz], ['n', dhn]] as const) {
        outerAdd(dparams.get(`W_h${k}`)!, d, h);
        addInto(dparams.get(`b_h${k}`)!, d);
      }
      dhNext = dhPrev;
    }
    ex(dh0, b, H).set(dhNext);
  }
  return { params: dparams, init: new Map([['h', dh0]]), dxs, ys };
}

describe('BPTT against hand-derived textbook gradients', () => {
  const cases = [
    ['lstm.cell', handLstm],
    ['gru.cell', handGru],
    ['gru_cudnn.cell', handGruCudnn],
  ] as const;
  it.each(cases)('%s: parameters, initial states and inputs agree to 1e-10', (file, hand) => {
    const g = example(file);
    for (const seed of [1, 2]) {
      const p = problem(g, seed);
      expectSame(g, hand(p), compilerGrads(g, p));
    }
  });

  it('the hand-derived LSTM gradient is not vacuous: it changes when one gate equation is wrong', () => {
    const g = example('lstm.cell');
    const p = problem(g, 3);
    const good = handLstm(p);
    const comp = compilerGrads(g, p);
    // swap the roles of the input and forget biases: a wrong model must not match
    const swapped = { ...p, params: new Map(p.params) };
    swapped.params.set('i.b', p.params.get('f.b')!);
    swapped.params.set('f.b', p.params.get('i.b')!);
    expect(relErr(handLstm(swapped).params.get('i.W_h')!, comp.params.get('i.W_h')!)).toBeGreaterThan(1e-3);
    expect(relErr(good.params.get('i.W_h')!, comp.params.get('i.W_h')!)).toBeLessThan(TOL);
  });
});
