// Reading an artifact back as text, for people: the WGSL listing of
// `cellc emit`, the schedule of `cellc plan`, dispatch counts and sizes, and the
// FLOP estimate of `cellc bench`. Pure: plain data in, strings and numbers out
// (no WebGPU, no runtime).
//
// Dispatch sizes. A fused kernel runs ceil(elements / workgroupSize) ×
// ceil(rows / rowsPerThread) workgroups, rows being B (per-step kernels), T·B
// (kernels before / after the loop) or 1 (parameter-only kernels and column
// sums). A GEMM runs ceil(N / tileN) × ceil(M / tileM) workgroups; the tiling
// is chosen by the runtime from the device's limits (chooseGemmTiling), so the
// plan shows the one WebGPU's default limits give (64 × 64 tiles, also the one
// lavapipe and discrete GPUs get).

import { evalShape } from '../ir/dims.js';
import type { Graph } from '../ir/graph.js';
import type { Artifact, ArtifactGemm, ArtifactKernel, PassPlan, PlanStep } from './artifact.js';
import { chooseGemmTiling, type GemmTiling } from './gemm.js';
import type { KernelLimits } from './kernel.js';

/** WebGPU's default limits (what every adapter supports). */
export const DEFAULT_KERNEL_LIMITS: KernelLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
};

/** The GEMM tiling the runtime picks on a device with WebGPU's default limits. */
export const defaultGemmTiling = (): GemmTiling => chooseGemmTiling(DEFAULT_KERNEL_LIMITS);

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
  readonly step: PlanStep;
}

