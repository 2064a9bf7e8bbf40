// The generated GEMM kernel on the real adapter (lavapipe in CI) against a
// float64 CPU matmul: odd shapes, every transA/transB/accumulate combination,
// sub-matrices with leading dimensions and offsets, batches, many GEMMs in one
// pass; plus the runtime's error reporting and pipeline cache.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseGemmTiling, type GemmTiling } from '../../compiler/backend/webgpu/gemm.js';
import { checkStorageBufferSize, createStorageBuffer, readFloat32 } from '../../runtime/core/buffers.js';
import type { GpuContext } from '../../runtime/core/device.js';
import { BufferTooLargeError, GpuValidationError, WgslCompileError } from '../../runtime/core/errors.js';
import { gemm, runGemm } from '../../runtime/core/gemm.js';
import { getComputePipeline } from '../../runtime/core/pipelines.js';
import { acquireTestDevice, deviceOrSkip, randomF32, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('gemm.test');
});
afterAll(() => dev.ctx?.destroy());

interface Problem {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  alpha?: number;
}

/** C (M×N, row-major) = [C0 +] alpha·op(A)·op(B) in float64, with the error scale Σ|alpha·a·b| + |C0| per element. */
function reference(p: Problem, a: Float32Array, b: Float32Array, c0: Float32Array): { c: Float64Array; scale: Float64Array } {
  const { M, N, K } = p;
  const alpha = p.alpha ?? 1;
  const A = (m: number, k: number) => (p.transA ? a[k * M + m] : a[m * K + k]);
  const B = (k: number, n: number) => (p.transB ? b[n * K + k] : b[k * N + n]);
  const c = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        s += A(m, k) * B(k, n);
        abs += Math.abs(A(m, k) * B(k, n));
      }
      const base = p.accumulate ? c0[m * N + n] : 0;
      c[m * N + n] = base + alpha * s;
      scale[m * N + n] = Math.abs(base) + Math.abs(alpha) * abs;
    }
  }
  return { c, scale };
}

/** max |got − want| / scale: a float32 GEMM stays below about K·2⁻²⁴ (plus a few roundings). */
function maxRelativeError(got: Float32Array, want: Float64Array, scale: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(scale[i], 1e-30));
  return worst;
}
const tolerance = (K: number) => (K + 4) * 2 ** -23;

async function check(ctx: GpuContext, p: Problem, seed: number, tiling?: GemmTiling): Promise<void> {
  const a = randomF32(p.M * p.K, seed);
  const b = randomF32(p.K * p.N, seed + 1);
  const c0 = randomF32(p.M * p.N, seed + 2);
  const A = createStorageBuffer(ctx, 'A', a);
  const B = createStorageBuffer(ctx, 'B', b);
  const C = createStorageBuffer(ctx, 'C', c0);
  try {
    await runGemm(ctx, { A, B, C, ...p, ...(tiling ? { tiling } : {}) });
    const got = await readFloat32(ctx, C);
    const { c, scale } = reference(p, a, b, c0);
    const err = maxRelativeError(got, c, scale);
    expect(err, `M=${p.M} N=${p.N} K=${p.K} transA=${p.transA} transB=${p.transB} accumulate=${p.accumulate}`).toBeLessThan(tolerance(p.K));
  } finally {
    for (const buf of [A, B, C]) buf.destroy();
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 65, 17],
  [100, 3, 129],
  [64, 256, 128],
];
const COMBOS = [false, true].flatMap((transA) => [false, true].flatMap((transB) => [false, true].map((accumulate) => ({ transA, transB, accumulate }))));

