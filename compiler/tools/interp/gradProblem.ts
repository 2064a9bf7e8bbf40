// The random problem a gradient check runs on: parameters, inputs, initial
// states, a readout loss and final-state weights, all drawn from a seed.
//
// Initial states are states the cell can reach, so that a check does not
// evaluate it where it is not meant to be (an sLSTM's normaliser n near 0, a
// Kalman filter's covariance indefinite): example b starts from the declared
// initial values advanced by k_b steps of the cell itself on
// random inputs, k_b = 1, 3, 2, 1, 3, … (at least one step: a declared
// constant is itself a special point — every element equal, so max ties, and
// relu and abs kinks at 0). An element that those steps leave exactly at its
// declared value (a state the cell does not move), leaves exactly at 0 (the
// kink of relu and abs), or makes non-finite, is drawn N(declared, 0.5²)
// instead; one within 1e-3 of ±1 (a saturated tanh or a clamp at its bound:
// saturated elements tie in max) is moved inside and one within 1e-3 of 0
// (where a finite-difference step crosses the kinks at 0) is moved out to
// 1e-3…4e-3, both keeping their sign; so that every initial-state gradient is
// exercised away from a special point; so is an example's whole state when
// all its elements are equal up to 1e-6 after each burn-in step (a cell that ignores its inputs keeps a uniform
// state uniform: ties in max and argmax, a zero variance in layernorm).

import { drawsMasks, type Graph } from '../../ir/graph.js';
import { evalShape } from '../../ir/dims.js';
import { initialize } from '../../numeric/initializers.js';
import { Rng } from '../../numeric/random.js';
import type { LossSpec, Readout } from './loss.js';
import { CellInterpreter, type NamedArrays } from './scan.js';
import type { RandomKey } from '../../numeric/philox.js';

export interface ProblemOptions {
  readonly T: number;
  readonly B: number;
  readonly seed: number;
  readonly sizes: Readonly<Record<string, number>>;
  /** Truncated BPTT window (default T: full BPTT). */
  readonly window?: number;
}

export interface Problem {
  readonly interp: CellInterpreter;
  readonly params: Map<string, Float64Array>;
  readonly init: Map<string, Float64Array>;
  readonly inputs: Map<string, Float64Array[]>;
  readonly targets: Float64Array[];
  readonly readout: Readout;
  readonly finalWeights: Map<string, Float64Array>;
  /** Weights w_t of the term Σ_t ⟨w_t, y_t⟩ the loss has for each output after the first (which the readout reads). */
  readonly outputWeights: Map<string, Float64Array[]>;
  readonly spec: LossSpec;
  readonly T: number;
  readonly window: number;
  /** The key of the cell's random masks (dropout, zoneout): drawn as in training, fixed, so the loss is a smooth function of the rest. */
  readonly random?: RandomKey;
}

/** Steps of the cell run before example b's initial state (see the header). */
export const burnInSteps = (b: number) => [1, 3, 2][b % 3];
const BURN_IN = 3;
/** Burnt-in elements closer to 0 than this are moved out to it (10× the largest finite-difference step of the dot test at ε = 1e-6, rms ≤ 10). */
const NEAR_ZERO = 1e-3;
/** The spread (max − min, relative to the declared scale) below which an example's state counts as uniform. */
const UNIFORM = 1e-6;

/** The range V of an index input `o: index(V)`: the depth of the onehot/gather that uses it, else 4. */
export function indexRange(g: Graph, input: string, sizes: Readonly<Record<string, number>>): number {
  const leaf = g.inputs.find((x) => x.name === input)!.node;
  for (const n of g.nodes) {
    if (n.op === 'onehot' && n.args[0] === leaf) return evalShape(n.type.shape, sizes)[0];
    if (n.op === 'gather' && n.args[1] === leaf) return evalShape(g.nodes[n.args[0]].type.shape, sizes)[0];
  }
  return 4;
}

/** T steps of random inputs: f32 N(0, 1), index inputs uniform in their range. */
export function randomInputs(interp: CellInterpreter, T: number, rng: Rng, f32 = (v: Float64Array) => v): Map<string, Float64Array[]> {
  const g = interp.graph;
  return new Map(
    g.inputs.map((x) => {
      const index = g.nodes[x.node].type.dtype === 'i32';
      const range = index ? indexRange(g, x.name, interp.sizes) : 0;
      const steps = Array.from({ length: T }, () => (index ? Float64Array.from({ length: interp.B }, () => rng.int(range)) : f32(rng.fillNormal(interp.B * interp.numelOf(x.node)))));
      return [x.name, steps];
    }),
  );
}

