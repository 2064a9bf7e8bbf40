// A step function: the common shape of the forward step graph and the
// backward step graph as the scheduler sees them — a node list whose leaves
// and results are bound to tensors, each with a role in the time loop:
//
//   const: the same at every step (parameters)
//   step:  one value per step, known before the loop (x_t, the tapes)
//   carry: produced by step t for step t+1 (states; in the backward pass,
//          the state cotangents, which flow from t+1 to t)
//
// Tensors are named; their storage is decided by the layout (layout.ts).
// The nodes' source names (`origins`) travel along for the renderers.

import type { BackwardStep } from '../autodiff/backward.js';
import type { Graph, Node, Origin, Origins } from '../ir/graph.js';
import { isLeaf } from '../ir/opInfo.js';
import { tensorId, type TensorId } from '../artifact/layout.js';

export type Role = 'const' | 'step' | 'carry';

/** A named tensor, optionally at a time shift (s_{t+1} is `{name: 's:h', shift: 1}`). */
export interface TensorUse {
  readonly tensor: TensorId;
  readonly shift: 0 | 1;
  /** Column block inside a stacked tensor (GEMM results); 0 otherwise. */
  readonly col?: number;
}

export interface StepLeaf {
  readonly node: number;
  readonly role: Role;
  readonly use: TensorUse;
}

export interface StepResult {
  readonly node: number;
  readonly role: Exclude<Role, 'const'>;
  readonly use: TensorUse;
}

/**
 * A parameter-gradient term: Σ over all T·B rows of outer(a, b), of the per-head outer product
 * headouter(a, b) (a parameter [N, P, Q] of heads), or of a alone (colsum).
 */
export type GradTerm =
  | { readonly kind: 'outer' | 'headouter'; readonly param: string; readonly a: number; readonly b: number }
  | { readonly kind: 'colsum'; readonly param: string; readonly a: number };

/** The per-row values a gradient term sums. */
export const termOperands = (t: GradTerm): number[] => (t.kind === 'colsum' ? [t.a] : [t.a, t.b]);

export interface StepFunction {
  readonly name: string;
  readonly nodes: readonly Node[];
  readonly leaves: readonly StepLeaf[];
  readonly results: readonly StepResult[];
  readonly gradTerms: readonly GradTerm[];
  /** Source names of the nodes (by node id), for comments and summaries. */
  readonly origins: Origins;
}

/** The ids of the tensors a step function reads and writes (the only place they are spelled). */
export const tensorNames = {
  param: (n: string) => tensorId(`p:${n}`),
  grad: (n: string) => tensorId(`g:${n}`),
  state: (n: string) => tensorId(`s:${n}`),
  input: (n: string) => tensorId(`x:${n}`),
  output: (n: string) => tensorId(`y:${n}`),
  saved: (id: number) => tensorId(`v:${id}`),
  dstate: (n: string) => tensorId(`ds:${n}`),
  doutput: (n: string) => tensorId(`dy:${n}`),
  dinput: (n: string) => tensorId(`dx:${n}`),
};

const at = (tensor: TensorId, shift: 0 | 1 = 0): TensorUse => ({ tensor, shift });

/**
 * A result that is a leaf itself (`output d = delay(x, 3)` outputs a state;
 * `s' = s + x` passes ∂s' straight to ∂x; `output y = 2`, `output n = H`,
 * `output p = w` a literal, a size or a parameter) has no kernel that would
 * write it, and an unbatched result (`output z = 2 * w`) is computed once, not
 * per row: such results get a copy, an appended node `mul(value, const 1)`
 * (`select(value, 1, 0)` for a comparison), which the scheduler runs over all
 * rows (schedule.ts), so every (step, example) of the result is written.
 */
export function copyLeafResults(nodes: readonly Node[], results: StepResult[], origins: Origins): { nodes: readonly Node[]; results: StepResult[]; origins: Origins } {
  const out = [...nodes];
  const named = new Map<number, Origin>(origins);
  const copies = new Map<number, number>();
  const rebound = results.map((r) => {
    const n = nodes[r.node];
    if (!isLeaf(n.op) && n.type.batched) return r;
    let id = copies.get(r.node);
    if (id === undefined) {
      const constant = (value: number): Node => {
        const c: Node = { id: out.length, op: 'const', args: [], attrs: { value, shape: n.type.shape }, type: { dtype: 'f32', shape: n.type.shape, batched: false } };
        out.push(c);
        return c;
      };
      const one = constant(1);
      const zero = n.type.dtype === 'bool' ? constant(0) : undefined;
      id = out.length;
      const type = { ...n.type, dtype: 'f32' as const };
      out.push(zero ? { id, op: 'select', args: [r.node, one.id, zero.id], attrs: {}, type } : { id, op: 'mul', args: [r.node, one.id], attrs: {}, type });
      copies.set(r.node, id);
      const o = origins.get(r.node);
      if (o) named.set(id, o);
    }
    return { ...r, node: id };
  });
  return copies.size ? { nodes: out, results: rebound, origins: named } : { nodes, results, origins };
}

