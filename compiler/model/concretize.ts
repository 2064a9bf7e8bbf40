// Copies a cell's step graph into another builder with every size replaced by
// its value, every name prefixed (source names too), and its inputs bound to given nodes. This
// is how cells are stacked into a model: layer k's input is layer k−1's output.

import { dimConst, evalDim, type Dim, type Shape } from '../ir/dims.js';
import type { Graph, GraphBuilder, ParamBinding, StateBinding } from '../ir/graph.js';
import type { Op, OpAttrs } from '../ir/ops.js';
import { assert } from '../util/assert.js';

export interface Instance {
  readonly states: StateBinding[];
  readonly params: ParamBinding[];
  readonly outputs: Map<string, number>;
}

export function concretizeInto(b: GraphBuilder, g: Graph, sizes: Readonly<Record<string, number>>, prefix: string, inputs: ReadonlyMap<string, number>): Instance {
  const dim = (d: Dim): Dim => {
    const v = evalDim(d, sizes);
    assert(v !== undefined, `size of ${JSON.stringify(d)} unknown`);
    return dimConst(v);
  };
  const shape = (s: Shape): Shape => s.map(dim);
  const attrs = (op: Op, a: OpAttrs[Op]): OpAttrs[Op] => {
    switch (op) {
      case 'const': {
        const c = a as OpAttrs['const'];
        return { value: c.value, shape: shape(c.shape) };
      }
      case 'dim':
        return { dim: dim((a as OpAttrs['dim']).dim) };
      case 'broadcast':
      case 'sumto': {
        const c = a as OpAttrs['broadcast'];
        return { shape: shape(c.shape), axes: c.axes };
      }
      case 'slice': {
        const c = a as OpAttrs['slice'];
        return { axis: c.axis, start: dim(c.start), end: dim(c.end) };
      }
      case 'onehot':
        return { depth: dim((a as OpAttrs['onehot']).depth) };
      case 'eye':
        return { n: dim((a as OpAttrs['eye']).n) };
      default:
        return a;
    }
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
  for (const s of g.states) states.push({ name: prefix + s.name, node: map.get(s.node)!, init: s.init, next: map.get(s.next)! });
  for (const p of g.params) params.push({ name: prefix + p.name, node: map.get(p.node)!, init: p.init });
  return { states, params, outputs: new Map(g.outputs.map((o) => [o.name, map.get(o.node)!])) };
}
