// cellc: LSTM (sizes I=3, H=4); 5 WGSL kernel(s), 5 GEMM(s)

// ===== kernel f_loop_level0 — forward, per step (T times, t = 0 … T−1); workgroups ceil(4/64) × ceil(B/4); bindings: gemm:f_pre_gemm0 (read), params (read), tape, step
// f_loop_level0: one time step of LSTM forward, level 0.
// Writes: %6: f32[B,H] = matmul %5, %1; %14: f32[B,H] = matmul %13, %1; %22: f32[B,H] = matmul %21, %1; %30: f32[B,H] = matmul %29, %1; %37: f32[B,H] = add %35, %36; %39: f32[B,H] = mul %26, %38
@group(0) @binding(0) var<storage, read> gemm_f_pre_gemm0: array<f32>;
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
    var mv0: array<f32, 4>;
    var mv1: array<f32, 4>;
    var mv2: array<f32, 4>;
    var mv3: array<f32, 4>;
    for (var kk = 0u; kk < 4u; kk++) {
      let w4 = params[o4 + j * 4u + kk];
      let w5 = params[o6 + j * 4u + kk];
      let w6 = params[o8 + j * 4u + kk];
      let w7 = params[o10 + j * 4u + kk];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv0[r] += w4 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
        mv1[r] += w5 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
        mv2[r] += w6 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
        mv3[r] += w7 * tape[o25 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      // %6: f32[B,H] = matmul %5, %1
      tape[o28 + dims.t * B * 4u + row * 4u + j] = mv0[r];
      // %14: f32[B,H] = matmul %13, %1
      tape[o29 + dims.t * B * 4u + row * 4u + j] = mv1[r];
      // %22: f32[B,H] = matmul %21, %1
      tape[o30 + dims.t * B * 4u + row * 4u + j] = mv2[r];
      // %30: f32[B,H] = matmul %29, %1
      tape[o31 + dims.t * B * 4u + row * 4u + j] = mv3[r];
      let v8 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + 4u + j] + mv1[r];
      let v9 = v8 + params[o7 + j];
      let v10 = 1.0 / (1.0 + exp(-(v9)));
      let v11 = (v10) * (tape[o26 + dims.t * B * 4u + row * 4u + j]);
      let v12 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + j] + mv0[r];
      let v13 = v12 + params[o5 + j];
      let v14 = 1.0 / (1.0 + exp(-(v13)));
      let v15 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + 12u + j] + mv3[r];
      let v16 = v15 + params[o11 + j];
      let v17 = tanh(clamp(v16, -15.0, 15.0));
      let v18 = (v14) * (v17);
      let v19 = v11 + v18;
      // %37: f32[B,H] = add %35, %36
      tape[o26 + (dims.t + 1u) * B * 4u + row * 4u + j] = v19;
      let v20 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + 8u + j] + mv2[r];
      let v21 = v20 + params[o9 + j];
      let v22 = 1.0 / (1.0 + exp(-(v21)));
      let v23 = tanh(clamp(v19, -15.0, 15.0));
      let v24 = (v22) * (v23);
      // %39: f32[B,H] = mul %26, %38
      tape[o25 + (dims.t + 1u) * B * 4u + row * 4u + j] = v24;
      tape[o27 + dims.t * B * 4u + row * 4u + j] = v24;
    }
  }
}

