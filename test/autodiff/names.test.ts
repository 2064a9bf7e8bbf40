// The backward step graph's names are derived from the forward ones: primal
// values (recomputed or saved) keep their forward names, the seeds are
// ∂next.s and ∂out.y, and the cotangent of a named forward value f is ∂f, at
// f's line. The step functions carry both tables to the scheduler and the
// renderers; a model built from cells keeps the cells' names, prefixed.

import { describe, expect, it } from 'vitest';
import { buildBackward } from '../../compiler/autodiff/backward.js';
import type { Graph, Origins } from '../../compiler/ir/graph.js';
import { buildModel } from '../../compiler/model/buildModel.js';
import { backwardStepFunction, forwardStepFunction } from '../../compiler/schedule/stepFunction.js';

const stepFunctions = (g: Graph) => {
  const step = buildBackward(g);
  return { forward: forwardStepFunction(g, step.saved), backward: backwardStepFunction(step) };
};
import { cellFromText, example } from './util.js';

const byName = (origins: Origins) => new Map([...origins].map(([id, o]) => [o.name, { id, line: o.at?.line }]));

describe('names in the backward step graph', () => {
  const g = example('lstm.cell');
  const step = buildBackward(g);
  const names = byName(step.origins);
  const fwd = byName(g.origins);

  it('primal values keep their forward names and lines', () => {
    for (const name of ['x', 'h', 'c', 'f.W_x', 'i', 'f', 'o', 'g', "c'"]) {
      expect(names.get(name)?.line, name).toBe(fwd.get(name)!.line);
    }
    expect(step.nodes[names.get('f')!.id].op).toBe('sigmoid');
  });

  it('every result is the cotangent ∂NAME of its forward value, at its line', () => {
    for (const r of step.results) {
      expect(step.origins.get(r.node)?.name, `${r.kind} ${r.name}`).toBe(`∂${r.name}`);
      expect(step.origins.get(r.node)?.at?.line, `${r.kind} ${r.name}`).toBe(fwd.get(r.name)!.line);
    }
  });

  it('gates and next states have cotangents ∂f, ∂c′; the seeds are ∂next.s and ∂out.y', () => {
    for (const name of ['∂i', '∂f', '∂o', '∂g', "∂c'", "∂h'"]) expect(names.has(name), name).toBe(true);
    expect(names.get("∂c'")!.line).toBe(fwd.get("c'")!.line);
    for (const l of step.leaves) {
      const o = step.origins.get(l.node);
      if (l.kind === 'dnext') expect(o?.name).toBe(`∂next.${l.name}`);
      if (l.kind === 'doutput') expect(o?.name).toBe(`∂out.${l.name}`);
      if (l.kind === 'saved') expect(o).toEqual(g.origins.get(Number(l.name)));
    }
  });

  it('a saved value that has a forward name keeps it', () => {
    // kalman.cell saves S_inv = inv(S) and the gain K = P @ … (non-elementwise values)
    const c = buildBackward(example('kalman.cell'));
    const saved = c.leaves.filter((x) => x.kind === 'saved').map((l) => c.origins.get(l.node)?.name);
    expect(saved).toContain('S_inv');
    expect(saved).toContain('K');
    for (const l of c.leaves.filter((x) => x.kind === 'saved')) {
      expect(c.origins.get(l.node)).toEqual(c.forward.origins.get(Number(l.name)));
    }
  });

  it('names never change the graph: the same nodes with and without origins', () => {
    const bare = buildBackward({ ...g, origins: new Map() });
    expect(bare.nodes).toEqual(step.nodes);
    // without forward names only the seeds have one
    expect([...bare.origins.values()].map((o) => o.name).sort()).toEqual(['∂next.c', '∂next.h', '∂out.h']);
  });

  it('the step functions carry the origins (leaf copies too)', () => {
    const fns = stepFunctions(g);
    expect(fns.forward.origins).toBe(g.origins);
    expect(fns.backward.origins.get(fns.backward.results.find((r) => r.use.tensor === 'ds:h')!.node)?.name).toBe('∂h');
    // `output d = delay(x, 2)` outputs a state leaf: the copy that writes it is named like the leaf
    const c = cellFromText('d.cell', "cell D(x[I]) {\n  size I = 3\n  output d = delay(x, 2)\n}\n");
    const t = stepFunctions(c);
    const copy = t.forward.results.find((r) => r.use.tensor === 'y:d')!.node;
    expect(copy).toBeGreaterThanOrEqual(c.nodes.length);
    expect(t.forward.origins.get(copy)).toEqual(c.origins.get(c.outputs[0].node));
  });

  it('a model keeps the cells’ names, prefixed per layer, and names its own values', () => {
    const m = buildModel({ layers: [{ graph: g, sizes: { H: 4 } }, { graph: g, sizes: { H: 4 } }], input: { kind: 'float', size: 3 }, output: { kind: 'mse', size: 2 } }, []);
    const n = byName(m!.graph.origins);
    expect(n.get('l1.f')?.line).toBe(fwd.get('f')!.line);
    expect(n.has("l2.c'")).toBe(true);
    for (const name of ['x', 'readout.W', 'z', 'loss', 'mask', 'target']) expect(n.has(name), name).toBe(true);
    expect(n.get('z')?.line).toBeUndefined();
  });
});
