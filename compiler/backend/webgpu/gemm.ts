// WGSL for a tiled matrix multiply with workgroup memory and register blocking.
//
//   C[M,N] = alpha · op(A)[M,K] · op(B)[K,N]          (accumulate: false)
//   C[M,N] = C + alpha · op(A)[M,K] · op(B)[K,N]      (accumulate: true)
//
// op(X) is X or Xᵀ (transA / transB, fixed per kernel). Storage is row-major
// f32 with explicit leading dimensions and element offsets, all read from a
// uniform at run time, so one compiled pipeline serves every size and every
// sub-matrix of a larger buffer; a third dispatch dimension walks a batch of
// equally strided problems. M, N and K need not be multiples of the tile: loads
// outside the matrix read zeros and stores outside it are dropped.
//
// The schedule (tile and per-invocation block sizes) is chosen by the caller;
// `chooseGemmTiling` picks one from the adapter's limits. Each workgroup owns a
// tileM × tileN block of C; each invocation owns threadM × threadN of it, held
// in registers as vectors along N. Per step of tileK the workgroup copies the
// op(A) and op(B) tiles into workgroup memory, k-major and vectorised (so the
// inner loop does one vector load per threadM/4 rows and per 4 columns), then
// every invocation does threadM · threadN fused multiply-adds per k.
//
// Pure: returns text and plain data; never imports WebGPU or the runtime.

import { assert } from '../../util/assert.js';
import type { KernelBinding, KernelLimits } from '../../artifact/kernel.js';

export interface GemmTiling {
  /** Rows of C per workgroup. */
  readonly tileM: number;
  /** Columns of C per workgroup. */
  readonly tileN: number;
  /** Depth of the K slice staged in workgroup memory per step. */
  readonly tileK: number;
  /** Rows of C per invocation (register blocking). Divides tileM. */
  readonly threadM: number;
  /** Columns of C per invocation (register blocking). Divides tileN. */
  readonly threadN: number;
}

export interface GemmKernelOptions {
  /** A is stored K×M (row-major) and used transposed. */
  readonly transA: boolean;
  /** B is stored N×K (row-major) and used transposed. */
  readonly transB: boolean;
  /** C += alpha·op(A)·op(B) instead of C = alpha·op(A)·op(B). */
  readonly accumulate: boolean;
  readonly tiling: GemmTiling;
}

/** Everything the runtime needs to build and dispatch the kernel. */
export interface GemmKernel {
  readonly label: string;
  readonly wgsl: string;
  readonly entryPoint: string;
  readonly bindings: readonly KernelBinding[];
  readonly workgroupSize: readonly [number, number, number];
  readonly workgroupStorageBytes: number;
  readonly options: GemmKernelOptions;
}

/** Run-time arguments of one GEMM, as laid out in the uniform (`GemmParams`). */
export interface GemmParams {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** Row stride of A as stored (≥ K, or ≥ M when transA). */
  readonly lda: number;
  /** Row stride of B as stored (≥ N, or ≥ K when transB). */
  readonly ldb: number;
  /** Row stride of C (≥ N). */
  readonly ldc: number;
  /** Element offsets of the first matrix in each buffer binding. */
  readonly offsetA: number;
  readonly offsetB: number;
  readonly offsetC: number;
  /** Element distance between consecutive problems of a batch (workgroup_id.z). */
  readonly strideA: number;
  readonly strideB: number;
  readonly strideC: number;
  readonly alpha: number;
}

/** Byte size of the GemmParams uniform (16 four-byte fields). */
export const GEMM_PARAMS_BYTES = 64;

export const GEMM_ENTRY_POINT = 'main';

/** The kernel's bindings (group 0), as plain data. */
export function gemmBindings(): readonly KernelBinding[] {
  return [
    { group: 0, binding: 0, name: 'A', kind: 'read-only-storage', role: 'left operand A (f32, row-major)' },
    { group: 0, binding: 1, name: 'B', kind: 'read-only-storage', role: 'right operand B (f32, row-major)' },
    { group: 0, binding: 2, name: 'C', kind: 'storage', role: 'result C (f32, row-major; read too when accumulating)' },
    { group: 0, binding: 3, name: 'params', kind: 'uniform', role: 'GemmParams: sizes, leading dimensions, offsets, batch strides, alpha' },
  ];
}

