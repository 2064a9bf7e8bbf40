// The CPU commands (gradcheck, gradflow) at sizes the interpreter cannot hold,
// and results that are not numbers: a clear error before any allocation
// (naming the largest tensor), and NaN errors reported as FAIL — never an
// internal error, a heap crash or an `OK` on NaN.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuFootprint } from '../../compiler/tools/index.js';
import { inProcess, type Run } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-cpu-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectUserError(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error|bug in cellc|Invalid typed array/);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}

describe('sizes the CPU interpreter cannot hold', () => {
  it('gradflow --set H=100000 names the tensor and its size, before allocating', async () => {
    const t0 = Date.now();
    expectUserError(
      await inProcess(['gradflow', 'dsl-examples/lstm.cell', '--T', '10', '--set', 'H=100000', '--out', join(tmp, 'g.svg')]),
      /^cellc: gradflow runs on the CPU and would need about \S+ GiB for T=10, B=4 \(more than the 4\.00 GiB it allows\); the largest tensor is \w\.W_h \[100000, 100000\] \(10,000,000,000 values\)/,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
  it('gradflow --T 10000000 and gradcheck --T 1000000 are bounded', async () => {
    expectUserError(await inProcess(['gradflow', 'dsl-examples/lstm.cell', '--T', '10000000', '--out', join(tmp, 'g.svg')]), /gradflow runs on the CPU .* for T=10000000/);
    expectUserError(await inProcess(['gradcheck', 'dsl-examples/lstm.cell', '--T', '1000000']), /gradcheck runs on the CPU .* for T=1000000/);
  });
  it('the estimate grows with T per step and counts parameters once', async () => {
    const { check } = await import('../../compiler/index.js');
    const g = check('cell A(x[4]) {\n  param W[4, 4] init glorot\n  state h[4] = 0\n  h\' = tanh(W @ x + h)\n  output h\'\n}\n', 'a.cell').graphs[0];
    const a = cpuFootprint(g, {}, 2, 10).bytes;
    const b = cpuFootprint(g, {}, 2, 20).bytes;
    const c = cpuFootprint(g, {}, 2, 30).bytes;
    expect(c - b).toBe(b - a);
    expect(a).toBeGreaterThan(0);
  });
});

describe('gradcheck never says OK on NaN', () => {
  it('a cell whose gradients are NaN fails, exit 1', async () => {
    const file = join(tmp, 'nan.cell');
    writeFileSync(file, "cell A(x[2]) {\n  state h[2] = 0\n  h' = tanh(h + x) + log(x - x)\n  output h'\n}\n");
    const r = await inProcess(['gradcheck', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/NaN.*\sOK$/m);
    expect(r.stdout).toMatch(/^\s+x\s+input\s+32\s+NaN\s+\S+\s+FAIL$/m);
    expect(r.stdout).toMatch(/^ {2}FAIL: /m);
  });
});

describe('apply: a literal beyond the range of a number', () => {
  it('1e400 is reported as Infinity, not as null', async () => {
    const inputs = join(tmp, 'big.json');
    writeFileSync(inputs, '{"x": [[[1e400, 0]]]}');
    const file = join(tmp, 'a.cell');
    writeFileSync(file, "cell A(x[2]) {\n  state h[2] = 0\n  h' = tanh(h + x)\n  output h'\n}\n");
    expectUserError(await inProcess(['apply', file, '--inputs', inputs, '--reference']), /x\[0\]\[0\]\[0\] must be a finite number, got Infinity \(beyond the range of a number\)/);
  });
});
