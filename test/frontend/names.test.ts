// Source names survive elaboration: the step graph's origins (a side table,
// never part of a node's identity) name the nodes that the source names — the
// inputs, states and parameters, the locals, the next states and the outputs —
// with the line and column of the statement that defines them.

import { describe, expect, it } from 'vitest';
import type { Graph, Origin } from '../../compiler/ir/graph.js';
import { example, cellFromText } from '../autodiff/util.js';

/** The node a name is on, and its origin. */
function named(g: Graph, name: string): { id: number; origin: Origin } {
  const hits = [...g.origins].filter(([, o]) => o.name === name);
  expect(hits.map(([id]) => id), `nodes named ${name}`).toHaveLength(1);
  return { id: hits[0][0], origin: hits[0][1] };
}

describe('origins of the elaborated step graph', () => {
  const g = example('lstm.cell');

  it('name every input, state, parameter, local, next state and output, at its line', () => {
    // dsl-examples/lstm.cell: the cell starts at line 15; i, f, o, g on 20–23, c' on 24, h' on 25
    const lines: Record<string, number> = { x: 15, h: 18, c: 19, i: 20, 'i.W_x': 20, 'i.W_h': 20, 'i.b': 20, f: 21, 'f.b': 21, o: 22, g: 23, "c'": 24, "h'": 25 };
    for (const [name, line] of Object.entries(lines)) expect(named(g, name).origin.at?.line, name).toBe(line);
    expect(named(g, 'f').origin.at?.col).toBe(3);
    expect(g.nodes[named(g, 'f').id].op).toBe('sigmoid');
    expect(g.nodes[named(g, 'g').id].op).toBe('tanh');
    expect(named(g, "c'").id).toBe(g.states.find((s) => s.name === 'c')!.next);
    // `output h'` names the node that h' = … named first: it keeps h'
    expect(named(g, "h'").id).toBe(g.outputs[0].node);
    for (const b of [...g.inputs, ...g.states, ...g.params]) expect(g.origins.get(b.node)?.name, b.name).toBe(b.name);
  });

  it('the span is the whole defining statement', () => {
    const text = "cell C(x[I]) {\n  size I = 3\n  state h[I] = 0\n  a = tanh(x + h)\n  h' = a * 0.5\n  output h'\n}\n";
    const c = cellFromText('c.cell', text);
    const { span } = named(c, 'a').origin.at!;
    expect(text.slice(span.start, span.end)).toBe('a = tanh(x + h)');
    expect(named(c, "h'").origin.at).toMatchObject({ line: 5, col: 3 });
  });

  it('intermediate values and literals have no name', () => {
    const add = g.nodes.find((n) => n.op === 'add')!;
    expect(g.origins.has(add.id)).toBe(false);
    for (const n of g.nodes) if (n.op === 'const' || n.op === 'dim') expect(g.origins.has(n.id)).toBe(false);
  });

  it('names stay out of interning: two equations of one value are one node, named by the first', () => {
    const twice = (b: string) =>
      cellFromText('t.cell', `cell T(x[I]) {\n  size I = 3\n  param W[I, I]\n  state h[I] = 0\n  a = tanh(W @ x)\n  ${b}\n  h' = a + b + h\n  output h'\n}\n`);
    const same = twice('b = tanh(W @ x)');
    const alias = twice('b = a');
    expect(same.nodes.length).toBe(alias.nodes.length);
    expect(same.nodes.map((n) => [n.op, n.args])).toEqual(alias.nodes.map((n) => [n.op, n.args]));
    expect(named(same, 'a').origin.at?.line).toBe(5);
    expect([...same.origins.values()].some((o) => o.name === 'b')).toBe(false);
  });

  it('hidden states and dense parameters are named at the call that creates them', () => {
    const t = example('tdnn.cell');
    const delay = t.states.find((s) => s.name.includes('delay'))!;
    expect(t.origins.get(delay.node)?.name).toBe(delay.name);
    expect(t.origins.get(delay.next)?.name).toBe(`${delay.name}'`);
    const window = named(t, 'window').origin.at!.line;
    expect(t.origins.get(delay.node)?.at?.line).toBe(window);
    expect(named(t, 'y').origin.at!.line).toBe(window + 2);
    expect(named(t, 'y.b').origin.at!.line).toBe(window + 2);
  });

  it('size overrides keep the origins', async () => {
    const { overrideSizes } = await import('../../compiler/ir/sizeBinding.js');
    expect(overrideSizes(g, { H: 7 }, []).origins).toBe(g.origins);
  });
});