/** Packs GemmParams into the uniform's byte layout (see the WGSL struct). */
export function packGemmParams(p: GemmParams): ArrayBuffer {
  const buf = new ArrayBuffer(GEMM_PARAMS_BYTES);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  const fields = [p.M, p.N, p.K, p.lda, p.ldb, p.ldc, p.offsetA, p.offsetB, p.offsetC, p.strideA, p.strideB, p.strideC];
  fields.forEach((v, i) => {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `GemmParams field ${i} must be a u32, got ${v}`);
    u[i] = v;
  });
  f[12] = p.alpha;
  return buf;
}

/** Workgroups to dispatch for an M×N result (times `batch` problems). */
export function gemmDispatchSize(tiling: GemmTiling, M: number, N: number, batch = 1): [number, number, number] {
  return [Math.ceil(N / tiling.tileN), Math.ceil(M / tiling.tileM), batch];
}

export function gemmWorkgroupStorageBytes(t: GemmTiling): number {
  return 4 * t.tileK * (t.tileM + t.tileN);
}

/** Problems with a tiling, one sentence each; empty when it is usable under `limits`. */
export function checkGemmTiling(t: GemmTiling, limits?: KernelLimits): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isInteger(v) || v <= 0) problems.push(`${k} must be a positive integer, got ${v}`);
  }
  if (problems.length) return problems;
  if (t.tileM % t.threadM) problems.push(`threadM (${t.threadM}) must divide tileM (${t.tileM})`);
  if (t.tileN % t.threadN) problems.push(`threadN (${t.threadN}) must divide tileN (${t.tileN})`);
  if (limits && problems.length === 0) {
    const wgX = t.tileN / t.threadN;
    const wgY = t.tileM / t.threadM;
    const bytes = gemmWorkgroupStorageBytes(t);
    if (wgX * wgY > limits.maxComputeInvocationsPerWorkgroup)
      problems.push(`${wgX}×${wgY} invocations exceed maxComputeInvocationsPerWorkgroup (${limits.maxComputeInvocationsPerWorkgroup})`);
    if (wgX > limits.maxComputeWorkgroupSizeX) problems.push(`workgroup width ${wgX} exceeds maxComputeWorkgroupSizeX`);
    if (wgY > limits.maxComputeWorkgroupSizeY) problems.push(`workgroup height ${wgY} exceeds maxComputeWorkgroupSizeY`);
    if (bytes > limits.maxComputeWorkgroupStorageSize)
      problems.push(`${bytes} bytes of workgroup memory exceed maxComputeWorkgroupStorageSize (${limits.maxComputeWorkgroupStorageSize})`);
  }
  return problems;
}

/**
 * A tiling for the adapter: the first of a few proven shapes whose workgroup
 * (invocations, memory) fits the limits.
 *
 * On GPUs, 64×64 tiles with 4×4 blocks per invocation (256 invocations, 16
 * accumulators each, 16 FMAs per 2 vector loads from workgroup memory). On CPU
 * implementations (lavapipe, SwiftShader: `software`), where each workgroup-memory
 * load is a per-lane gather and each barrier a coroutine switch, 64 invocations
 * with 8×8 blocks (64 FMAs per 4 loads) measured about twice as fast as 4×4.
 */
export function chooseGemmTiling(limits: KernelLimits, hints: { readonly software?: boolean } = {}): GemmTiling {
  const gpu: GemmTiling = { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 }; // 256 invocations, 8 KiB
  const cpu: GemmTiling = { tileM: 64, tileN: 64, tileK: 16, threadM: 8, threadN: 8 }; // 64 invocations, 8 KiB
  const candidates: GemmTiling[] = [
    ...(hints.software ? [cpu, gpu] : [gpu, cpu]),
    { tileM: 32, tileN: 32, tileK: 16, threadM: 4, threadN: 4 }, // 64 invocations, 4 KiB
    { tileM: 16, tileN: 16, tileK: 8, threadM: 4, threadN: 4 }, // 16 invocations, 1 KiB
  ];
  for (const t of candidates) if (checkGemmTiling(t, limits).length === 0) return t;
  return { tileM: 4, tileN: 4, tileK: 4, threadM: 4, threadN: 4 }; // one invocation, 128 bytes
}

