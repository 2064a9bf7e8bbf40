// cellc: GRU (sizes I=3, H=4); 12 kernel(s); specialised for an adapter with maxComputeWorkgroupStorageSize 16384, maxComputeInvocationsPerWorkgroup 256

// ===== kernel f_pre_gemm0 (gemm) — forward, before the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(12/64) × ceil(T·B/64)
//   computes: C[T·B×12] = A·Bᵀ (K = 3), A = x:x, B = p:r.W_x, C = t:f_pre_gemm0: %3: f32[B,H] = matmul r.W_x, x; %11: f32[B,H] = matmul z.W_x, x; %20: f32[B,H] = matmul n.W_x, x
//   @group(0) @binding(0) A: read-only-storage ← arena tape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 12, K = 3, lda = 3, ldb = 3, ldc = 12, offsetA = 0, offsetB = 0, offsetC = 0, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
// gemm_nt_64x64x16_4x4: C[M,N] = alpha · A[M,K] · Bᵀ[K,N]
// Row-major f32. A is stored M×K (stride lda), B N×K (stride ldb), C M×N (stride ldc).
// Workgroup: 16×16 invocations own a 64×64 block of C; each invocation 4×4 of it.
// The K loop stages 64×16 of op(A) and 16×64 of op(B) in workgroup memory (k-major).
// workgroup_id.z selects a problem of a batch: offsets advance by strideA/B/C elements.

