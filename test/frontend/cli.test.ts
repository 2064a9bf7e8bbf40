// The real `cellc` command line, run as a child process from the repository
// root. Each spawn costs about half a second (tsx compiles the sources), so
// files are batched into one `check` call wherever the assertions allow.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const examples = readdirSync(join(ROOT, 'dsl-examples'))
  .filter((f) => f.endsWith('.cell'))
  .sort()
  .map((f) => `dsl-examples/${f}`);

const tmp = mkdtempSync(join(tmpdir(), 'cellc-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cellc(...args: string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.CELLC_DEBUG;
  const r = spawnSync(process.execPath, ['runtime/apps/cli/cellc.mjs', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** No stack trace and no internal-error report anywhere in the output. */
function expectNoCrash(r: Run): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toMatch(/^ {4}at /m);
  expect(all).not.toMatch(/internal (compiler )?error|this is a bug in cellc|Maximum call stack/i);
  expect(r.code, all).not.toBe(2);
}

const write = (name: string, text: string | Buffer): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('cellc check', () => {
  it('accepts every example in one call: exit 0, one ok line per file', () => {
    const r = cellc('check', ...examples);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(examples.length);
    examples.forEach((f, i) => expect(lines[i]).toMatch(new RegExp(`^${f}: ok \\(\\w+(, \\w+)*\\)$`)));
    expect(lines).toContain('dsl-examples/lstm.cell: ok (LSTM)');
  });

  it('a bad file: exit 1, FILE:LINE:COL: error CODE: message, the source line and a caret line', () => {
    const bad = write('bad.cell', ['cell A(x[I]) {', '  state h[I] = 0', "  h' = tanhh(h)", "  output h'", '}', ''].join('\n'));
    const two = write('two.cell', ['cell A(x[I]) {', '  state h[I] = 0', '  a = x $+ 2', "  h' = x +* h", "  output h'", '}', ''].join('\n'));
    const r = cellc('check', 'dsl-examples/elman.cell', bad, two);
    expect(r.code).toBe(1);
    expectNoCrash(r);
    // the good file still passes
    expect(r.stdout).toBe('dsl-examples/elman.cell: ok (Elman)\n');
    expect(r.stderr).toBe(
      [
        `${bad}:3:8: error E301: unknown function 'tanhh'`,
        '  |',
        "3 |   h' = tanhh(h)",
        '  |        ^^^^^',
        `${two}:3:9: error E001: unexpected character '$'`,
        '  |',
        '3 |   a = x $+ 2',
        '  |         ^',
        `${two}:4:11: error E002: expected an expression, found '*'`,
        '  |',
        "4 |   h' = x +* h",
        '  |           ^',
        '3 error(s)',
        '',
      ].join('\n'),
    );
  });

  it('a missing file: a one-line message, exit 1, no stack trace', () => {
    const missing = join(tmp, 'no-such-file.cell');
    const r = cellc('check', missing);
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/no such file/);
    expect(lines[0]).toContain(missing);
    expect(lines.filter((l) => l.includes(missing))).toHaveLength(1);
    expect(lines.slice(1)).toEqual(['1 error(s)']);
  });

  it('random garbage files (and a directory) never print a stack trace', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const files: string[] = [];
    for (let i = 0; i < 24; i++) {
      const n = Math.floor(rand() * 300);
      const bytes = Buffer.alloc(n);
      for (let k = 0; k < n; k++) bytes[k] = i % 3 === 0 ? Math.floor(rand() * 256) : ' \n\t()[]{}=+-*/@:;,<>!#\'$abcxhH019'.charCodeAt(Math.floor(rand() * 34));
      // every other file starts like a real cell, so the noise reaches the parser and the elaborator
      const prefix = i % 2 ? Buffer.from('cell A(x[I]) {\n  state h[I] = 0\n  h\' = ') : Buffer.alloc(0);
      files.push(write(`garbage${i}.cell`, Buffer.concat([prefix, bytes])));
    }
    files.push(write('empty.cell', ''));
    files.push(write('nul.cell', Buffer.from([0, 0, 0])));
    files.push(write('deep.cell', `cell A(x[I]) { state h[I] = 0\n h' = ${'tanh('.repeat(400)}x\n output h' }\n`));
    const dir = join(tmp, 'a-directory.cell');
    mkdirSync(dir, { recursive: true });
    files.push(dir);
    const r = cellc('check', ...files);
    expect(r.code).toBe(1);
    expectNoCrash(r);
    // every file is accounted for: an error for each (the noise is never a valid cell)
    for (const f of files) expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(/is a directory/);
    expect(r.stderr).toMatch(/\d+ error\(s\)\n$/);
  });
});

describe('cellc graph', () => {
  const goldenElman = readFileSync(join(ROOT, 'test/golden/ir/elman.ir'), 'utf8');

  it('--set H=7 changes the printed size and nothing else', () => {
    const r = cellc('graph', 'dsl-examples/elman.cell', '--set', 'H=7');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe('  sizes I = 64, H = 7');
    expect(r.stdout).toBe(goldenElman.replace('H = 128', 'H = 7'));
    // shapes stay symbolic
    expect(r.stdout).toContain('%1 W: f32[H,I] = param W init glorot  # line 13');
  });

  it('--set Q=1 fails with E401 naming the settable sizes', () => {
    const r = cellc('graph', 'dsl-examples/elman.cell', '--set', 'Q=1');
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error E401: cell Elman has no size symbol 'Q' that can be set \(settable: I, H\)/);
  });

  it('--dot prints the golden DOT of lstm.cell', () => {
    const r = cellc('graph', 'dsl-examples/lstm.cell', '--dot');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'test/golden/dot/lstm.dot'), 'utf8'));
  });

  it('--after STAGE prints each stage of the driver; an unknown stage is one line naming the stages', () => {
    const after = (stage: string) => cellc('graph', 'dsl-examples/gru.cell', '--set', 'I=3', '--set', 'H=5', '--after', stage);
    const expected: Record<string, RegExp> = {
      check: /^cell GRU\n/,
      bind: /^# sizes: I=3, H=5\ncell GRU\n/,
      lower: /^backward GRU\n[\s\S]*dstate h = %\d+/,
      schedule: /^# schedule of GRU; sizes I=3, H=5\nforward\n[\s\S]*fused f_loop_level1 \(level 1\)[\s\S]*memory \(offsets in elements/,
      generate: /^\/\/ cellc: GRU \(sizes I=3, H=5\); \d+ kernel\(s\)[\s\S]*@compute/,
    };
    for (const [stage, re] of Object.entries(expected)) {
      const r = after(stage);
      expectNoCrash(r);
      expect(r.code, stage).toBe(0);
      expect(r.stdout, stage).toMatch(re);
    }
    const bad = after('parse');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("cellc: --after expects one of the driver's stages: check, bind, lower, schedule, generate; got 'parse'\n");
  });

  it('a file with errors: the diagnostics, exit 1, no stack trace', () => {
    const bad = write('graph-bad.cell', ['cell A(x[I]) {', '  state h[H] = 0', "  h' = h", "  output h'", '}', ''].join('\n'));
    const r = cellc('graph', bad, '--set', 'H=0');
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`${bad}:2:11: error E107: undefined size 'H'`);
  });
});

describe('cellc usage errors', () => {
  it('an unknown command exits non-zero without a stack trace', () => {
    const r = cellc('frobnicate', 'dsl-examples/lstm.cell');
    expect(r.code).not.toBe(0);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
