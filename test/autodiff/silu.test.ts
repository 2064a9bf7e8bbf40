// silu(x) = x·sigmoid(x) against an outside oracle: values of x / (1 + e⁻ˣ)
// and of its derivative s·(1 + x·(1 − s)), s = 1 / (1 + e⁻ˣ), computed once
// with Python's decimal module at 40 digits (not with the code under test),
// at points from the far negative tail (where silu underflows towards −0) to
// the far positive one (where it is x). Checked: the interpreter's float64
// rule, the hand-written formula, and the VJP rule run by the interpreter's
// backward pass (the gradient of y = silu(x) with cotangent 1).

import { describe, expect, it } from 'vitest';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import { EVAL_RULES, type EvalCtx } from '../../compiler/tools/interp/evalRules.js';
import type { Node } from '../../compiler/ir/graph.js';
import { cellFromText } from './util.js';

// [x, silu(x), silu'(x)]
const ORACLE: readonly (readonly [number, number, number])[] = [
  [-30, -2.8072868906517896e-12, -2.7137106609631341e-12],
  [-20, -4.1223072363804073e-8, -3.9161918660646786e-8],
  [-10, -0.00045397868702434395, -0.00040856020865708231],
  [-5, -0.033464254621424279, -0.02654743242966592],
  [-1, -0.2689414213699951, 0.072329488128513267],
  [-0.5, -0.18877033439907273, 0.26003881269734819],
  [0, 0, 0.5],
  [0.5, 0.3112296656009273, 0.73996118730265181],
  [1, 0.7310585786300049, 0.92767051187148675],
  [2, 1.7615941559557649, 1.0907842487848955],
  [5, 4.9665357453785761, 1.026547432429666],
  [10, 9.999546021312975, 1.000408560208657],
  [20, 19.999999958776929, 1.0000000391619186],
  [40, 40, 1.0000000000000002],
];
const xs = ORACLE.map((r) => r[0]);
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-14 * Math.max(Math.abs(b), 1e-300);

describe('silu against an outside oracle', () => {
  it('the interpreter rule gives x / (1 + e⁻ˣ) to float64 precision', () => {
    const node = { id: 0, op: 'silu', args: [], attrs: {}, type: { dtype: 'f32', shape: [], batched: false } } as unknown as Node;
    const ctx: EvalCtx = { node, shape: [xs.length], B: 1, sizes: {}, dimValue: () => 0, draw: () => ({ step: 0 }) };
    const out = EVAL_RULES.silu([{ shape: [xs.length], batched: false, data: Float64Array.from(xs) }], ctx);
    ORACLE.forEach(([x, y], i) => {
      expect(close(out[i], y), `silu(${x}) = ${out[i]}, oracle ${y}`).toBe(true);
      expect(close(x / (1 + Math.exp(-x)), y), `hand formula at ${x}`).toBe(true);
    });
    // the far tails stay finite: −0 (not NaN) below, x itself above
    const tails = EVAL_RULES.silu([{ shape: [2], batched: false, data: Float64Array.of(-1000, 1000) }], { ...ctx, shape: [2] });
    expect([...tails]).toEqual([-0, 1000]);
  });

  it('the VJP rule, run by the interpreter, gives s·(1 + x·(1 − s))', () => {
    const g = cellFromText('silu.cell', 'cell S(x) {\n  output y = silu(x)\n}\n');
    expect(g.nodes.some((n) => n.op === 'silu')).toBe(true); // a primitive op, not desugared
    const B = xs.length;
    const interp = new CellInterpreter(g, {}, B);
    const inputs = new Map([['x', [Float64Array.from(xs)]]]);
    const tape = interp.forward(new Map(), inputs, new Map(), 1);
    ORACLE.forEach(([x, y], i) => expect(close(tape.outputs.get('y')![0][i], y), `forward at ${x}`).toBe(true));
    const grads = interp.backward(new Map(), inputs, tape, new Map([['y', [new Float64Array(B).fill(1)]]]), new Map());
    const dx = grads.inputs.get('x')![0];
    ORACLE.forEach(([x, , d], i) => expect(Math.abs(dx[i] - d) <= 1e-14 * Math.abs(d), `silu'(${x}) = ${dx[i]}, oracle ${d}`).toBe(true));
  });
});
