// The GEMM generator as a pure function (no device): its text and binding
// description agree, tilings respect limits, params pack as the WGSL struct says,
// and compiler/ never reaches for the runtime or WebGPU.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkGemmTiling,
  chooseGemmTiling,
  emitGemmWgsl,
  GEMM_PARAMS_BYTES,
  gemmBindings,
  gemmDispatchSize,
  gemmKernel,
  packGemmParams,
} from '../../compiler/backend/webgpu/gemm.js';

const lavapipe = { maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024, maxComputeWorkgroupSizeY: 1024 };
const tiling = { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 };

describe('emitGemmWgsl', () => {
  it('declares exactly the bindings gemmBindings() describes', () => {
    const wgsl = emitGemmWgsl({ transA: false, transB: true, accumulate: true, tiling });
    const declared = [...wgsl.matchAll(/@group\((\d+)\) @binding\((\d+)\) var<(\w+)(?:, (\w+))?> (\w+)/g)].map((m) => ({
      group: Number(m[1]),
      binding: Number(m[2]),
      kind: m[3] === 'uniform' ? 'uniform' : m[4] === 'read_write' ? 'storage' : 'read-only-storage',
      name: m[5],
    }));
    expect(declared).toEqual(gemmBindings().map(({ group, binding, kind, name }) => ({ group, binding, kind, name })));
  });

  it('says what it computes in a header comment', () => {
    expect(emitGemmWgsl({ transA: true, transB: false, accumulate: true, tiling }).split('\n')[0]).toBe(
      '// gemm_tn_acc_64x64x16_4x4: C[M,N] += alpha · Aᵀ[M,K] · B[K,N]',
    );
    expect(emitGemmWgsl({ transA: false, transB: true, accumulate: false, tiling }).split('\n')[0]).toBe(
      '// gemm_nt_64x64x16_4x4: C[M,N] = alpha · A[M,K] · Bᵀ[K,N]',
    );
  });

  it('describes the workgroup it declares', () => {
    const k = gemmKernel({ transA: false, transB: false, accumulate: false, tiling: { tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8 } });
    expect(k.workgroupSize).toEqual([8, 8, 1]);
    expect(k.wgsl).toContain('@workgroup_size(WG_X, WG_Y, 1)');
    expect(k.wgsl).toContain('const WG_X = 8u;');
    expect(k.workgroupStorageBytes).toBe(4 * 8 * (32 + 64));
    expect(gemmDispatchSize(k.options.tiling, 33, 65, 2)).toEqual([2, 2, 2]);
  });
});

describe('tilings', () => {
  it('chooseGemmTiling fits the limits it is given', () => {
    for (const software of [false, true]) expect(checkGemmTiling(chooseGemmTiling(lavapipe, { software }), lavapipe)).toEqual([]);
    const small = { maxComputeWorkgroupStorageSize: 4096, maxComputeInvocationsPerWorkgroup: 64, maxComputeWorkgroupSizeX: 64, maxComputeWorkgroupSizeY: 64 };
    const t = chooseGemmTiling(small);
    expect(checkGemmTiling(t, small)).toEqual([]);
    expect(t.tileM * t.tileN).toBeGreaterThan(16);
    const tiny = { maxComputeWorkgroupStorageSize: 512, maxComputeInvocationsPerWorkgroup: 8, maxComputeWorkgroupSizeX: 8, maxComputeWorkgroupSizeY: 8 };
    expect(checkGemmTiling(chooseGemmTiling(tiny), tiny)).toEqual([]);
  });

  it('checkGemmTiling explains what does not fit', () => {
    expect(checkGemmTiling({ tileM: 64, tileN: 64, tileK: 64, threadM: 3, threadN: 1 }, lavapipe)).toEqual([
      'threadM (3) must divide tileM (64)',
    ]);
    expect(checkGemmTiling({ tileM: 128, tileN: 128, tileK: 64, threadM: 2, threadN: 2 }, lavapipe)).toEqual([
      '64×64 invocations exceed maxComputeInvocationsPerWorkgroup (1024)',
      '65536 bytes of workgroup memory exceed maxComputeWorkgroupStorageSize (32768)',
    ]);
  });
});

describe('packGemmParams', () => {
  it('lays fields out as struct GemmParams', () => {
    const buf = packGemmParams({ M: 1, N: 2, K: 3, lda: 4, ldb: 5, ldc: 6, offsetA: 7, offsetB: 8, offsetC: 9, strideA: 10, strideB: 11, strideC: 12, alpha: 0.5 });
    expect(buf.byteLength).toBe(GEMM_PARAMS_BYTES);
    expect([...new Uint32Array(buf, 0, 12)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Float32Array(buf)[12]).toBe(0.5);
    expect(() => packGemmParams({ M: -1, N: 2, K: 3, lda: 4, ldb: 5, ldc: 6, offsetA: 7, offsetB: 8, offsetC: 9, strideA: 0, strideB: 0, strideC: 0, alpha: 1 })).toThrow();
  });
});

describe('compiler/backend/webgpu stays pure', () => {
  it('imports neither runtime/ nor webgpu', () => {
    const dir = join(import.meta.dirname, '../../compiler/backend/webgpu');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:import|from)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      for (const spec of imports) expect(spec, `${f} imports ${spec}`).not.toMatch(/runtime\/|^webgpu$|^@webgpu\//);
    }
  });
});
