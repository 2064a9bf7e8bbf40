// What every WebGPU schedule shares when it turns scheduled step functions
// into an artifact: kernel records named once, the stages of a schedule as
// kernels of a pass plan, the parameter-gradient kernels after the loop, the
// optimizer of a training artifact, and the artifact's tables (parameters,
// states, inputs, outputs, tensors, aliases). perStep.ts and scan.ts differ
// only in which schedules they render into which stage of the plans.

import { evalShape } from '../../ir/dims.js';
import { describeNode } from '../../ir/print.js';
import { drawsMasks } from '../../ir/graph.js';
import type { GemmStage, Schedule, Stage, Store } from '../../schedule/schedule.js';
import { tensorNames, type StepFunction } from '../../schedule/stepFunction.js';
import { numel, shapeIn, type Lowered } from '../../schedule/cellSchedule.js';
import { assert } from '../../util/assert.js';
import { ARTIFACT_FORMAT, type Artifact, type ArtifactOutput, type PassPlan, type TrainingPlan } from '../../artifact/artifact.js';
import { renderFusedKernel, renderLaneKernel, renderRowKernel } from './fusedKernel.js';
import { evalLin, type Layout, type TensorId, type TensorRef } from '../../artifact/layout.js';
import { renderColsumKernel } from './colsumKernel.js';
import { renderGradKernel, type GradKernelTerm } from './gradKernel.js';
import { gemmRecord, type CellGemm } from './gemmRecord.js';
import type { KernelRecord } from '../../artifact/kernel.js';
import { optimizerKernels } from './optimizer.js';
import { PORTABLE_TARGET, type Target } from './target.js';
import { initialStateKernels } from './initialStateKernels.js';
import { bindInitializer } from '../../numeric/initializers.js';

/** Small parameters whose gradients one kernel sums (see grads()). */
export const GRAD_KERNEL_PARAMS = 32;

export interface GenerateOptions {
  /** Threads per workgroup of the fused kernels (x dimension). */
  readonly workgroupSize?: number;
  /** The device class to specialise for (GEMM tiling); default: WebGPU's default limits. */
  readonly target?: Target;
  /** Add the optimizer kernels (the graph must have an output named `loss`). */
  readonly training?: boolean;
  /**
   * A trial axis (many trials per dispatch): every kernel serves the trial
   * of its workgroup z, on that trial's copy of every arena (Layout.trialAxis);
   * a training artifact gets per-trial optimizer kernels. The runtime picks
   * the number of trials.
   */
  readonly trialAxis?: boolean;
}

/** The cell as the builder needs it: a lowered cell, its layout and parameter order. */
export interface CellLayout extends Lowered {
  readonly layout: Layout;
  readonly paramOrder: readonly string[];
  readonly paramShape: ReadonlyMap<string, readonly number[]>;
}

export class ArtifactBuilder {
  readonly kernels: KernelRecord[] = [];
  readonly wg: number;
  readonly target: Target;
  readonly layout: Layout;

  constructor(
    readonly cell: CellLayout,
    layout: Layout,
    readonly options: GenerateOptions,
  ) {
    this.wg = options.workgroupSize ?? 64;
    this.target = options.target ?? PORTABLE_TARGET;
    this.layout = options.trialAxis ? { ...layout, trialAxis: true } : layout;
  }

  /** Adds a kernel record (names are unique) and returns its name. */
  add(k: KernelRecord): string {
    assert(!this.kernels.some((x) => x.name === k.name), `two kernels named ${k.name}`);
    if (this.layout.trialAxis) {
      // workgroup z is the trial: a kernel must not use z for anything else
      assert(k.workgroupSize[2] === 1 && k.dispatch.threads[2].c === 1 && k.dispatch.threads[2].b === 0 && k.dispatch.threads[2].tb === 0, `kernel ${k.name} uses workgroup z; it cannot take a trial axis`);
      k = { ...k, dispatch: { ...k.dispatch, trials: true } };
    }
    this.kernels.push(k);
    return k.name;
  }

