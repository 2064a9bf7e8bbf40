// Copies a cell's step graph into another builder with every size replaced by
// its value, every name prefixed (source names too), and its inputs bound to given nodes. This
// is how cells are stacked into a model: layer k's input is layer k−1's output.

import { dimConst, evalDim, type Dim, type Shape } from '../ir/dims.js';
import type { Graph, GraphBuilder, ParamBinding, StateBinding } from '../ir/graph.js';
import { attrSpec, sizeAttrs } from '../ir/opInfo.js';
import type { Op, OpAttrs } from '../ir/ops.js';
import { assert } from '../util/assert.js';
import { bindInitializer } from '../numeric/initializers.js';

export interface Instance {
  readonly states: StateBinding[];
  readonly params: ParamBinding[];
  readonly outputs: Map<string, number>;
}

/**
 * `streamBase` is added to the Philox stream of every random mask, so that
 * two instances of a cell (two layers) draw different masks.
 */
export function concretizeInto(b: GraphBuilder, g: Graph, sizes: Readonly<Record<string, number>>, prefix: string, inputs: ReadonlyMap<string, number>, streamBase = 0): Instance {
  const dim = (d: Dim): Dim => {
    const v = evalDim(d, sizes);
    assert(v !== undefined, `size of ${JSON.stringify(d)} unknown`);
    return dimConst(v);
  };
  const shape = (s: Shape): Shape => s.map(dim);
  // every size-carrying attribute (ir/opInfo.ts) gets its value; the others are copied
  const attrs = (op: Op, a: OpAttrs[Op]): OpAttrs[Op] => {
    const sized = sizeAttrs(op);
    if (!sized.length) return a;
    const src = a as Readonly<Record<string, unknown>>;
    const out: Record<string, unknown> = {};
    // rebuilt in the table's key order, so equal attributes intern to one node (graph.ts keys on their JSON)
    for (const [key] of attrSpec(op)) out[key] = src[key];
    for (const { key, kind } of sized) out[key] = kind === 'dim' ? dim(src[key] as Dim) : shape(src[key] as Shape);
    if (op === 'mask') out.stream = (src.stream as number) + streamBase;
    return out as OpAttrs[Op];
  };
  const map = new Map<number, number>();
  const states: StateBinding[] = [];
  const params: ParamBinding[] = [];
  for (const n of g.nodes) {
    const name = (n.attrs as { name?: string }).name;
    if (n.op === 'input') {
      const bound = inputs.get(name!);
      assert(bound !== undefined, `input ${name} of ${g.name} is not bound`);
      map.set(n.id, bound);
    } else if (n.op === 'state' || n.op === 'param') {
      map.set(n.id, b.leaf(n.op, prefix + name!, { ...n.type, shape: shape(n.type.shape) }));
    } else {
      map.set(n.id, b.emit(n.op as 'add', n.args.map((x) => map.get(x)!), attrs(n.op, n.attrs) as OpAttrs['add']));
    }
    const o = g.origins.get(n.id);
    if (o && n.op !== 'input') b.name(map.get(n.id)!, { ...o, name: prefix + o.name });
  }
  for (const s of g.states) states.push({ name: prefix + s.name, node: map.get(s.node)!, init: s.init, ...(s.initParam ? { initParam: prefix + s.initParam } : {}), next: map.get(s.next)! });
  for (const p of g.params) params.push({ name: prefix + p.name, node: map.get(p.node)!, init: bindInitializer(p.init, sizes) });
  return { states, params, outputs: new Map(g.outputs.map((o) => [o.name, map.get(o.node)!])) };
}