export function forwardStepFunction(g: Graph, saved: readonly number[]): StepFunction {
  const leaves: StepLeaf[] = [
    ...g.inputs.map((x) => ({ node: x.node, role: 'step' as const, use: at(tensorNames.input(x.name)) })),
    ...g.states.map((s) => ({ node: s.node, role: 'carry' as const, use: at(tensorNames.state(s.name)) })),
    ...g.params.map((p) => ({ node: p.node, role: 'const' as const, use: at(tensorNames.param(p.name)) })),
  ];
  const results: StepResult[] = [
    ...g.states.map((s) => ({ node: s.next, role: 'carry' as const, use: at(tensorNames.state(s.name), 1) })),
    ...g.outputs.map((o) => ({ node: o.node, role: 'step' as const, use: at(tensorNames.output(o.name)) })),
    ...saved.map((id) => ({ node: id, role: 'step' as const, use: at(tensorNames.saved(id)) })),
  ];
  return { name: `${g.name} forward`, ...copyLeafResults(g.nodes, results, g.origins), leaves, gradTerms: [] };
}

/** Splits each parameter's per-step gradient into GEMM (outer) and column-sum terms. */
function gradTermsOf(step: BackwardStep): GradTerm[] {
  const terms: GradTerm[] = [];
  for (const r of step.results) {
    if (r.kind !== 'dparam') continue;
    const visit = (id: number) => {
      const n = step.nodes[id];
      if (n.op === 'add') n.args.forEach(visit);
      else if ((n.op === 'outer' || n.op === 'headouter') && n.args.every((a) => step.nodes[a].type.batched)) terms.push({ kind: n.op, param: r.name, a: n.args[0], b: n.args[1] });
      else if (n.op === 'const' && !n.type.batched) {
        // a constant contribution per example: only zero arises (unused parameter)
      } else terms.push({ kind: 'colsum', param: r.name, a: id });
    };
    visit(r.node);
  }
  return terms;
}

/** `inputGradients: false` drops ∂x_t (training needs no gradient for its data). */
export function backwardStepFunction(step: BackwardStep, opts: { inputGradients?: boolean } = {}): StepFunction {
  const leaves: StepLeaf[] = step.leaves.map((l) => {
    switch (l.kind) {
      case 'input':
        return { node: l.node, role: 'step', use: at(tensorNames.input(l.name)) };
      case 'state':
        return { node: l.node, role: 'step', use: at(tensorNames.state(l.name)) };
      case 'param':
        return { node: l.node, role: 'const', use: at(tensorNames.param(l.name)) };
      case 'saved':
        return { node: l.node, role: 'step', use: at(tensorNames.saved(Number(l.name))) };
      case 'dnext':
        return { node: l.node, role: 'carry', use: at(tensorNames.dstate(l.name), 1) };
      case 'doutput':
        return { node: l.node, role: 'step', use: at(tensorNames.doutput(l.name)) };
    }
  });
  const results: StepResult[] = [];
  for (const r of step.results) {
    if (r.kind === 'dstate') results.push({ node: r.node, role: 'carry', use: at(tensorNames.dstate(r.name)) });
    else if (r.kind === 'dinput' && opts.inputGradients !== false) results.push({ node: r.node, role: 'step', use: at(tensorNames.dinput(r.name)) });
  }
  return { name: `${step.forward.name} backward`, ...copyLeafResults(step.nodes, results, step.origins), leaves, gradTerms: gradTermsOf(step) };
}

/** Rebinds leaves whose tensor is an alias (a result the forward pass left inside a stacked GEMM output). */
export function resolveAliases(fn: StepFunction, aliases: ReadonlyMap<TensorId, TensorUse>): StepFunction {
  return { ...fn, leaves: fn.leaves.map((l) => ({ ...l, use: aliases.get(l.use.tensor) ?? l.use })) };
}
