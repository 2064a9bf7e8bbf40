// cellc: LSTM (sizes I=3, H=4); 10 kernel(s); specialised for an adapter with maxComputeWorkgroupStorageSize 16384, maxComputeInvocationsPerWorkgroup 256

// ===== kernel f_pre_gemm0 (gemm) — forward, before the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(16/64) × ceil(T·B/64)
//   computes: C[T·B×16] = A·Bᵀ (K = 3), A = x:x, B = p:i.W_x, C = t:f_pre_gemm0: %4: f32[B,H] = matmul i.W_x, x; %12: f32[B,H] = matmul f.W_x, x; %20: f32[B,H] = matmul o.W_x, x; %28: f32[B,H] = matmul g.W_x, x
//   @group(0) @binding(0) A: read-only-storage ← arena tape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 16, K = 3, lda = 3, ldb = 3, ldc = 16, offsetA = 0, offsetB = 0, offsetC = 0, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
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
//   computes: %6: f32[B,H] = matmul i.W_h, h; %14: f32[B,H] = matmul f.W_h, h; %22: f32[B,H] = matmul o.W_h, h; %30: f32[B,H] = matmul g.W_h, h; %37 c': f32[B,H] = add %35, %36  (line 24); %39 h': f32[B,H] = mul o, %38  (line 25)
//   @group(0) @binding(0) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(1) params: read-only-storage ← arena params
//   @group(0) @binding(2) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// f_loop_level0: one time step of LSTM forward, level 0.
// Writes: %6: f32[B,H] = matmul i.W_h, h; %14: f32[B,H] = matmul f.W_h, h; %22: f32[B,H] = matmul o.W_h, h; %30: f32[B,H] = matmul g.W_h, h; %37 c': f32[B,H] = add %35, %36  (line 24); %39 h': f32[B,H] = mul o, %38  (line 25)
@group(0) @binding(0) var<storage, read> gemm_0: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> tape: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o4 = 48u; // p:i.W_h
  let o5 = 64u; // p:i.b
  let o6 = 68u; // p:f.W_h
  let o7 = 84u; // p:f.b
  let o8 = 88u; // p:o.W_h
  let o9 = 104u; // p:o.b
  let o10 = 108u; // p:g.W_h
  let o11 = 124u; // p:g.b
  let o25 = 3u * T * B; // s:h
  let o26 = 4u * B + 7u * T * B; // s:c
  let o27 = 8u * B + 11u * T * B; // y:h
  let o28 = 8u * B + 15u * T * B; // v:6
  let o29 = 8u * B + 19u * T * B; // v:14
  let o30 = 8u * B + 23u * T * B; // v:22
  let o31 = 8u * B + 27u * T * B; // v:30
  let o32 = 0u; // t:f_pre_gemm0
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    var mv = array<f32, 4>();
    var mv_1 = array<f32, 4>();
    var mv_2 = array<f32, 4>();
    var mv_3 = array<f32, 4>();
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o4 + j * 4u + kk];
      let w_1 = params[o6 + j * 4u + kk];
      let w_2 = params[o8 + j * 4u + kk];
      let w_3 = params[o10 + j * 4u + kk];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv[r] += w * tape[o25 + dims.t * B * 4u + row * 4u + kk];
        mv_1[r] += w_1 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
        mv_2[r] += w_2 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
        mv_3[r] += w_3 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      // %6: f32[B,H] = matmul i.W_h, h
      tape[o28 + dims.t * B * 4u + row * 4u + j] = mv[r];
      // %14: f32[B,H] = matmul f.W_h, h
      tape[o29 + dims.t * B * 4u + row * 4u + j] = mv_1[r];
      // %22: f32[B,H] = matmul o.W_h, h
      tape[o30 + dims.t * B * 4u + row * 4u + j] = mv_2[r];
      // %30: f32[B,H] = matmul g.W_h, h
      tape[o31 + dims.t * B * 4u + row * 4u + j] = mv_3[r];
      let v = gemm_0[o32 + dims.t * B * 16u + row * 16u + 4u + j] + mv_1[r];
      let v_1 = v + params[o7 + j];
      let f = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = (f) * (tape[o26 + dims.t * B * 4u + row * 4u + j]);
      let v_3 = gemm_0[o32 + dims.t * B * 16u + row * 16u + j] + mv[r];
      let v_4 = v_3 + params[o5 + j];
      let i = 1.0 / (1.0 + exp(-(v_4)));
      let v_5 = gemm_0[o32 + dims.t * B * 16u + row * 16u + 12u + j] + mv_3[r];
      let v_6 = v_5 + params[o11 + j];
      let g = select(select(tanh(clamp(v_6, -15.0, 15.0)), v_6 * (1.0 + v_6 * v_6 * (-0.33333334 + v_6 * v_6 * (0.13333334 + v_6 * v_6 * (-0.053968254 + v_6 * v_6 * 0.021869488)))), abs(v_6) < 0.125), v_6, (bitcast<u32>(v_6) & 0x7fffffffu) > 0x7f800000u);
      let v_7 = (i) * (g);
      let c_p = v_2 + v_7;
      // %37 c': f32[B,H] = add %35, %36  (line 24)
      tape[o26 + (dims.t + 1u) * B * 4u + row * 4u + j] = c_p;
      let v_8 = gemm_0[o32 + dims.t * B * 16u + row * 16u + 8u + j] + mv_2[r];
      let v_9 = v_8 + params[o9 + j];
      let o = 1.0 / (1.0 + exp(-(v_9)));
      let v_10 = select(select(tanh(clamp(c_p, -15.0, 15.0)), c_p * (1.0 + c_p * c_p * (-0.33333334 + c_p * c_p * (0.13333334 + c_p * c_p * (-0.053968254 + c_p * c_p * 0.021869488)))), abs(c_p) < 0.125), c_p, (bitcast<u32>(c_p) & 0x7fffffffu) > 0x7f800000u);
      let h_p = (o) * (v_10);
      // %39 h': f32[B,H] = mul o, %38  (line 25)
      tape[o25 + (dims.t + 1u) * B * 4u + row * 4u + j] = h_p;
      tape[o27 + dims.t * B * 4u + row * 4u + j] = h_p;
    }
  }
}

