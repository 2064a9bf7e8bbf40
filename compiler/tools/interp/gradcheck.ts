// Gradient checking in float64 (the `cellc gradcheck` engine), on a random
// problem (gradProblem.ts: reachable initial states, a readout loss).
//
// 1. Per tensor: the BPTT gradient of a scalar loss against central finite
//    differences, for every parameter, every initial state and the inputs.
//    The step is the tensor's own: h = ε·max(1, rms(tensor)). Error of a
//    tensor: maxᵢ|aᵢ − nᵢ| (absolute) and that divided by maxᵢ max(|aᵢ|, |nᵢ|)
//    (relative; the tensor's own scale, so tiny entries do not inflate it).
// 2. The dot-product test: ⟨u, Jᵀv⟩ (backward) against ⟨Ju, v⟩ (finite
//    differences of the forward along u, step 10ε·max(1, rms(leaves))) for
//    random u, v, where J is the Jacobian of (params, s_0, x_{1..T}) ↦
//    (y_{1..T}, s_T). Hard to fool: it checks the whole transposed linear
//    map, not only one loss's gradient.
// Both go through fdJudge.ts: further steps and Richardson extrapolation when
// the first step disagrees, and a diagnosis (truncation, roundoff or wrong
// gradient) when no step agrees.

import type { Graph } from '../../ir/graph.js';
import type { RandomKey } from '../../numeric/philox.js';
import { Rng } from '../../numeric/random.js';
import { judgeDerivative, type FdSample, type FdVerdict } from './fdJudge.js';
import { randomProblem, type Problem, type ProblemOptions } from './gradProblem.js';
import { lossAndGradient } from './loss.js';
import type { Sequences } from './scan.js';
import { concatArrays } from './tensor.js';

export { indexRange, randomProblem, reachableInitialStates, type Problem } from './gradProblem.js';

/** The defaults of `cellc gradcheck`: the base step ε and the accepted relative error. */
export const DEFAULT_EPS = 1e-6;
export const DEFAULT_TOL = 1e-6;

export interface GradcheckOptions extends ProblemOptions {
  /** Base finite-difference step ε (default 1e-6). */
  readonly eps?: number;
  /** Largest accepted relative error (default 1e-6): decides when further steps are tried. */
  readonly tol?: number;
}

export interface TensorCheck extends FdVerdict {
  readonly name: string;
  readonly kind: 'param' | 'initial state' | 'input';
  readonly count: number;
}

export interface DotCheck extends FdVerdict {
  readonly backward: number;
  readonly forward: number;
  readonly rel: number;
}

export interface GradcheckReport {
  readonly tensors: TensorCheck[];
  readonly dot: DotCheck;
  readonly loss: number;
  readonly ok: boolean;
  /** The key the cell's random masks were drawn with (fixed for every evaluation of the loss). */
  readonly random?: RandomKey;
}

/** Small, pairwise different default sizes (3, 4, 5, …) so a transposed index cannot hide. */
export function gradcheckSizes(g: Graph, overrides: Readonly<Record<string, number>>): Record<string, number> {
  const r: Record<string, number> = {};
  g.sizes.forEach((s, i) => (r[s.name] = overrides[s.name] ?? 3 + i));
  return r;
}

const dot = (w: Float64Array, x: Float64Array) => w.reduce((s, wi, i) => s + wi * x[i], 0);

/** L = readout loss of the first output + Σ_t ⟨w_t, y_t⟩ over the other outputs + Σ_s ⟨w_s, s_T⟩: every output and final state reaches L. */
export function problemLoss(p: Problem): number {
  const tape = p.interp.forward(p.params, p.inputs, p.init, p.T, p.random);
  const outName = p.interp.graph.outputs[0].name;
  let L = lossAndGradient(p.spec, p.readout, tape.outputs.get(outName)!, p.targets, p.interp.B).loss;
  for (const [name, ws] of p.outputWeights) {
    const ys = tape.outputs.get(name)!;
    ws.forEach((w, t) => (L += dot(w, ys[t])));
  }
  for (const [name, w] of p.finalWeights) L += dot(w, tape.states.get(name)![p.T]);
  return L;
}

export function problemGradient(p: Problem) {
  const tape = p.interp.forward(p.params, p.inputs, p.init, p.T, p.random);
  const outName = p.interp.graph.outputs[0].name;
  const l = lossAndGradient(p.spec, p.readout, tape.outputs.get(outName)!, p.targets, p.interp.B);
  return p.interp.backward(p.params, p.inputs, tape, new Map([[outName, l.dOutputs], ...p.outputWeights]), p.finalWeights, p.window);
}

function rms(xs: readonly Float64Array[]): number {
  let s = 0;
  let n = 0;
  for (const x of xs) for (const v of x) (s += v * v), n++;
  return n ? Math.sqrt(s / n) : 0;
}

