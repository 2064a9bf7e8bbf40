// Runs one cell forward + backward on the GPU and through the float64
// reference interpreter with the same parameters, inputs, initial states and
// cotangents, and reports the largest differences of every output and
// gradient. The engine of `cellc run --compare` and of the GPU tests.
// Initial states are N(0, 0.5²), or with `states: 'reachable'` ones the cell
// reaches from its declared values (the draw of gradcheck,
// compiler/tools/interp/gradProblem.ts: a filter's covariance stays positive
// definite).

import { compileBound, numel, Rng, type Artifact, type Bound, type RandomKey } from '../../../compiler/index.js';
import { CellInterpreter, concatArrays, indexRange, reachableInitialStates } from '../../../compiler/tools/index.js';
import { CellRuntime } from '../../core/cellRuntime.js';
import { targetOf, type GpuContext } from '../../core/device.js';

export interface Comparison {
  readonly name: string;
  readonly kind: 'output' | 'final state' | 'param grad' | 'initial state grad' | 'input grad';
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly count: number;
  /**
   * With `roundoff`: the largest distance between the float64 reference and the same
   * computation rounded to float32 at every value — the roundoff the cell amplifies;
   * Infinity where the float32 computation overflows or is not a number.
   */
  readonly roundoff?: number;
}

/** The GPU may differ from float64 by this many times the float32 reference's own distance from it. */
export const ROUNDOFF_FACTOR = 10;

/**
 * A tensor agrees: within `tol` of its scale, or below 1e-6 absolute (≈ 0 in float64), or —
 * measured with `roundoff` — within ROUNDOFF_FACTOR times the float32 reference's distance
 * from float64 (cancellation that float32 arithmetic of the same cell cannot avoid).
 */
export function agrees(r: Comparison, tol: number): boolean {
  if (r.maxRel < tol || r.maxAbs < 1e-6) return true;
  return r.roundoff !== undefined && Number.isFinite(r.roundoff) && r.maxAbs <= ROUNDOFF_FACTOR * r.roundoff + 1e-6;
}

export interface CompareOptions {
  readonly B: number;
  readonly T: number;
  readonly seed: number;
  readonly window?: number;
  /** Parameters to use as they are (e.g. a stable system for a filter); default: the declared initialisers at `seed`, plus N(0, 0.1²) noise. */
  readonly params?: ReadonlyMap<string, Float32Array>;
  /** Initial states: N(0, 0.5²) per element (default), or states the cell reaches from its declared ones. */
  readonly states?: 'random' | 'reachable';
  /** Trials run together (a trial-axis artifact), each with its own draw, each compared (names "trial k: …"); default 1. */
  readonly trials?: number;
  /** The key of the random masks (dropout, zoneout) on both sides; default: none (evaluation, masks at their expectation). */
  readonly random?: RandomKey;
  /** Also run the reference at float32 and report each tensor's `roundoff` (for `agrees`). */
  readonly roundoff?: boolean;
}

type Ref = Float64Array | Float64Array[];
const flat = (x: Ref) => (Array.isArray(x) ? concatArrays(x) : x);

function diff(name: string, kind: Comparison['kind'], gpu: Float32Array, ref: Ref, ref32?: Ref): Comparison {
  const r = flat(ref);
  if (gpu.length !== r.length) throw new Error(`${name}: GPU gave ${gpu.length} values, reference ${r.length}`);
  const roundoff = ref32 && flat(ref32).reduce((m, v, i) => (Number.isFinite(v) ? Math.max(m, Math.abs(v - r[i])) : Infinity), 0);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < r.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(gpu[i] - r[i]));
    scale = Math.max(scale, Math.abs(r[i]));
  }
  if (gpu.some((v) => !Number.isFinite(v))) maxAbs = Infinity;
  return { name, kind, maxAbs, maxRel: scale > 0 ? maxAbs / scale : maxAbs, count: r.length, ...(roundoff !== undefined ? { roundoff } : {}) };
}


const f32 = (x: Float64Array) => Float32Array.from(x);
const f64 = (x: Float32Array) => Float64Array.from(x);