struct GemmParams {
  M: u32, N: u32, K: u32,
  lda: u32, ldb: u32, ldc: u32,
  offsetA: u32, offsetB: u32, offsetC: u32,
  strideA: u32, strideB: u32, strideC: u32,
  alpha: f32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>; // left operand A (f32, row-major)
@group(0) @binding(1) var<storage, read> B: array<f32>; // right operand B (f32, row-major)
@group(0) @binding(2) var<storage, read_write> C: array<f32>; // result C (f32, row-major; read too when accumulating)
@group(0) @binding(3) var<uniform> params: GemmParams; // GemmParams: sizes, leading dimensions, offsets, batch strides, alpha

const TILE_M = 64u;
const TILE_N = 64u;
const TILE_K = 16u;
const WG_X = 16u;
const WG_Y = 16u;
const WA = 4u; // tileA vectors run along M
const WB = 4u; // tileB vectors (and accumulators) run along N
const A_ROW = 16u; // vec4<f32>s per k in tileA
const B_ROW = 16u; // vec4<f32>s per k in tileB

var<workgroup> tileA: array<vec4<f32>, 256>; // op(A)[m, k] at [k * A_ROW + m / 4]
var<workgroup> tileB: array<vec4<f32>, 256>; // op(B)[k, n] at [k * B_ROW + n / 4]

// op(A)[m, k], zero outside the matrix.
fn loadA(base: u32, m: u32, k: u32) -> f32 {
  if (m < params.M && k < params.K) { return A[base + m * params.lda + k]; }
  return 0.0;
}

// op(B)[k, n], zero outside the matrix.
fn loadB(base: u32, k: u32, n: u32) -> f32 {
  if (k < params.K && n < params.N) { return B[base + n * params.ldb + k]; }
  return 0.0;
}

fn storeC(base: u32, m: u32, n: u32, v: f32) {
  if (m < params.M && n < params.N) {
    let i = base + m * params.ldc + n;
    C[i] = params.alpha * v;
  }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) lidx: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let baseA = params.offsetA + wid.z * params.strideA;
  let baseB = params.offsetB + wid.z * params.strideB;
  let baseC = params.offsetC + wid.z * params.strideC;
  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  var acc0_0 = vec4<f32>();
  var acc1_0 = vec4<f32>();
  var acc2_0 = vec4<f32>();
  var acc3_0 = vec4<f32>();

  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    if (m0 + TILE_M <= params.M && k0 + TILE_K <= params.K) {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u % TILE_K;
        let mv = u / TILE_K;
        let i = baseA + (m0 + mv * WA) * params.lda + k0 + k;
        tileA[k * A_ROW + mv] = vec4<f32>(A[i], A[i + params.lda], A[i + 2u * params.lda], A[i + 3u * params.lda]);
      }
    } else {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u % TILE_K;
        let mv = u / TILE_K;
        tileA[k * A_ROW + mv] = vec4<f32>(loadA(baseA, m0 + mv * WA, k0 + k), loadA(baseA, m0 + mv * WA + 1u, k0 + k), loadA(baseA, m0 + mv * WA + 2u, k0 + k), loadA(baseA, m0 + mv * WA + 3u, k0 + k));
      }
    }
    if (n0 + TILE_N <= params.N && k0 + TILE_K <= params.K) {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u % TILE_K;
        let nv = u / TILE_K;
        let i = baseB + (n0 + nv * WB) * params.ldb + k0 + k;
        tileB[k * B_ROW + nv] = vec4<f32>(B[i], B[i + params.ldb], B[i + 2u * params.ldb], B[i + 3u * params.ldb]);
      }
    } else {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u % TILE_K;
        let nv = u / TILE_K;
        tileB[k * B_ROW + nv] = vec4<f32>(loadB(baseB, k0 + k, n0 + nv * WB), loadB(baseB, k0 + k, n0 + nv * WB + 1u), loadB(baseB, k0 + k, n0 + nv * WB + 2u), loadB(baseB, k0 + k, n0 + nv * WB + 3u));
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let a0 = tileA[k * A_ROW + lid.y];
      let b0 = tileB[k * B_ROW + lid.x];
      acc0_0 = fma(vec4<f32>(a0.x), b0, acc0_0);
      acc1_0 = fma(vec4<f32>(a0.y), b0, acc1_0);
      acc2_0 = fma(vec4<f32>(a0.z), b0, acc2_0);
      acc3_0 = fma(vec4<f32>(a0.w), b0, acc3_0);
    }
    workgroupBarrier();
  }

  let mT = m0 + lid.y * WA;
  let nT = n0 + lid.x * WB;
  storeC(baseC, mT, nT, acc0_0.x); storeC(baseC, mT, nT + 1u, acc0_0.y); storeC(baseC, mT, nT + 2u, acc0_0.z); storeC(baseC, mT, nT + 3u, acc0_0.w);
  storeC(baseC, mT + 1u, nT, acc1_0.x); storeC(baseC, mT + 1u, nT + 1u, acc1_0.y); storeC(baseC, mT + 1u, nT + 2u, acc1_0.z); storeC(baseC, mT + 1u, nT + 3u, acc1_0.w);
  storeC(baseC, mT + 2u, nT, acc2_0.x); storeC(baseC, mT + 2u, nT + 1u, acc2_0.y); storeC(baseC, mT + 2u, nT + 2u, acc2_0.z); storeC(baseC, mT + 2u, nT + 3u, acc2_0.w);
  storeC(baseC, mT + 3u, nT, acc3_0.x); storeC(baseC, mT + 3u, nT + 1u, acc3_0.y); storeC(baseC, mT + 3u, nT + 2u, acc3_0.z); storeC(baseC, mT + 3u, nT + 3u, acc3_0.w);
}

// ===== kernel f_loop_level0 (fused) — forward, per step (T times, t = 0 … T−1); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %5: f32[B,H] = matmul r.W_h, h; %13: f32[B,H] = matmul z.W_h, h
//   @group(0) @binding(0) params: read-only-storage ← arena params
//   @group(0) @binding(1) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// f_loop_level0: one time step of GRU forward, level 0.
// Writes: %5: f32[B,H] = matmul r.W_h, h; %13: f32[B,H] = matmul z.W_h, h
@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o3 = 36u; // p:r.W_h
  let o5 = 56u; // p:z.W_h
  let o19 = 3u * T * B; // s:h
  let o21 = 4u * B + 11u * T * B; // v:5
  let o22 = 4u * B + 15u * T * B; // v:13
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    var mv = array<f32, 4>();
    var mv_1 = array<f32, 4>();
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o3 + j * 4u + kk];
      let w_1 = params[o5 + j * 4u + kk];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv[r] += w * tape[o19 + dims.t * B * 4u + row * 4u + kk];
        mv_1[r] += w_1 * tape[o19 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      // %5: f32[B,H] = matmul r.W_h, h
      tape[o21 + dims.t * B * 4u + row * 4u + j] = mv[r];
      // %13: f32[B,H] = matmul z.W_h, h
      tape[o22 + dims.t * B * 4u + row * 4u + j] = mv_1[r];
    }
  }
}