// ===== kernel b_loop_level0 — backward, per step (T times, in reverse: t = T−1 … 0); workgroups ceil(4/64) × ceil(B/4); bindings: btape, gemm:f_pre_gemm0 (read), params (read), tape, step
// b_loop_level0: one time step of LSTM backward, level 0.
// Writes: %53: f32[B,H] = mul %49, %18; %56: f32[B,H] = mul %51, %55; %63: f32[B,H] = mul %43, %62; %72: f32[B,H] = mul %52, %71; %81: f32[B,H] = mul %50, %80
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_f_pre_gemm0: array<f32>;
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
      let v0 = btape[o33 + (dims.t + 1u) * B * 4u + row * 4u + j] + btape[o35 + dims.t * B * 4u + row * 4u + j];
      let v1 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + 8u + j] + tape[o30 + dims.t * B * 4u + row * 4u + j];
      let v2 = v1 + params[o9 + j];
      let v3 = 1.0 / (1.0 + exp(-(v2)));
      let v4 = (v0) * (v3);
      let v5 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + 4u + j] + tape[o29 + dims.t * B * 4u + row * 4u + j];
      let v6 = v5 + params[o7 + j];
      let v7 = 1.0 / (1.0 + exp(-(v6)));
      let v8 = (v7) * (tape[o26 + dims.t * B * 4u + row * 4u + j]);
      let v9 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + j] + tape[o28 + dims.t * B * 4u + row * 4u + j];
      let v10 = v9 + params[o5 + j];
      let v11 = 1.0 / (1.0 + exp(-(v10)));
      let v12 = gemm_f_pre_gemm0[o32 + dims.t * B * 16u + row * 16u + 12u + j] + tape[o31 + dims.t * B * 4u + row * 4u + j];
      let v13 = v12 + params[o11 + j];
      let v14 = tanh(clamp(v13, -15.0, 15.0));
      let v15 = (v11) * (v14);
      let v16 = v8 + v15;
      let v17 = tanh(clamp(v16, -15.0, 15.0));
      let v18 = v17 * v17;
      let v19 = 1.0 - (v18);
      let v20 = (v4) * (v19);
      let v21 = btape[o34 + (dims.t + 1u) * B * 4u + row * 4u + j] + v20;
      let v22 = (v21) * (v7);
      // %53: f32[B,H] = mul %49, %18
      btape[o34 + dims.t * B * 4u + row * 4u + j] = v22;
      let v23 = (v21) * (v11);
      let v24 = v14 * v14;
      let v25 = 1.0 - (v24);
      let v26 = (v23) * (v25);
      // %56: f32[B,H] = mul %51, %55
      btape[o44 + dims.t * B * 4u + row * 4u + j] = v26;
      let v27 = (v0) * (v17);
      let v28 = 1.0 - (v3);
      let v29 = (v3) * (v28);
      let v30 = (v27) * (v29);
      // %63: f32[B,H] = mul %43, %62
      btape[o43 + dims.t * B * 4u + row * 4u + j] = v30;
      let v31 = (v21) * (tape[o26 + dims.t * B * 4u + row * 4u + j]);
      let v32 = 1.0 - (v7);
      let v33 = (v7) * (v32);
      let v34 = (v31) * (v33);
      // %72: f32[B,H] = mul %52, %71
      btape[o42 + dims.t * B * 4u + row * 4u + j] = v34;
      let v35 = (v21) * (v14);
      let v36 = 1.0 - (v11);
      let v37 = (v11) * (v36);
      let v38 = (v35) * (v37);
      // %81: f32[B,H] = mul %50, %80
      btape[o41 + dims.t * B * 4u + row * 4u + j] = v38;
    }
  }
}

// ===== kernel b_loop_level1 — backward, per step (T times, in reverse: t = T−1 … 0); workgroups ceil(4/64) × ceil(B/4); bindings: btape, params (read), step
// b_loop_level1: one time step of LSTM backward, level 1.
// Writes: %84: f32[B,H] = add %75, %83
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
    var mv0: array<f32, 4>;
    var mv1: array<f32, 4>;
    var mv2: array<f32, 4>;
    var mv3: array<f32, 4>;
    for (var kk = 0u; kk < 4u; kk++) {
      let w4 = params[o10 + kk * 4u + j];
      let w5 = params[o8 + kk * 4u + j];
      let w6 = params[o6 + kk * 4u + j];
      let w7 = params[o4 + kk * 4u + j];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        mv0[r] += w4 * btape[o44 + dims.t * B * 4u + row * 4u + kk];
        mv1[r] += w5 * btape[o43 + dims.t * B * 4u + row * 4u + kk];
        mv2[r] += w6 * btape[o42 + dims.t * B * 4u + row * 4u + kk];
        mv3[r] += w7 * btape[o41 + dims.t * B * 4u + row * 4u + kk];
      }
    }
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= B) { break; }
      let v8 = mv0[r] + mv1[r];
      let v9 = v8 + mv2[r];
      let v10 = v9 + mv3[r];
      // %84: f32[B,H] = add %75, %83
      btape[o33 + dims.t * B * 4u + row * 4u + j] = v10;
    }
  }
}

// ===== kernel b_post_level0 — backward, after the loop (once, over all T·B rows); workgroups ceil(3/64) × ceil(T·B/4); bindings: btape, gemm:b_post_gemm0 (read), gemm:b_post_gemm1 (read), gemm:b_post_gemm2 (read), gemm:b_post_gemm3 (read)
// b_post_level0: all T·B rows, after the time loop of LSTM backward, level 0.
// Writes: %87: f32[B,I] = add %78, %86
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_b_post_gemm0: array<f32>;
@group(0) @binding(2) var<storage, read> gemm_b_post_gemm1: array<f32>;
@group(0) @binding(3) var<storage, read> gemm_b_post_gemm2: array<f32>;
@group(0) @binding(4) var<storage, read> gemm_b_post_gemm3: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o36 = 8u * B + 12u * T * B; // dx:x
  let o37 = 0u; // t:b_post_gemm0
  let o38 = 0u; // t:b_post_gemm1
  let o39 = 0u; // t:b_post_gemm2
  let o40 = 0u; // t:b_post_gemm3
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 3u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= (T * B)) { break; }
      let v0 = gemm_b_post_gemm0[o37 + row * 3u + j] + gemm_b_post_gemm1[o38 + row * 3u + j];
      let v1 = v0 + gemm_b_post_gemm2[o39 + row * 3u + j];
      let v2 = v1 + gemm_b_post_gemm3[o40 + row * 3u + j];
      // %87: f32[B,I] = add %78, %86
      btape[o36 + row * 3u + j] = v2;
    }
  }
}

