// The backward step graph: reverse-mode autodiff of one forward step.
//
//   leaves:  x_t, s_{t-1}, params, saved forward values, ∂L/∂s_t, ∂L/∂y_t
//   results: ∂L/∂s_{t-1}, ∂L/∂x_t, and each parameter's contribution of this
//            step (per example, batched; the scan sums them over B and T)
//
// What is saved and what is recomputed: the forward values of the
// non-elementwise, batched ops (matmul, outer, reductions, gather, concat,
// slice, transpose … every op `isSaved` accepts) are saved on the tape; all
// elementwise values are recomputed from them, from x_t and from s_{t-1}
// (which the tape holds anyway), and so is the operand of a max (its VJP
// compares it exactly with the saved maximum); of those, only the ones the
// backward step reads are kept. Recomputing a sigmoid is cheaper than
// storing and re-reading it, and the matmuls are never recomputed. Values
// that depend only on parameters (unbatched) are recomputed too: they are
// the same at every step, so the scheduler hoists them out of the loop.
//
// Example (Elman, h' = tanh(W x + U h + b)):
//   saved: W x, U h;  g = ∂L/∂h' · (1 − tanh(…)²);
//   ∂h = g @ U;  ∂W = outer(g, x);  ∂U = outer(g, h);  ∂b = g.
//
// Names: the primal values keep their forward names (`f`, `c'`, a saved
// `W @ x` has none), the seeds are `∂next.h` (∂L/∂s_t from the step after)
// and `∂out.y` (∂L/∂y_t), and the complete cotangent of a named forward value
// `f` is `∂f`, at f's place in the source.

import { compactNodes, GraphBuilder, reachable, type Graph, type Node, type Origin, type Origins } from '../ir/graph.js';
import { isLeaf, isSavedOp } from '../ir/opInfo.js';
import type { OpAttrs, TensorType } from '../ir/ops.js';
import { verifyNodes } from '../ir/verify.js';
import { assert } from '../util/assert.js';
import { VJP_RULES } from './vjpRules.js';

export type BackwardLeafKind = 'input' | 'state' | 'param' | 'saved' | 'dnext' | 'doutput';
export type BackwardResultKind = 'dstate' | 'dinput' | 'dparam';

export interface BackwardLeaf {
  readonly kind: BackwardLeafKind;
  /** The forward name (input/state/param/output), or for 'saved' the forward node id as a string. */
  readonly name: string;
  readonly node: number;
}

export interface BackwardResult {
  readonly kind: BackwardResultKind;
  readonly name: string;
  readonly node: number;
}

export interface BackwardStep {
  readonly forward: Graph;
  /** Forward node ids whose values the forward pass must save, in order. */
  readonly saved: readonly number[];
  readonly nodes: readonly Node[];
  readonly leaves: readonly BackwardLeaf[];
  readonly results: readonly BackwardResult[];
  /** Source names of the backward nodes (derived from the forward ones; see the header). */
  readonly origins: Origins;
}

/** `∂f` from `f`: the name of a cotangent, at its primal's place in the source. */
export const cotangentName = (o: Origin, what = o.name): Origin => ({ ...o, name: `∂${what}` });

/**
 * The forward values kept on the tape (see the header): batched values of the
 * ops whose `saved` entry in ir/opInfo.ts is true (every op that is not a
 * leaf, not elementwise and not a broadcast).
 */
export function isSaved(n: Node): boolean {
  return n.type.batched && isSavedOp(n.op);
}

