// Sanity benchmark of the GEMM kernel (not a test): GFLOP/s on this machine's
// adapter for a few shapes and tilings, next to a naive one-invocation-per-output
// kernel as the floor.
//
//   XDG_RUNTIME_DIR=/tmp npx tsx runtime/apps/bench/gemm.ts [--reps 20] [--all-tilings]
//
// Each figure is 2·M·N·K flops per GEMM over the wall time of `reps` GEMMs
// recorded in one compute pass and one submit, after a warm-up submit (lavapipe
// compiles a shader at its first dispatch); best of three such submits. Mesa
// caches compiled shaders on disk: MESA_SHADER_CACHE_DISABLE=true shows the cold
// compile time in the "first submit" figure.

import { chooseGemmTiling, NAIVE_GEMM_WGSL, type GemmTiling } from '../../../compiler/index.js';
import { createStorageBuffer, readFloat32 } from '../../core/buffers.js';
import { acquireDevice, type GpuContext } from '../../core/device.js';
import { prepareGemm } from '../../core/gemm.js';
import { getComputePipeline } from '../../core/pipelines.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] ?? 20) || 20;
const allTilings = args.includes('--all-tilings');
// --tiling MxNxK/mxn (tile M×N×K, m×n per invocation), repeatable.
const custom: GemmTiling[] = args.flatMap((a, i) => {
  if (args[i - 1] !== '--tiling') return [];
  const [tileM, tileN, tileK, threadM, threadN] = a.split(/[x/]/).map(Number);
  return [{ tileM, tileN, tileK, threadM, threadN }];
});

const SHAPES: [number, number, number][] = [
  [256, 256, 256],
  [1024, 256, 64],
];


interface Timing {
  /** Wall milliseconds per GEMM. */
  readonly ms: number;
  /** Process CPU milliseconds per GEMM (lavapipe's threads included): steadier on a shared machine. */
  readonly cpuMs: number;
  /** The first submit: shader compilation (lavapipe compiles at the first dispatch) plus one GEMM. */
  readonly firstMs: number;
}

async function timeSubmits(ctx: GpuContext, record: (pass: GPUComputePassEncoder) => void, n: number): Promise<Timing> {
  const run = async (count: number) => {
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < count; i++) record(pass);
    pass.end();
    ctx.queue.submit([enc.finish()]);
    await ctx.queue.onSubmittedWorkDone();
  };
  const f0 = performance.now();
  await run(1); // warm-up: compiles the shader
  const firstMs = performance.now() - f0;
  let ms = Infinity; // the machine may be shared: keep the best of three
  let cpuMs = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run(n);
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, (performance.now() - t0) / n);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000 / n);
  }
  return { ms, cpuMs, firstMs };
}

async function main() {
  const ctx = await acquireDevice();
  console.log(`adapter: ${ctx.adapter.description || ctx.adapter.device || ctx.adapter.vendor}${ctx.adapter.software ? ' (software)' : ''}`);
  const chosen = chooseGemmTiling(ctx.limits, { software: ctx.adapter.software });
  const tilings: GemmTiling[] = allTilings
    ? [
        chosen,
        { tileM: 64, tileN: 64, tileK: 16, threadM: 8, threadN: 8 },
        { tileM: 32, tileN: 32, tileK: 16, threadM: 4, threadN: 4 },
        { tileM: 64, tileN: 64, tileK: 8, threadM: 4, threadN: 8 },
        { tileM: 128, tileN: 64, tileK: 8, threadM: 8, threadN: 8 },
        { tileM: 32, tileN: 64, tileK: 32, threadM: 4, threadN: 8 },
      ]
    : custom.length ? custom : [chosen];
  const naive = await getComputePipeline(ctx, { label: 'naive gemm', wgsl: NAIVE_GEMM_WGSL });
  try {
    for (const [M, N, K] of SHAPES) {
      const flops = 2 * M * N * K;
      const A = createStorageBuffer(ctx, 'A', Float32Array.from({ length: M * K }, () => Math.random()));
      const B = createStorageBuffer(ctx, 'B', Float32Array.from({ length: K * N }, () => Math.random()));
      const C = createStorageBuffer(ctx, 'C', M * N);
      const P = createStorageBuffer(ctx, 'P', Uint32Array.of(M, N, K, 0), 0x40 /* UNIFORM */);
      const bg = ctx.device.createBindGroup({
        layout: naive.getBindGroupLayout(0),
        entries: [A, B, C, P].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const report = (name: string, t: Timing) =>
        console.log(
          `M=${M} N=${N} K=${K}  ${name}: ${t.ms.toFixed(2)} ms, ${(flops / t.ms / 1e6).toFixed(2)} GFLOP/s ` +
            `(${(flops / t.cpuMs / 1e6).toFixed(2)} GFLOP per CPU-second; first submit ${t.firstMs.toFixed(0)} ms)`,
        );
      const naiveTime = await timeSubmits(
        ctx,
        (pass) => {
          pass.setPipeline(naive);
          pass.setBindGroup(0, bg);
          pass.dispatchWorkgroups(Math.ceil(N / 16), Math.ceil(M / 16));
        },
        Math.max(2, reps / 4),
      );
      report('naive', naiveTime);
      for (const tiling of tilings) {
        const plan = await prepareGemm(ctx, { A, B, C, M, N, K, tiling });
        const t = await timeSubmits(ctx, (pass) => plan.encode(pass), reps);
        plan.release();
        report(plan.kernel.label, t);
      }
      await readFloat32(ctx, C, 0, 1);
      for (const b of [A, B, C, P]) b.destroy();
    }
  } finally {
    ctx.destroy();
  }
}

await main();