  /** The kernels of a list of stages of schedule `s`. */
  stages(s: Schedule, fn: StepFunction, stages: readonly Stage[]): string[] {
    const { layout, cell } = this;
    const shape = shapeIn(fn, cell.sizes);
    const describe = (id: number) => describeNode(fn.nodes, id, fn.origins);
    return stages.map((st) =>
      this.add(st.kind === 'gemm' ? gemmRecord(gemmOf(st, s, fn, layout, cell.sizes), layout, this.target) : renderFusedKernel({ schedule: s, layout, stage: st, shape, describe, workgroupSize: this.wg, sizes: cell.sizes })),
    );
  }

  /** A schedule's regions as the stages of a pass plan. */
  plan(s: Schedule, fn: StepFunction): PassPlan {
    return { prelude: this.stages(s, fn, s.stages.const), before: this.stages(s, fn, s.stages.pre), step: this.stages(s, fn, s.stages.loop), after: this.stages(s, fn, s.stages.post) };
  }

  /**
   * A pass plan whose loop stages are one row-owning kernel (fusedKernel.ts renderRowKernel): one
   * dispatch per step, or with `persistent` one dispatch for all T steps, after the hoisted stages.
   */
  rowPlan(s: Schedule, fn: StepFunction, persistent?: { readonly reverse: boolean }): PassPlan;
  /** `lanesOnly`: the persistent plan only where its loop is a lane kernel (or there is no loop), else undefined. */
  rowPlan(s: Schedule, fn: StepFunction, persistent: { readonly reverse: boolean }, lanesOnly: true): PassPlan | undefined;
  rowPlan(s: Schedule, fn: StepFunction, persistent?: { readonly reverse: boolean }, lanesOnly = false): PassPlan | undefined {
    const { layout, cell } = this;
    const loop = s.stages.loop.map((st) => {
      assert(st.kind === 'fused', 'loop stages are fused kernels');
      return st;
    });
    const before = this.stages(s, fn, s.stages.pre);
    const input = { schedule: s, layout, stages: loop, name: `${loop[0]?.name.split('_')[0]}_${persistent ? 'persistent' : 'step'}`, persistent, shape: shapeIn(fn, cell.sizes), describe: (id: number) => describeNode(fn.nodes, id, fn.origins), workgroupSize: this.wg, sizes: cell.sizes };
    // an elementwise recurrence loops in one thread per element (no barriers), anything else in workgroups owning rows
    const lanes = persistent && loop.length === 1 ? renderLaneKernel({ ...input, persistent }) : undefined;
    if (lanesOnly && loop.length && !lanes) return undefined;
    const kernel = loop.length ? [this.add(lanes ?? renderRowKernel(input))] : [];
    return { prelude: this.stages(s, fn, s.stages.const), before: persistent ? [...before, ...kernel] : before, step: persistent ? [] : kernel, after: this.stages(s, fn, s.stages.post) };
  }