describe('gemm on the adapter vs float64', () => {
  // One kernel per combination (compiled at its first dispatch: seconds on lavapipe), every shape.
  for (const combo of COMBOS) {
    it(`transA=${combo.transA} transB=${combo.transB} accumulate=${combo.accumulate}: ${SHAPES.map((s) => s.join('×')).join(', ')}`, async (t) => {
      const ctx = deviceOrSkip(t, dev);
      for (const [M, N, K] of SHAPES) await check(ctx, { M, N, K, ...combo }, 1000 * M + 10 * K + N);
    });
  }

  it('alpha scales the product (and not the accumulated C)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    await check(ctx, { M: 19, N: 23, K: 31, transA: false, transB: true, accumulate: true, alpha: -0.5 }, 7);
    await check(ctx, { M: 19, N: 23, K: 31, transA: true, transB: false, accumulate: false, alpha: 2 }, 8);
  });

  it('K = 0 writes alpha·0 (or leaves C) and M = 0 dispatches nothing', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    await check(ctx, { M: 5, N: 6, K: 0, transA: false, transB: false, accumulate: false }, 9);
    await check(ctx, { M: 5, N: 6, K: 0, transA: false, transB: false, accumulate: true }, 10);
    await check(ctx, { M: 0, N: 6, K: 3, transA: false, transB: false, accumulate: false }, 11);
  });

  it('other tilings, including scalar and vec2 register blocks', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const tilings: GemmTiling[] = [
      { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 },
      { tileM: 64, tileN: 64, tileK: 16, threadM: 8, threadN: 8 },
      { tileM: 16, tileN: 24, tileK: 4, threadM: 2, threadN: 6 },
      { tileM: 9, tileN: 5, tileK: 3, threadM: 3, threadN: 1 },
      chooseGemmTiling(ctx.limits),
    ];
    for (const [i, tiling] of tilings.entries()) {
      await check(ctx, { M: 37, N: 29, K: 41, transA: i % 2 === 1, transB: i % 3 === 1, accumulate: i % 2 === 0 }, 100 + i, tiling);
    }
  });
});

describe('sub-matrices, batches and many GEMMs per pass', () => {
  it('reads and writes windows of larger buffers (ld, offsets) and leaves the rest alone', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const [M, N, K] = [21, 18, 27];
    const [lda, ldb, ldc] = [K + 5, N + 3, N + 7];
    const [offA, offB, offC] = [70, 3, 300]; // offC·4 bytes is not a multiple of the 256-byte binding alignment
    const bigA = randomF32(offA + M * lda, 1);
    const bigB = randomF32(offB + K * ldb, 2);
    const bigC = randomF32(offC + M * ldc + 50, 3);
    const A = createStorageBuffer(ctx, 'bigA', bigA);
    const B = createStorageBuffer(ctx, 'bigB', bigB);
    const C = createStorageBuffer(ctx, 'bigC', bigC);
    await runGemm(ctx, { A: { buffer: A, offset: offA, ld: lda }, B: { buffer: B, offset: offB, ld: ldb }, C: { buffer: C, offset: offC, ld: ldc }, M, N, K, accumulate: true });
    const got = await readFloat32(ctx, C);
    const a = new Float32Array(M * K).map((_, i) => bigA[offA + Math.floor(i / K) * lda + (i % K)]);
    const b = new Float32Array(K * N).map((_, i) => bigB[offB + Math.floor(i / N) * ldb + (i % N)]);
    const c0 = new Float32Array(M * N).map((_, i) => bigC[offC + Math.floor(i / N) * ldc + (i % N)]);
    const { c, scale } = reference({ M, N, K, transA: false, transB: false, accumulate: true }, a, b, c0);
    const inside = new Float32Array(M * N).map((_, i) => got[offC + Math.floor(i / N) * ldc + (i % N)]);
    expect(maxRelativeError(inside, c, scale)).toBeLessThan(tolerance(K));
    const untouched = [...bigC.keys()].filter((i) => i < offC || i >= offC + (M - 1) * ldc + N || (i - offC) % ldc >= N);
    expect(untouched.every((i) => got[i] === bigC[i])).toBe(true);
    for (const buf of [A, B, C]) buf.destroy();
  });

  it('a batch walks strided problems (and a stride of 0 shares B)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const [M, N, K, batch] = [10, 12, 9, 3];
    const a = randomF32(batch * M * K, 4);
    const b = randomF32(K * N, 5);
    const A = createStorageBuffer(ctx, 'A', a);
    const B = createStorageBuffer(ctx, 'B', b);
    const C = createStorageBuffer(ctx, 'C', batch * M * N);
    await runGemm(ctx, { A: { buffer: A, stride: M * K }, B, C: { buffer: C, stride: M * N }, M, N, K, batch });
    const got = await readFloat32(ctx, C);
    for (let z = 0; z < batch; z++) {
      const p = { M, N, K, transA: false, transB: false, accumulate: false };
      const { c, scale } = reference(p, a.subarray(z * M * K, (z + 1) * M * K), b, new Float32Array(M * N));
      expect(maxRelativeError(got.subarray(z * M * N, (z + 1) * M * N), c, scale)).toBeLessThan(tolerance(K));
    }
    for (const buf of [A, B, C]) buf.destroy();
  });

  it('records many dependent GEMMs in one compute pass and one submit', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const [M, N, K, steps] = [16, 40, 24, 6];
    const as = Array.from({ length: steps }, (_, i) => randomF32(M * K, 20 + i));
    const b = randomF32(K * N, 19);
    const A = createStorageBuffer(ctx, 'A steps', Float32Array.from(as.flatMap((x) => [...x])));
    const B = createStorageBuffer(ctx, 'B', b);
    const C = createStorageBuffer(ctx, 'C', M * N);
    const encoder = ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const plans = [];
    for (let s = 0; s < steps; s++) plans.push(await gemm(ctx, pass, { A: { buffer: A, offset: s * M * K }, B, C, M, N, K, accumulate: s > 0 }));
    pass.end();
    ctx.queue.submit([encoder.finish()]);
    const got = await readFloat32(ctx, C);
    for (const p of plans) p.release();
    const want = new Float64Array(M * N);
    const scale = new Float64Array(M * N);
    for (const a of as) {
      const r = reference({ M, N, K, transA: false, transB: false, accumulate: false }, a, b, new Float32Array(M * N));
      r.c.forEach((v, i) => (want[i] += v));
      r.scale.forEach((v, i) => (scale[i] += v));
    }
    expect(maxRelativeError(got, want, scale)).toBeLessThan(tolerance(K * steps));
    for (const buf of [A, B, C]) buf.destroy();
  });

  it('rejects an operand that runs past its buffer, naming it', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const A = createStorageBuffer(ctx, 'weights', 10 * 8);
    const B = createStorageBuffer(ctx, 'inputs', 8 * 4);
    const C = createStorageBuffer(ctx, 'out', 10 * 4);
    await expect(runGemm(ctx, { A, B, C, M: 10, N: 4, K: 9 })).rejects.toThrow(/operand A \(buffer "weights"\).*past the buffer/);
    await expect(runGemm(ctx, { A, B: A, C: A, M: 2, N: 2, K: 2 })).rejects.toThrow(/C must not share a buffer/);
    for (const buf of [A, B, C]) buf.destroy();
  });
});

