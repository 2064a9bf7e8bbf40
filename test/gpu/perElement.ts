// GPU forward + backward against the float64 interpreter, compared element by
// element (|gpu − ref| ≤ atol·scale + rtol·|ref|, scale = max |ref| of that
// tensor), with the inputs, parameters and initial states scaled by the
// caller: a max-relative comparison at 1e-4 hides errors in small elements
// and in saturated activations, which this one does not.

import { compileBound, numel, Rng } from '../../compiler/index.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { CellInterpreter, concatArrays } from '../../compiler/tools/index.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { targetOf, type GpuContext } from '../../runtime/core/device.js';

export interface Scaled {
  readonly B: number;
  readonly T: number;
  readonly seed: number;
  /** Standard deviation of every input element (default 1). */
  readonly inputScale?: number;
  /** Standard deviation of every parameter element, replacing the initialisers (default: the initialisers). */
  readonly paramScale?: number;
  readonly atol?: number;
  readonly rtol?: number;
  /** Compile ∂x_t too (default true; training artifacts do not). */
  readonly inputGradients?: boolean;
}

export interface ElementReport {
  readonly tensor: string;
  /** The worst element: index, GPU, reference. */
  readonly worst: { readonly i: number; readonly gpu: number; readonly ref: number; readonly excess: number };
  readonly count: number;
}

/** Every tensor whose worst element is out of tolerance (empty when all agree), and the reference outputs. */
export async function comparePerElement(ctx: GpuContext, graph: Graph, sizes: Readonly<Record<string, number>>, o: Scaled): Promise<{ bad: ElementReport[]; compared: number; outputs: Map<string, Float64Array> }> {
  const { B, T } = o;
  const artifact = compileBound({ graph, sizes }, { target: targetOf(ctx), inputGradients: o.inputGradients !== false });
  const rt = await CellRuntime.create(ctx, artifact, { B, T });
  try {
    const rng = new Rng(o.seed);
    const params32 = rt.initParams(o.seed);
    if (o.paramScale !== undefined) for (const v of params32.values()) for (let i = 0; i < v.length; i++) v[i] = o.paramScale * rng.normal();
    rt.setParams(params32);
    const params = new Map([...params32].map(([k, v]) => [k, Float64Array.from(v)]));
    const f32ish = (n: number, s: number) => Float64Array.from(Float32Array.from(rng.fillNormal(n, s)));
    const inputs = new Map(artifact.inputs.map((x) => [x.name, Array.from({ length: T }, () => f32ish(B * numel(x.shape), o.inputScale ?? 1))]));
    rt.setInputs(new Map([...inputs].map(([k, v]) => [k, Float32Array.from(concatArrays(v))])));
    const init = new Map(artifact.states.map((s) => [s.name, f32ish(B * numel(s.shape), 0.5)]));
    rt.setInitialStates(new Map([...init].map(([k, v]) => [k, Float32Array.from(v)])));
    const dOut = new Map(artifact.outputs.map((y) => [y.name, Array.from({ length: T }, () => f32ish(B * numel(y.shape), 1))]));
    const dFinal = new Map(artifact.states.map((s) => [s.name, f32ish(B * numel(s.shape), 1)]));
    rt.setOutputCotangents(new Map([...dOut].map(([k, v]) => [k, Float32Array.from(concatArrays(v))])));
    rt.setFinalStateCotangents(new Map([...dFinal].map(([k, v]) => [k, Float32Array.from(v)])));
    await rt.forwardBackward();

    const interp = new CellInterpreter(graph, sizes, B);
    const tape = interp.forward(params, inputs, init, T);
    const grads = interp.backward(params, inputs, tape, dOut, dFinal);
    const atol = o.atol ?? 1e-6;
    const rtol = o.rtol ?? 2e-5;
    const bad: ElementReport[] = [];
    let compared = 0;
    const cmp = (tensor: string, gpu: Float32Array, ref: Float64Array) => {
      compared++;
      if (gpu.length !== ref.length) throw new Error(`${tensor}: GPU gave ${gpu.length} values, reference ${ref.length}`);
      let scale = 0;
      for (const v of ref) scale = Math.max(scale, Math.abs(v));
      let worst = { i: -1, gpu: 0, ref: 0, excess: 0 };
      for (let i = 0; i < ref.length; i++) {
        const err = Math.abs(gpu[i] - ref[i]);
        const excess = Number.isFinite(gpu[i]) ? err / (atol * scale + rtol * Math.abs(ref[i]) + 1e-30) : Infinity;
        if (excess > worst.excess) worst = { i, gpu: gpu[i], ref: ref[i], excess };
      }
      if (worst.excess > 1) bad.push({ tensor, worst, count: ref.length });
    };
    const outputs = new Map<string, Float64Array>();
    for (const y of artifact.outputs) {
      const ref = concatArrays(tape.outputs.get(y.name)!);
      outputs.set(y.name, ref);
      cmp(`output ${y.name}`, await rt.readOutput(y.name), ref);
    }
    for (const s of artifact.states) cmp(`final state ${s.name}`, await rt.readState(s.name), tape.states.get(s.name)![T]);
    const pg = await rt.readGrads();
    for (const p of artifact.params) cmp(`∂${p.name}`, pg.get(p.name)!, grads.params.get(p.name)!);
    const sg = await rt.readInitialStateGrads();
    for (const s of artifact.states) cmp(`∂${s.name}₀`, sg.get(s.name)!, grads.initialStates.get(s.name)!);
    for (const x of artifact.inputs) if (x.dtensor) cmp(`∂${x.name}`, await rt.readInputGrad(x.name), concatArrays(grads.inputs.get(x.name)!));
    return { bad, compared, outputs };
  } finally {
    rt.destroy();
  }
}

export const describeBad = (bad: readonly ElementReport[]) =>
  bad.map((b) => `${b.tensor}[${b.worst.i}]: GPU ${b.worst.gpu}, reference ${b.worst.ref} (${b.worst.excess.toFixed(1)}× the tolerance)`);
