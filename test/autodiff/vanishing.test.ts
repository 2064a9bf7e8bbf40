// The textbook vanishing-gradient fact, measured with the reference BPTT.
//
// A loss at the last step T only: L_T = mse(R·y_T + c, target). For a tanh
// RNN (elman.cell) with a small recurrent matrix (U orthogonal × 0.5, so
// ‖∂h_t/∂h_{t−1}‖ = ‖diag(1 − h_t²)·U‖ ≤ 0.5) the gradient reaching the
// initial state, ‖∂L_T/∂h_0‖, falls geometrically with T. An LSTM with
// forget-gate bias 1 (lstm.cell) carries it through c_t = f ⊙ c_{t−1} + …,
// with ∂c_t/∂c_{t−1} = diag(f) ≈ σ(1) ≈ 0.73: it decays far more slowly.
//
// Norms are divided by ‖∂L_T/∂y_T‖ (the size of the seed, which varies with
// the readout's value at T) and taken over a batch of 32 sequences, so the
// per-T ratios are those of the Jacobian products, not of the seed.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../compiler/ir/graph.js';
import { initialParams } from '../../compiler/tools/interp/gradflow.js';
import { lossAndGradient } from '../../compiler/tools/interp/loss.js';
import { CellInterpreter, type Tape } from '../../compiler/tools/interp/scan.js';
import { Rng } from '../../compiler/numeric/random.js';
import { example } from './util.js';

const SIZES = { I: 16, H: 32 };
const B = 32;
const T_MAX = 40;
const K = 4;

/** ‖∂L_T/∂s_0‖ / ‖∂L_T/∂y_T‖ for each T in `Ts`, one forward pass of T_MAX steps. */
function normsByT(g: Graph, Ts: readonly number[], scale?: { param: string; by: number }): Map<number, number> {
  const interp = new CellInterpreter(g, SIZES, B);
  const rng = new Rng(1);
  const params = initialParams(interp, rng);
  if (scale) params.set(scale.param, params.get(scale.param)!.map((v) => v * scale.by));
  const xs = Array.from({ length: T_MAX }, () => rng.fillNormal(B * SIZES.I));
  const readout = { R: rng.fillNormal(K * SIZES.H, 1 / Math.sqrt(SIZES.H)), c: new Float64Array(K) };
  const targets = Array.from({ length: T_MAX }, () => rng.fillNormal(B * K));
  const inputs = new Map([['x', xs]]);
  const full = interp.forward(params, inputs, interp.initialStates(), T_MAX);
  const out = new Map<number, number>();
  for (const T of Ts) {
    // the tape of the first T steps is a prefix of the full one
    const prefix = <V>(m: ReadonlyMap<string | number, V[]>, n: number) => new Map([...m].map(([k, v]) => [k, v.slice(0, n)]));
    const tape = { T, states: prefix(full.states, T + 1), outputs: prefix(full.outputs, T), saved: prefix(full.saved, T) } as Tape;
    const inT = new Map([['x', xs.slice(0, T)]]);
    const l = lossAndGradient({ kind: 'mse', at: 'last', reduce: 'mean', K }, readout, tape.outputs.get('h')!, targets.slice(0, T), B);
    const grads = interp.backward(params, inT, tape, new Map([['h', l.dOutputs]]), new Map());
    let s0 = 0;
    for (const v of grads.initialStates.values()) for (const x of v) s0 += x * x;
    let seed = 0;
    for (const x of l.dOutputs[T - 1]) seed += x * x;
    out.set(T, Math.sqrt(s0 / seed));
  }
  return out;
}

/** Least-squares fit of log n = a + b·T: the per-step factor e^b and R². */
function geometricFit(ns: Map<number, number>): { perStep: number; r2: number } {
  const pts = [...ns].map(([T, n]) => [T, Math.log(n)] as const);
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pts) (sxy += (x - mx) * (y - my)), (sxx += (x - mx) ** 2), (syy += (y - my) ** 2);
  const b = sxy / sxx;
  return { perStep: Math.exp(b), r2: (sxy * sxy) / (sxx * syy) };
}

describe('vanishing gradients: tanh RNN with U = orthogonal × 0.5 against an LSTM with forget bias 1', () => {
  const allT = Array.from({ length: T_MAX }, (_, i) => i + 1);
  const tableT = [1, 2, 5, 10, 20, 30, 40];
  let rnn: Map<number, number>;
  let lstm: Map<number, number>;

  it('RNN: ‖∂L_T/∂h_0‖ decays geometrically with T (every ratio < 1, all near one constant, T=40 < 1e-6 × T=1)', () => {
    rnn = normsByT(example('elman.cell'), allT, { param: 'U', by: 0.5 });
    const ratios = allT.slice(1).map((T) => rnn.get(T)! / rnn.get(T - 1)!);
    const fit = geometricFit(rnn);
    const spread = { min: Math.min(...ratios), max: Math.max(...ratios) };
    console.log(
      `elman (U orthogonal × 0.5, I=16, H=32, B=32): per-step factor ${fit.perStep.toFixed(3)} (R² ${fit.r2.toFixed(4)}), ` +
        `consecutive-T ratios ${spread.min.toFixed(3)} … ${spread.max.toFixed(3)}, n(40)/n(1) = ${(rnn.get(40)! / rnn.get(1)!).toExponential(2)}`,
    );
    for (const r of ratios) expect(r).toBeLessThan(1);
    // roughly constant: every ratio within a factor 2.5 of the fitted one, and log-norm is a straight line
    for (const r of ratios) expect(Math.abs(Math.log(r / fit.perStep))).toBeLessThan(Math.log(2.5));
    expect(fit.r2).toBeGreaterThan(0.99);
    expect(fit.perStep).toBeLessThan(0.5); // ≤ 0.5 · E|tanh'|
    expect(rnn.get(40)! / rnn.get(1)!).toBeLessThan(1e-6);
  });

  it('LSTM (forget bias 1): the same quantity decays orders of magnitude more slowly', () => {
    const g = example('lstm.cell');
    expect(g.params.find((p) => p.name === 'f.b')!.init).toEqual({ kind: 'const', value: 1 });
    lstm = normsByT(g, tableT);
    rnn ??= normsByT(example('elman.cell'), tableT, { param: 'U', by: 0.5 });
    const rows = tableT.map((T) => ({
      T,
      'RNN ‖∂L/∂h_0‖': rnn.get(T)!.toExponential(2),
      'RNN vs T=1': (rnn.get(T)! / rnn.get(1)!).toExponential(2),
      'LSTM ‖∂L/∂(h,c)_0‖': lstm.get(T)!.toExponential(2),
      'LSTM vs T=1': (lstm.get(T)! / lstm.get(1)!).toExponential(2),
    }));
    console.table(rows);
    const rnnDecay = rnn.get(40)! / rnn.get(1)!;
    const lstmDecay = lstm.get(40)! / lstm.get(1)!;
    const fit = geometricFit(lstm);
    console.log(`lstm (forget bias 1): per-step factor ${fit.perStep.toFixed(3)}, n(40)/n(1) = ${lstmDecay.toExponential(2)}; RNN ${rnnDecay.toExponential(2)}`);
    expect(lstmDecay).toBeGreaterThan(1e-5);
    expect(lstmDecay / rnnDecay).toBeGreaterThan(1e8);
    expect(fit.perStep).toBeGreaterThan(0.7);
  });
});
