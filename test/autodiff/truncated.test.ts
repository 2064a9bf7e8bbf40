// Truncated BPTT (CellInterpreter.backward with window U) against its
// definition, computed by an independent loop: the forward pass runs over
// all T steps; the sequence is cut into windows [0, U), [U, 2U), …; each
// window is differentiated on its own by full BPTT of a separate run that
// starts from the tape's state at the window start as a CONSTANT initial
// state, with the loss terms of that window's steps; the final-state term
// ∂L/∂s_T belongs to the last window. Parameter gradients are the sum over
// windows; input gradients come from their window; the initial-state
// gradient from the first window.
//
// Also: U = T is full BPTT bit for bit, and the onStep callback reports
// ∂L/∂s_t at the right t (checked against suffix runs).

import { describe, expect, it } from 'vitest';
import { gradcheckSizes, randomProblem, type Problem } from '../../compiler/tools/interp/gradcheck.js';
import { lossAndGradient } from '../../compiler/tools/interp/loss.js';
import type { Gradients, NamedArrays } from '../../compiler/tools/interp/scan.js';
import { concat, example, relErr } from './util.js';

const T = 12;
const B = 2;

function setup(file: string) {
  const g = example(file);
  const p = randomProblem(g, { T, B, seed: 5, sizes: gradcheckSizes(g, {}) });
  const tape = p.interp.forward(p.params, p.inputs, p.init, T);
  const out = g.outputs[0].name;
  const dOutputs = lossAndGradient(p.spec, p.readout, tape.outputs.get(out)!, p.targets, B).dOutputs;
  return { g, p, tape, out, dOutputs };
}

/** The definition of truncated BPTT, one separate full-BPTT run per window. */
function windowedByHand(p: Problem, out: string, dOutputs: Float64Array[], U: number) {
  const g = p.interp.graph;
  const tape = p.interp.forward(p.params, p.inputs, p.init, T);
  const params = new Map(g.params.map((q) => [q.name, new Float64Array(p.params.get(q.name)!.length)]));
  const inputs = new Map<string, Float64Array[]>();
  let initialStates: Map<string, Float64Array> | undefined;
  for (let a = 0; a < T; a += U) {
    const b = Math.min(a + U, T);
    const init = new Map(g.states.map((s) => [s.name, tape.states.get(s.name)![a].slice()]));
    const xs = new Map([...p.inputs].map(([k, v]) => [k, v.slice(a, b)]));
    const w = p.interp.forward(p.params, xs, init, b - a);
    const dFinal: NamedArrays = b === T ? p.finalWeights : new Map();
    const gw = p.interp.backward(p.params, xs, w, new Map([[out, dOutputs.slice(a, b)]]), dFinal);
    for (const [k, v] of gw.params) v.forEach((x, i) => (params.get(k)![i] += x));
    for (const [k, v] of gw.inputs) inputs.set(k, [...(inputs.get(k) ?? []), ...v]);
    if (a === 0) initialStates = gw.initialStates;
  }
  return { params, inputs, initialStates: initialStates! };
}

function expectClose(a: Gradients, b: Pick<Gradients, 'params' | 'inputs' | 'initialStates'>, tol: number) {
  for (const [k, v] of a.params) expect(relErr(v, b.params.get(k)!), `param ${k}`).toBeLessThanOrEqual(tol);
  for (const [k, v] of a.initialStates) expect(relErr(v, b.initialStates.get(k)!), `initial state ${k}`).toBeLessThanOrEqual(tol);
  for (const [k, v] of a.inputs) expect(relErr(concat(v), concat(b.inputs.get(k)!)), `input ${k}`).toBeLessThanOrEqual(tol);
}

describe('truncated BPTT', () => {
  for (const file of ['lstm.cell', 'gru.cell', 'sru.cell']) {
    it(`${file}: window U = T is full BPTT, bit for bit`, () => {
      const { p, tape, out, dOutputs } = setup(file);
      const full = p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights);
      const same = p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights, T);
      const larger = p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights, 100);
      expectClose(full, same, 0);
      expectClose(full, larger, 0);
    });

    it.each([5, 4, 3, 1, 11])(`${file}: window U = %i equals the window-by-window definition`, (U) => {
      const { p, tape, out, dOutputs } = setup(file);
      const truncated = p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights, U);
      const byHand = windowedByHand(p, out, dOutputs, U);
      // the same arithmetic per step; only the order of the parameter sums differs
      expectClose(truncated, byHand, 1e-14);
      // and it is a different gradient from full BPTT (the cut matters)
      const full = p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights);
      const firstParam = p.interp.graph.params[0].name;
      expect(relErr(truncated.params.get(firstParam)!, full.params.get(firstParam)!)).toBeGreaterThan(1e-8);
    });
  }

  it('a window that is not a positive integer is an internal error, not a silent full BPTT', () => {
    const { p, tape, out, dOutputs } = setup('elman.cell');
    for (const bad of [0, -1, 2.5, NaN]) {
      expect(() => p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights, bad)).toThrow(/window/);
    }
  });
});

describe('backward onStep(t, ∂L/∂s_t)', () => {
  it('reports t = T (the final-state cotangent), then ∂L/∂s_t for t = T−1 … 0, equal to suffix runs from s_t', () => {
    const { g, p, tape, out, dOutputs } = setup('lstm.cell');
    const seen: { t: number; d: Map<string, Float64Array> }[] = [];
    const grads = p.interp.backward(p.params, p.inputs, tape, new Map([[out, dOutputs]]), p.finalWeights, T, (t, d) => {
      seen.push({ t, d: new Map([...d].map(([k, v]) => [k, v.slice()])) });
    });
    expect(seen.map((s) => s.t)).toEqual(Array.from({ length: T + 1 }, (_, i) => T - i));
    for (const s of g.states) {
      expect(seen[0].d.get(s.name)).toEqual(p.finalWeights.get(s.name));
      expect(seen[T].d.get(s.name)).toEqual(grads.initialStates.get(s.name));
    }
    // ∂L/∂s_t is the initial-state gradient of the run over steps t … T−1 from s_t
    for (const t of [1, 5, 11]) {
      const init = new Map(g.states.map((s) => [s.name, tape.states.get(s.name)![t].slice()]));
      const xs = new Map([...p.inputs].map(([k, v]) => [k, v.slice(t)]));
      const w = p.interp.forward(p.params, xs, init, T - t);
      const gw = p.interp.backward(p.params, xs, w, new Map([[out, dOutputs.slice(t)]]), p.finalWeights);
      const row = seen.find((s) => s.t === t)!;
      for (const s of g.states) expect(relErr(row.d.get(s.name)!, gw.initialStates.get(s.name)!), `t=${t} ${s.name}`).toBe(0);
    }
  });
});