export function buildBackward(fwd: Graph): BackwardStep {
  const b = new GraphBuilder();
  const prim = new Map<number, number>();
  const leaves: BackwardLeaf[] = [];
  const saved: number[] = [];
  const leafName = (n: Node) => (n.attrs as { name: string }).name;
  const nameLike = (id: number, fwdNode: number) => {
    const o = fwd.origins.get(fwdNode);
    if (o) b.name(id, o);
  };

  // The operand of a max is kept on the tape as the forward computed it: the VJP finds the maxima
  // by exact comparison with the saved maximum, and a recomputed operand may be rounded differently
  // (another kernel, where the driver may reassociate; a scan's states): no element would match.
  const maxOperands = new Set(fwd.nodes.filter((n) => n.op === 'rmax' && n.type.batched).map((n) => n.args[0]));
  const onTape = (n: Node) => isSaved(n) || (maxOperands.has(n.id) && n.type.batched && !isLeaf(n.op));
  // 1. The primal values: leaves, saved values, and recomputation of the rest.
  for (const n of fwd.nodes) {
    if (n.op === 'input' || n.op === 'state' || n.op === 'param') {
      const id = b.leaf(n.op, leafName(n), n.type);
      prim.set(n.id, id);
      leaves.push({ kind: n.op, name: leafName(n), node: id });
    } else if (onTape(n)) {
      const id = b.leaf('input', `saved%${n.id}`, n.type);
      prim.set(n.id, id);
      saved.push(n.id);
      leaves.push({ kind: 'saved', name: String(n.id), node: id });
    } else {
      prim.set(n.id, b.emit(n.op as "add", n.args.map((a) => prim.get(a)!), n.attrs as OpAttrs["add"]));
    }
    nameLike(prim.get(n.id)!, n.id);
  }

  // 2. Seeds: the cotangents of s_t and y_t.
  const ct = new Map<number, number>();
  const accumulate = (id: number, g: number) => {
    const prev = ct.get(id);
    ct.set(id, prev === undefined ? g : b.emit('add', [prev, g], {}));
  };
  const seed = (kind: 'dnext' | 'doutput', name: string, fwdNode: number) => {
    const t: TensorType = { ...fwd.nodes[fwdNode].type, batched: true };
    const id = b.leaf('input', kind === 'dnext' ? `d${name}'` : `d:${name}`, t);
    leaves.push({ kind, name, node: id });
    const at = fwd.origins.get(fwdNode)?.at;
    b.name(id, { name: `∂${kind === 'dnext' ? 'next' : 'out'}.${name}`, ...(at ? { at } : {}) });
    accumulate(fwdNode, id);
  };
  for (const s of fwd.states) seed('dnext', s.name, s.next);
  for (const o of fwd.outputs) seed('doutput', o.name, o.node);

  // 3. The reverse walk: each node's cotangent is complete once all its users
  //    (which come later in topological order) have been visited.
  for (let i = fwd.nodes.length - 1; i >= 0; i--) {
    const n = fwd.nodes[i];
    const g = ct.get(n.id);
    if (g === undefined || isLeaf(n.op)) continue;
    const contributions = VJP_RULES[n.op]({ b, node: n, x: n.args.map((a) => prim.get(a)!), y: prim.get(n.id)!, g });
    assert(contributions.length === n.args.length, `VJP rule of ${n.op} returned ${contributions.length} cotangents for ${n.args.length} operands`);
    contributions.forEach((c, k) => {
      if (c !== null && fwd.nodes[n.args[k]].type.dtype === 'f32') accumulate(n.args[k], c);
    });
  }

  // Each named forward value's complete cotangent is ∂name (latest forward value first: a
  // cotangent shared by several values, as `a + b` passes its own to both, is named after the last).
  for (let i = fwd.nodes.length - 1; i >= 0; i--) {
    const o = fwd.origins.get(i);
    const g = ct.get(i);
    if (o && g !== undefined) b.name(g, cotangentName(o));
  }

  // 4. Results; a value the loss does not depend on has a zero cotangent.
  const cotangentOf = (fwdNode: number) => ct.get(fwdNode) ?? b.constant(0, fwd.nodes[fwdNode].type.shape);
  const results: BackwardResult[] = [
    ...fwd.states.map((s) => ({ kind: 'dstate' as const, name: s.name, node: cotangentOf(s.node) })),
    ...fwd.inputs.filter((x) => fwd.nodes[x.node].type.dtype === 'f32').map((x) => ({ kind: 'dinput' as const, name: x.name, node: cotangentOf(x.node) })),
    ...fwd.params.map((p) => ({ kind: 'dparam' as const, name: p.name, node: cotangentOf(p.node) })),
  ];

  // only the saved values the backward reads stay on the tape (a stacked gate product p = U·h read
  // as p[0:H] … recomputes its gates from the saved slices, never from p)
  const live = reachable(b.nodes, results.map((r) => r.node));
  const read = leaves.filter((l) => l.kind !== 'saved' || live[l.node]);
  const { nodes, remap, origins } = compactNodes(b.nodes, results.map((r) => r.node), read.map((l) => l.node), b.origins);
  const step: BackwardStep = {
    forward: fwd,
    saved: saved.filter((id) => live[prim.get(id)!]),
    nodes,
    leaves: read.map((l) => ({ ...l, node: remap(l.node) })),
    results: results.map((r) => ({ ...r, node: remap(r.node) })),
    origins,
  };
  verifyNodes(nodes, `backward of ${fwd.name}`);
  return step;
}