/** Initial states the cell reaches from its declared ones (see the header), one draw per example. */
export function reachableInitialStates(interp: CellInterpreter, params: NamedArrays, rng: Rng): Map<string, Float64Array> {
  const g = interp.graph;
  const declared = interp.initialStates();
  const tape = interp.forward(params, randomInputs(interp, BURN_IN, rng), declared, BURN_IN);
  // a state whose initial value is a parameter starts from it (the parameter is checked instead)
  return new Map(
    g.states.filter((s) => !s.initParam).map((s) => {
      const n = interp.numelOf(s.node);
      const d = declared.get(s.name)!;
      const out = new Float64Array(interp.B * n);
      for (let b = 0; b < interp.B; b++) {
        const k = burnInSteps(b);
        const from = tape.states.get(s.name)![k];
        // every element equal, up to rounding, at every burn-in step (a cell that ignores its inputs keeps a
        // uniform state uniform): ties, a zero variance (whose layernorm leaves rounding noise of 1e-15)
        const spread = UNIFORM * Math.max(1, ...d.subarray(b * n, (b + 1) * n).map(Math.abs));
        const uniformAt = (step: Float64Array) => {
          const row = step.subarray(b * n, (b + 1) * n);
          return Math.max(...row) - Math.min(...row) <= spread;
        };
        const uniform = n > 1 && tape.states.get(s.name)!.slice(1).every(uniformAt);
        for (let i = b * n; i < (b + 1) * n; i++) {
          // exactly 0 is the kink of relu and abs (relu of a negative start lands there)
          const v = from[i];
          const moved = !uniform && v !== d[i] && v !== 0 && Number.isFinite(v);
          // these keep their sign (a normaliser stays positive): a value within 1e-3 of ±1 moves inside
          // (a saturated tanh: saturated elements tie in max, to within a finite-difference step); a value
          // within 1e-3 of 0, where a step can cross the kink of relu and abs, moves out to 1e-3…4e-3
          // (small: a covariance stays definite)
          if (moved && Math.abs(v) <= 1 && Math.abs(v) > 1 - NEAR_ZERO) out[i] = v * Math.max(0.2, 1 - 0.2 * Math.abs(rng.normal()));
          else if (moved && Math.abs(v) < NEAR_ZERO) out[i] = Math.sign(v) * NEAR_ZERO * (1 + Math.min(3, Math.abs(rng.normal())));
          else out[i] = moved ? v : d[i] + 0.5 * rng.normal();
        }
      }
      return [s.name, out];
    }),
  );
}

/** Random parameters (declared initialiser + noise), inputs, reachable initial states and targets. */
export function randomProblem(g: Graph, o: ProblemOptions): Problem {
  const rng = new Rng(o.seed);
  const interp = new CellInterpreter(g, o.sizes, o.B);
  const params = new Map(
    g.params.map((p) => {
      const v = initialize(p.init, interp.shapeOf(p.node), rng, o.sizes);
      for (let i = 0; i < v.length; i++) v[i] += 0.1 * rng.normal();
      return [p.name, v];
    }),
  );
  const init = reachableInitialStates(interp, params, new Rng(o.seed + 104729));
  const inputs = randomInputs(interp, o.T, rng);
  const D = interp.numelOf(g.outputs[0].node);
  const K = 2;
  const readout = { R: rng.fillNormal(K * D, 0.5), c: rng.fillNormal(K, 0.1) };
  const targets = Array.from({ length: o.T }, () => rng.fillNormal(o.B * K));
  const finalWeights = new Map(g.states.map((s) => [s.name, rng.fillNormal(o.B * interp.numelOf(s.node), 0.1)]));
  const outputWeights = new Map(g.outputs.slice(1).map((y) => [y.name, Array.from({ length: o.T }, () => rng.fillNormal(o.B * interp.numelOf(y.node), 0.1))]));
  const random = drawsMasks(g.nodes) ? { random: { seed: o.seed, draw: 0, training: true } } : {};
  return { interp, params, init, inputs, targets, readout, finalWeights, outputWeights, spec: { kind: 'mse', at: 'every', reduce: 'mean', K }, T: o.T, window: o.window ?? o.T, ...random };
}
