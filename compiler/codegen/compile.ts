// compile(): a checked cell and concrete sizes → the artifact (plain data).
//
//   step IR ──autodiff──▶ backward step IR
//   both ──stepFunction──▶ leaves/results bound to tensors
//   ──scheduleStep──▶ regions, materialised values, kernels, GEMMs
//   ──layout──▶ arenas and offsets (linear in B and T)
//   ──renderFusedKernel / GEMM descriptors──▶ artifact
//
// Sizes are fixed at compile time (the WGSL has them as literals); B and T are
// read from a uniform record by every kernel (see wgslDims.ts).

import { evalShape } from '../ir/dims.js';
import type { Graph } from '../ir/graph.js';
import { describeNode } from '../ir/print.js';
import { scheduleStep, type GemmStage, type Schedule, type Stage, type Store } from '../schedule/schedule.js';
import { backwardStepFunction, forwardStepFunction, resolveAliases, tensorNames, type StepFunction } from '../schedule/stepFunction.js';
import { buildBackward } from '../autodiff/backward.js';
import { assert } from '../util/assert.js';
import { ARTIFACT_FORMAT, type Artifact, type ArtifactGemm, type ArtifactKernel, type PassPlan, type PlanStep, type TensorRef } from './artifact.js';
import { renderFusedKernel } from './fusedKernel.js';
import { LayoutBuilder, type Layout } from './layout.js';
import { renderColsumKernel } from './colsumKernel.js';
import { renderGradKernel, type GradKernelTerm } from './gradKernel.js';