/** `cell`: a bound cell (compiled here for the device), or one already compiled. */
export async function compareWithReference(ctx: GpuContext, cell: Bound & { readonly artifact?: Artifact }, o: CompareOptions): Promise<Comparison[]> {
  const { B, T } = o;
  const K = o.trials ?? 1;
  const g = cell.graph;
  const sizes = cell.sizes;
  const artifact = cell.artifact ?? compileBound(cell, { target: targetOf(ctx), ...(K > 1 ? { trialAxis: true } : {}) });
  const rt = await CellRuntime.create(ctx, artifact, { B, T, trials: K });
  try {
    const interp = new CellInterpreter(g, sizes, B);
    const interp32 = o.roundoff ? new CellInterpreter(g, sizes, B, true) : undefined;
    // each trial its own draw (trial 0 the draw of a run alone), all run by one forward + backward
    const draws = Array.from({ length: K }, (_, k) => {
      rt.selectTrial(k);
      return draw(rt, artifact, interp, cell, o, k ? o.seed + 7919 * k : o.seed);
    });
    rt.setRandom(o.random);
    await rt.forwardBackward(o.window ?? T);
    const out: Comparison[] = [];
    for (const [k, d] of draws.entries()) {
      rt.selectTrial(k);
      const tape = interp.forward(d.params, d.inputs, d.init, T, o.random);
      const grads = interp.backward(d.params, d.inputs, tape, d.dOut, d.dFinal, o.window ?? T);
      const tape32 = interp32?.forward(d.params, d.inputs, d.init, T, o.random);
      const grads32 = tape32 && interp32!.backward(d.params, d.inputs, tape32, d.dOut, d.dFinal, o.window ?? T);
      const name = (n: string) => (K > 1 ? `trial ${k}: ${n}` : n);
      for (const y of artifact.outputs) out.push(diff(name(y.name), 'output', await rt.readOutput(y.name), tape.outputs.get(y.name)!, tape32?.outputs.get(y.name)));
      for (const s of artifact.states) out.push(diff(name(s.name), 'final state', await rt.readState(s.name), tape.states.get(s.name)![T], tape32?.states.get(s.name)![T]));
      const pg = await rt.readGrads();
      for (const p of artifact.params) out.push(diff(name(p.name), 'param grad', pg.get(p.name)!, grads.params.get(p.name)!, grads32?.params.get(p.name)));
      const sg = await rt.readInitialStateGrads();
      for (const s of artifact.states) out.push(diff(name(s.name), 'initial state grad', sg.get(s.name)!, grads.initialStates.get(s.name)!, grads32?.initialStates.get(s.name)));
      for (const x of artifact.inputs) if (x.dtensor) out.push(diff(name(x.name), 'input grad', await rt.readInputGrad(x.name), grads.inputs.get(x.name)!, grads32?.inputs.get(x.name)));
    }
    return out;
  } finally {
    rt.destroy();
  }
}

/** Draws parameters, inputs, initial states and cotangents at `seed`, writes them to the runtime's selected trial, and returns them in float64. */
function draw(rt: CellRuntime, artifact: Artifact, interp: CellInterpreter, cell: Bound, o: CompareOptions, seed: number) {
  const { B, T } = o;
  const rng = new Rng(seed);
  const params32 = o.params ? new Map(o.params) : rt.initParams(seed);
  // perturb so that zero-initialised parameters matter too
  if (!o.params) for (const v of params32.values()) for (let i = 0; i < v.length; i++) v[i] += 0.1 * rng.normal();
  rt.setParams(params32);
  const params = new Map([...params32].map(([k, v]) => [k, f64(v)]));
  const inputs = new Map<string, Float64Array[]>();
  const inputs32 = new Map<string, Float32Array>();
  for (const x of artifact.inputs) {
    const n = numel(x.shape);
    const steps: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const range = x.dtype === 'i32' ? indexRange(cell.graph, x.name, cell.sizes) : 0;
      steps.push(x.dtype === 'i32' ? Float64Array.from({ length: B }, () => rng.int(range)) : f64(f32(rng.fillNormal(B * n))));
    }
    inputs.set(x.name, steps);
    inputs32.set(x.name, f32(concatArrays(steps)));
  }
  rt.setInputs(inputs32);
  // learned initial states start from their parameter, on both sides
  const init =
    o.states === 'reachable'
      ? new Map([...reachableInitialStates(interp, params, new Rng(seed + 104729))].map(([k, v]) => [k, f64(f32(v))]))
      : new Map(artifact.states.filter((s) => !s.initParam).map((s) => [s.name, f64(f32(rng.fillNormal(B * numel(s.shape), 0.5)))]));
  rt.setInitialStates(new Map([...init].map(([k, v]) => [k, f32(v)])));
  const dOut = new Map(artifact.outputs.map((y) => [y.name, Array.from({ length: T }, () => f64(f32(rng.fillNormal(B * numel(y.shape)))))]));
  const dFinal = new Map(artifact.states.map((s) => [s.name, f64(f32(rng.fillNormal(B * numel(s.shape), 0.5)))]));
  rt.setOutputCotangents(new Map([...dOut].map(([k, v]) => [k, f32(concatArrays(v))])));
  rt.setFinalStateCotangents(new Map([...dFinal].map(([k, v]) => [k, f32(v)])));
  return { params, inputs, init, dOut, dFinal };
}