// ===== kernel b_loop_level0 (fused) — backward, per step (T times, in reverse: t = T−1 … 0); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %53 ∂c: f32[B,H] = mul ∂c', f  (line 19); %56 ∂g.b: f32[B,H] = mul ∂g, %55  (line 23); %63 ∂o.b: f32[B,H] = mul ∂o, %62  (line 22); %72 ∂f.b: f32[B,H] = mul ∂f, %71  (line 21); %81 ∂i.b: f32[B,H] = mul ∂i, %80  (line 20)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(0) @binding(2) params: read-only-storage ← arena params
//   @group(0) @binding(3) tape: storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// b_loop_level0: one time step of LSTM backward, level 0.
// Writes: %53 ∂c: f32[B,H] = mul ∂c', f  (line 19); %56 ∂g.b: f32[B,H] = mul ∂g, %55  (line 23); %63 ∂o.b: f32[B,H] = mul ∂o, %62  (line 22); %72 ∂f.b: f32[B,H] = mul ∂f, %71  (line 21); %81 ∂i.b: f32[B,H] = mul ∂i, %80  (line 20)
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
  let o5 = 64u; // p:i.b
  let o7 = 84u; // p:f.b
  let o9 = 104u; // p:o.b
  let o11 = 124u; // p:g.b
  let o26 = 4u * B + 7u * T * B; // s:c
  let o28 = 8u * B + 15u * T * B; // v:6
  let o29 = 8u * B + 19u * T * B; // v:14
  let o30 = 8u * B + 23u * T * B; // v:22
  let o31 = 8u * B + 27u * T * B; // v:30
  let o32 = 0u; // t:f_pre_gemm0
  let o33 = 0u; // ds:h
  let o34 = 4u * B + 4u * T * B; // ds:c
  let o35 = 8u * B + 8u * T * B; // dy:h
  let o41 = 8u * B + 15u * T * B; // m:b81
  let o42 = 8u * B + 19u * T * B; // m:b72
  let o43 = 8u * B + 23u * T * B; // m:b63
  let o44 = 8u * B + 27u * T * B; // m:b56
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      let d_h_p = btape[o33 + (dims.t + 1u) * B * 4u + row * 4u + j] + btape[o35 + dims.t * B * 4u + row * 4u + j];
      let v = gemm_0[o32 + dims.t * B * 16u + row * 16u + 8u + j] + tape[o30 + dims.t * B * 4u + row * 4u + j];
      let v_1 = v + params[o9 + j];
      let o = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = (d_h_p) * (o);
      let v_3 = gemm_0[o32 + dims.t * B * 16u + row * 16u + 4u + j] + tape[o29 + dims.t * B * 4u + row * 4u + j];
      let v_4 = v_3 + params[o7 + j];
      let f = 1.0 / (1.0 + exp(-(v_4)));
      let v_5 = (f) * (tape[o26 + dims.t * B * 4u + row * 4u + j]);
      let v_6 = gemm_0[o32 + dims.t * B * 16u + row * 16u + j] + tape[o28 + dims.t * B * 4u + row * 4u + j];
      let v_7 = v_6 + params[o5 + j];
      let i = 1.0 / (1.0 + exp(-(v_7)));
      let v_8 = gemm_0[o32 + dims.t * B * 16u + row * 16u + 12u + j] + tape[o31 + dims.t * B * 4u + row * 4u + j];
      let v_9 = v_8 + params[o11 + j];
      let g = select(select(tanh(clamp(v_9, -15.0, 15.0)), v_9 * (1.0 + v_9 * v_9 * (-0.33333334 + v_9 * v_9 * (0.13333334 + v_9 * v_9 * (-0.053968254 + v_9 * v_9 * 0.021869488)))), abs(v_9) < 0.125), v_9, (bitcast<u32>(v_9) & 0x7fffffffu) > 0x7f800000u);
      let v_10 = (i) * (g);
      let c_p = v_5 + v_10;
      let v_11 = select(select(tanh(clamp(c_p, -15.0, 15.0)), c_p * (1.0 + c_p * c_p * (-0.33333334 + c_p * c_p * (0.13333334 + c_p * c_p * (-0.053968254 + c_p * c_p * 0.021869488)))), abs(c_p) < 0.125), c_p, (bitcast<u32>(c_p) & 0x7fffffffu) > 0x7f800000u);
      let v_12 = v_11 * v_11;
      let v_13 = 1.0 - (v_12);
      let v_14 = (v_2) * (v_13);
      let d_c_p = btape[o34 + (dims.t + 1u) * B * 4u + row * 4u + j] + v_14;
      let d_c = (d_c_p) * (f);
      // %53 ∂c: f32[B,H] = mul ∂c', f  (line 19)
      btape[o34 + dims.t * B * 4u + row * 4u + j] = d_c;
      let d_g = (d_c_p) * (i);
      let v_15 = g * g;
      let v_16 = 1.0 - (v_15);
      let d_g_b = (d_g) * (v_16);
      // %56 ∂g.b: f32[B,H] = mul ∂g, %55  (line 23)
      btape[o44 + dims.t * B * 4u + row * 4u + j] = d_g_b;
      let d_o = (d_h_p) * (v_11);
      let v_17 = 1.0 - (o);
      let v_18 = (o) * (v_17);
      let d_o_b = (d_o) * (v_18);
      // %63 ∂o.b: f32[B,H] = mul ∂o, %62  (line 22)
      btape[o43 + dims.t * B * 4u + row * 4u + j] = d_o_b;
      let d_f = (d_c_p) * (tape[o26 + dims.t * B * 4u + row * 4u + j]);
      let v_19 = 1.0 - (f);
      let v_20 = (f) * (v_19);
      let d_f_b = (d_f) * (v_20);
      // %72 ∂f.b: f32[B,H] = mul ∂f, %71  (line 21)
      btape[o42 + dims.t * B * 4u + row * 4u + j] = d_f_b;
      let d_i = (d_c_p) * (g);
      let v_21 = 1.0 - (i);
      let v_22 = (i) * (v_21);
      let d_i_b = (d_i) * (v_22);
      // %81 ∂i.b: f32[B,H] = mul ∂i, %80  (line 20)
      btape[o41 + dims.t * B * 4u + row * 4u + j] = d_i_b;
    }
  }
}

