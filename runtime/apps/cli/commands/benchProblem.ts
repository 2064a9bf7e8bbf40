// The problem `cellc bench` times, for either schedule: a runtime at (B, T)
// with seeded parameters and inputs, the declared initial states, the output
// cotangents of L = mean of all outputs, random masks drawn as in training,
// and the two calls it times.

import { numel } from '../../../../compiler/index.js';
import { CellRuntime } from '../../../core/cellRuntime.js';
import type { GpuContext } from '../../../core/device.js';
import { randomInputs, type CompiledCell } from './gpuCommon.js';

export const BENCH_CALLS = ['forward', 'forward+backward'] as const;
export type BenchCall = (typeof BENCH_CALLS)[number];

export async function benchProblem(ctx: GpuContext, c: CompiledCell, o: { B: number; T: number; seed: number }): Promise<{ rt: CellRuntime; encode: Record<BenchCall, (e: GPUCommandEncoder) => void> }> {
  const { B, T } = o;
  const a = c.artifact;
  const rt = await CellRuntime.create(ctx, a, { B, T });
  rt.initParams(o.seed);
  rt.setInputs(randomInputs(c, B, T, o.seed));
  rt.setInitialStates();
  rt.setOutputCotangents(new Map(a.outputs.map((y) => [y.name, new Float32Array(T * B * numel(y.shape)).fill(1 / (T * B))])));
  rt.setFinalStateCotangents();
  // random masks drawn, as in a training step (evaluation would skip the generator)
  rt.setRandom({ seed: o.seed, draw: 0, training: true });
  const encode: Record<BenchCall, (e: GPUCommandEncoder) => void> = {
    forward: (e) => rt.encodeForward(e),
    'forward+backward': (e) => {
      rt.encodeForward(e);
      rt.encodeBackward(e);
    },
  };
  return { rt, encode };
}