/** Central differences and bends (fdJudge.ts) of f along each element of the arrays xs (restored afterwards), at step h; f0 = f(). */
function centralAll(f: () => number, f0: number, xs: readonly Float64Array[], h: number): FdSample {
  const n = xs.reduce((m, x) => m + x.length, 0);
  const central = new Float64Array(n);
  const bend = new Float64Array(n);
  let k = 0;
  for (const x of xs) {
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      x[i] = x0 + h;
      const fp = f();
      x[i] = x0 - h;
      const fm = f();
      x[i] = x0;
      central[k] = (fp - fm) / (2 * h);
      bend[k++] = (fp + fm - 2 * f0) / h;
    }
  }
  return { central, bend };
}

/** Truncated-BPTT finite differences are not meaningful; checks use the full window. */
export function gradcheck(g: Graph, o: GradcheckOptions): GradcheckReport {
  const p = randomProblem(g, o);
  const eps = o.eps ?? DEFAULT_EPS;
  const tol = o.tol ?? DEFAULT_TOL;
  const f = () => problemLoss(p);
  const L = f();
  const grads = problemGradient(p);
  const tensors: TensorCheck[] = [];
  const check = (name: string, kind: TensorCheck['kind'], analytic: Float64Array, xs: readonly Float64Array[]) => {
    const v = judgeDerivative(analytic, (s) => centralAll(f, L, xs, s), eps * Math.max(1, rms(xs)), tol, Math.max(1, Math.abs(L)));
    tensors.push({ name, kind, count: analytic.length, ...v });
  };
  for (const [name, v] of p.params) check(name, 'param', grads.params.get(name)!, [v]);
  for (const [name, v] of p.init) check(name, 'initial state', grads.initialStates.get(name)!, [v]);
  for (const [name, steps] of grads.inputs) check(name, 'input', concatArrays(steps), p.inputs.get(name)!);
  let dot = dotProductTest(p, new Rng(o.seed + 7919), eps, tol);
  // the dot test moves every leaf at once: through a kink that the per-element checks located,
  // its error is that kink's, not a sign of a wrong rule (those show in the per-element checks)
  const kink = tensors.find((t) => t.diagnosis === 'kink' || t.diagnosis === 'discontinuity');
  if (!dot.ok && kink && dot.diagnosis !== 'truncation') dot = { ...dot, diagnosis: kink.diagnosis };
  return { tensors, dot, loss: L, ok: dot.ok && tensors.every((t) => t.ok), ...(p.random ? { random: p.random } : {}) };
}

/** ⟨u, Jᵀv⟩ against ⟨Ju, v⟩. */
export function dotProductTest(p: Problem, rng: Rng, eps = DEFAULT_EPS, tol = DEFAULT_TOL): DotCheck {
  const g = p.interp.graph;
  const leaves: Float64Array[] = [...p.params.values(), ...p.init.values()];
  for (const x of g.inputs) if (g.nodes[x.node].type.dtype === 'f32') leaves.push(...p.inputs.get(x.name)!);
  const u = leaves.map((x) => rng.fillNormal(x.length));
  const vOut = new Map(g.outputs.map((o) => [o.name, Array.from({ length: p.T }, () => rng.fillNormal(p.interp.B * p.interp.numelOf(o.node)))]));
  const vState = new Map(g.states.map((s) => [s.name, rng.fillNormal(p.interp.B * p.interp.numelOf(s.node))]));

  const tape = p.interp.forward(p.params, p.inputs, p.init, p.T, p.random);
  const grads = p.interp.backward(p.params, p.inputs, tape, vOut as Sequences, vState);
  const jtv: Float64Array[] = [...g.params.map((q) => grads.params.get(q.name)!), ...[...p.init.keys()].map((s) => grads.initialStates.get(s)!)];
  for (const x of g.inputs) if (g.nodes[x.node].type.dtype === 'f32') jtv.push(...grads.inputs.get(x.name)!);
  let backward = 0;
  jtv.forEach((a, k) => a.forEach((v, i) => (backward += v * u[k][i])));

  /** ⟨v, forward⟩ and Σ|v·forward| (the size of its roundoff). */
  const vDotF = () => {
    const tp = p.interp.forward(p.params, p.inputs, p.init, p.T, p.random);
    let s = 0;
    let size = 0;
    const add = (a: number) => ((s += a), (size += Math.abs(a)));
    for (const [name, vs] of vOut) tp.outputs.get(name)!.forEach((y, t) => y.forEach((v, i) => add(v * vs[t][i])));
    for (const [name, v] of vState) tp.states.get(name)![p.T].forEach((x, i) => add(x * v[i]));
    return { s, size };
  };
  const shift = (e: number) => leaves.forEach((x, k) => x.forEach((_, i) => (x[i] += e * u[k][i])));
  const at0 = vDotF();
  const along = (e: number): FdSample => {
    shift(e);
    const fp = vDotF().s;
    shift(-2 * e);
    const fm = vDotF().s;
    shift(e);
    return { central: Float64Array.of((fp - fm) / (2 * e)), bend: Float64Array.of((fp + fm - 2 * at0.s) / e) };
  };
  const v = judgeDerivative(Float64Array.of(backward), along, 10 * eps * Math.max(1, rms(leaves)), tol, Math.max(1, at0.size));
  return { ...v, backward, forward: v.numeric[0], rel: v.maxRel };
}
