// The autodiff commands end to end: `cellc gradcheck`, `cellc gradflow` and
// `cellc graph --backward`. The main cases are spawned as a user runs them
// (node runtime/apps/cli/cellc.mjs …); the error cases call the same main() in
// this process (a spawn costs a second of tsx start-up each).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellc, inProcess, type Run } from '../support/cli.js';
import { ROOT } from './util.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-autodiff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const noStack = (r: Run) => expect(r.stderr).not.toMatch(/\n\s+at |internal error|bug in cellc/);

describe('cellc gradcheck', () => {
  it.concurrent('passes on the LSTM: header, one line per tensor, the dot-product test, exit 0', async () => {
    const r = await cellc(['gradcheck', 'dsl-examples/lstm.cell', '--T', '8', '--B', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('gradcheck LSTM: sizes I=3, H=4; T=8 B=2 seed=1; tol 1e-6; eps 1e-6');
    expect(lines[1]).toMatch(/^\s+tensor\s+kind\s+elements\s+max abs err\s+max rel err\s+result$/);
    for (const gate of ['i', 'f', 'o', 'g']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${gate}\\.W_x\\s+param\\s+12\\s+\\S+\\s+\\S+\\s+OK$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^\\s+${gate}\\.W_h\\s+param\\s+16\\s+\\S+\\s+\\S+\\s+OK$`, 'm'));
    }
    expect(r.stdout).toMatch(/^\s+h\s+initial state\s+8\s.*OK$/m);
    expect(r.stdout).toMatch(/^\s+x\s+input\s+48\s.*OK$/m); // T·B·I = 8·2·3
    expect(r.stdout).toMatch(/^\s+dot product test: ⟨u,Jᵀv⟩ = \S+ {2}⟨Ju,v⟩ = \S+ {2}rel \S+ {2}OK$/m);
    expect(lines.at(-1)).toMatch(/^\s+OK: 15 tensor\(s\)/);
    // the tensor lines are aligned: the result column starts at one offset
    const rows = lines.filter((l) => / (OK|FAIL)$/.test(l) && !l.includes('dot product') && !/^\s+(OK|FAIL):/.test(l));
    expect(rows.length).toBe(15);
    expect(new Set(rows.map((l) => l.length)).size).toBe(1);
  });

  it.concurrent('--eps 0.1 (too coarse): FAIL lines diagnosed as truncation error, exit 1', async () => {
    const r = await cellc(['gradcheck', 'dsl-examples/elman.cell', '--eps', '0.1', '--set', 'H=5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sizes I=3, H=5;.*; eps 1e-1$/m);
    expect(r.stdout).toMatch(/^\s+W\s+param\s+15\s.*FAIL\n\s+↳ truncation: rel err \S+, \S+, \S+ at ε = \S+, \S+, \S+; truncation error \(shrinks ∝ ε\^2\.\d\): the gradient is likely right; try a smaller --eps$/m);
    expect(r.stdout).toMatch(/^\s+FAIL: /m);
    expect(r.stdout).not.toMatch(/wrong gradient/);
    noStack(r);
  });

  it.concurrent('a bad option value (--T 0) is one error line naming the option, exit 1', async () => {
    const r = await cellc(['gradcheck', 'dsl-examples/elman.cell', '--T', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("cellc: --T expects a whole number ≥ 1, got '0'\n");
  });

  it.each([
    [['--B', 'abc'], /^cellc: --B expects a whole number ≥ 1, got 'abc'$/],
    [['--T', '2.5'], /^cellc: --T /],
    [['--B', '0'], /^cellc: --B /],
    [['--seed', '-3'], /^cellc: --seed /],
    [['--tol', 'x'], /^cellc: --tol expects a positive number/],
    [['--tol', '0'], /^cellc: --tol /],
    [['--eps', 'x'], /^cellc: --eps expects a positive number, got 'x'$/],
    [['--eps', '0'], /^cellc: --eps expects a positive number/],
    [['--eps', '-1e-6'], /^cellc: --eps expects a positive number/],
    [['--eps', '0.5'], /^cellc: --eps expects a step ≤ 0\.1/],
    [['--cell', 'Nope'], /^cellc: .* has no cell named 'Nope'/],
  ])('a bad option value %j is one error line naming the option, exit 1', async (opt, re) => {
    const r = await inProcess(['gradcheck', 'dsl-examples/elman.cell', ...opt]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(re);
    noStack(r);
  });
});

describe('cellc gradflow', () => {
  it('prints the t / norm table (per state and total) and writes a valid SVG line chart', async () => {
    const out = join(tmp, 'flow.svg');
    const r = await inProcess(['gradflow', 'dsl-examples/lstm.cell', '--T', '20', '--set', 'H=16', '--set', 'I=8', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('gradflow LSTM: sizes I=8, H=16; T=20 B=4 seed=1');
    expect(r.stdout).toMatch(/^\s+t\s+‖∂L\/∂s_t‖\s+‖∂L\/∂h_t‖\s+‖∂L\/∂c_t‖$/m);
    const rows = lines.filter((l) => /^\s+\d+(\s+\d\.\d{3}e[+-]\d+){3}$/.test(l));
    expect(rows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(Array.from({ length: 21 }, (_, i) => 20 - i));
    expect(lines.at(-1)).toBe(`  wrote ${out}`);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toMatch(/<path class="series" data-name="all states" d="M[\d. L]+"/);
    expect(svg).toMatch(/data-name="c"/);
  });

  it.concurrent('writes gradflow.svg in the working directory by default', async () => {
    const dir = mkdtempSync(join(tmp, 'cwd-'));
    const r = await cellc(['gradflow', join(ROOT, 'dsl-examples/elman.cell'), '--T', '5', '--set', 'H=8', '--set', 'I=4'], dir);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'gradflow.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<path /);
  });

  it('without --T, or with a bad one, is a one-line user error', async () => {
    for (const args of [[], ['--T', '-1'], ['--T', '3', '--B', '0']]) {
      const r = await inProcess(['gradflow', 'dsl-examples/elman.cell', '--out', join(tmp, 'x.svg'), ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--[TB]/);
      noStack(r);
    }
  });
});

describe('cellc graph --backward', () => {
  it('prints the backward step graph, equal to the golden file', async () => {
    const r = await inProcess(['graph', 'dsl-examples/gru.cell', '--backward']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'test/golden/backward/gru.ir'), 'utf8'));
  });

  it('--backward with --dot is a user error', async () => {
    const r = await inProcess(['graph', 'dsl-examples/gru.cell', '--backward', '--dot']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--dot and --backward/);
  });
});