// ===== kernel b_loop_level1 (fused) — backward, per step (T times, in reverse: t = T−1 … 0); workgroup 64×1×1; workgroups ceil(H/64) × ceil(B/4)
//   computes: %84 ∂h: f32[B,H] = add %75, %83  (line 18)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) params: read-only-storage ← arena params
//   @group(1) @binding(0) dims: uniform ← dims (t, B, T) of the step
// b_loop_level1: one time step of LSTM backward, level 1.
// Writes: %84 ∂h: f32[B,H] = add %75, %83  (line 18)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o4 = 48u; // p:i.W_h
  let o6 = 68u; // p:f.W_h
  let o8 = 88u; // p:o.W_h
  let o10 = 108u; // p:g.W_h
  let o33 = 0u; // ds:h
  let o41 = 8u * B + 15u * T * B; // m:b81
  let o42 = 8u * B + 19u * T * B; // m:b72
  let o43 = 8u * B + 23u * T * B; // m:b63
  let o44 = 8u * B + 27u * T * B; // m:b56
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 4u) {
    var mv = array<f32, 4>();
    var mv_1 = array<f32, 4>();
    var mv_2 = array<f32, 4>();
    var mv_3 = array<f32, 4>();
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o10 + kk * 4u + j];
      let w_1 = params[o8 + kk * 4u + j];
      let w_2 = params[o6 + kk * 4u + j];
      let w_3 = params[o4 + kk * 4u + j];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv[r] += w * btape[o44 + dims.t * B * 4u + row * 4u + kk];
        mv_1[r] += w_1 * btape[o43 + dims.t * B * 4u + row * 4u + kk];
        mv_2[r] += w_2 * btape[o42 + dims.t * B * 4u + row * 4u + kk];
        mv_3[r] += w_3 * btape[o41 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      let v = mv[r] + mv_1[r];
      let v_1 = v + mv_2[r];
      let d_h = v_1 + mv_3[r];
      // %84 ∂h: f32[B,H] = add %75, %83  (line 18)
      btape[o33 + dims.t * B * 4u + row * 4u + j] = d_h;
    }
  }
}