// ===== kernel f_loop_level1 (fused) — forward, per step (T times, t = 0 … T−1); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %22: f32[B,H] = matmul n.W_2, %18; %31 h': f32[B,H] = add %27, %30  (line 22)
//   @group(0) @binding(0) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(1) params: read-only-storage ← arena params
//   @group(0) @binding(2) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// f_loop_level1: one time step of GRU forward, level 1.
// Writes: %22: f32[B,H] = matmul n.W_2, %18; %31 h': f32[B,H] = add %27, %30  (line 22)
@group(0) @binding(0) var<storage, read> gemm_0: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o4 = 52u; // p:r.b
  let o6 = 72u; // p:z.b
  let o7 = 76u; // p:n.W_2
  let o8 = 92u; // p:n.b
  let o19 = 3u * T * B; // s:h
  let o20 = 4u * B + 7u * T * B; // y:h
  let o21 = 4u * B + 11u * T * B; // v:5
  let o22 = 4u * B + 15u * T * B; // v:13
  let o23 = 4u * B + 19u * T * B; // v:22
  let o24 = 0u; // t:f_pre_gemm0
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    var mv = array<f32, 4>();
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o7 + j * 4u + kk];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        let v = gemm_0[o24 + dims.t * B * 12u + row * 12u + kk] + tape[o21 + dims.t * B * 4u + row * 4u + kk];
        let v_1 = v + params[o4 + kk];
        let r_1 = 1.0 / (1.0 + exp(-(v_1)));
        let v_2 = (r_1) * (tape[o19 + dims.t * B * 4u + row * 4u + kk]);
        mv[r] += w * v_2;
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      // %22: f32[B,H] = matmul n.W_2, %18
      tape[o23 + dims.t * B * 4u + row * 4u + j] = mv[r];
      let v_3 = gemm_0[o24 + dims.t * B * 12u + row * 12u + 4u + j] + tape[o22 + dims.t * B * 4u + row * 4u + j];
      let v_4 = v_3 + params[o6 + j];
      let z = 1.0 / (1.0 + exp(-(v_4)));
      let v_5 = (z) * (tape[o19 + dims.t * B * 4u + row * 4u + j]);
      let v_6 = 1.0 - (z);
      let v_7 = gemm_0[o24 + dims.t * B * 12u + row * 12u + 8u + j] + mv[r];
      let v_8 = v_7 + params[o8 + j];
      let n = select(select(tanh(clamp(v_8, -15.0, 15.0)), v_8 * (1.0 + v_8 * v_8 * (-0.33333334 + v_8 * v_8 * (0.13333334 + v_8 * v_8 * (-0.053968254 + v_8 * v_8 * 0.021869488)))), abs(v_8) < 0.125), v_8, (bitcast<u32>(v_8) & 0x7fffffffu) > 0x7f800000u);
      let v_9 = (v_6) * (n);
      let h_p = v_5 + v_9;
      // %31 h': f32[B,H] = add %27, %30  (line 22)
      tape[o19 + (dims.t + 1u) * B * 4u + row * 4u + j] = h_p;
      tape[o20 + dims.t * B * 4u + row * 4u + j] = h_p;
    }
  }
}