export interface CompileOptions {
  /** Threads per workgroup of the fused kernels (x dimension). */
  readonly workgroupSize?: number;
  /** Compute ∂L/∂x_t (default true); training turns it off. */
  readonly inputGradients?: boolean;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export function compileGraph(g: Graph, sizes: Readonly<Record<string, number>>, options: CompileOptions = {}): Artifact {
  const wg = options.workgroupSize ?? 64;
  const bstep = buildBackward(g);
  const fwdFn = forwardStepFunction(g, bstep.saved);
  const shapeIn = (fn: StepFunction) => (id: number) => evalShape(fn.nodes[id].type.shape, sizes);
  const fwd = scheduleStep(fwdFn, { tag: 'f', numel: (id) => numel(shapeIn(fwdFn)(id)) });
  const bwdFn = resolveAliases(backwardStepFunction(bstep, { inputGradients: options.inputGradients }), fwd.aliases);
  const bwd = scheduleStep(bwdFn, { tag: 'b', numel: (id) => numel(shapeIn(bwdFn)(id)) });

  // Layout.
  const L = new LayoutBuilder();
  const paramShape = new Map(g.params.map((p) => [p.name, evalShape(g.nodes[p.node].type.shape, sizes)]));
  const grouped = fwd.paramGroups.flat();
  const paramOrder = [...grouped, ...g.params.map((p) => p.name).filter((n) => !grouped.includes(n))];
  for (const p of paramOrder) L.add(tensorNames.param(p), 'params', 'const', numel(paramShape.get(p)!));
  for (const p of paramOrder) L.add(tensorNames.grad(p), 'grads', 'const', numel(paramShape.get(p)!));
  const width = (fn: StepFunction, id: number) => numel(shapeIn(fn)(id));
  for (const x of g.inputs) L.add(tensorNames.input(x.name), 'tape', 'seq', width(fwdFn, x.node));
  for (const s of g.states) L.add(tensorNames.state(s.name), 'tape', 'seq', width(fwdFn, s.node), 'T+1');
  for (const o of g.outputs) if (!fwd.aliases.has(tensorNames.output(o.name))) L.add(tensorNames.output(o.name), 'tape', 'seq', width(fwdFn, o.node));
  for (const id of bstep.saved) if (!fwd.aliases.has(tensorNames.saved(id))) L.add(tensorNames.saved(id), 'tape', 'seq', width(fwdFn, id));
  const addTemps = (s: Schedule, seqArena: 'tape' | 'btape') => {
    for (const [name, t] of s.temporaries) L.add(name, name.startsWith('t:') ? `gemm:${name.slice(2)}` : t.kind === 'seq' ? seqArena : 'work', t.kind, t.width);
  };
  addTemps(fwd, 'tape');
  for (const s of g.states) L.add(tensorNames.dstate(s.name), 'btape', 'seq', width(fwdFn, s.node), 'T+1');
  for (const o of g.outputs) L.add(tensorNames.doutput(o.name), 'btape', 'seq', width(fwdFn, o.node));
  for (const x of g.inputs) if (options.inputGradients !== false && g.nodes[x.node].type.dtype === 'f32' && !bwd.aliases.has(tensorNames.dinput(x.name))) L.add(tensorNames.dinput(x.name), 'btape', 'seq', width(fwdFn, x.node));
  addTemps(bwd, 'btape');
  const layout = L.finish();

  const kernels: ArtifactKernel[] = [];
  const describe = (fn: StepFunction) => (id: number) => describeNode(fn.nodes, id, fn.origins);
  const planOf = (s: Schedule, fn: StepFunction): PassPlan => {
    const steps = (stages: readonly Stage[]): PlanStep[] =>
      stages.map((st) => {
        if (st.kind === 'gemm') return { kind: 'gemm', gemm: gemmOf(st, s, fn, layout, sizes) };
        const k = renderFusedKernel({ schedule: s, layout, stage: st, shape: shapeIn(fn), describe: describe(fn), workgroupSize: wg, sizes });
        kernels.push(k);
        return { kind: 'kernel', kernel: k.name };
      });
    return { prelude: steps(s.stages.const), before: steps(s.stages.pre), step: steps(s.stages.loop), after: steps(s.stages.post) };
  };
  const forward = planOf(fwd, fwdFn);
  const backwardPlan = planOf(bwd, bwdFn);

  // Parameter gradients after the loop, over all T·B rows: tiled GEMMs for
  // large matrices, one per-element kernel for everything else.
  const grads: PlanStep[] = [];
  const small: GradKernelTerm[] = [];
  const bigParams = new Set(
    bwd.gradTerms.filter((t) => t.kind === 'outer' && paramShape.get(t.param)!.length === 2 && paramShape.get(t.param)![0] >= 64 && paramShape.get(t.param)![1] >= 64).map((t) => t.param),
  );
  for (const [i, term] of bwd.gradTerms.entries()) {
    const shape = paramShape.get(term.param)!;
    if (bigParams.has(term.param) && term.kind === 'outer') {
      const a = refOf(bwd, term.a);
      const b = refOf(bwd, term.b);
      grads.push({
        kind: 'gemm',
        gemm: {
          name: `grad${i}_${term.param}`,
          A: a, B: b, C: { tensor: tensorNames.grad(term.param), shift: 0, col: 0 },
          lda: tensorWidth(layout, a.tensor), ldb: tensorWidth(layout, b.tensor), ldc: shape[1],
          M: shape[0], N: shape[1], K: 'TB',
          transA: true, transB: false, accumulate: true,
          summary: `∂${term.param} += Σ_rows outer(${operand(bwdFn, term.a)}, ${operand(bwdFn, term.b)})`,
        },
      });
    } else if (bigParams.has(term.param)) {
      const k = renderColsumKernel({ name: `grad${i}_colsum`, source: refOf(bwd, term.a), target: { tensor: tensorNames.grad(term.param), shift: 0, col: 0 }, width: numel(shape), layout, workgroupSize: wg, param: term.param });
      kernels.push(k);
      grads.push({ kind: 'kernel', kernel: k.name });
    } else if (term.kind === 'outer') {
      small.push({ param: term.param, shape: [shape[0], shape.length === 2 ? shape[1] : 1], a: refOf(bwd, term.a), b: refOf(bwd, term.b) });
    } else {
      small.push({ param: term.param, shape: [numel(shape)], a: refOf(bwd, term.a) });
    }
  }
  if (small.length) {
    const k = renderGradKernel('grads_small', small, layout, wg);
    kernels.push(k);
    grads.unshift({ kind: 'kernel', kernel: k.name });
  }

  const refOfResult = (tensor: string): TensorRef => {
    const a = fwd.aliases.get(tensor) ?? bwd.aliases.get(tensor);
    return a ? { tensor: a.tensor, shift: a.shift, col: a.col } : { tensor, shift: 0, col: 0 };
  };
  return {
    format: ARTIFACT_FORMAT,
    cell: g.name,
    ...(g.reverse ? { reverse: true } : {}),
    sizes: { ...sizes },
    params: paramOrder.map((name) => ({ name, shape: paramShape.get(name)!, init: g.params.find((p) => p.name === name)!.init, tensor: tensorNames.param(name) })),
    states: g.states.map((s) => ({ name: s.name, shape: evalShape(g.nodes[s.node].type.shape, sizes), init: s.init, tensor: tensorNames.state(s.name), dtensor: tensorNames.dstate(s.name) })),
    inputs: g.inputs.map((x) => {
      const n = g.nodes[x.node];
      const f32 = n.type.dtype === 'f32';
      const grad = f32 && options.inputGradients !== false;
      return { name: x.name, shape: evalShape(n.type.shape, sizes), dtype: f32 ? ('f32' as const) : ('i32' as const), tensor: tensorNames.input(x.name), ...(grad ? { dtensor: tensorNames.dinput(x.name) } : {}) };
    }),
    outputs: g.outputs.map((o) => {
      const at = refOfResult(tensorNames.output(o.name));
      return { name: o.name, shape: evalShape(g.nodes[o.node].type.shape, sizes), at, width: tensorWidth(layout, at.tensor), dtensor: tensorNames.doutput(o.name) };
    }),
    tensors: [...layout.tensors.values()].map(({ symbol: _s, ...t }) => t),
    arenas: layout.arenaSize,
    aliases: Object.fromEntries([...fwd.aliases, ...bwd.aliases].map(([k, v]) => [k, { tensor: v.tensor, shift: v.shift, col: v.col }])),
    kernels,
    forward,
    backward: { ...backwardPlan, grads },
  };
}

/** A node by its source name (`∂f`), or `%12` when it has none. */
const operand = (fn: StepFunction, id: number): string => fn.origins.get(id)?.name ?? `%${id}`;

function tensorWidth(layout: Layout, tensor: string): number {
  const t = layout.tensors.get(tensor);
  assert(t, `no tensor ${tensor}`);
  return t.width;
}

function refOf(s: Schedule, id: number): TensorRef {
  const st: Store | undefined = s.stores.get(id)?.[0];
  assert(st, `value %${id} is not in memory`);
  return { tensor: st.tensor, shift: st.shift, col: st.col };
}

function gemmOf(st: GemmStage, s: Schedule, fn: StepFunction, layout: Layout, sizes: Readonly<Record<string, number>>): ArtifactGemm {
  const nodes = fn.nodes;
  const first = nodes[st.matmuls[0]];
  const weight = st.weightLeft ? first.args[0] : first.args[1];
  const A = refOf(s, st.vector);
  const Bref = refOf(s, weight);
  const Cref = refOf(s, st.matmuls[0]);
  const K = numel(evalShape(nodes[st.vector].type.shape, sizes));
  const N = st.matmuls.reduce((sum, id) => sum + numel(evalShape(nodes[id].type.shape, sizes)), 0);
  return {
    name: st.name,
    A, B: Bref, C: { ...Cref, col: 0 },
    lda: tensorWidth(layout, A.tensor),
    ldb: st.weightLeft ? K : N,
    ldc: tensorWidth(layout, Cref.tensor),
    M: 'TB', N, K,
    transA: false, transB: st.weightLeft, accumulate: false,
    summary: st.matmuls.map((id) => describeNode(nodes, id, fn.origins)).join('; '),
  };
}
