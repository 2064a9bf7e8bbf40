// The GEMM kernel must never use a value outside its operands: every element
// of the buffers that is not part of op(A), op(B) (the padding between rows
// of a leading dimension, the elements before the offset and after the last
// row) holds NaN here. A load past the K, M or N bound that is multiplied by a
// zero from the other operand's bounds check still gives NaN, so a fast path
// that skips one bounds check shows up in the result instead of multiplying
// padding by 0. Shapes leave partial tiles on every axis (K not a multiple of
// the tile depth), for every transposition, with and without accumulation, at
// the tiling the device gets (other tilings: gemm.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readFloat32 } from '../../runtime/core/buffers.js';
import type { GpuContext } from '../../runtime/core/device.js';
import { runGemm } from '../../runtime/core/gemm.js';
import { acquireTestDevice, deviceOrSkip, randomF32, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('gemmPadding.test');
});
afterAll(() => dev.ctx?.destroy());

interface Case {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
}

/** A rows×cols matrix stored with leading dimension ld at offset off, NaN everywhere else (and 40 NaNs after it). */
function padded(rows: number, cols: number, ld: number, off: number, seed: number): { buf: Float32Array; values: Float32Array } {
  const values = randomF32(rows * cols, seed);
  const buf = new Float32Array(off + rows * ld + 40).fill(NaN);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) buf[off + r * ld + c] = values[r * cols + c];
  return { buf, values };
}

async function check(ctx: GpuContext, p: Case, seed: number) {
  const { M, N, K } = p;
  // as stored: A is M×K (K×M when transposed), B is K×N (N×K when transposed)
  const [aRows, aCols] = p.transA ? [K, M] : [M, K];
  const [bRows, bCols] = p.transB ? [N, K] : [K, N];
  const [lda, ldb, ldc] = [aCols + 3, bCols + 5, N + 2];
  const [offA, offB, offC] = [7, 11, 5];
  const a = padded(aRows, aCols, lda, offA, seed);
  const b = padded(bRows, bCols, ldb, offB, seed + 1);
  const c0 = padded(M, N, ldc, offC, seed + 2);
  const A = createStorageBuffer(ctx, 'A with NaN padding', a.buf);
  const Bb = createStorageBuffer(ctx, 'B with NaN padding', b.buf);
  const C = createStorageBuffer(ctx, 'C with NaN padding', c0.buf);
  try {
    await runGemm(ctx, {
      A: { buffer: A, offset: offA, ld: lda },
      B: { buffer: Bb, offset: offB, ld: ldb },
      C: { buffer: C, offset: offC, ld: ldc },
      M, N, K, transA: p.transA, transB: p.transB, accumulate: p.accumulate,
    });
    const got = await readFloat32(ctx, C);
    const opA = (m: number, k: number) => (p.transA ? a.values[k * M + m] : a.values[m * K + k]);
    const opB = (k: number, n: number) => (p.transB ? b.values[n * K + k] : b.values[k * N + n]);
    const bad: string[] = [];
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = p.accumulate ? c0.values[m * N + n] : 0;
        let scale = Math.abs(s);
        for (let k = 0; k < K; k++) {
          s += opA(m, k) * opB(k, n);
          scale += Math.abs(opA(m, k) * opB(k, n));
        }
        const v = got[offC + m * ldc + n];
        if (!(Math.abs(v - s) <= (K + 4) * 2 ** -23 * scale + 1e-30)) bad.push(`C[${m}, ${n}] = ${v}, want ${s}`);
      }
    }
    expect(bad.slice(0, 5), `${JSON.stringify(p)}: ${bad.length} wrong`).toEqual([]);
    // and the padding of C is left alone
    const untouched = [...c0.buf.keys()].filter((i) => i < offC || i >= offC + (M - 1) * ldc + N || (i - offC) % ldc >= N);
    expect(untouched.every((i) => Number.isNaN(got[i]))).toBe(true);
  } finally {
    for (const buf of [A, Bb, C]) buf.destroy();
  }
}

const COMBOS = [false, true].flatMap((transA) => [false, true].map((transB) => ({ transA, transB })));

describe('gemm ignores everything outside its operands (NaN padding)', () => {
  it.for(COMBOS.map((c) => [`transA=${c.transA} transB=${c.transB}`, c] as const))('%s, default tiling: partial tiles on every axis', async ([, c], t) => {
    const ctx = deviceOrSkip(t, dev);
    // K = 16·k + 1, + 7, and a K below one tile; M, N past a 64 tile edge
    for (const [i, [M, N, K]] of [[67, 70, 33], [5, 9, 23], [66, 3, 7]].entries()) await check(ctx, { M, N, K, ...c, accumulate: i === 1 }, 40 + i);
  });
});