// ===== kernel grads_small — backward, parameter gradients (once, after the loop, into cleared gradients); workgroups ceil(128/64) × 1; bindings: btape (read), grads, tape (read)
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
      s += btape[o41 + row * 4u + 0u + e / 3u] * tape[o24 + row * 3u + 0u + e % 3u];
    }
    grads[o12 + e] = s;
  }
  else if (i < 28u) {
    let e = i - 12u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o41 + row * 4u + 0u + e / 4u] * tape[o25 + row * 4u + 0u + e % 4u];
    }
    grads[o16 + e] = s;
  }
  else if (i < 32u) {
    let e = i - 28u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o41 + row * 4u + 0u + e];
    }
    grads[o17 + e] = s;
  }
  else if (i < 44u) {
    let e = i - 32u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o42 + row * 4u + 0u + e / 3u] * tape[o24 + row * 3u + 0u + e % 3u];
    }
    grads[o13 + e] = s;
  }
  else if (i < 60u) {
    let e = i - 44u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o42 + row * 4u + 0u + e / 4u] * tape[o25 + row * 4u + 0u + e % 4u];
    }
    grads[o18 + e] = s;
  }
  else if (i < 64u) {
    let e = i - 60u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o42 + row * 4u + 0u + e];
    }
    grads[o19 + e] = s;
  }
  else if (i < 76u) {
    let e = i - 64u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o43 + row * 4u + 0u + e / 3u] * tape[o24 + row * 3u + 0u + e % 3u];
    }
    grads[o14 + e] = s;
  }
  else if (i < 92u) {
    let e = i - 76u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o43 + row * 4u + 0u + e / 4u] * tape[o25 + row * 4u + 0u + e % 4u];
    }
    grads[o20 + e] = s;
  }
  else if (i < 96u) {
    let e = i - 92u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o43 + row * 4u + 0u + e];
    }
    grads[o21 + e] = s;
  }
  else if (i < 108u) {
    let e = i - 96u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o44 + row * 4u + 0u + e / 3u] * tape[o24 + row * 3u + 0u + e % 3u];
    }
    grads[o15 + e] = s;
  }
  else if (i < 124u) {
    let e = i - 108u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o44 + row * 4u + 0u + e / 4u] * tape[o25 + row * 4u + 0u + e % 4u];
    }
    grads[o22 + e] = s;
  }
  else if (i < 128u) {
    let e = i - 124u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o44 + row * 4u + 0u + e];
    }
    grads[o23 + e] = s;
  }
}

// ===== GEMM descriptors (run by the tiled GEMM kernel of compiler/codegen/gemm.ts; T·B rows are sized at run time)
// gemm f_pre_gemm0 — forward, before the loop (once, over all T·B rows)
//   C[T·B×16] = A·Bᵀ (K = 3)
//   A = x:x, ld 3; B = p:i.W_x, ld 3; C = t:f_pre_gemm0, ld 16
//   computes: %4: f32[B,H] = matmul %3, %0; %12: f32[B,H] = matmul %11, %0; %20: f32[B,H] = matmul %19, %0; %28: f32[B,H] = matmul %27, %0
// gemm b_post_gemm3 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b81, ld 4; B = p:i.W_x, ld 3; C = t:b_post_gemm3, ld 3
//   computes: %86: f32[B,I] = matmul %81, %3
// gemm b_post_gemm2 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b72, ld 4; B = p:f.W_x, ld 3; C = t:b_post_gemm2, ld 3
//   computes: %77: f32[B,I] = matmul %72, %11
// gemm b_post_gemm1 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b63, ld 4; B = p:o.W_x, ld 3; C = t:b_post_gemm1, ld 3
//   computes: %68: f32[B,I] = matmul %63, %19
// gemm b_post_gemm0 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b56, ld 4; B = p:g.W_x, ld 3; C = t:b_post_gemm0, ld 3
//   computes: %60: f32[B,I] = matmul %56, %27