describe('errors and the pipeline cache', () => {
  it('a broken WGSL module raises GpuValidationError naming the label, with line numbers', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const wgsl = '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_thing;\n}\n';
    const err = await getComputePipeline(ctx, { label: 'broken_kernel', wgsl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuValidationError);
    expect(err).toBeInstanceOf(WgslCompileError);
    expect((err as Error).message).toContain('broken_kernel');
    expect((err as Error).message).toMatch(/3:\d+: .*undefined_thing/);
  });

  it('a pipeline error (missing entry point) raises GpuValidationError naming the label', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const wgsl = '@compute @workgroup_size(1) fn main() {}';
    const err = await getComputePipeline(ctx, { label: 'no_such_entry', wgsl, entryPoint: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuValidationError);
    expect((err as Error).message).toMatch(/^pipeline no_such_entry: validation error: .*nope/s);
  });

  it('returns the same pipeline for the same source, another for another', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const wgsl = '@group(0) @binding(0) var<storage, read_write> x: array<f32>;\n@compute @workgroup_size(1) fn main() { x[0] = 1.0; }';
    const p1 = await getComputePipeline(ctx, { label: 'cache probe', wgsl });
    const p2 = await getComputePipeline(ctx, { label: 'cache probe, again', wgsl });
    const p3 = await getComputePipeline(ctx, { label: 'cache probe 2', wgsl: wgsl.replace('1.0', '2.0') });
    expect(p2).toBe(p1);
    expect(p3).not.toBe(p1);
  });
});

describe('buffer size limits (no device needed)', () => {
  it('BufferTooLargeError names the tensor, its size, the limit, and what to shrink', () => {
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 2 ** 32 - 1 };
    const bytes = 4 * 64 * 1000 * 1024; // B=64, T=1000, H=1024 floats
    let err: unknown;
    try {
      checkStorageBufferSize(limits, 'h_all', bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BufferTooLargeError);
    expect((err as Error).message).toBe(
      'Tensor "h_all" needs 250.0 MiB (262144000 bytes), more than this device\'s maxStorageBufferBindingSize of 128.0 MiB ' +
        '(134217728 bytes): use a smaller batch size B or sequence length T, or truncated BPTT with a shorter window.',
    );
    expect(() => checkStorageBufferSize(limits, 'h_all', 128 * 2 ** 20)).not.toThrow();
  });
});