  /**
   * Parameter gradients after the loop, over all T·B rows, from the terms of
   * backward schedule `bwd`: tiled GEMMs for large matrices, one per-element
   * kernel for everything else.
   */
  private grads(bwd: Schedule, bwdFn: StepFunction): string[] {
    const { layout, cell, wg } = this;
    const { paramShape } = cell;
    const grads: string[] = [];
    const small: GradKernelTerm[] = [];
    const bigParams = new Set(
      bwd.gradTerms.filter((t) => t.kind === 'outer' && paramShape.get(t.param)!.length === 2 && paramShape.get(t.param)![0] >= 64 && paramShape.get(t.param)![1] >= 64).map((t) => t.param),
    );
    for (const [i, term] of bwd.gradTerms.entries()) {
      const shape = paramShape.get(term.param)!;
      if (bigParams.has(term.param) && term.kind === 'outer') {
        const a = refOf(bwd, term.a);
        const b = refOf(bwd, term.b);
        const gemm: CellGemm = {
          name: `grad${i}_${term.param}`,
          A: a, B: b, C: { tensor: tensorNames.grad(term.param), shift: 0, col: 0 },
          lda: tensorWidth(layout, a.tensor), ldb: tensorWidth(layout, b.tensor), ldc: shape[1],
          M: shape[0], N: shape[1], K: 'TB',
          transA: true, transB: false, accumulate: true,
          summary: `∂${term.param} += Σ_rows outer(${operand(bwdFn, term.a)}, ${operand(bwdFn, term.b)})`,
        };
        grads.push(this.add(gemmRecord(gemm, layout, this.target)));
      } else if (bigParams.has(term.param)) {
        grads.push(this.add(renderColsumKernel({ name: `grad${i}_colsum`, source: refOf(bwd, term.a), target: { tensor: tensorNames.grad(term.param), shift: 0, col: 0 }, width: numel(shape), layout, workgroupSize: wg, param: term.param })));
      } else if (term.kind === 'outer') {
        small.push({ param: term.param, shape: [shape[0], shape.length === 2 ? shape[1] : 1], a: refOf(bwd, term.a), b: refOf(bwd, term.b) });
      } else if (term.kind === 'headouter') {
        small.push({ param: term.param, shape: [shape[0], shape[1], shape[2]], a: refOf(bwd, term.a), b: refOf(bwd, term.b) });
      } else {
        small.push({ param: term.param, shape: [numel(shape)], a: refOf(bwd, term.a) });
      }
    }
    // at most GRAD_KERNEL_PARAMS parameters a kernel: its blocks are an if-else chain, which WGSL compilers
    // cap in length (Tint: 127) and some drivers compile recursively (lavapipe overflows its stack near 100)
    const params = [...new Set(small.map((t) => t.param))];
    for (let k = Math.ceil(params.length / GRAD_KERNEL_PARAMS) - 1; k >= 0; k--) {
      const mine = new Set(params.slice(k * GRAD_KERNEL_PARAMS, (k + 1) * GRAD_KERNEL_PARAMS));
      grads.unshift(this.add(renderGradKernel(k ? `grads_small_${k}` : 'grads_small', small.filter((t) => mine.has(t.param)), layout, wg)));
    }
    return grads;
  }

  /** The optimizer kernels: of the one run, or (trial axis) of each trial, with its own statistics and hyper-parameters. */
  private optimizer(outputs: readonly ArtifactOutput[], paramCount: number): TrainingPlan {
    const loss = outputs.find((x) => x.name === 'loss');
    assert(loss, 'a training artifact needs an output named loss');
    const at = this.layout.tensors.get(loss.at.tensor)!;
    const k = optimizerKernels(paramCount, at, loss.at, this.layout.trialAxis ? this.layout.arenaSize[at.arena] : undefined);
    return { stats: this.add(k.stats), update: this.add(k.update), paramCount };
  }

