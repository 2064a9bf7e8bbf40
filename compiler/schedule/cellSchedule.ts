// Stages 3 and 4 of the driver (driver.ts): lower a size-bound cell to its
// forward and backward step functions, then schedule both and lay out memory.
//
//   lower:     step IR ──autodiff──▶ backward step IR; both ──stepFunction──▶
//              leaves and results bound to tensors (SPEC §9)
//   schedule:  ──scheduleStep──▶ regions, materialised values, fused kernels
//              and GEMM stages; ──layout──▶ arenas and offsets linear in B, T
//
// Both results are plain data a backend turns into kernels (backend/).

import { buildBackward, type BackwardStep } from '../autodiff/backward.js';
import { LayoutBuilder, type Layout } from '../artifact/layout.js';
import { evalShape, numel } from '../ir/dims.js';
import type { Graph } from '../ir/graph.js';
import type { SizeValues } from '../ir/sizeBinding.js';
import { gemmArenas } from './gemmArenas.js';
import { scheduleStep, type Schedule } from './schedule.js';
import { backwardStepFunction, forwardStepFunction, resolveAliases, tensorNames, type StepFunction } from './stepFunction.js';

export interface LowerOptions {
  /** Compute ∂L/∂x_t (default true); training turns it off. */
  readonly inputGradients?: boolean;
}

/** A cell at concrete sizes, differentiated and bound to tensors. */
export interface Lowered {
  readonly graph: Graph;
  readonly sizes: SizeValues;
  readonly backward: BackwardStep;
  readonly forwardFn: StepFunction;
  readonly inputGradients: boolean;
}

/** A lowered cell with both passes scheduled and its memory laid out. */
export interface Scheduled extends Lowered {
  readonly fwd: Schedule;
  readonly bwd: Schedule;
  readonly backwardFn: StepFunction;
  readonly layout: Layout;
  /** Parameters in layout order (stacked GEMM weights contiguous). */
  readonly paramOrder: readonly string[];
  readonly paramShape: ReadonlyMap<string, readonly number[]>;
}

export { numel } from '../ir/dims.js';

/** Concrete shape of a node of a step function. */
export const shapeIn = (fn: StepFunction, sizes: SizeValues) => (id: number) => evalShape(fn.nodes[id].type.shape, sizes);

export function lowerCell(graph: Graph, sizes: SizeValues, options: LowerOptions = {}): Lowered {
  const backward = buildBackward(graph);
  return { graph, sizes, backward, forwardFn: forwardStepFunction(graph, backward.saved), inputGradients: options.inputGradients !== false };
}

export function scheduleCell(l: Lowered): Scheduled {
  const { graph: g, sizes, backward: bstep, forwardFn: fwdFn } = l;
  const count = (fn: StepFunction) => (id: number) => numel(shapeIn(fn, sizes)(id));
  const fwd = scheduleStep(fwdFn, { tag: 'f', numel: count(fwdFn) });
  const bwdFn = resolveAliases(backwardStepFunction(bstep, { inputGradients: l.inputGradients }), fwd.aliases);
  const bwd = scheduleStep(bwdFn, { tag: 'b', numel: count(bwdFn) });

  const L = new LayoutBuilder();
  const paramShape = new Map(g.params.map((p) => [p.name, evalShape(g.nodes[p.node].type.shape, sizes)]));
  const grouped = fwd.paramGroups.flat();
  const paramOrder = [...grouped, ...g.params.map((p) => p.name).filter((n) => !grouped.includes(n))];
  for (const p of paramOrder) L.add(tensorNames.param(p), 'params', 'const', numel(paramShape.get(p)!));
  for (const p of paramOrder) L.add(tensorNames.grad(p), 'grads', 'const', numel(paramShape.get(p)!));
  const width = count(fwdFn);
  for (const x of g.inputs) L.add(tensorNames.input(x.name), 'tape', 'seq', width(x.node));
  for (const s of g.states) L.add(tensorNames.state(s.name), 'tape', 'seq', width(s.node), 'T+1');
  for (const o of g.outputs) if (!fwd.aliases.has(tensorNames.output(o.name))) L.add(tensorNames.output(o.name), 'tape', 'seq', width(o.node));
  for (const id of bstep.saved) if (!fwd.aliases.has(tensorNames.saved(id))) L.add(tensorNames.saved(id), 'tape', 'seq', width(id));
  const gemmArena = gemmArenas([fwd, bwd]);
  const addTemps = (s: Schedule, seqArena: 'tape' | 'btape') => {
    for (const [name, t] of s.temporaries) L.add(name, gemmArena.get(name) ?? (t.kind === 'seq' ? seqArena : 'work'), t.kind, t.width);
  };
  addTemps(fwd, 'tape');
  for (const s of g.states) L.add(tensorNames.dstate(s.name), 'btape', 'seq', width(s.node), 'T+1');
  for (const o of g.outputs) L.add(tensorNames.doutput(o.name), 'btape', 'seq', width(o.node));
  for (const x of g.inputs) if (l.inputGradients && g.nodes[x.node].type.dtype === 'f32' && !bwd.aliases.has(tensorNames.dinput(x.name))) L.add(tensorNames.dinput(x.name), 'btape', 'seq', width(x.node));
  addTemps(bwd, 'btape');
  return { ...l, fwd, bwd, backwardFn: bwdFn, layout: L.finish(), paramOrder, paramShape };
}
