// WGSL of the training kernels that are the same for every model: the
// reduction of the loss and of the squared gradient norm (for clipping), and
// the parameter update (SGD with momentum, Adam, AdamW). Pure text.
//
// Both run once per training step after the backward pass, in the same
// command buffer; only `stats` (loss, ‖g‖²) is read back.

export const TRAIN_HYPER_BYTES = 64;

/** Packs the uniform `Hyper` (see the WGSL struct below). */
export function packHyper(h: {
  count: number; lossOffset: number; lossStride: number; N: number;
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  bc1: number; bc2: number; clip: number; momentum: number; kind: 0 | 1 | 2;
}): ArrayBuffer {
  const buf = new ArrayBuffer(TRAIN_HYPER_BYTES);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  u[0] = h.N;
  u[1] = h.count;
  u[2] = h.lossOffset;
  u[3] = h.lossStride;
  f[4] = h.lr;
  f[5] = h.beta1;
  f[6] = h.beta2;
  f[7] = h.eps;
  f[8] = h.weightDecay;
  f[9] = h.bc1;
  f[10] = h.bc2;
  f[11] = h.clip;
  f[12] = h.momentum;
  u[13] = h.kind;
  return buf;
}

const HYPER = `struct Hyper {
  N: u32,            // parameter count
  count: u32,        // loss values (T·B)
  lossOffset: u32,   // first loss value in \`loss\`
  lossStride: u32,   // elements between consecutive loss values
  lr: f32, beta1: f32, beta2: f32, eps: f32,
  weightDecay: f32,  // AdamW: decoupled; SGD/Adam: added to the gradient
  bc1: f32, bc2: f32, // Adam bias corrections 1 − β^t
  clip: f32,         // max global gradient norm; 0 = no clipping
  momentum: f32,
  kind: u32,         // 0 SGD, 1 Adam, 2 AdamW
}`;

/** stats[0] = Σ loss, stats[1] = ‖g‖²; one workgroup of 256 invocations. */
export const STATS_WGSL = `// training statistics: the summed loss and the squared global gradient norm
${HYPER}
@group(0) @binding(0) var<storage, read> grads: array<f32>;
@group(0) @binding(1) var<storage, read> loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<uniform> hyper: Hyper;
var<workgroup> partLoss: array<f32, 256>;
var<workgroup> partNorm: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) i: u32) {
  var l = 0.0;
  for (var k = i; k < hyper.count; k += 256u) { l += loss[hyper.lossOffset + k * hyper.lossStride]; }
  var g = 0.0;
  for (var k = i; k < hyper.N; k += 256u) { let v = grads[k]; g += v * v; }
  partLoss[i] = l;
  partNorm[i] = g;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (i < s) {
      partLoss[i] += partLoss[i + s];
      partNorm[i] += partNorm[i + s];
    }
    workgroupBarrier();
  }
  if (i == 0u) {
    stats[0] = partLoss[0];
    stats[1] = partNorm[0];
  }
}
`;

/** One invocation per parameter; reads the clipping scale from stats[1]. */
export const UPDATE_WGSL = `// parameter update: SGD with momentum, Adam or AdamW, after global-norm clipping
${HYPER}
@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> moments: array<f32>; // m[0..N), v[N..2N)
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<uniform> hyper: Hyper;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * 65535u * 256u;
  if (i >= hyper.N) { return; }
  let norm = sqrt(stats[1]);
  var scale = 1.0;
  if (hyper.clip > 0.0 && norm > hyper.clip) { scale = hyper.clip / norm; }
  var g = grads[i] * scale;
  var p = params[i];
  if (hyper.kind == 0u) {
    g += hyper.weightDecay * p;
    let m = hyper.momentum * moments[i] + g;
    moments[i] = m;
    p -= hyper.lr * m;
  } else {
    if (hyper.kind == 1u) { g += hyper.weightDecay * p; }
    let m = hyper.beta1 * moments[i] + (1.0 - hyper.beta1) * g;
    let v = hyper.beta2 * moments[hyper.N + i] + (1.0 - hyper.beta2) * g * g;
    moments[i] = m;
    moments[hyper.N + i] = v;
    p -= hyper.lr * (m / hyper.bc1) / (sqrt(v / hyper.bc2) + hyper.eps);
    if (hyper.kind == 2u) { p -= hyper.lr * hyper.weightDecay * params[i]; }
  }
  params[i] = p;
}
`;
