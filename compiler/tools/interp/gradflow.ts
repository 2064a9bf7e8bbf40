// Gradient flow through time (the `cellc gradflow` engine): how the gradient
// of a loss at the LAST step only reaches back to earlier states.
//
//   L = ℓ(R·y_T + c)    (loss.ts: mse, at = 'last', reduce = 'mean')
//   report ‖∂L/∂s_t‖₂ for t = T, T−1, …, 0, per state and over all states,
//   the norm taken over the batch and every element of the state.
//
// Unlike gradcheck (tiny sizes, perturbed parameters) this runs the cell as
// it would be trained: the declared sizes (or --set), the declared
// initialisers with a seed, the declared initial states, and N(0, 1) inputs.
// The backward pass is the ordinary full BPTT of CellInterpreter; the state
// cotangent of every step is read through its onStep callback.
//
// ∂L/∂s_T: y_T is computed by the last step from s_{T−1}, so the loss does not
// depend on s_T as such — except when the output IS a next state (`output h'`,
// the usual case): then y_T = h_T and its cotangent is handed to the scan as
// ∂L/∂h_T instead of as ∂L/∂y_T (the same gradient for every t < T, and a
// meaningful first row). Otherwise the t = T row is 0.

import { evalShape } from '../../ir/dims.js';
import type { Graph } from '../../ir/graph.js';
import { initialize } from '../../numeric/initializers.js';
import { Rng } from '../../numeric/random.js';
import { lossAndGradient, type LossSpec } from './loss.js';
import { CellInterpreter, type NamedArrays } from './scan.js';

export interface GradflowOptions {
  readonly T: number;
  readonly B: number;
  readonly seed: number;
  /** Concrete value of every size symbol. */
  readonly sizes: Readonly<Record<string, number>>;
  /** Parameter values to use instead of the initialisers (by name; the rest are initialised). */
  readonly params?: ReadonlyMap<string, Float64Array>;
  /** Width K of the random readout (default 4). */
  readonly K?: number;
}

export interface GradflowStep {
  readonly t: number;
  /** ‖∂L/∂s_t‖ over all states. */
  readonly total: number;
  /** ‖∂L/∂s_t‖ per state, in declaration order. */
  readonly perState: ReadonlyMap<string, number>;
}

export interface GradflowResult {
  readonly cell: string;
  readonly sizes: Readonly<Record<string, number>>;
  readonly T: number;
  readonly B: number;
  readonly seed: number;
  readonly loss: number;
  readonly spec: LossSpec;
  readonly states: readonly string[];
  /** The output the loss reads. */
  readonly output: string;
  /** t = T, T−1, …, 0. */
  readonly steps: readonly GradflowStep[];
  /** The parameters used (initialised or given). */
  readonly params: ReadonlyMap<string, Float64Array>;
}

/** Declared initialisers on concrete shapes, in parameter order, from one seeded stream. */
export function initialParams(interp: CellInterpreter, rng: Rng, given?: ReadonlyMap<string, Float64Array>): Map<string, Float64Array> {
  return new Map(
    interp.graph.params.map((p) => {
      const shape = interp.shapeOf(p.node);
      const v = initialize(p.init, shape, rng, interp.sizes); // always drawn, so a given value does not shift the stream
      const g = given?.get(p.name);
      if (g && g.length !== v.length) throw new RangeError(`parameter ${p.name} has ${v.length} elements, ${g.length} given`);
      return [p.name, g ?? v];
    }),
  );
}

/** The range V of an index input: the depth of the onehot/gather that reads it (else 4). */
function indexRange(g: Graph, leaf: number, sizes: Readonly<Record<string, number>>): number {
  for (const n of g.nodes) {
    if (n.op === 'onehot' && n.args[0] === leaf) return evalShape(n.type.shape, sizes)[0];
    if (n.op === 'gather' && n.args[1] === leaf) return evalShape(g.nodes[n.args[0]].type.shape, sizes)[0];
  }
  return 4;
}

const norm2 = (xs: Iterable<Float64Array>) => {
  let s = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
};

export function gradientFlow(g: Graph, o: GradflowOptions): GradflowResult {
  if (!(Number.isInteger(o.T) && o.T >= 1)) throw new RangeError(`T must be a positive integer, got ${o.T}`);
  if (!(Number.isInteger(o.B) && o.B >= 1)) throw new RangeError(`B must be a positive integer, got ${o.B}`);
  const rng = new Rng(o.seed);
  const interp = new CellInterpreter(g, o.sizes, o.B);
  const params = initialParams(interp, rng, o.params);
  const inputs = new Map(
    g.inputs.map((x) => {
      const steps: Float64Array[] = [];
      const isIndex = g.nodes[x.node].type.dtype === 'i32';
      const V = isIndex ? indexRange(g, x.node, o.sizes) : 0;
      for (let t = 0; t < o.T; t++) steps.push(isIndex ? Float64Array.from({ length: o.B }, () => rng.int(V)) : rng.fillNormal(o.B * interp.numelOf(x.node)));
      return [x.name, steps];
    }),
  );
  const init = interp.initialStates();
  const tape = interp.forward(params, inputs, init, o.T);

  const out = g.outputs[0];
  const D = interp.numelOf(out.node);
  const K = o.K ?? 4;
  const spec: LossSpec = { kind: 'mse', at: 'last', reduce: 'mean', K };
  const readout = { R: rng.fillNormal(K * D, 1 / Math.sqrt(D)), c: new Float64Array(K) };
  const targets = Array.from({ length: o.T }, () => rng.fillNormal(o.B * K));
  const l = lossAndGradient(spec, readout, tape.outputs.get(out.name)!, targets, o.B);

  const dFinal = new Map<string, Float64Array>();
  const asState = g.states.find((s) => s.next === out.node);
  const dOutputs = new Map<string, Float64Array[]>();
  if (asState) dFinal.set(asState.name, l.dOutputs[o.T - 1]);
  else dOutputs.set(out.name, l.dOutputs);

  const steps: GradflowStep[] = [];
  interp.backward(params, inputs, tape, dOutputs, dFinal, o.T, (t, dState: NamedArrays) => {
    const perState = new Map(g.states.map((s) => [s.name, norm2([dState.get(s.name)!])]));
    steps.push({ t, total: norm2(g.states.map((s) => dState.get(s.name)!)), perState });
  });
  return { cell: g.name, sizes: o.sizes, T: o.T, B: o.B, seed: o.seed, loss: l.loss, spec, states: g.states.map((s) => s.name), output: out.name, steps, params };
}

/** (‖∂L/∂s_0‖ / ‖∂L/∂s_t₀‖)^(1/t₀), t₀ the latest step with a non-zero norm: the mean decay per step. */
export function meanDecayPerStep(r: GradflowResult): { from: number; ratio: number; perStep: number } | undefined {
  const top = r.steps.find((s) => s.total > 0 && s.t > 0);
  const zero = r.steps[r.steps.length - 1];
  if (!top || zero.t !== 0) return undefined;
  const ratio = zero.total / top.total;
  return { from: top.t, ratio, perStep: Math.pow(ratio, 1 / top.t) };
}