// ===== kernel b_pre_level0 (fused) — backward, before the loop (once, over all T·B rows); workgroup 64×1×1; workgroups ceil(H/64) × ceil(T·B/4)
//   computes: %18: f32[B,H] = mul r, h
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(2) params: read-only-storage ← arena params
//   @group(0) @binding(3) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (0, B, T)
// b_pre_level0: all T·B rows, before the time loop of GRU backward, level 0.
// Writes: %18: f32[B,H] = mul r, h
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_0: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o4 = 52u; // p:r.b
  let o19 = 3u * T * B; // s:h
  let o21 = 4u * B + 11u * T * B; // v:5
  let o24 = 0u; // t:f_pre_gemm0
  let o34 = 4u * B + 23u * T * B; // m:b18
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= (T * B)) { break; }
      let v = gemm_0[o24 + row * 12u + j] + tape[o21 + row * 4u + j];
      let v_1 = v + params[o4 + j];
      let r_1 = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = (r_1) * (tape[o19 + row * 4u + j]);
      // %18: f32[B,H] = mul r, h
      btape[o34 + row * 4u + j] = v_2;
    }
  }
}

// ===== kernel b_loop_level0 (fused) — backward, per step (T times, in reverse: t = T−1 … 0); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %40 ∂n.b: f32[B,H] = mul ∂n, %39  (line 21); %49 ∂z.b: f32[B,H] = mul ∂z, %48  (line 20)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(2) params: read-only-storage ← arena params
//   @group(0) @binding(3) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// b_loop_level0: one time step of GRU backward, level 0.
// Writes: %40 ∂n.b: f32[B,H] = mul ∂n, %39  (line 21); %49 ∂z.b: f32[B,H] = mul ∂z, %48  (line 20)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_0: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o6 = 72u; // p:z.b
  let o8 = 92u; // p:n.b
  let o19 = 3u * T * B; // s:h
  let o22 = 4u * B + 15u * T * B; // v:13
  let o23 = 4u * B + 19u * T * B; // v:22
  let o24 = 0u; // t:f_pre_gemm0
  let o25 = 0u; // ds:h
  let o26 = 4u * B + 4u * T * B; // dy:h
  let o32 = 4u * B + 15u * T * B; // m:b49
  let o33 = 4u * B + 19u * T * B; // m:b40
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      let d_h_p = btape[o25 + (dims.t + 1u) * B * 4u + row * 4u + j] + btape[o26 + dims.t * B * 4u + row * 4u + j];
      let v = gemm_0[o24 + dims.t * B * 12u + row * 12u + 4u + j] + tape[o22 + dims.t * B * 4u + row * 4u + j];
      let v_1 = v + params[o6 + j];
      let z = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = 1.0 - (z);
      let d_n = (d_h_p) * (v_2);
      let v_3 = gemm_0[o24 + dims.t * B * 12u + row * 12u + 8u + j] + tape[o23 + dims.t * B * 4u + row * 4u + j];
      let v_4 = v_3 + params[o8 + j];
      let n = select(select(tanh(clamp(v_4, -15.0, 15.0)), v_4 * (1.0 + v_4 * v_4 * (-0.33333334 + v_4 * v_4 * (0.13333334 + v_4 * v_4 * (-0.053968254 + v_4 * v_4 * 0.021869488)))), abs(v_4) < 0.125), v_4, (bitcast<u32>(v_4) & 0x7fffffffu) > 0x7f800000u);
      let v_5 = n * n;
      let v_6 = 1.0 - (v_5);
      let d_n_b = (d_n) * (v_6);
      // %40 ∂n.b: f32[B,H] = mul ∂n, %39  (line 21)
      btape[o33 + dims.t * B * 4u + row * 4u + j] = d_n_b;
      let v_7 = (d_h_p) * (n);
      let v_8 = -(v_7);
      let v_9 = (d_h_p) * (tape[o19 + dims.t * B * 4u + row * 4u + j]);
      let d_z = v_8 + v_9;
      let v_10 = (z) * (v_2);
      let d_z_b = (d_z) * (v_10);
      // %49 ∂z.b: f32[B,H] = mul ∂z, %48  (line 20)
      btape[o32 + dims.t * B * 4u + row * 4u + j] = d_z_b;
    }
  }
}

