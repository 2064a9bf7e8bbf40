// WGSL of the training kernels that are the same for every model: the
// reduction of the loss and of the squared gradient norm (for clipping), and
// the parameter update (SGD with momentum, Adam, AdamW). Pure text.
//
// Both run once per training step after the backward pass, in the same
// command buffer; only `stats` (loss, ‖g‖²) is read back.

import { FOLD_WORKGROUPS, type BoundBinding, type KernelRecord, type UniformField } from '../../artifact/kernel.js';
import { addressParts, lin, type TensorLayout, type TensorRef } from '../../artifact/layout.js';

export const TRAIN_HYPER_BYTES = 64;

/** The fields of the uniform \`Hyper\` (see the WGSL struct below); the loss placement is fixed per (B, T), the rest is set per step. */
function hyperFields(paramCount: number, loss: TensorLayout, at: TensorRef): UniformField[] {
  const perStep = (name: string, type: 'u32' | 'f32' = 'f32'): UniformField => ({ name, type });
  return [
    { name: 'N', type: 'u32', value: paramCount },
    { name: 'count', type: 'u32', value: lin(0, 0, 1) },
    { name: 'lossOffset', type: 'u32', value: addressParts(loss, at).base },
    { name: 'lossStride', type: 'u32', value: loss.width },
    ...['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'bc1', 'bc2', 'clip', 'momentum'].map((n) => perStep(n)),
    perStep('kind', 'u32'),
  ];
}

/**
 * The two training kernels as records: 'train_stats' (one workgroup: Σ loss
 * and ‖g‖² into the host buffer 'stats') and 'train_update' (one invocation
 * per parameter). Parameters and gradients are the first \`paramCount\`
 * elements of their arenas; the loss is the output tensor \`loss\` at \`at\`.
 */
export function optimizerKernels(paramCount: number, loss: TensorLayout, at: TensorRef): { stats: KernelRecord; update: KernelRecord } {
  const hyper: BoundBinding['resource'] = { kind: 'host', name: 'hyper', bytes: TRAIN_HYPER_BYTES, fields: hyperFields(paramCount, loss, at) };
  const b = (binding: number, name: string, kind: BoundBinding['kind'], role: string, resource: BoundBinding['resource']): BoundBinding => ({ group: 0, binding, name, kind, role, resource });
  const stats: KernelRecord = {
    name: 'train_stats',
    role: 'optimizer',
    wgsl: STATS_WGSL,
    entryPoint: 'main',
    workgroupSize: [256, 1, 1],
    workgroupStorageBytes: 2 * 256 * 4,
    bindings: [
      b(0, 'grads', 'read-only-storage', 'parameter gradients', { kind: 'arena', arena: 'grads' }),
      b(1, 'loss', 'read-only-storage', 'per-step losses', { kind: 'arena', arena: loss.arena }),
      b(2, 'stats', 'storage', 'Σ loss, ‖g‖²', { kind: 'host', name: 'stats', bytes: 16 }),
      b(3, 'hyper', 'uniform', 'hyper-parameters', hyper),
    ],
    dispatch: { threads: [lin(1), lin(1), lin(1)], per: [1, 1, 1] },
    summary: 'Σ loss over T·B rows and the squared global gradient norm',
  };
  const update: KernelRecord = {
    name: 'train_update',
    role: 'optimizer',
    wgsl: UPDATE_WGSL,
    entryPoint: 'main',
    workgroupSize: [256, 1, 1],
    workgroupStorageBytes: 0,
    bindings: [
      b(0, 'params', 'storage', 'parameters', { kind: 'arena', arena: 'params' }),
      b(1, 'grads', 'read-only-storage', 'gradients', { kind: 'arena', arena: 'grads' }),
      b(2, 'moments', 'storage', 'optimizer moments m, v', { kind: 'host', name: 'moments', bytes: 8 * Math.max(1, paramCount) }),
      b(3, 'stats', 'read-only-storage', 'Σ loss, ‖g‖²', { kind: 'host', name: 'stats', bytes: 16 }),
      b(4, 'hyper', 'uniform', 'hyper-parameters', hyper),
    ],
    dispatch: { threads: [lin(paramCount), lin(1), lin(1)], per: [256, 1, 1], fold: true },
    summary: 'parameter update after global-norm clipping: SGD with momentum, Adam or AdamW',
  };
  return { stats, update };
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
  let i = gid.x + gid.y * ${FOLD_WORKGROUPS}u * 256u;
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
