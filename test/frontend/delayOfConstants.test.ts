// delay() of a value that does not change from step to step (a literal, a
// parameter, a next state computed from parameters only) is accepted like any
// other value (SPEC 4.7): its taps are 0 until the sequence reaches them, then
// the value. (A next state computed from parameters only used to be E204 while
// the same state's own value was accepted.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { CellInterpreter } from '../../compiler/tools/index.js';
import { ROOT } from '../autodiff/util.js';

describe('delay of constants, parameters and parameter-only next states', () => {
  const path = join(ROOT, 'test/fixtures/cells/delay_of_params.cell');
  const r = checkSource(path, readFileSync(path, 'utf8'));

  it('checks without a diagnostic', () => {
    expect(r.diagnostics).toEqual([]);
  });

  it("the taps are 0 before the sequence reaches them, then the value (z_t = delay(a, 3) · delay(2, 3) + Σ delay(w, 2))", () => {
    const g = r.graphs[0];
    const B = 2;
    const T = 5;
    const interp = new CellInterpreter(g, { I: 3, H: 4 }, B);
    const w = Float64Array.of(0.5, -1, 2, 0.25);
    const a = 0.7;
    const params = new Map([
      ['w', w],
      ['a', Float64Array.of(a)],
    ]);
    const x = new Map([['x', Array.from({ length: T }, () => new Float64Array(B * 3))]]);
    const tape = interp.forward(params, x, interp.initialStates(), T);
    const sw = w.reduce((s, v) => s + v, 0);
    const want = [0, 2 * a + sw, 4 * a + 2 * sw, 6 * a + 2 * sw, 6 * a + 2 * sw];
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) expect(tape.outputs.get('z')![t][b], `t=${t} b=${b}`).toBeCloseTo(want[t], 12);
    // the register of c' = 2w: (c'_{t−1}, c'_{t−2}) — c'_t = 2w at every step
    const taps = (t: number) => Array.from(tape.states.get("c'.delay2")![t].subarray(0, 8));
    expect(taps(0)).toEqual(new Array(8).fill(0));
    expect(taps(1)).toEqual([...Array.from(w, (v) => 2 * v), 0, 0, 0, 0]);
    expect(taps(2)).toEqual([...Array.from(w, (v) => 2 * v), ...Array.from(w, (v) => 2 * v)]);
  });
});