// ===== kernel b_loop_level1 (fused) — backward, per step (T times, in reverse: t = T−1 … 0); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %58 ∂r.b: f32[B,H] = mul ∂r, %57  (line 19)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(2) params: read-only-storage ← arena params
//   @group(0) @binding(3) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// b_loop_level1: one time step of GRU backward, level 1.
// Writes: %58 ∂r.b: f32[B,H] = mul ∂r, %57  (line 19)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_0: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o4 = 52u; // p:r.b
  let o7 = 76u; // p:n.W_2
  let o19 = 3u * T * B; // s:h
  let o21 = 4u * B + 11u * T * B; // v:5
  let o24 = 0u; // t:f_pre_gemm0
  let o31 = 4u * B + 11u * T * B; // m:b58
  let o33 = 4u * B + 19u * T * B; // m:b40
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    var mv = array<f32, 4>();
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o7 + kk * 4u + j];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv[r] += w * btape[o33 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      let d_r = (mv[r]) * (tape[o19 + dims.t * B * 4u + row * 4u + j]);
      let v = gemm_0[o24 + dims.t * B * 12u + row * 12u + j] + tape[o21 + dims.t * B * 4u + row * 4u + j];
      let v_1 = v + params[o4 + j];
      let r_1 = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = 1.0 - (r_1);
      let v_3 = (r_1) * (v_2);
      let d_r_b = (d_r) * (v_3);
      // %58 ∂r.b: f32[B,H] = mul ∂r, %57  (line 19)
      btape[o31 + dims.t * B * 4u + row * 4u + j] = d_r_b;
    }
  }
}

// ===== kernel b_loop_level2 (fused) — backward, per step (T times, in reverse: t = T−1 … 0); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %61 ∂h: f32[B,H] = add %52, %60  (line 17)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(2) params: read-only-storage ← arena params
//   @group(0) @binding(3) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// b_loop_level2: one time step of GRU backward, level 2.
// Writes: %61 ∂h: f32[B,H] = add %52, %60  (line 17)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_0: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o3 = 36u; // p:r.W_h
  let o4 = 52u; // p:r.b
  let o5 = 56u; // p:z.W_h
  let o6 = 72u; // p:z.b
  let o7 = 76u; // p:n.W_2
  let o21 = 4u * B + 11u * T * B; // v:5
  let o22 = 4u * B + 15u * T * B; // v:13
  let o24 = 0u; // t:f_pre_gemm0
  let o25 = 0u; // ds:h
  let o26 = 4u * B + 4u * T * B; // dy:h
  let o31 = 4u * B + 11u * T * B; // m:b58
  let o32 = 4u * B + 15u * T * B; // m:b49
  let o33 = 4u * B + 19u * T * B; // m:b40
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    var mv = array<f32, 4>();
    var mv_1 = array<f32, 4>();
    var mv_2 = array<f32, 4>();
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o7 + kk * 4u + j];
      let w_1 = params[o5 + kk * 4u + j];
      let w_2 = params[o3 + kk * 4u + j];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv[r] += w * btape[o33 + dims.t * B * 4u + row * 4u + kk];
        mv_1[r] += w_1 * btape[o32 + dims.t * B * 4u + row * 4u + kk];
        mv_2[r] += w_2 * btape[o31 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      let d_h_p = btape[o25 + (dims.t + 1u) * B * 4u + row * 4u + j] + btape[o26 + dims.t * B * 4u + row * 4u + j];
      let v = gemm_0[o24 + dims.t * B * 12u + row * 12u + 4u + j] + tape[o22 + dims.t * B * 4u + row * 4u + j];
      let v_1 = v + params[o6 + j];
      let z = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = (d_h_p) * (z);
      let v_3 = gemm_0[o24 + dims.t * B * 12u + row * 12u + j] + tape[o21 + dims.t * B * 4u + row * 4u + j];
      let v_4 = v_3 + params[o4 + j];
      let r_1 = 1.0 / (1.0 + exp(-(v_4)));
      let v_5 = (mv[r]) * (r_1);
      let v_6 = v_2 + v_5;
      let v_7 = v_6 + mv_1[r];
      let d_h = v_7 + mv_2[r];
      // %61 ∂h: f32[B,H] = add %52, %60  (line 17)
      btape[o25 + dims.t * B * 4u + row * 4u + j] = d_h;
    }
  }
}