// ---------------------------------------------------------------------------
// The WGSL text.

const vecWidth = (n: number): 1 | 2 | 4 => (n % 4 === 0 ? 4 : n % 2 === 0 ? 2 : 1);
const vecType = (w: number): string => (w === 1 ? 'f32' : `vec${w}<f32>`);
const lane = (name: string, w: number, c: number): string => (w === 1 ? name : `${name}.${'xyzw'[c]}`);

export function gemmLabel(o: GemmKernelOptions): string {
  const t = o.tiling;
  return `gemm_${o.transA ? 't' : 'n'}${o.transB ? 't' : 'n'}${o.accumulate ? '_acc' : ''}_${t.tileM}x${t.tileN}x${t.tileK}_${t.threadM}x${t.threadN}`;
}

export function gemmKernel(options: GemmKernelOptions): GemmKernel {
  const problems = checkGemmTiling(options.tiling);
  assert(problems.length === 0, `bad GEMM tiling: ${problems.join('; ')}`);
  const t = options.tiling;
  return {
    label: gemmLabel(options),
    wgsl: emitGemmWgsl(options),
    entryPoint: GEMM_ENTRY_POINT,
    bindings: gemmBindings(),
    workgroupSize: [t.tileN / t.threadN, t.tileM / t.threadM, 1],
    workgroupStorageBytes: gemmWorkgroupStorageBytes(t),
    options,
  };
}

