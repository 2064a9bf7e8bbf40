// The timing `cellc bench` does, shared with the peer benchmark
// (runtime/apps/bench/peers): the two calls of benchProblem at (B, T), each
// --warmup times untimed (warm-up compiles the shaders), then --runs times
// timed; the figures are the medians and every run's time.
//
//   wall ms   wall clock around submit + onSubmittedWorkDone of the one
//             command buffer a call encodes (what a caller waits for)
//   GPU ms    when the device has 'timestamp-query': the time between a
//             timestamp written before the call's first compute pass and one
//             written after its last

import { BufferUsage } from '../../../core/buffers.js';
import type { GpuContext } from '../../../core/device.js';
import { median, type CompiledCell } from './gpuCommon.js';
import { BENCH_CALLS, benchProblem, type BenchCall } from './benchProblem.js';

/** Brackets the encoded work with two timestamps; read() gives the GPU time of the last submit in ms. */
class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly readBack: GPUBuffer;
  constructor(private readonly ctx: GpuContext) {
    this.querySet = ctx.device.createQuerySet({ label: 'bench timestamps', type: 'timestamp', count: 2 });
    this.resolve = ctx.device.createBuffer({ label: 'bench timestamps', size: 16, usage: 0x200 /* QUERY_RESOLVE */ | BufferUsage.COPY_SRC });
    this.readBack = ctx.device.createBuffer({ label: 'bench timestamps read-back', size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  }
  wrap(encode: (e: GPUCommandEncoder) => void): (e: GPUCommandEncoder) => void {
    return (e) => {
      e.beginComputePass({ label: 'timestamp: start', timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 0 } }).end();
      encode(e);
      e.beginComputePass({ label: 'timestamp: end', timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 1 } }).end();
      e.resolveQuerySet(this.querySet, 0, 2, this.resolve, 0);
      e.copyBufferToBuffer(this.resolve, 0, this.readBack, 0, 16);
    };
  }
  async read(): Promise<number> {
    await this.readBack.mapAsync(0x1 /* GPUMapMode.READ */);
    const [t0, t1] = new BigUint64Array(this.readBack.getMappedRange().slice(0));
    this.readBack.unmap();
    return Number(t1 - t0) / 1e6;
  }
  destroy(): void {
    this.querySet.destroy();
    this.resolve.destroy();
    this.readBack.destroy();
  }
}

export interface CallTimes {
  /** Median wall-clock ms. */
  readonly wall: number;
  /** Median GPU ms, with 'timestamp-query'. */
  readonly gpu?: number;
  /** Every timed run's wall-clock ms, in order. */
  readonly wallRuns: readonly number[];
  readonly gpuRuns?: readonly number[];
}

export interface BenchTimes {
  readonly calls: Readonly<Record<BenchCall, CallTimes>>;
  /** Whether GPU times were taken (the device has 'timestamp-query'). */
  readonly gpuTimed: boolean;
}

/** Times forward and forward + backward of `c` at (B, T): --warmup untimed runs, then --runs timed ones each. */
export async function timeBenchCalls(ctx: GpuContext, c: CompiledCell, o: { B: number; T: number; runs: number; warmup: number; seed: number }): Promise<BenchTimes> {
  const { rt, encode: calls } = await benchProblem(ctx, c, o);
  const timer = ctx.features.has('timestamp-query') ? new GpuTimer(ctx) : undefined;
  try {
    const results = {} as Record<BenchCall, CallTimes>;
    for (const name of BENCH_CALLS) {
      const timed = timer ? timer.wrap(calls[name]) : calls[name];
      for (let i = 0; i < o.warmup; i++) {
        await rt.submit(name, timed);
        if (timer) await timer.read();
      }
      const wall: number[] = [];
      const gpu: number[] = [];
      for (let i = 0; i < o.runs; i++) {
        const t0 = performance.now();
        await rt.submit(name, timed);
        wall.push(performance.now() - t0);
        if (timer) gpu.push(await timer.read());
      }
      results[name] = { wall: median(wall), wallRuns: wall, ...(timer ? { gpu: median(gpu), gpuRuns: gpu } : {}) };
    }
    return { calls: results, gpuTimed: !!timer };
  } finally {
    timer?.destroy();
    rt.destroy();
  }
}
