// Many trials in one step graph (SPEC.md §10.3): K copies of a model, each
// with its own inputs, states, parameters and outputs, named `t{k}.` + the
// model's name. The copies share no value, so trial k's results depend only on
// its own inputs and parameters; the scheduler fuses the copies' work at each
// level into the same kernels, so K trials cost one set of dispatches.

import { finishGraph, GraphBuilder, type Binding, type Graph, type ParamBinding, type StateBinding } from '../ir/graph.js';
import { verifyGraph } from '../ir/verify.js';
import { assert } from '../util/assert.js';
import { concretizeInto } from './concretize.js';

/** The prefix of trial k's names. */
export const trialPrefix = (k: number): string => `t${k}.`;

/** The most trials one graph holds (the kernels' binding and code size grow with it). */
export const MAX_TRIALS = 64;

/** K copies of the (size-bound) graph `g`; trial k's input `x` is `t{k}.x`, its output `loss` is `t{k}.loss`. */
export function trialGraph(g: Graph, count: number): Graph {
  assert(Number.isInteger(count) && count >= 1 && count <= MAX_TRIALS, `trial count ${count} outside 1..${MAX_TRIALS}`);
  assert(g.sizes.every((s) => s.value !== undefined) || g.sizes.length === 0, 'a trial graph copies a graph bound to its sizes');
  const b = new GraphBuilder();
  const inputs: Binding[] = [];
  const states: StateBinding[] = [];
  const params: ParamBinding[] = [];
  const outputs: Binding[] = [];
  const sizes = Object.fromEntries(g.sizes.map((s) => [s.name, s.value!]));
  for (let k = 0; k < count; k++) {
    const p = trialPrefix(k);
    const bound = new Map<string, number>();
    for (const x of g.inputs) {
      const n = g.nodes[x.node];
      const leaf = b.leaf('input', p + x.name, n.type);
      b.name(leaf, { name: p + x.name });
      inputs.push({ name: p + x.name, node: leaf });
      bound.set(x.name, leaf);
    }
    const inst = concretizeInto(b, g, sizes, p, bound);
    states.push(...inst.states);
    params.push(...inst.params);
    for (const o of g.outputs) outputs.push({ name: p + o.name, node: inst.outputs.get(o.name)! });
  }
  const graph = finishGraph(b, { name: `${count}×${g.name}`, sizes: [], inputs, states, params, outputs });
  verifyGraph(graph);
  return graph;
}
