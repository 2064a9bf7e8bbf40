// cellc: GRU (sizes I=3, H=4); 8 WGSL kernel(s), 4 GEMM(s)

// ===== kernel f_loop_level0 — forward, per step (T times, t = 0 … T−1); workgroups ceil(4/64) × ceil(B/4); bindings: params (read), tape, step
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
    var mv: array<f32, 4>;
    var mv_1: array<f32, 4>;
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

// ===== kernel f_loop_level1 — forward, per step (T times, t = 0 … T−1); workgroups ceil(4/64) × ceil(B/4); bindings: gemm:f_pre_gemm0 (read), params (read), tape, step
// f_loop_level1: one time step of GRU forward, level 1.
// Writes: %22: f32[B,H] = matmul n.W_2, %18; %31 h': f32[B,H] = add %27, %30  (line 22)
@group(0) @binding(0) var<storage, read> gemm_f_pre_gemm0: array<f32>;
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
    var mv: array<f32, 4>;
    for (var kk = 0u; kk < 4u; kk++) {
      let w = params[o7 + j * 4u + kk];
      for (var r = 0u; r < 4u; r++) {
        let row = row0 + r;
        if (row >= B) { break; }
        let v = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + kk] + tape[o21 + dims.t * B * 4u + row * 4u + kk];
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
      let v_3 = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + 4u + j] + tape[o22 + dims.t * B * 4u + row * 4u + j];
      let v_4 = v_3 + params[o6 + j];
      let z = 1.0 / (1.0 + exp(-(v_4)));
      let v_5 = (z) * (tape[o19 + dims.t * B * 4u + row * 4u + j]);
      let v_6 = 1.0 - (z);
      let v_7 = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + 8u + j] + mv[r];
      let v_8 = v_7 + params[o8 + j];
      let n = tanh(clamp(v_8, -15.0, 15.0));
      let v_9 = (v_6) * (n);
      let h_p = v_5 + v_9;
      // %31 h': f32[B,H] = add %27, %30  (line 22)
      tape[o19 + (dims.t + 1u) * B * 4u + row * 4u + j] = h_p;
      tape[o20 + dims.t * B * 4u + row * 4u + j] = h_p;
    }
  }
}

// ===== kernel b_pre_level0 — backward, before the loop (once, over all T·B rows); workgroups ceil(4/64) × ceil(T·B/4); bindings: btape, gemm:f_pre_gemm0 (read), params (read), tape
// b_pre_level0: all T·B rows, before the time loop of GRU backward, level 0.
// Writes: %18: f32[B,H] = mul r, h
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
      let v = gemm_f_pre_gemm0[o24 + row * 12u + j] + tape[o21 + row * 4u + j];
      let v_1 = v + params[o4 + j];
      let r_1 = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = (r_1) * (tape[o19 + row * 4u + j]);
      // %18: f32[B,H] = mul r, h
      btape[o34 + row * 4u + j] = v_2;
    }
  }
}

// ===== kernel b_loop_level0 — backward, per step (T times, in reverse: t = T−1 … 0); workgroups ceil(4/64) × ceil(B/4); bindings: btape, gemm:f_pre_gemm0 (read), params (read), tape, step
// b_loop_level0: one time step of GRU backward, level 0.
// Writes: %40 ∂n.b: f32[B,H] = mul ∂n, %39  (line 21); %49 ∂z.b: f32[B,H] = mul ∂z, %48  (line 20)
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
      let v = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + 4u + j] + tape[o22 + dims.t * B * 4u + row * 4u + j];
      let v_1 = v + params[o6 + j];
      let z = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = 1.0 - (z);
      let d_n = (d_h_p) * (v_2);
      let v_3 = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + 8u + j] + tape[o23 + dims.t * B * 4u + row * 4u + j];
      let v_4 = v_3 + params[o8 + j];
      let n = tanh(clamp(v_4, -15.0, 15.0));
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

// ===== kernel b_loop_level1 — backward, per step (T times, in reverse: t = T−1 … 0); workgroups ceil(4/64) × ceil(B/4); bindings: btape, gemm:f_pre_gemm0 (read), params (read), tape, step
// b_loop_level1: one time step of GRU backward, level 1.
// Writes: %58 ∂r.b: f32[B,H] = mul ∂r, %57  (line 19)
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
    var mv: array<f32, 4>;
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
      let v = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + j] + tape[o21 + dims.t * B * 4u + row * 4u + j];
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

// ===== kernel b_loop_level2 — backward, per step (T times, in reverse: t = T−1 … 0); workgroups ceil(4/64) × ceil(B/4); bindings: btape, gemm:f_pre_gemm0 (read), params (read), tape, step
// b_loop_level2: one time step of GRU backward, level 2.
// Writes: %61 ∂h: f32[B,H] = add %52, %60  (line 17)
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
    var mv: array<f32, 4>;
    var mv_1: array<f32, 4>;
    var mv_2: array<f32, 4>;
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
      let v = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + 4u + j] + tape[o22 + dims.t * B * 4u + row * 4u + j];
      let v_1 = v + params[o6 + j];
      let z = 1.0 / (1.0 + exp(-(v_1)));
      let v_2 = (d_h_p) * (z);
      let v_3 = gemm_f_pre_gemm0[o24 + dims.t * B * 12u + row * 12u + j] + tape[o21 + dims.t * B * 4u + row * 4u + j];
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

