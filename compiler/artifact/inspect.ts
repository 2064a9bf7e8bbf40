// Reading an artifact back as text, for people: the WGSL listing of
// `cellc emit`, the schedule of `cellc plan`, dispatch counts, and the FLOP
// estimate of `cellc bench`. Pure: plain data in, strings and numbers out
// (no WebGPU, no runtime). Dispatch sizes come from each kernel record's
// formula (kernel.ts `evalDispatch`), the same function the runtime uses.

import { evalShape } from '../ir/dims.js';
import type { Graph } from '../ir/graph.js';
import type { Artifact, PassPlan } from './artifact.js';
import { formatFindings } from '../analysis/findings.js';
import { describeBindings, dispatchText, evalDispatch, type KernelRecord } from './kernel.js';

export type StageName = 'prelude' | 'before' | 'step' | 'after' | 'grads';
export const STAGES: readonly StageName[] = ['prelude', 'before', 'step', 'after', 'grads'];

export const STAGE_TITLE: Readonly<Record<'forward' | 'backward', Readonly<Record<StageName, string>>>> = {
  forward: {
    prelude: 'prelude (once per call: parameter-only values)',
    before: 'before the loop (once, over all T·B rows)',
    step: 'per step (T times, t = 0 … T−1)',
    after: 'after the loop (once, over all T·B rows)',
    grads: '',
  },
  backward: {
    prelude: 'prelude (once per call: parameter-only values)',
    before: 'before the loop (once, over all T·B rows)',
    step: 'per step (T times, in reverse: t = T−1 … 0)',
    after: 'after the loop (once, over all T·B rows)',
    grads: 'parameter gradients (once, after the loop, into cleared gradients)',
  },
};

export interface PlacedStep {
  readonly pass: 'forward' | 'backward';
  readonly stage: StageName;
  readonly kernel: KernelRecord;
}

/** Every kernel dispatch of the forward and backward passes, in execution order, with where it runs. */
export function placedSteps(a: Artifact): PlacedStep[] {
  const byName = new Map(a.kernels.map((k) => [k.name, k]));
  const out: PlacedStep[] = [];
  const add = (pass: 'forward' | 'backward', p: PassPlan & { grads?: readonly string[] }) => {
    for (const stage of STAGES) for (const name of (stage === 'grads' ? p.grads : p[stage]) ?? []) out.push({ pass, stage, kernel: byName.get(name)! });
  };
  add('forward', a.forward);
  add('backward', a.backward);
  return out;
}

// ---- dispatch counts ------------------------------------------------------

export interface DispatchCounts {
  /** Dispatches per time step. */
  readonly forwardPerStep: number;
  /** Dispatches once per forward call (prelude, before and after the loop). */
  readonly forwardOnce: number;
  readonly backwardPerStep: number;
  /** Once per backward call: prelude, before and after the loop, parameter gradients. */
  readonly backwardOnce: number;
}

/** One dispatch per kernel of a plan (a GEMM is one tiled dispatch over all its rows); the runtime reports these. */
export function dispatchCounts(a: Artifact): DispatchCounts {
  const f = a.forward;
  const b = a.backward;
  return {
    forwardPerStep: f.step.length,
    forwardOnce: f.prelude.length + f.before.length + f.after.length,
    backwardPerStep: b.step.length,
    backwardOnce: b.prelude.length + b.before.length + b.after.length + b.grads.length,
  };
}

/** Dispatches of one forward call and of one forward + backward call over T steps. */
export function dispatchTotals(a: Artifact, T: number): { forward: number; backward: number; forwardBackward: number } {
  const c = dispatchCounts(a);
  const forward = c.forwardOnce + T * c.forwardPerStep;
  const backward = c.backwardOnce + T * c.backwardPerStep;
  return { forward, backward, forwardBackward: forward + backward };
}

// ---- dispatch sizes -------------------------------------------------------