/** Every kernel and GEMM of the artifact, in execution order, with where it runs. */
export function placedSteps(a: Artifact): PlacedStep[] {
  const out: PlacedStep[] = [];
  const add = (pass: 'forward' | 'backward', p: PassPlan & { grads?: readonly PlanStep[] }) => {
    for (const stage of STAGES) for (const step of (stage === 'grads' ? p.grads : p[stage]) ?? []) out.push({ pass, stage, step });
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

/** One dispatch per kernel or GEMM (a GEMM is one tiled dispatch over all its rows). */
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
  /** Workgroups along x and y for the given B and T. */
  readonly x: number;
  readonly y: number;
}

/** `H` when exactly one size symbol has this value, else the number. */
function sizeName(n: number, sizes: Readonly<Record<string, number>>): string {
  const names = Object.entries(sizes).filter(([, v]) => v === n).map(([k]) => k);
  return names.length === 1 ? names[0] : String(n);
}

const rowsText = (r: 'B' | 'TB' | '1' | number) => (r === 'TB' ? 'T·B' : String(r));
const rowsValue = (r: 'B' | 'TB' | '1', B: number, T: number) => (r === 'B' ? B : r === 'TB' ? T * B : 1);

export function kernelDispatchSize(k: ArtifactKernel, sizes: Readonly<Record<string, number>>, B: number, T: number): DispatchSize {
  const d = k.dispatch;
  const x = Math.ceil(d.elements / d.workgroupSize);
  const y = Math.ceil(rowsValue(d.rows, B, T) / d.rowsPerThread);
  const fx = `ceil(${sizeName(d.elements, sizes)}/${d.workgroupSize})`;
  const fy = d.rows === '1' ? '1' : d.rowsPerThread === 1 ? rowsText(d.rows) : `ceil(${rowsText(d.rows)}/${d.rowsPerThread})`;
  return { formula: `${fx} × ${fy}`, x, y };
}

export function gemmDispatchSizeOf(g: ArtifactGemm, tiling: GemmTiling, sizes: Readonly<Record<string, number>>, B: number, T: number): DispatchSize {
  const M = g.M === 'TB' ? T * B : g.M;
  const dimText = (d: number | 'TB') => (d === 'TB' ? 'T·B' : sizeName(d, sizes));
  return {
    formula: `ceil(${dimText(g.N)}/${tiling.tileN}) × ceil(${dimText(g.M)}/${tiling.tileM})`,
    x: Math.ceil(g.N / tiling.tileN),
    y: Math.ceil(M / tiling.tileM),
  };
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

function describeGemm(g: ArtifactGemm): string {
  const dim = (d: number | 'TB') => (d === 'TB' ? 'T·B' : String(d));
  const opA = g.transA ? 'Aᵀ' : 'A';
  const opB = g.transB ? 'Bᵀ' : 'B';
  return `C[${dim(g.M)}×${g.N}] ${g.accumulate ? '+=' : '='} ${opA}·${opB} (K = ${dim(g.K)})`;
}

/**
 * The `cellc emit --target wgsl` listing: every fused kernel's WGSL after a
 * header line saying where it runs and how it is dispatched, then the GEMM
 * descriptors as WGSL comments (GEMMs run the runtime's tiled GEMM kernel,
 * compiler/codegen/gemm.ts, with these sizes, offsets and strides).
 */
export function wgslListing(a: Artifact): string {
  const where = new Map<string, PlacedStep>();
  const placed = placedSteps(a);
  for (const p of placed) if (p.step.kind === 'kernel') where.set(p.step.kernel, p);
  const out: string[] = [`// cellc: ${a.cell} (sizes ${sizeList(a.sizes)}); ${a.kernels.length} WGSL kernel(s), ${placed.filter((p) => p.step.kind === 'gemm').length} GEMM(s)`, ''];
  for (const k of a.kernels) {
    const p = where.get(k.name);
    const stage = p ? `${p.pass}, ${STAGE_TITLE[p.pass][p.stage]}` : 'not scheduled';
    const d = k.dispatch;
    const fy = d.rows === '1' ? '1' : `ceil(${rowsText(d.rows)}/${d.rowsPerThread})`;
    out.push(`// ===== kernel ${k.name} — ${stage}; workgroups ceil(${d.elements}/${d.workgroupSize}) × ${fy}; bindings: ${k.arenas.map((x) => (k.readOnly.includes(x) ? `${x} (read)` : x)).join(', ')}${k.usesStep ? ', step' : ''}`);
    out.push(k.wgsl.trimEnd(), '');
  }
  const gemms = placed.filter((p): p is PlacedStep & { step: { kind: 'gemm'; gemm: ArtifactGemm } } => p.step.kind === 'gemm');
  if (gemms.length) {
    out.push('// ===== GEMM descriptors (run by the tiled GEMM kernel of compiler/codegen/gemm.ts; T·B rows are sized at run time)');
    for (const { pass, stage, step } of gemms) {
      const g = step.gemm;
      const ref = (r: { tensor: string; shift: number; col: number }, ld: number) => `${r.tensor}${r.shift ? ' (shifted one step)' : ''}${r.col ? ` from column ${r.col}` : ''}, ld ${ld}`;
      out.push(`// gemm ${g.name} — ${pass}, ${STAGE_TITLE[pass][stage]}`);
      out.push(`//   ${describeGemm(g)}`);
      out.push(`//   A = ${ref(g.A, g.lda)}; B = ${ref(g.B, g.ldb)}; C = ${ref(g.C, g.ldc)}`);
      out.push(`//   computes: ${g.summary}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export interface PlanOptions {
  readonly B: number;
  readonly T: number;
  readonly tiling?: GemmTiling;
}

/** The `cellc plan` report: stages, kernels and GEMMs with what they fuse, dispatch sizes and counts. */
export function formatPlan(a: Artifact, o: PlanOptions): string {
  const { B, T } = o;
  const tiling = o.tiling ?? defaultGemmTiling();
  const kernels = new Map(a.kernels.map((k) => [k.name, k]));
  const lines: string[] = [];
  lines.push(`plan ${a.cell}: sizes ${sizeList(a.sizes)}; dispatch sizes for B=${B}, T=${T}`);
  const wgs = [...new Set(a.kernels.map((k) => k.dispatch.workgroupSize))].join('/');
  lines.push(`  fused kernels: ${wgs || 64} threads per workgroup, one element per thread, 4 rows per thread (1 in parameter-only kernels); GEMMs: ${tiling.tileM}×${tiling.tileN} tiles`);
  const item = (step: PlanStep) => {
    if (step.kind === 'kernel') {
      const k = kernels.get(step.kernel)!;
      const d = kernelDispatchSize(k, a.sizes, B, T);
      lines.push(`    kernel ${k.name}  workgroups ${d.formula} = ${d.x} × ${d.y}`);
      lines.push(`      fuses: ${k.summary}`);
    } else {
      const g = step.gemm;
      const d = gemmDispatchSizeOf(g, tiling, a.sizes, B, T);
      lines.push(`    gemm   ${g.name}  ${describeGemm(g)}  workgroups ${d.formula} = ${d.x} × ${d.y}`);
      lines.push(`      fuses: ${g.summary}`);
    }
  };
  for (const pass of ['forward', 'backward'] as const) {
    const p: PassPlan & { grads?: readonly PlanStep[] } = a[pass];
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
