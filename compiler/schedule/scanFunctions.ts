// The step functions of a scan schedule (backend/webgpu/scan.ts), derived
// from a pass's step function whose carried values are all scannable
// (analysis/structure.ts):
//
//   coefficients  a_t and b_t of s_t = a_t ⊙ s_{t−1} + b_t for the carried
//                 values of one phase, as per-step results; every carried leaf
//                 is read as a known sequence (earlier phases are complete)
//   rows          everything else — outputs, saved values, input cotangents,
//                 parameter-gradient operands — with the carried values and
//                 their next values read from the scanned sequences
//
// Neither has a carry, so the scheduler hoists both over all T·B rows. Node
// ids are kept (the backward pass and the gradient terms refer to them);
// nodes neither needs become unread literals, which the scheduler skips.

import type { Node } from '../ir/graph.js';
import type { TensorType } from '../ir/ops.js';
import { tensorId, type TensorId } from '../artifact/layout.js';
import { carriesOf, type CarryStructure } from '../analysis/structure.js';
import type { Expr } from '../analysis/recurrence.js';
import { postOrder } from '../util/postOrder.js';
import { assert } from '../util/assert.js';
import { copyLeafResults, termOperands, type StepFunction, type StepLeaf, type StepResult } from './stepFunction.js';

/** The tensors of one scanned value: its coefficient a, its offset b. */
export interface ScanCoefficients {
  readonly name: string;
  /** The carried tensor (s:NAME, or ds:NAME in the backward pass). */
  readonly carry: TensorId;
  readonly a: TensorId;
  readonly b: TensorId;
}

const knownLeaves = (fn: StepFunction): StepLeaf[] => fn.leaves.map((l) => (l.role === 'carry' ? { ...l, role: 'step' as const } : l));

/**
 * The per-step results that read no carried value (a forward pass's input
 * projections saved for the backward pass): the first coefficient function
 * computes them along with the coefficients, which often share their GEMMs.
 */
export function carryFreeResults(fn: StepFunction): StepResult[] {
  const dep = new Uint8Array(fn.nodes.length);
  for (const l of fn.leaves) if (l.role === 'carry') dep[l.node] = 1;
  for (const n of fn.nodes) for (const a of n.args) dep[n.id] |= dep[a];
  return fn.results.filter((r) => r.role === 'step' && !dep[r.node]);
}

/**
 * The step function computing a_t and b_t for `states` (one phase), and the
 * per-step results `extra`; `tag` names its tensors.
 */
export function coefficientFunction(fn: StepFunction, states: readonly CarryStructure[], tag: string, extra: readonly StepResult[] = []): { fn: StepFunction; coefficients: ScanCoefficients[] } {
  const nodes: Node[] = [...fn.nodes];
  const carries = carriesOf(fn);
  const results: StepResult[] = [...extra];
  const coefficients = states.map((s) => {
    const c = carries.find((x) => x.name === s.name);
    assert(c && s.coef !== undefined && s.off !== undefined, `${s.name} is not scannable`);
    const type = fn.nodes[c.leaf].type;
    const a = tensorId(`m:${tag}a.${s.name}`);
    const b = tensorId(`m:${tag}b.${s.name}`);
    results.push({ node: materialise(s.coef, nodes, type), role: 'step', use: { tensor: a, shift: 0 } });
    results.push({ node: materialise(s.off, nodes, type), role: 'step', use: { tensor: b, shift: 0 } });
    const carry = fn.results.find((r) => r.node === c.result && r.role === 'carry')!.use.tensor;
    return { name: s.name, carry, a, b };
  });
  const copied = copyLeafResults(nodes, results, fn.origins);
  return { fn: prune({ name: `${fn.name} scan coefficients (${tag})`, nodes: copied.nodes, leaves: knownLeaves(fn), results: copied.results, origins: copied.origins, gradTerms: [] }), coefficients };
}

/** The step function of everything but the recurrence (and the results `done` elsewhere), reading the scanned sequences. */
export function rowFunction(fn: StepFunction, done: readonly StepResult[] = []): StepFunction {
  const nodes: Node[] = [...fn.nodes];
  const leaves = knownLeaves(fn);
  for (const r of fn.results) {
    if (r.role !== 'carry') continue;
    const n = nodes[r.node];
    if (n.args.length === 0) continue; // already a leaf
    nodes[r.node] = { id: n.id, op: 'input', args: [], attrs: { name: r.use.tensor }, type: n.type };
    leaves.push({ node: r.node, role: 'step', use: r.use });
  }
  const copied = copyLeafResults(nodes, fn.results.filter((r) => r.role !== 'carry' && !done.includes(r)), fn.origins);
  return prune({ ...fn, name: `${fn.name} over all rows`, nodes: copied.nodes, leaves, results: copied.results, origins: copied.origins });
}

/** Nodes no result and no gradient term reads become unread literals (ids are kept). */
function prune(fn: StepFunction): StepFunction {
  const live = new Uint8Array(fn.nodes.length);
  const stack = [...fn.results.map((r) => r.node), ...fn.gradTerms.flatMap(termOperands)];
  while (stack.length) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = 1;
    stack.push(...fn.nodes[id].args);
  }
  const nodes = fn.nodes.map((n): Node => (live[n.id] || n.args.length === 0 ? n : { id: n.id, op: 'const', args: [], attrs: { value: 0, shape: n.type.shape }, type: { ...n.type, batched: false } }));
  return { ...fn, nodes };
}

/**
 * Appends the nodes of an expression (all of the carried value's type) and
 * returns its id. Walked with an explicit stack (an expression is as deep as
 * the cell's chains) and once per shared subexpression (an expression is a
 * DAG: `a + a` shares `a`).
 */
function materialise(e: Expr, nodes: Node[], type: TensorType): number {
  const done = new Map<Expr, number>();
  const push = (n: Omit<Node, 'id'>) => {
    const id = nodes.length;
    nodes.push({ ...n, id } as Node);
    return id;
  };
  const children = (x: Expr): Expr[] => (typeof x !== 'number' && x.k === 'op' ? x.args.filter((a) => !done.has(a)) : []);
  postOrder(e, children, (x) => {
    if (done.has(x)) return;
    if (typeof x === 'number') return void done.set(x, x);
    if (x.k === 'zero' || x.k === 'one') return void done.set(x, push({ op: 'const', args: [], attrs: { value: x.k === 'one' ? 1 : 0, shape: type.shape }, type: { ...type, dtype: 'f32', batched: false } }));
    const args = x.args.map((a) => done.get(a)!);
    const dtype = x.op === 'select' ? nodes[args[1]].type.dtype : 'f32';
    done.set(x, push({ op: x.op, args, attrs: {}, type: { dtype, shape: type.shape, batched: args.some((a) => nodes[a].type.batched) } }));
  });
  return done.get(e)!;
}