export interface DispatchSize {
  /** e.g. "ceil(H/64) × ceil(B/4)". */
  readonly formula: string;
  /** Workgroups along x, y and z for the given B and T. */
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

export function kernelDispatchSize(k: KernelRecord, B: number, T: number): DispatchSize {
  const [x, y, z] = evalDispatch(k.dispatch, B, T);
  return { formula: dispatchText(k.dispatch), x, y, z };
}

// ---- FLOPs ----------------------------------------------------------------

export interface FlopEstimate {
  /** FLOPs per row (example and step) of the forward matrix products. */
  readonly perRowForward: number;
  /** FLOPs per call of products of parameters only (not batched). */
  readonly perCallForward: number;
  readonly forward: number;
  /** Backward = 2 × forward: each product W·v has two of the same size, ∂v = Wᵀ·g and ∂W += g ⊗ v. */
  readonly backward: number;
  readonly forwardBackward: number;
}

/**
 * FLOPs of the matrix products of one forward call over B·T rows, counted from
 * the step IR: a product of an [M, K] and a [K, N] operand is 2·M·N·K, i.e.
 * 2·K per output element (a matrix-vector product W[M,K]·v is 2·M·K per row).
 * Elementwise math (gates, nonlinearities) is not counted. The backward pass
 * is counted as twice the forward (see FlopEstimate.backward).
 */
export function estimateFlops(g: Graph, sizes: Readonly<Record<string, number>>, B: number, T: number): FlopEstimate {
  let perRow = 0;
  let perCall = 0;
  for (const n of g.nodes) {
    if (n.op !== 'matmul') continue;
    const out = evalShape(n.type.shape, sizes).reduce((p, d) => p * d, 1);
    const a = evalShape(g.nodes[n.args[0]].type.shape, sizes);
    const K = a[a.length - 1];
    if (n.type.batched) perRow += 2 * out * K;
    else perCall += 2 * out * K;
  }
  const forward = perRow * B * T + perCall;
  return { perRowForward: perRow, perCallForward: perCall, forward, backward: 2 * forward, forwardBackward: 3 * forward };
}

// ---- text -----------------------------------------------------------------

const sizeList = (s: Readonly<Record<string, number>>) => Object.entries(s).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';

/**
 * The `cellc emit --target wgsl` listing: every kernel that runs — fused step
 * kernels, GEMMs, gradient sums and, for a training artifact, the optimizer —
 * after a header saying where it runs, how it is dispatched and what it binds.
 */
export function wgslListing(a: Artifact): string {
  const where = new Map<string, PlacedStep>();
  for (const p of placedSteps(a)) if (!where.has(p.kernel.name)) where.set(p.kernel.name, p);
  const t = a.target;
  const out: string[] = [
    `// cellc: ${a.cell} (sizes ${sizeList(a.sizes)}); ${a.kernels.length} kernel(s); specialised for ${t.software ? 'a software adapter' : 'an adapter'} with maxComputeWorkgroupStorageSize ${t.limits.maxComputeWorkgroupStorageSize}, maxComputeInvocationsPerWorkgroup ${t.limits.maxComputeInvocationsPerWorkgroup}`,
    '',
  ];
  const shown = new Map<string, string>();
  for (const k of a.kernels) {
    const p = where.get(k.name);
    const stage = p ? `${p.pass}, ${STAGE_TITLE[p.pass][p.stage]}` : a.training && (k.name === a.training.stats || k.name === a.training.update) ? 'training, after the backward pass' : 'not scheduled';
    out.push(`// ===== kernel ${k.name} (${k.role}) — ${stage}; workgroup ${k.workgroupSize.join('×')}; workgroups ${dispatchText(k.dispatch)}`);
    out.push(`//   computes: ${k.summary}`);
    for (const b of describeBindings(k)) out.push(`//   ${b}`);
    // kernels with the same WGSL (GEMMs of one shape) run one compiled pipeline: the text is shown once
    const same = shown.get(k.wgsl);
    if (same) out.push(`//   WGSL: the same as kernel ${same}`, '');
    else {
      shown.set(k.wgsl, k.name);
      out.push(k.wgsl.trimEnd(), '');
    }
  }
  return out.join('\n');
}

export interface PlanOptions {
  readonly B: number;
  readonly T: number;
}

/** The `cellc plan` report: stages and kernels with what they fuse, dispatch sizes and counts. */
export function formatPlan(a: Artifact, o: PlanOptions): string {
  const { B, T } = o;
  const kernels = new Map(a.kernels.map((k) => [k.name, k]));
  const lines: string[] = [];
  lines.push(`plan ${a.cell}: sizes ${sizeList(a.sizes)}; dispatch sizes for B=${B}, T=${T}`);
  const fused = a.kernels.filter((k) => k.role === 'fused');
  const wgs = [...new Set(fused.map((k) => k.workgroupSize[0]))].join('/');
  const gemm = a.kernels.find((k) => k.role === 'gemm');
  lines.push(`  fused kernels: ${wgs || 64} threads per workgroup, one element per thread, 4 rows per thread (1 in parameter-only kernels)${gemm ? `; GEMMs: ${gemm.dispatch.per[1]}×${gemm.dispatch.per[0]} tiles` : ''}`);
  if (a.schedule) lines.push('', ...formatFindings(a.schedule));
  const item = (name: string) => {
    const k = kernels.get(name)!;
    const d = kernelDispatchSize(k, B, T);
    lines.push(`    ${k.role === 'gemm' ? 'gemm  ' : 'kernel'} ${k.name}  workgroups ${d.formula} = ${d.x} × ${d.y}${d.z === 1 ? '' : ` × ${d.z}`}`);
    lines.push(`      fuses: ${k.summary}`);
  };
  for (const pass of ['forward', 'backward'] as const) {
    const p: PassPlan & { grads?: readonly string[] } = a[pass];
    lines.push('', pass);
    for (const stage of STAGES) {
      const steps = (stage === 'grads' ? p.grads : p[stage]) ?? [];
      if (!steps.length) continue;
      lines.push(`  ${STAGE_TITLE[pass][stage]}: ${steps.length} dispatch${steps.length === 1 ? '' : 'es'}`);
      steps.forEach(item);
    }
  }
  const c = dispatchCounts(a);
  const t = dispatchTotals(a, T);
  const w = Math.max(String(t.forwardBackward).length, 5);
  const row = (name: string, perStep: number, once: number, total: number) => `  ${name.padEnd(18)}${String(perStep).padStart(8)}${String(once).padStart(6)}${String(total).padStart(w + 10)}`;
  lines.push('', 'dispatches', `  ${''.padEnd(18)}${'per step'.padStart(8)}${'once'.padStart(6)}${`total (T=${T})`.padStart(w + 10)}`);
  lines.push(row('forward', c.forwardPerStep, c.forwardOnce, t.forward));
  lines.push(row('backward', c.backwardPerStep, c.backwardOnce, t.backward));
  lines.push(row('forward+backward', c.forwardPerStep + c.backwardPerStep, c.forwardOnce + c.backwardOnce, t.forwardBackward));
  return lines.join('\n') + '\n';
}
