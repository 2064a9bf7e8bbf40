// Evaluates a node list (a forward or backward step graph) on float64
// tensors for concrete sizes and batch size B. Leaves get their values from
// the caller; every other node from EVAL_RULES. With `float32`, every node's
// result is rounded to float32 as it is computed: the same arithmetic at the
// precision of the GPU, whose distance from float64 measures the roundoff a
// cell's computation amplifies (runtime/apps/compare/gpuVsReference.ts).

import { evalDim, evalShape, type Dim, type Shape } from '../../ir/dims.js';
import type { Node } from '../../ir/graph.js';
import type { OpAttrs } from '../../ir/ops.js';
import { assert } from '../../util/assert.js';
import { EVAL_RULES, type EvalCtx, type StepDraw } from './evalRules.js';
import { numel, type Tensor } from './tensor.js';

/** big-shape flat index → small-shape flat index for a broadcast with `axes`. */
function broadcastIndexMap(small: readonly number[], big: readonly number[], axes: readonly number[]): Int32Array {
  const n = numel(big);
  const map = new Int32Array(n);
  const smallStride = small.map((_, i) => numel(small.slice(i + 1)));
  const idx = new Array<number>(big.length).fill(0);
  for (let j = 0; j < n; j++) {
    let r = j;
    for (let d = big.length - 1; d >= 0; d--) {
      idx[d] = r % big[d];
      r = Math.floor(r / big[d]);
    }
    let s = 0;
    for (let i = 0; i < small.length; i++) if (small[i] !== 1) s += idx[axes[i]] * smallStride[i];
    map[j] = s;
  }
  return map;
}

export class Evaluator {
  private readonly ctxs: EvalCtx[];
  private current: StepDraw = { step: 0 };

  constructor(
    readonly nodes: readonly Node[],
    readonly sizes: Readonly<Record<string, number>>,
    readonly B: number,
    readonly float32 = false,
  ) {
    const dimValue = (d: Dim) => {
      const v = evalDim(d, sizes);
      assert(v !== undefined, 'dimension without a value');
      return v;
    };
    const shape = (s: Shape) => evalShape(s, sizes);
    const draw = () => this.current;
    this.ctxs = nodes.map((node) => {
      const out = shape(node.type.shape);
      let indexMap: Int32Array | undefined;
      if (node.op === 'broadcast') {
        const a = node.attrs as OpAttrs['broadcast'];
        indexMap = broadcastIndexMap(shape(nodes[node.args[0]].type.shape), out, a.axes);
      } else if (node.op === 'sumto') {
        const a = node.attrs as OpAttrs['sumto'];
        indexMap = broadcastIndexMap(out, shape(nodes[node.args[0]].type.shape), a.axes);
      }
      return { node, shape: out, B, sizes, dimValue, draw, ...(indexMap ? { indexMap } : {}) };
    });
  }

  /** Concrete shape (without batch) of node i. */
  shapeOf(i: number): readonly number[] {
    return this.ctxs[i].shape;
  }

  /** Evaluates every node; `draw` is the step and mask key random masks are drawn for (none: their expectation). */
  run(leaves: ReadonlyMap<number, Tensor>, draw: StepDraw = { step: 0 }): Tensor[] {
    this.current = draw;
    const values: Tensor[] = new Array(this.nodes.length);
    for (const n of this.nodes) {
      const given = leaves.get(n.id);
      if (given) {
        values[n.id] = given;
        continue;
      }
      const c = this.ctxs[n.id];
      let data = EVAL_RULES[n.op](n.args.map((a) => values[a]), c);
      if (this.float32) {
        if (n.args.some((a) => values[a].data === data)) data = data.slice(); // a rule may pass an operand through
        for (let i = 0; i < data.length; i++) data[i] = Math.fround(data[i]);
      }
      values[n.id] = { shape: c.shape, batched: n.type.batched, data };
    }
    return values;
  }
}