// ===== kernel b_post_gemm2 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b58, B = p:r.W_x, C = t:b_post_gemm2: %63: f32[B,I] = matmul ∂r.b, r.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 4·B + 11·T·B, offsetB = 0, offsetC = 18·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
// gemm_nn_64x64x16_4x4: C[M,N] = alpha · A[M,K] · B[K,N]
// Row-major f32. A is stored M×K (stride lda), B K×N (stride ldb), C M×N (stride ldc).
// Workgroup: 16×16 invocations own a 64×64 block of C; each invocation 4×4 of it.
// The K loop stages 64×16 of op(A) and 16×64 of op(B) in workgroup memory (k-major).
// workgroup_id.z selects a problem of a batch: offsets advance by strideA/B/C elements.

struct GemmParams {
  M: u32, N: u32, K: u32,
  lda: u32, ldb: u32, ldc: u32,
  offsetA: u32, offsetB: u32, offsetC: u32,
  strideA: u32, strideB: u32, strideC: u32,
  alpha: f32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<storage, read> A: array<f32>; // left operand A (f32, row-major)
@group(0) @binding(1) var<storage, read> B: array<f32>; // right operand B (f32, row-major)
@group(0) @binding(2) var<storage, read_write> C: array<f32>; // result C (f32, row-major; read too when accumulating)
@group(0) @binding(3) var<uniform> params: GemmParams; // GemmParams: sizes, leading dimensions, offsets, batch strides, alpha

const TILE_M = 64u;
const TILE_N = 64u;
const TILE_K = 16u;
const WG_X = 16u;
const WG_Y = 16u;
const WA = 4u; // tileA vectors run along M
const WB = 4u; // tileB vectors (and accumulators) run along N
const A_ROW = 16u; // vec4<f32>s per k in tileA
const B_ROW = 16u; // vec4<f32>s per k in tileB

var<workgroup> tileA: array<vec4<f32>, 256>; // op(A)[m, k] at [k * A_ROW + m / 4]
var<workgroup> tileB: array<vec4<f32>, 256>; // op(B)[k, n] at [k * B_ROW + n / 4]

// op(A)[m, k], zero outside the matrix.
fn loadA(base: u32, m: u32, k: u32) -> f32 {
  if (m < params.M && k < params.K) { return A[base + m * params.lda + k]; }
  return 0.0;
}

// op(B)[k, n], zero outside the matrix.
fn loadB(base: u32, k: u32, n: u32) -> f32 {
  if (k < params.K && n < params.N) { return B[base + k * params.ldb + n]; }
  return 0.0;
}

fn storeC(base: u32, m: u32, n: u32, v: f32) {
  if (m < params.M && n < params.N) {
    let i = base + m * params.ldc + n;
    C[i] = params.alpha * v;
  }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) lidx: u32,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let baseA = params.offsetA + wid.z * params.strideA;
  let baseB = params.offsetB + wid.z * params.strideB;
  let baseC = params.offsetC + wid.z * params.strideC;
  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  var acc0_0 = vec4<f32>();
  var acc1_0 = vec4<f32>();
  var acc2_0 = vec4<f32>();
  var acc3_0 = vec4<f32>();

  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    if (m0 + TILE_M <= params.M && k0 + TILE_K <= params.K) {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u % TILE_K;
        let mv = u / TILE_K;
        let i = baseA + (m0 + mv * WA) * params.lda + k0 + k;
        tileA[k * A_ROW + mv] = vec4<f32>(A[i], A[i + params.lda], A[i + 2u * params.lda], A[i + 3u * params.lda]);
      }
    } else {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u % TILE_K;
        let mv = u / TILE_K;
        tileA[k * A_ROW + mv] = vec4<f32>(loadA(baseA, m0 + mv * WA, k0 + k), loadA(baseA, m0 + mv * WA + 1u, k0 + k), loadA(baseA, m0 + mv * WA + 2u, k0 + k), loadA(baseA, m0 + mv * WA + 3u, k0 + k));
      }
    }
    if (n0 + TILE_N <= params.N && k0 + TILE_K <= params.K) {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u / B_ROW;
        let nv = u % B_ROW;
        let i = baseB + (k0 + k) * params.ldb + n0 + nv * WB;
        tileB[k * B_ROW + nv] = vec4<f32>(B[i], B[i + 1u], B[i + 2u], B[i + 3u]);
      }
    } else {
      for (var u = lidx; u < 256u; u += WG_X * WG_Y) {
        let k = u / B_ROW;
        let nv = u % B_ROW;
        tileB[k * B_ROW + nv] = vec4<f32>(loadB(baseB, k0 + k, n0 + nv * WB), loadB(baseB, k0 + k, n0 + nv * WB + 1u), loadB(baseB, k0 + k, n0 + nv * WB + 2u), loadB(baseB, k0 + k, n0 + nv * WB + 3u));
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let a0 = tileA[k * A_ROW + lid.y];
      let b0 = tileB[k * B_ROW + lid.x];
      acc0_0 = fma(vec4<f32>(a0.x), b0, acc0_0);
      acc1_0 = fma(vec4<f32>(a0.y), b0, acc1_0);
      acc2_0 = fma(vec4<f32>(a0.z), b0, acc2_0);
      acc3_0 = fma(vec4<f32>(a0.w), b0, acc3_0);
    }
    workgroupBarrier();
  }

  let mT = m0 + lid.y * WA;
  let nT = n0 + lid.x * WB;
  storeC(baseC, mT, nT, acc0_0.x); storeC(baseC, mT, nT + 1u, acc0_0.y); storeC(baseC, mT, nT + 2u, acc0_0.z); storeC(baseC, mT, nT + 3u, acc0_0.w);
  storeC(baseC, mT + 1u, nT, acc1_0.x); storeC(baseC, mT + 1u, nT + 1u, acc1_0.y); storeC(baseC, mT + 1u, nT + 2u, acc1_0.z); storeC(baseC, mT + 1u, nT + 3u, acc1_0.w);
  storeC(baseC, mT + 2u, nT, acc2_0.x); storeC(baseC, mT + 2u, nT + 1u, acc2_0.y); storeC(baseC, mT + 2u, nT + 2u, acc2_0.z); storeC(baseC, mT + 2u, nT + 3u, acc2_0.w);
  storeC(baseC, mT + 3u, nT, acc3_0.x); storeC(baseC, mT + 3u, nT + 1u, acc3_0.y); storeC(baseC, mT + 3u, nT + 2u, acc3_0.z); storeC(baseC, mT + 3u, nT + 3u, acc3_0.w);
}

