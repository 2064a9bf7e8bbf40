// WGSL of the training kernels that are the same for every model: the
// reduction of the loss and of the squared gradient norm (for clipping), and
// the parameter update (SGD with momentum, Adam, AdamW). Pure text.
//
// Both run once per training step after the backward pass, in the same
// command buffer; only `stats` (loss, ‖g‖²) is read back. An artifact with a
// trial axis gets the per-trial versions: one reduction and one update per
// trial (workgroup z), each with the trial's own hyper-parameters, sharing
// the WGSL of the reduction and of the update rule with the one-run kernels.

import { FOLD_WORKGROUPS, type BoundBinding, type KernelRecord, type UniformField } from '../../artifact/kernel.js';
import { addressParts, lin, type Lin, type TensorLayout, type TensorRef } from '../../artifact/layout.js';

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
 * With `trialAxis` (the size of the loss's arena, the distance between the
 * trials' copies of it), the per-trial kernels: the runtime dispatches z =
 * trials of each and packs one Hyper per trial into the host buffer 'trials'.
 */
export function optimizerKernels(paramCount: number, loss: TensorLayout, at: TensorRef, trialAxis?: Lin): { stats: KernelRecord; update: KernelRecord } {
  const b = (binding: number, name: string, kind: BoundBinding['kind'], role: string, resource: BoundBinding['resource']): BoundBinding => ({ group: 0, binding, name, kind, role, resource });
  const fields = hyperFields(paramCount, loss, at);
  const per = trialAxis ? ' per trial' : '';
  const hyper: BoundBinding['resource'] = trialAxis
    ? { kind: 'host', name: 'trials', bytes: TRAIN_HYPER_BYTES, fields: [...fields, { name: 'lossStep', type: 'u32', value: trialAxis }] }
    : { kind: 'host', name: 'hyper', bytes: TRAIN_HYPER_BYTES, fields };
  const hyperBinding = (binding: number) => b(binding, trialAxis ? 'trials' : 'hyper', trialAxis ? 'read-only-storage' : 'uniform', `hyper-parameters${per}`, hyper);
  const statsBuffer: BoundBinding['resource'] = { kind: 'host', name: 'stats', bytes: trialAxis ? 8 : 16 };
  const stats: KernelRecord = {
    name: 'train_stats',
    role: 'optimizer',
    wgsl: trialAxis ? TRIAL_STATS_WGSL : STATS_WGSL,
    entryPoint: 'main',
    workgroupSize: [256, 1, 1],
    workgroupStorageBytes: 2 * 256 * 4,
    bindings: [
      b(0, 'grads', 'read-only-storage', 'parameter gradients', { kind: 'arena', arena: 'grads' }),
      b(1, 'loss', 'read-only-storage', 'per-step losses', { kind: 'arena', arena: loss.arena }),
      b(2, 'stats', 'storage', `Σ loss, ‖g‖²${per}`, statsBuffer),
      hyperBinding(3),
    ],
    dispatch: { threads: [lin(1), lin(1), lin(1)], per: [1, 1, 1] },
    summary: trialAxis ? 'per trial: Σ loss over T·B rows and the squared gradient norm, as a run alone reduces them' : 'Σ loss over T·B rows and the squared global gradient norm',
  };
  const update: KernelRecord = {
    name: 'train_update',
    role: 'optimizer',
    wgsl: trialAxis ? TRIAL_UPDATE_WGSL : UPDATE_WGSL,
    entryPoint: 'main',
    workgroupSize: [256, 1, 1],
    workgroupStorageBytes: 0,
    bindings: [
      b(0, 'params', 'storage', 'parameters', { kind: 'arena', arena: 'params' }),
      b(1, 'grads', 'read-only-storage', 'gradients', { kind: 'arena', arena: 'grads' }),
      b(2, 'moments', 'storage', `optimizer moments m, v${per}`, { kind: 'host', name: 'moments', bytes: 8 * Math.max(1, paramCount) }),
      b(3, 'stats', 'read-only-storage', `Σ loss, ‖g‖²${per}`, statsBuffer),
      hyperBinding(4),
      ...(trialAxis ? [b(5, 'running', 'read-only-storage', 'which trials still train', { kind: 'host', name: 'running', bytes: 4 })] : []),
    ],
    dispatch: { threads: [lin(paramCount), lin(1), lin(1)], per: [256, 1, 1], fold: true },
    summary: `parameter update ${trialAxis ? 'of each trial after its own' : 'after'} global-norm clipping: SGD with momentum, Adam or AdamW`,
  };
  return { stats, update };
}

const HYPER = `struct Hyper {
  N: u32,            // parameter count (of one trial)
  count: u32,        // loss values (T·B)
  lossOffset: u32,   // first loss value in \`loss\`
  lossStride: u32,   // elements between consecutive loss values
  lr: f32, beta1: f32, beta2: f32, eps: f32,
  weightDecay: f32,  // AdamW: decoupled; SGD/Adam: added to the gradient
  bc1: f32, bc2: f32, // Adam bias corrections 1 − β^t
  clip: f32,         // max global gradient norm; 0 = no clipping
  momentum: f32,
  kind: u32,         // 0 SGD, 1 Adam, 2 AdamW
  lossStep: u32,     // trial axis: elements between the trials' copies of the loss arena
  pad: u32,          // to TRAIN_HYPER_BYTES, the stride of an array<Hyper>
}`;

/**
 * The reduction both stats kernels run, in one text so that a trial of a
 * trial-axis run sums its loss and squared gradients in exactly the order
 * (and with exactly the arithmetic) of the same trial run alone: invocation i
 * takes the elements i, i+256, …, then a tree over the 256 partial sums.
 */
function reduceWgsl(h: string, lossBase: string, grad: (k: string) => string, store: string): string {
  return `  var l = 0.0;
  for (var k = i; k < ${h}.count; k += 256u) { l += loss[${lossBase} + k * ${h}.lossStride]; }
  var g = 0.0;
  for (var k = i; k < ${h}.N; k += 256u) { let v = ${grad('k')}; g += v * v; }
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
    stats[${store}] = partLoss[0];
    stats[${store} + 1u] = partNorm[0];
  }`;
}

/**
 * The update of one parameter with the hyper-parameters `h` and the run's
 * ‖g‖² at stats[norm]: its value and gradient at [p], its moments m at
 * moments[m] and v at moments[v].
 */
function updateWgsl(h: string, norm: string, at: { p: string; m: string; v: string }): string {
  return `  let norm = sqrt(stats[${norm}]);
  var scale = 1.0;
  if (${h}.clip > 0.0 && norm > ${h}.clip) { scale = ${h}.clip / norm; }
  var g = grads[${at.p}] * scale;
  var p = params[${at.p}];
  if (${h}.kind == 0u) {
    g += ${h}.weightDecay * p;
    let m = ${h}.momentum * moments[${at.m}] + g;
    moments[${at.m}] = m;
    p -= ${h}.lr * m;
  } else {
    if (${h}.kind == 1u) { g += ${h}.weightDecay * p; }
    let m = ${h}.beta1 * moments[${at.m}] + (1.0 - ${h}.beta1) * g;
    let v = ${h}.beta2 * moments[${at.v}] + (1.0 - ${h}.beta2) * g * g;
    moments[${at.m}] = m;
    moments[${at.v}] = v;
    p -= ${h}.lr * (m / ${h}.bc1) / (sqrt(v / ${h}.bc2) + ${h}.eps);
    if (${h}.kind == 2u) { p -= ${h}.lr * ${h}.weightDecay * params[${at.p}]; }
  }
  params[${at.p}] = p;`;
}

const FOLDED_INDEX = `let i = gid.x + gid.y * ${FOLD_WORKGROUPS}u * 256u;`;

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
${reduceWgsl('hyper', 'hyper.lossOffset', (k) => `grads[${k}]`, '0u')}
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
  ${FOLDED_INDEX}
  if (i >= hyper.N) { return; }
${updateWgsl('hyper', '1u', { p: 'i', m: 'i', v: 'hyper.N + i' })}
}
`;

// ---- trial axis: each trial its own statistics, hyper-parameters and update ------------

/**
 * One workgroup per trial (workgroup z): its loss over its copy of the loss
 * arena and its squared gradient norm over its copy of the grads arena, with
 * the reduction of a run alone.
 */
export const TRIAL_STATS_WGSL = `// training statistics of trial z: its summed loss and squared gradient norm
${HYPER}
@group(0) @binding(0) var<storage, read> grads: array<f32>;
@group(0) @binding(1) var<storage, read> loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>; // trial k: Σ loss, ‖g‖² at 2k, 2k+1
@group(0) @binding(3) var<storage, read> trials: array<Hyper>;
var<workgroup> partLoss: array<f32, 256>;
var<workgroup> partNorm: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) i: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let trial = wg.z;
  let hyper = trials[trial];
  let base = trial * hyper.N;
  let lossBase = hyper.lossOffset + trial * hyper.lossStep;
${reduceWgsl('hyper', 'lossBase', (k) => `grads[base + ${k}]`, '2u * trial')}
}
`;

/** One invocation per parameter of trial z, with the trial's hyper-parameters and clipping scale; a stopped trial takes no update. */
export const TRIAL_UPDATE_WGSL = `// parameter update of trial z: SGD with momentum, Adam or AdamW, after its global-norm clipping
${HYPER}
@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> moments: array<f32>; // trial k: m at 2kN, v at (2k+1)N
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> trials: array<Hyper>;
@group(0) @binding(5) var<storage, read> running: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${FOLDED_INDEX}
  let trial = gid.z;
  let hyper = trials[trial];
  if (i >= hyper.N || running[trial] == 0u) { return; }
  let at = trial * hyper.N + i;
  let mAt = 2u * trial * hyper.N + i;
${updateWgsl('hyper', '2u * trial + 1u', { p: 'at', m: 'mAt', v: 'mAt + hyper.N' })}
}
`;