// ===== kernel b_post_level0 — backward, after the loop (once, over all T·B rows); workgroups ceil(3/64) × ceil(T·B/4); bindings: btape, gemm:b_post_gemm0 (read), gemm:b_post_gemm1 (read), gemm:b_post_gemm2 (read)
// b_post_level0: all T·B rows, after the time loop of GRU backward, level 0.
// Writes: %64 ∂x: f32[B,I] = add %55, %63  (line 13)
@group(0) @binding(0) var<storage, read_write> btape: array<f32>;
@group(0) @binding(1) var<storage, read> gemm_b_post_gemm0: array<f32>;
@group(0) @binding(2) var<storage, read> gemm_b_post_gemm1: array<f32>;
@group(0) @binding(3) var<storage, read> gemm_b_post_gemm2: array<f32>;
struct Dims { t: u32, B: u32, T: u32 }
@group(1) @binding(0) var<uniform> dims: Dims;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let B = dims.B;
  let T = dims.T;
  let o27 = 4u * B + 8u * T * B; // dx:x
  let o28 = 0u; // t:b_post_gemm0
  let o29 = 0u; // t:b_post_gemm1
  let o30 = 0u; // t:b_post_gemm2
  let j = gid.x;
  let row0 = gid.y * 4u;
  if (j < 3u) {
    for (var r = 0u; r < 4u; r++) {
      let row = row0 + r;
      if (row >= (T * B)) { break; }
      let v = gemm_b_post_gemm0[o28 + row * 3u + j] + gemm_b_post_gemm1[o29 + row * 3u + j];
      let d_x = v + gemm_b_post_gemm2[o30 + row * 3u + j];
      // %64 ∂x: f32[B,I] = add %55, %63  (line 13)
      btape[o27 + row * 3u + j] = d_x;
    }
  }
}

// ===== kernel grads_small — backward, parameter gradients (once, after the loop, into cleared gradients); workgroups ceil(96/64) × 1; bindings: btape (read), grads, tape (read)
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
      s += btape[o31 + row * 4u + 0u + e / 3u] * tape[o18 + row * 3u + 0u + e % 3u];
    }
    grads[o9 + e] = s;
  }
  else if (i < 28u) {
    let e = i - 12u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o31 + row * 4u + 0u + e / 4u] * tape[o19 + row * 4u + 0u + e % 4u];
    }
    grads[o12 + e] = s;
  }
  else if (i < 32u) {
    let e = i - 28u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o31 + row * 4u + 0u + e];
    }
    grads[o13 + e] = s;
  }
  else if (i < 44u) {
    let e = i - 32u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o32 + row * 4u + 0u + e / 3u] * tape[o18 + row * 3u + 0u + e % 3u];
    }
    grads[o10 + e] = s;
  }
  else if (i < 60u) {
    let e = i - 44u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o32 + row * 4u + 0u + e / 4u] * tape[o19 + row * 4u + 0u + e % 4u];
    }
    grads[o14 + e] = s;
  }
  else if (i < 64u) {
    let e = i - 60u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o32 + row * 4u + 0u + e];
    }
    grads[o15 + e] = s;
  }
  else if (i < 76u) {
    let e = i - 64u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o33 + row * 4u + 0u + e / 3u] * tape[o18 + row * 3u + 0u + e % 3u];
    }
    grads[o11 + e] = s;
  }
  else if (i < 92u) {
    let e = i - 76u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o33 + row * 4u + 0u + e / 4u] * btape[o34 + row * 4u + 0u + e % 4u];
    }
    grads[o16 + e] = s;
  }
  else if (i < 96u) {
    let e = i - 92u;
    var s = 0.0;
    for (var row = 0u; row < rows; row++) {
      s += btape[o33 + row * 4u + 0u + e];
    }
    grads[o17 + e] = s;
  }
}

// ===== GEMM descriptors (run by the tiled GEMM kernel of compiler/codegen/gemm.ts; T·B rows are sized at run time)
// gemm f_pre_gemm0 — forward, before the loop (once, over all T·B rows)
//   C[T·B×12] = A·Bᵀ (K = 3)
//   A = x:x, ld 3; B = p:r.W_x, ld 3; C = t:f_pre_gemm0, ld 12
//   computes: %3: f32[B,H] = matmul r.W_x, x; %11: f32[B,H] = matmul z.W_x, x; %20: f32[B,H] = matmul n.W_x, x
// gemm b_post_gemm2 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b58, ld 4; B = p:r.W_x, ld 3; C = t:b_post_gemm2, ld 3
//   computes: %63: f32[B,I] = matmul ∂r.b, r.W_x
// gemm b_post_gemm1 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b49, ld 4; B = p:z.W_x, ld 3; C = t:b_post_gemm1, ld 3
//   computes: %54: f32[B,I] = matmul ∂z.b, z.W_x
// gemm b_post_gemm0 — backward, after the loop (once, over all T·B rows)
//   C[T·B×3] = A·B (K = 4)
//   A = m:b40, ld 4; B = p:n.W_x, ld 3; C = t:b_post_gemm0, ld 3
//   computes: %44: f32[B,I] = matmul ∂n.b, n.W_x