export function emitGemmWgsl(o: GemmKernelOptions): string {
  const { tileM, tileN, tileK, threadM, threadN } = o.tiling;
  const wgX = tileN / threadN;
  const wgY = tileM / threadM;
  const wa = vecWidth(threadM); // A tile vectors run along M
  const wb = vecWidth(threadN); // B tile and accumulator vectors run along N
  const aVecs = threadM / wa;
  const bVecs = threadN / wb;
  const L: string[] = [];
  const op = (trans: boolean, x: string) => (trans ? `${x}ᵀ` : x);

  L.push(
    `// ${gemmLabel(o)}: C[M,N] ${o.accumulate ? '+=' : '='} alpha · ${op(o.transA, 'A')}[M,K] · ${op(o.transB, 'B')}[K,N]`,
    `// Row-major f32. A is stored ${o.transA ? 'K×M' : 'M×K'} (stride lda), B ${o.transB ? 'N×K' : 'K×N'} (stride ldb), C M×N (stride ldc).`,
    `// Workgroup: ${wgX}×${wgY} invocations own a ${tileM}×${tileN} block of C; each invocation ${threadM}×${threadN} of it.`,
    `// The K loop stages ${tileM}×${tileK} of op(A) and ${tileK}×${tileN} of op(B) in workgroup memory (k-major).`,
    `// workgroup_id.z selects a problem of a batch: offsets advance by strideA/B/C elements.`,
    '',
    'struct GemmParams {',
    '  M: u32, N: u32, K: u32,',
    '  lda: u32, ldb: u32, ldc: u32,',
    '  offsetA: u32, offsetB: u32, offsetC: u32,',
    '  strideA: u32, strideB: u32, strideC: u32,',
    '  alpha: f32, pad0: u32, pad1: u32, pad2: u32,',
    '}',
    '',
  );
  for (const b of gemmBindings()) {
    const decl =
      b.kind === 'uniform' ? `var<uniform> ${b.name}: GemmParams` : `var<storage, ${b.kind === 'storage' ? 'read_write' : 'read'}> ${b.name}: array<f32>`;
    L.push(`@group(${b.group}) @binding(${b.binding}) ${decl}; // ${b.role}`);
  }
  L.push(
    '',
    `const TILE_M = ${tileM}u;`,
    `const TILE_N = ${tileN}u;`,
    `const TILE_K = ${tileK}u;`,
    `const WG_X = ${wgX}u;`,
    `const WG_Y = ${wgY}u;`,
    `const WA = ${wa}u; // tileA vectors run along M`,
    `const WB = ${wb}u; // tileB vectors (and accumulators) run along N`,
    `const A_ROW = ${tileM / wa}u; // ${vecType(wa)}s per k in tileA`,
    `const B_ROW = ${tileN / wb}u; // ${vecType(wb)}s per k in tileB`,
    '',
    `var<workgroup> tileA: array<${vecType(wa)}, ${(tileK * tileM) / wa}>; // op(A)[m, k] at [k * A_ROW + m / ${wa}]`,
    `var<workgroup> tileB: array<${vecType(wb)}, ${(tileK * tileN) / wb}>; // op(B)[k, n] at [k * B_ROW + n / ${wb}]`,
    '',
    '// op(A)[m, k], zero outside the matrix.',
    'fn loadA(base: u32, m: u32, k: u32) -> f32 {',
    `  if (m < params.M && k < params.K) { return A[base + ${o.transA ? 'k * params.lda + m' : 'm * params.lda + k'}]; }`,
    '  return 0.0;',
    '}',
    '',
    '// op(B)[k, n], zero outside the matrix.',
    'fn loadB(base: u32, k: u32, n: u32) -> f32 {',
    `  if (k < params.K && n < params.N) { return B[base + ${o.transB ? 'n * params.ldb + k' : 'k * params.ldb + n'}]; }`,
    '  return 0.0;',
    '}',
    '',
    'fn storeC(base: u32, m: u32, n: u32, v: f32) {',
    '  if (m < params.M && n < params.N) {',
    '    let i = base + m * params.ldc + n;',
    o.accumulate ? '    C[i] = C[i] + params.alpha * v;' : '    C[i] = params.alpha * v;',
    '  }',
    '}',
    '',
    '@compute @workgroup_size(WG_X, WG_Y, 1)',
    `fn ${GEMM_ENTRY_POINT}(@builtin(local_invocation_id) lid: vec3<u32>,`,
    '        @builtin(local_invocation_index) lidx: u32,',
    '        @builtin(workgroup_id) wid: vec3<u32>) {',
    '  let baseA = params.offsetA + wid.z * params.strideA;',
    '  let baseB = params.offsetB + wid.z * params.strideB;',
    '  let baseC = params.offsetC + wid.z * params.strideC;',
    '  let m0 = wid.y * TILE_M;',
    '  let n0 = wid.x * TILE_N;',
  );
  const zero = wb === 1 ? '0.0' : `${vecType(wb)}()`;
  for (let r = 0; r < threadM; r++) {
    L.push(`  ${Array.from({ length: bVecs }, (_, j) => `var acc${r}_${j} = ${zero};`).join(' ')}`);
  }
  // Cooperative tile loads: each unit is one vector of the workgroup tile. The
  // unit order follows the stored matrix's contiguous axis, so neighbouring
  // invocations read neighbouring addresses.
  const unitsA = (tileK * tileM) / wa;
  const unitsB = (tileK * tileN) / wb;
  const aUnit = o.transA
    ? ['    let k = u / A_ROW;', '    let mv = u % A_ROW;']
    : ['    let k = u % TILE_K;', '    let mv = u / TILE_K;'];
  const bUnit = o.transB
    ? ['    let k = u % TILE_K;', '    let nv = u / TILE_K;']
    : ['    let k = u / B_ROW;', '    let nv = u % B_ROW;'];
  const vec = (w: number, elems: string[]) => (w === 1 ? elems[0] : `${vecType(w)}(${elems.join(', ')})`);
  const plus = (c: number, step: string) => (c === 0 ? '' : step === '1' ? ` + ${c}u` : ` + ${c === 1 ? '' : `${c}u * `}${step}`);
  const aFirst = o.transA ? 'baseA + (k0 + k) * params.lda + m0 + mv * WA' : 'baseA + (m0 + mv * WA) * params.lda + k0 + k';
  const aStep = o.transA ? '1' : 'params.lda';
  const bFirst = o.transB ? 'baseB + (n0 + nv * WB) * params.ldb + k0 + k' : 'baseB + (k0 + k) * params.ldb + n0 + nv * WB';
  const bStep = o.transB ? 'params.ldb' : '1';
  const range = (n: number) => Array.from({ length: n }, (_, c) => c);
  const cooperativeLoad = (tile: 'A' | 'B', units: number, unit: string[], checked: boolean): string[] => {
    const [w, first, step] = tile === 'A' ? [wa, aFirst, aStep] : [wb, bFirst, bStep];
    const elems = checked
      ? range(w).map((c) => (tile === 'A' ? `loadA(baseA, m0 + mv * WA${plus(c, '1')}, k0 + k)` : `loadB(baseB, k0 + k, n0 + nv * WB${plus(c, '1')})`))
      : range(w).map((c) => `${tile}[i${plus(c, step)}]`);
    return [
      `      for (var u = lidx; u < ${units}u; u += WG_X * WG_Y) {`,
      ...unit.map((line) => '    ' + line),
      ...(checked ? [] : [`        let i = ${first};`]),
      `        tile${tile}[k * ${tile}_ROW + ${tile === 'A' ? 'mv' : 'nv'}] = ${vec(w, elems)};`,
      '      }',
    ];
  };
  // Tiles wholly inside the matrix (all but the edges) skip the per-element bounds checks.
  L.push(
    '',
    '  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {',
    '    if (m0 + TILE_M <= params.M && k0 + TILE_K <= params.K) {',
    ...cooperativeLoad('A', unitsA, aUnit, false),
    '    } else {',
    ...cooperativeLoad('A', unitsA, aUnit, true),
    '    }',
    '    if (n0 + TILE_N <= params.N && k0 + TILE_K <= params.K) {',
    ...cooperativeLoad('B', unitsB, bUnit, false),
    '    } else {',
    ...cooperativeLoad('B', unitsB, bUnit, true),
    '    }',
    '    workgroupBarrier();',
    '    for (var k = 0u; k < TILE_K; k++) {',
  );
  // Invocation (x, y) owns row vectors i·WG_Y + y and column vectors j·WG_X + x
  // of the tile: strided, so a warp's workgroup-memory reads are contiguous.
  const offset = (n: number) => (n === 0 ? '' : ` + ${n}u`);
  for (let i = 0; i < aVecs; i++) L.push(`      let a${i} = tileA[k * A_ROW${offset(i * wgY)} + lid.y];`);
  for (let j = 0; j < bVecs; j++) L.push(`      let b${j} = tileB[k * B_ROW${offset(j * wgX)} + lid.x];`);
  for (let r = 0; r < threadM; r++) {
    const a = lane(`a${Math.floor(r / wa)}`, wa, r % wa);
    const splat = wb === 1 ? a : `${vecType(wb)}(${a})`;
    L.push(`      ${Array.from({ length: bVecs }, (_, j) => `acc${r}_${j} = fma(${splat}, b${j}, acc${r}_${j});`).join(' ')}`);
  }
  L.push('    }', '    workgroupBarrier();', '  }', '');
  // acc{r}_{j} lane c holds C[mT + (r / WA) * WG_Y * WA + r % WA, nT + j * WG_X * WB + c].
  L.push('  let mT = m0 + lid.y * WA;', '  let nT = n0 + lid.x * WB;');
  for (let r = 0; r < threadM; r++) {
    const row = `mT${offset(Math.floor(r / wa) * wgY * wa + (r % wa))}`;
    for (let j = 0; j < bVecs; j++) {
      const stores = range(wb).map((c) => `storeC(baseC, ${row}, nT${offset(j * wgX * wb + c)}, ${lane(`acc${r}_${j}`, wb, c)});`);
      L.push(`  ${stores.join(' ')}`);
    }
  }
  L.push('}', '');
  return L.join('\n');
}

/** The floor for GEMM benchmarks: one invocation per output, no tiling (C = A·B, row-major, sizes from the uniform). */
export const NAIVE_GEMM_WGSL = `
struct P { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: P;
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= p.N || g.y >= p.M) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) { s += A[g.y * p.K + k] * B[k * p.N + g.x]; }
  C[g.y * p.N + g.x] = s;
}`;