// ===== kernel b_post_gemm1 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b49, B = p:z.W_x, C = t:b_post_gemm1: %54: f32[B,I] = matmul ∂z.b, z.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 4·B + 15·T·B, offsetB = 12, offsetC = 15·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
//   WGSL: the same as kernel b_post_gemm2

// ===== kernel b_post_gemm0 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b40, B = p:n.W_x, C = t:b_post_gemm0: %44: f32[B,I] = matmul ∂n.b, n.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 4·B + 19·T·B, offsetB = 24, offsetC = 12·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
//   WGSL: the same as kernel b_post_gemm2

// ===== kernel b_post_level0 (fused) — backward, after the loop (once, over all T·B rows); workgroup 64×1×1; workgroups ceil(I/64) × ceil(T·B/4)
//   computes: %64 ∂x: f32[B,I] = add %55, %63  (line 13)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(1) @binding(0) dims: uniform ← dims (0, B, T)
// b_post_level0: all T·B rows, after the time loop of GRU backward, level 0.
// Writes: %64 ∂x: f32[B,I] = add %55, %63  (line 13)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_0: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o27 = 4u * B + 8u * T * B; // dx:x
  let o28 = 12u * T * B; // t:b_post_gemm0
  let o29 = 15u * T * B; // t:b_post_gemm1
  let o30 = 18u * T * B; // t:b_post_gemm2
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 3u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= (T * B)) { break; }
      let v = gemm_0[o28 + row * 3u + j] + gemm_0[o29 + row * 3u + j];
      let d_x = v + gemm_0[o30 + row * 3u + j];
      // %64 ∂x: f32[B,I] = add %55, %63  (line 13)
      btape[o27 + row * 3u + j] = d_x;
    }
  }
}

