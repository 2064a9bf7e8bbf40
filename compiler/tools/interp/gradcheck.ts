// Gradient checking in float64 (the `cellc gradcheck` engine).
//
// 1. Per tensor: the BPTT gradient of a scalar loss against central finite
//    differences, for every parameter, every initial state and the inputs.
//    Error of a tensor: maxᵢ|aᵢ − nᵢ| (absolute) and that divided by
//    maxᵢ|nᵢ| (relative; the tensor's own scale, so tiny entries do not
//    inflate it).
// 2. The dot-product test: ⟨u, Jᵀv⟩ (backward) against ⟨Ju, v⟩ (finite
//    differences of the forward along u) for random u, v, where J is the
//    Jacobian of (params, s_0, x_{1..T}) ↦ (y_{1..T}, s_T). Hard to fool: it
//    checks the whole transposed linear map, not only one loss's gradient.

import type { Graph } from '../../ir/graph.js';
import { evalShape } from '../../ir/dims.js';
import { initialize } from '../../numeric/initializers.js';
import { Rng } from '../../numeric/random.js';
import { lossAndGradient, type LossSpec, type Readout } from './loss.js';
import { CellInterpreter, type Sequences } from './scan.js';
import { concatArrays } from './tensor.js';

export interface GradcheckOptions {
  readonly T: number;
  readonly B: number;
  readonly seed: number;
  readonly sizes: Readonly<Record<string, number>>;
  /** Truncated BPTT window (default T: full BPTT). */
  readonly window?: number;
  readonly step?: number;
}

export interface TensorCheck {
  readonly name: string;
  readonly kind: 'param' | 'initial state' | 'input';
  readonly count: number;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly scale: number;
}

export interface GradcheckReport {
  readonly tensors: TensorCheck[];
  readonly dot: { readonly backward: number; readonly forward: number; readonly rel: number };
  readonly loss: number;
}

/** Small, pairwise different default sizes (3, 4, 5, …) so a transposed index cannot hide. */
export function gradcheckSizes(g: Graph, overrides: Readonly<Record<string, number>>): Record<string, number> {
  const r: Record<string, number> = {};
  g.sizes.forEach((s, i) => (r[s.name] = overrides[s.name] ?? 3 + i));
  return r;
}

export interface Problem {
  readonly interp: CellInterpreter;
  readonly params: Map<string, Float64Array>;
  readonly init: Map<string, Float64Array>;
  readonly inputs: Map<string, Float64Array[]>;
  readonly targets: Float64Array[];
  readonly readout: Readout;
  readonly finalWeights: Map<string, Float64Array>;
  readonly spec: LossSpec;
  readonly T: number;
  readonly window: number;
}

/** Random parameters (declared initialiser + noise), inputs, initial states and targets. */
export function randomProblem(g: Graph, o: GradcheckOptions): Problem {
  const rng = new Rng(o.seed);
  const interp = new CellInterpreter(g, o.sizes, o.B);
  const params = new Map(
    g.params.map((p) => {
      const shape = interp.shapeOf(p.node);
      const v = initialize(p.init, shape, rng, o.sizes);
      for (let i = 0; i < v.length; i++) v[i] += 0.1 * rng.normal();
      return [p.name, v];
    }),
  );
  // a state whose initial value is a parameter starts from it (the parameter is checked instead)
  const init = new Map(g.states.filter((s) => !s.initParam).map((s) => [s.name, rng.fillNormal(o.B * interp.numelOf(s.node), 0.5)]));
  const inputs = new Map(
    g.inputs.map((x) => {
      const n = g.nodes[x.node];
      const steps: Float64Array[] = [];
      for (let t = 0; t < o.T; t++) {
        if (n.type.dtype === 'i32') {
          const range = indexRange(g, x.name, o.sizes);
          steps.push(Float64Array.from({ length: o.B }, () => rng.int(range)));
        } else steps.push(rng.fillNormal(o.B * interp.numelOf(x.node)));
      }
      return [x.name, steps];
    }),
  );
  const out = g.outputs[0];
  const D = interp.numelOf(out.node);
  const K = 2;
  const readout = { R: rng.fillNormal(K * D, 0.5), c: rng.fillNormal(K, 0.1) };
  const targets = Array.from({ length: o.T }, () => rng.fillNormal(o.B * K));
  const finalWeights = new Map(g.states.map((s) => [s.name, rng.fillNormal(o.B * interp.numelOf(s.node), 0.1)]));
  return { interp, params, init, inputs, targets, readout, finalWeights, spec: { kind: 'mse', at: 'every', reduce: 'mean', K }, T: o.T, window: o.window ?? o.T };
}

/** The range V of an index input `o: index(V)`: the depth of the onehot/gather that uses it, else 4. */
export function indexRange(g: Graph, input: string, sizes: Readonly<Record<string, number>>): number {
  const leaf = g.inputs.find((x) => x.name === input)!.node;
  for (const n of g.nodes) {
    if (n.op === 'onehot' && n.args[0] === leaf) return evalShape(n.type.shape, sizes)[0];
    if (n.op === 'gather' && n.args[1] === leaf) return evalShape(g.nodes[n.args[0]].type.shape, sizes)[0];
  }
  return 4;
}