  /** The artifact: the plans, the gradient kernels of `bwd`, the optimizer when training, the tables. */
  finish(o: { forward: PassPlan; backward: PassPlan; bwd: Schedule; bwdFn: StepFunction; aliases: readonly (readonly [TensorId, Store])[] }): Artifact {
    const { cell, layout, options } = this;
    const { graph: g, sizes, paramOrder, paramShape } = cell;
    const grads = this.grads(o.bwd, o.bwdFn);
    const aliases = new Map(o.aliases);
    const refOfResult = (tensor: TensorRef['tensor']): TensorRef => {
      const a = aliases.get(tensor);
      return a ? { tensor: a.tensor, shift: a.shift, col: a.col } : { tensor, shift: 0, col: 0 };
    };
    const outputs = g.outputs.map((out) => {
      const at = refOfResult(tensorNames.output(out.name));
      return { name: out.name, shape: evalShape(g.nodes[out.node].type.shape, sizes), at, width: tensorWidth(layout, at.tensor), dtensor: tensorNames.doutput(out.name) };
    });
    // learned initial states: s_0 filled from the parameter in the prelude, its gradient summed after the others
    const states = g.states.map((s, i) => {
      const shape = evalShape(g.nodes[s.node].type.shape, sizes);
      const k = s.initParam ? initialStateKernels(i, s.name, s.initParam, numel(shape), layout, this.wg) : undefined;
      const initParam = k ? { initParam: { param: s.initParam!, fill: this.add(k.fill), grad: this.add(k.grad) } } : {};
      return { name: s.name, shape, init: s.init, tensor: tensorNames.state(s.name), dtensor: tensorNames.dstate(s.name), ...initParam };
    });
    const fills = states.flatMap((s) => (s.initParam ? [s.initParam.fill] : []));
    grads.push(...states.flatMap((s) => (s.initParam ? [s.initParam.grad] : [])));
    let training: Artifact['training'];
    if (options.training) {
      const paramCount = paramOrder.reduce((n, p) => n + numel(paramShape.get(p)!), 0);
      const first = paramOrder.length ? layout.tensors.get(tensorNames.param(paramOrder[0])) : undefined;
      assert(!first || first.offset.c === 0, 'parameters must start their arena');
      if (options.trialAxis) assert(evalLin(layout.arenaSize.params, 1, 1) === paramCount && evalLin(layout.arenaSize.grads, 1, 1) === paramCount, 'the params and grads arenas hold exactly the parameters');
      training = this.optimizer(outputs, paramCount);
    }
    return {
      format: ARTIFACT_FORMAT,
      cell: g.name,
      ...(g.reverse ? { reverse: true } : {}),
      sizes: { ...sizes },
      target: this.target,
      params: paramOrder.map((name) => ({ name, shape: paramShape.get(name)!, init: bindInitializer(g.params.find((p) => p.name === name)!.init, sizes), tensor: tensorNames.param(name), grad: tensorNames.grad(name) })),
      states,
      inputs: g.inputs.map((x) => {
        const n = g.nodes[x.node];
        const f32 = n.type.dtype === 'f32';
        const grad = f32 && cell.inputGradients;
        return { name: x.name, shape: evalShape(n.type.shape, sizes), dtype: f32 ? ('f32' as const) : ('i32' as const), tensor: tensorNames.input(x.name), ...(grad ? { dtensor: tensorNames.dinput(x.name) } : {}) };
      }),
      outputs,
      tensors: [...layout.tensors.values()].map(({ symbol: _s, ...t }) => t),
      arenas: layout.arenaSize,
      aliases: Object.fromEntries([...aliases].map(([k, v]) => [k, { tensor: v.tensor, shift: v.shift, col: v.col }])),
      kernels: this.kernels,
      forward: { ...o.forward, prelude: [...fills, ...o.forward.prelude] },
      backward: { ...o.backward, grads },
      ...(training ? { training } : {}),
      ...(this.layout.trialAxis ? { trialAxis: true } : {}),
      ...(drawsMasks(g.nodes) ? { randomMasks: true } : {}),
    };
  }
}

/** A node by its source name (`∂f`), or `%12` when it has none. */
const operand = (fn: StepFunction, id: number): string => fn.origins.get(id)?.name ?? `%${id}`;

export function tensorWidth(layout: Layout, tensor: TensorRef['tensor']): number {
  const t = layout.tensors.get(tensor);
  assert(t, `no tensor ${tensor}`);
  return t.width;
}

/** Where schedule `s` keeps value `id`. */
export function refOf(s: Schedule, id: number): TensorRef {
  const st: Store | undefined = s.stores.get(id)?.[0];
  assert(st, `value %${id} is not in memory`);
  return { tensor: st.tensor, shift: st.shift, col: st.col };
}

function gemmOf(st: GemmStage, s: Schedule, fn: StepFunction, layout: Layout, sizes: Readonly<Record<string, number>>): CellGemm {
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