// ===== kernel grads_small (grads) — backward, parameter gradients (once, after the loop, into cleared gradients); workgroup 64×1×1; workgroups ceil(96/64) × 1 (folded into y past 65535)
//   computes: ∂(r.W_x, r.W_h, r.b, z.W_x, z.W_h, z.b, n.W_x, n.W_2, n.b) = Σ_rows of their terms
//   @group(0) @binding(0) btape: read-only-storage ← arena btape
//   @group(0) @binding(1) grads: storage ← arena grads
//   @group(0) @binding(2) tape: read-only-storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (0, B, T)
// grads_small: parameter gradients of r.W_x, r.W_h, r.b, z.W_x, z.W_h, z.b, n.W_x, n.W_2, n.b, one invocation per element, summed over all T·B rows.
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(0) var<storage, read> btape: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<storage, read> tape: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o9 = 0u; // g:r.W_x
  let o31 = 4u * B + 11u * T * B; // m:b58
  let o18 = 0u; // x:x
  let o12 = 36u; // g:r.W_h
  let o19 = 3u * T * B; // s:h
  let o13 = 52u; // g:r.b
  let o10 = 12u; // g:z.W_x
  let o32 = 4u * B + 15u * T * B; // m:b49
  let o14 = 56u; // g:z.W_h
  let o15 = 72u; // g:z.b
  let o11 = 24u; // g:n.W_x
  let o33 = 4u * B + 19u * T * B; // m:b40
  let o16 = 76u; // g:n.W_2
  let o34 = 4u * B + 23u * T * B; // m:b18
  let o17 = 92u; // g:n.b
  let i = gid.x + gid.y * 4194240u;
  if (i >= 96u) { return; }
  let rows = T * B;
  if (i < 12u) {
    let e = i - 0u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o31 + row * 4u + e / 3u] * tape[o18 + row * 3u + e % 3u];
    }
    grads[o9 + e] = s;
  }
  else if (i < 28u) {
    let e = i - 12u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o31 + row * 4u + e / 4u] * tape[o19 + row * 4u + e % 4u];
    }
    grads[o12 + e] = s;
  }
  else if (i < 32u) {
    let e = i - 28u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o31 + row * 4u + e];
    }
    grads[o13 + e] = s;
  }
  else if (i < 44u) {
    let e = i - 32u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o32 + row * 4u + e / 3u] * tape[o18 + row * 3u + e % 3u];
    }
    grads[o10 + e] = s;
  }
  else if (i < 60u) {
    let e = i - 44u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o32 + row * 4u + e / 4u] * tape[o19 + row * 4u + e % 4u];
    }
    grads[o14 + e] = s;
  }
  else if (i < 64u) {
    let e = i - 60u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o32 + row * 4u + e];
    }
    grads[o15 + e] = s;
  }
  else if (i < 76u) {
    let e = i - 64u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o33 + row * 4u + e / 3u] * tape[o18 + row * 3u + e % 3u];
    }
    grads[o11 + e] = s;
  }
  else if (i < 92u) {
    let e = i - 76u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o33 + row * 4u + e / 4u] * btape[o34 + row * 4u + e % 4u];
    }
    grads[o16 + e] = s;
  }
  else if (i < 96u) {
    let e = i - 92u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o33 + row * 4u + e];
    }
    grads[o17 + e] = s;
  }
}
