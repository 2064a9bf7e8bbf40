// Non-finite values reach the host (issue: the GPU turned NaN and Inf into 0).
//
//   - NaN parameters: tanh, relu, maximum/minimum and the max reduction keep a
//     NaN (WGSL's clamp/max/min may drop it); `apply` on the GPU and with the
//     float64 reference refuse the same output at the same step.
//   - an overflow at run time (exp of a large input) is Inf on the GPU too:
//     `run` exits 1 naming the output and the first step.
//   - a division by a value that is 0 for every input (which a driver may fold
//     to a finite value) is E207 before anything runs.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../runtime/apps/train/safetensors.js';
import { inProcess } from '../support/cli.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cellc-nonfinite-'));
const write = (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

// each output keeps the NaN of w's first row through a different op
const NAN_CELL = `cell K(x[I]) {
  size I = 3
  size H = 5
  state h[H] = 0
  param w[H, I] init uniform(-1, 1)
  u = w @ x
  h' = tanh(u + h)
  output r = relu(u)
  output m = maximum(u, 0)
  output n = minimum(u, 0)
  output s = max(u)
}
`;

const T = 3;
const B = 3;
const inputs = { x: Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => [0.1 * t + 0.3, -0.2 * b, 0.5])) };

function nanParams(row: number): Uint8Array {
  const w = new Float32Array(15).map((_, i) => 0.1 * ((i % 7) - 3));
  for (let k = 0; k < 3; k++) w[row * 3 + k] = NaN;
  return encodeSafetensors(new Map([['w', { shape: [5, 3], data: w }]]));
}

let dev: TestDevice;
beforeAll(async () => {
  dev = await acquireTestDevice('nonFinite');
  dev.ctx?.destroy(); // the CLI acquires its own device: this one only tells whether there is an adapter
}, 120_000);

describe('non-finite values survive to the host', { timeout: 300_000 }, () => {
  it('NaN parameters: the GPU reports the same output and step as the float64 reference (tanh, relu, maximum, minimum, max)', async (t) => {
    deviceOrSkip(t, dev);
    const cell = write('k.cell', NAN_CELL);
    const inp = write('in.json', JSON.stringify(inputs));
    const params = write('nan.safetensors', nanParams(2));
    const said: string[] = [];
    for (const ref of [[], ['--reference']]) {
      const r = await inProcess(['apply', cell, '--inputs', inp, '--params', params, ...ref]);
      expect(r.code, r.stderr).toBe(1);
      const m = /^cellc: output (\w+) is NaN first at step t=0 \(example 0, element (\d)\)/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      said.push(m![0]);
      expect(r.stderr).not.toMatch(/internal|    at /);
    }
    expect(said[0]).toBe(said[1]);
    // each op on its own: a cell with only that output
    for (const [name, expr] of [['m', 'maximum(u, 0)'], ['n', 'minimum(u, 0)'], ['s', 'max(u)'], ['th', "tanh(u)"]]) {
      const one = write(`${name}.cell`, NAN_CELL.replace(/  output r[\s\S]*\}\n$/, `  output ${name} = ${expr}\n}\n`));
      const r = await inProcess(['apply', one, '--inputs', inp, '--params', params]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^cellc: output ${name} is NaN first at step t=0 \\(example 0, element ${name === 's' ? 0 : 2}\\)`));
    }
    // finite parameters: the same cell applies cleanly
    const ok = await inProcess(['apply', cell, '--inputs', inp]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('run: an overflow at run time is Inf on the GPU; exit 1 naming the output and its first step', async (t) => {
    deviceOrSkip(t, dev);
    // x is uniform in [-1, 1): exp(200·x) overflows f32 wherever x > 0.45, so at the first step already
    const cell = write('inf.cell', "cell E(x[I]) {\n  size I = 3\n  state h[I] = 0\n  h' = tanh(h + x)\n  output y = exp(x * 200)\n}\n");
    const r = await inProcess(['run', cell, '--B', '3', '--T', '5']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/output\s+y\s+.*NOT FINITE/);
    expect(r.stderr).toMatch(/^cellc: values are not finite: output y is Infinity first at step t=0 \(example \d, element \d\)/);
  });

  it("h/0 + x/(x-x) is E207 at check, at each denominator", async () => {
    const cell = write('div.cell', "cell N(x[I]) {\n  size I = 3\n  state h[I] = 0\n  h' = tanh(h + x)\n  output y = h'/0 + x/(x-x)\n}\n");
    for (const cmd of ['check', 'run']) {
      const r = await inProcess([cmd, cell]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/div\.cell:5:17: error E207: '\/' divides by a value that is 0 for every input/);
      expect(r.stderr).toMatch(/div\.cell:5:24: error E207/);
    }
  });
});