// ===== kernel b_post_gemm3 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b81, B = p:i.W_x, C = t:b_post_gemm3: %86: f32[B,I] = matmul ∂i.b, i.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 8·B + 15·T·B, offsetB = 0, offsetC = 25·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
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

// ===== kernel b_post_gemm2 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b72, B = p:f.W_x, C = t:b_post_gemm2: %77: f32[B,I] = matmul ∂f.b, f.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 8·B + 19·T·B, offsetB = 12, offsetC = 22·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
//   WGSL: the same as kernel b_post_gemm3

// ===== kernel b_post_gemm1 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b63, B = p:o.W_x, C = t:b_post_gemm1: %68: f32[B,I] = matmul ∂o.b, o.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 8·B + 23·T·B, offsetB = 24, offsetC = 19·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
//   WGSL: the same as kernel b_post_gemm3

// ===== kernel b_post_gemm0 (gemm) — backward, after the loop (once, over all T·B rows); workgroup 16×16×1; workgroups ceil(3/64) × ceil(T·B/64)
//   computes: C[T·B×3] = A·B (K = 4), A = m:b56, B = p:g.W_x, C = t:b_post_gemm0: %60: f32[B,I] = matmul ∂g.b, g.W_x
//   @group(0) @binding(0) A: read-only-storage ← arena btape
//   @group(0) @binding(1) B: read-only-storage ← arena params
//   @group(0) @binding(2) C: storage ← arena gemm:0
//   @group(0) @binding(3) params: uniform ← uniform {M = T·B, N = 3, K = 4, lda = 4, ldb = 3, ldc = 3, offsetA = 8·B + 27·T·B, offsetB = 36, offsetC = 16·T·B, strideA = 0, strideB = 0, strideC = 0, alpha = 1}
//   WGSL: the same as kernel b_post_gemm3

// ===== kernel b_post_level0 (fused) — backward, after the loop (once, over all T·B rows); workgroup 64×1×1; workgroups ceil(I/64) × ceil(T·B/4)
//   computes: %87 ∂x: f32[B,I] = add %78, %86  (line 15)
//   @group(0) @binding(0) btape: storage ← arena btape
//   @group(0) @binding(1) gemm_0: read-only-storage ← arena gemm:0
//   @group(1) @binding(0) dims: uniform ← dims (0, B, T)
// b_post_level0: all T·B rows, after the time loop of LSTM backward, level 0.
// Writes: %87 ∂x: f32[B,I] = add %78, %86  (line 15)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_0: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o36 = 8u * B + 12u * T * B; // dx:x
  let o37 = 16u * T * B; // t:b_post_gemm0
  let o38 = 19u * T * B; // t:b_post_gemm1
  let o39 = 22u * T * B; // t:b_post_gemm2
  let o40 = 25u * T * B; // t:b_post_gemm3
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 3u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= (T * B)) { break; }
      let v = gemm_0[o37 + row * 3u + j] + gemm_0[o38 + row * 3u + j];
      let v_1 = v + gemm_0[o39 + row * 3u + j];
      let d_x = v_1 + gemm_0[o40 + row * 3u + j];
      // %87 ∂x: f32[B,I] = add %78, %86  (line 15)
      btape[o36 + row * 3u + j] = d_x;
    }
  }
}