/** L = readout loss + Σ_s ⟨w_s, s_T⟩. */
export function problemLoss(p: Problem): number {
  const tape = p.interp.forward(p.params, p.inputs, p.init, p.T);
  const outName = p.interp.graph.outputs[0].name;
  let L = lossAndGradient(p.spec, p.readout, tape.outputs.get(outName)!, p.targets, p.interp.B).loss;
  for (const [name, w] of p.finalWeights) {
    const sT = tape.states.get(name)![p.T];
    for (let i = 0; i < w.length; i++) L += w[i] * sT[i];
  }
  return L;
}

export function problemGradient(p: Problem) {
  const tape = p.interp.forward(p.params, p.inputs, p.init, p.T);
  const outName = p.interp.graph.outputs[0].name;
  const l = lossAndGradient(p.spec, p.readout, tape.outputs.get(outName)!, p.targets, p.interp.B);
  return p.interp.backward(p.params, p.inputs, tape, new Map([[outName, l.dOutputs]]), p.finalWeights, p.window);
}

function central(f: () => number, x: Float64Array, i: number, h: number): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const fp = f();
  x[i] = x0 - h;
  const fm = f();
  x[i] = x0;
  return (fp - fm) / (2 * h);
}

function compare(name: string, kind: TensorCheck['kind'], analytic: Float64Array, numeric: Float64Array): TensorCheck {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < analytic.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(analytic[i] - numeric[i]));
    scale = Math.max(scale, Math.abs(numeric[i]), Math.abs(analytic[i]));
  }
  return { name, kind, count: analytic.length, maxAbs, maxRel: scale > 0 ? maxAbs / scale : 0, scale };
}


/** Truncated-BPTT finite differences are not meaningful; checks use the full window. */
export function gradcheck(g: Graph, o: GradcheckOptions): GradcheckReport {
  const p = randomProblem(g, o);
  const h = o.step ?? 1e-6;
  const f = () => problemLoss(p);
  const grads = problemGradient(p);
  const tensors: TensorCheck[] = [];
  const numeric = (x: Float64Array) => Float64Array.from(x, (_, i) => central(f, x, i, h));
  for (const [name, v] of p.params) tensors.push(compare(name, 'param', grads.params.get(name)!, numeric(v)));
  for (const [name, v] of p.init) tensors.push(compare(name, 'initial state', grads.initialStates.get(name)!, numeric(v)));
  for (const [name, steps] of grads.inputs) {
    const xs = p.inputs.get(name)!;
    const num = xs.map((x) => numeric(x));
    tensors.push(compare(name, 'input', concatArrays(steps), concatArrays(num)));
  }
  return { tensors, dot: dotProductTest(p, new Rng(o.seed + 7919), h), loss: f() };
}

/** ⟨u, Jᵀv⟩ against ⟨Ju, v⟩. */
export function dotProductTest(p: Problem, rng: Rng, h: number) {
  const g = p.interp.graph;
  const leaves: Float64Array[] = [...p.params.values(), ...p.init.values()];
  for (const x of g.inputs) if (g.nodes[x.node].type.dtype === 'f32') leaves.push(...p.inputs.get(x.name)!);
  const u = leaves.map((x) => rng.fillNormal(x.length));
  const vOut = new Map(g.outputs.map((o) => [o.name, Array.from({ length: p.T }, () => rng.fillNormal(p.interp.B * p.interp.numelOf(o.node)))]));
  const vState = new Map(g.states.map((s) => [s.name, rng.fillNormal(p.interp.B * p.interp.numelOf(s.node))]));

  const tape = p.interp.forward(p.params, p.inputs, p.init, p.T);
  const grads = p.interp.backward(p.params, p.inputs, tape, vOut as Sequences, vState);
  const jtv: Float64Array[] = [...g.params.map((q) => grads.params.get(q.name)!), ...[...p.init.keys()].map((s) => grads.initialStates.get(s)!)];
  for (const x of g.inputs) if (g.nodes[x.node].type.dtype === 'f32') jtv.push(...grads.inputs.get(x.name)!);
  let backward = 0;
  jtv.forEach((a, k) => a.forEach((v, i) => (backward += v * u[k][i])));

  const vDotF = () => {
    const tp = p.interp.forward(p.params, p.inputs, p.init, p.T);
    let s = 0;
    for (const [name, vs] of vOut) tp.outputs.get(name)!.forEach((y, t) => y.forEach((v, i) => (s += v * vs[t][i])));
    for (const [name, v] of vState) tp.states.get(name)![p.T].forEach((x, i) => (s += x * v[i]));
    return s;
  };
  const shift = (eps: number) => leaves.forEach((x, k) => x.forEach((_, i) => (x[i] += eps * u[k][i])));
  const eps = Math.max(h, 1e-5);
  shift(eps);
  const fp = vDotF();
  shift(-2 * eps);
  const fm = vDotF();
  shift(eps);
  const forward = (fp - fm) / (2 * eps);
  return { backward, forward, rel: Math.abs(backward - forward) / Math.max(Math.abs(backward), Math.abs(forward), 1e-300) };
}