// ===== kernel grads_small (grads) — backward, parameter gradients (once, after the loop, into cleared gradients); workgroup 64×1×1; workgroups ceil(128/64) × 1 (folded into y past 65535)
//   computes: ∂(i.W_x, i.W_h, i.b, f.W_x, f.W_h, f.b, o.W_x, o.W_h, o.b, g.W_x, g.W_h, g.b) = Σ_rows of their terms
//   @group(0) @binding(0) btape: read-only-storage ← arena btape
//   @group(0) @binding(1) grads: storage ← arena grads
//   @group(0) @binding(2) tape: read-only-storage ← arena tape
//   @group(1) @binding(0) dims: uniform ← dims (0, B, T)
// grads_small: parameter gradients of i.W_x, i.W_h, i.b, f.W_x, f.W_h, f.b, o.W_x, o.W_h, o.b, g.W_x, g.W_h, g.b, one invocation per element, summed over all T·B rows.
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(0) var<storage, read> btape: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;
@group(0) @binding(2) var<storage, read> tape: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o12 = 0u; // g:i.W_x
  let o41 = 8u * B + 15u * T * B; // m:b81
  let o24 = 0u; // x:x
  let o16 = 48u; // g:i.W_h
  let o25 = 3u * T * B; // s:h
  let o17 = 64u; // g:i.b
  let o13 = 12u; // g:f.W_x
  let o42 = 8u * B + 19u * T * B; // m:b72
  let o18 = 68u; // g:f.W_h
  let o19 = 84u; // g:f.b
  let o14 = 24u; // g:o.W_x
  let o43 = 8u * B + 23u * T * B; // m:b63
  let o20 = 88u; // g:o.W_h
  let o21 = 104u; // g:o.b
  let o15 = 36u; // g:g.W_x
  let o44 = 8u * B + 27u * T * B; // m:b56
  let o22 = 108u; // g:g.W_h
  let o23 = 124u; // g:g.b
  let i = gid.x + gid.y * 4194240u;
  if (i >= 128u) { return; }
  let rows = T * B;
  if (i < 12u) {
    let e = i - 0u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o41 + row * 4u + e / 3u] * tape[o24 + row * 3u + e % 3u];
    }
    grads[o12 + e] = s;
  }
  else if (i < 28u) {
    let e = i - 12u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o41 + row * 4u + e / 4u] * tape[o25 + row * 4u + e % 4u];
    }
    grads[o16 + e] = s;
  }
  else if (i < 32u) {
    let e = i - 28u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o41 + row * 4u + e];
    }
    grads[o17 + e] = s;
  }
  else if (i < 44u) {
    let e = i - 32u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o42 + row * 4u + e / 3u] * tape[o24 + row * 3u + e % 3u];
    }
    grads[o13 + e] = s;
  }
  else if (i < 60u) {
    let e = i - 44u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o42 + row * 4u + e / 4u] * tape[o25 + row * 4u + e % 4u];
    }
    grads[o18 + e] = s;
  }
  else if (i < 64u) {
    let e = i - 60u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o42 + row * 4u + e];
    }
    grads[o19 + e] = s;
  }
  else if (i < 76u) {
    let e = i - 64u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o43 + row * 4u + e / 3u] * tape[o24 + row * 3u + e % 3u];
    }
    grads[o14 + e] = s;
  }
  else if (i < 92u) {
    let e = i - 76u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o43 + row * 4u + e / 4u] * tape[o25 + row * 4u + e % 4u];
    }
    grads[o20 + e] = s;
  }
  else if (i < 96u) {
    let e = i - 92u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o43 + row * 4u + e];
    }
    grads[o21 + e] = s;
  }
  else if (i < 108u) {
    let e = i - 96u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o44 + row * 4u + e / 3u] * tape[o24 + row * 3u + e % 3u];
    }
    grads[o15 + e] = s;
  }
  else if (i < 124u) {
    let e = i - 108u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o44 + row * 4u + e / 4u] * tape[o25 + row * 4u + e % 4u];
    }
    grads[o22 + e] = s;
  }
  else if (i < 128u) {
    let e = i - 124u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o44 + row * 4u + e];
    }
    grads[o23 + e] = s;
  }
}
