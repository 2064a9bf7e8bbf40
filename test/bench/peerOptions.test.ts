// The peer benchmark's options (runtime/apps/bench/peers/options.ts): the
// grid, the lists, the numbers, and a one-sentence error naming the flag for
// bad input — in-process, and from the entry as a user runs it (exit 1).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../runtime/apps/cli/io.js';
import { DEFAULT_GRID, parseBenchArgs, parseGrid, PEERS, QUICK_GRID } from '../../runtime/apps/bench/peers/options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const errorOf = (argv: string[]) => {
  try {
    parseBenchArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseGrid', () => {
  it('reads B,T,H points separated by semicolons, spaces allowed', () => {
    expect(parseGrid('8,20,32; 16, 50, 128')).toEqual([
      { B: 8, T: 20, H: 32 },
      { B: 16, T: 50, H: 128 },
    ]);
  });
  it.each([
    ['1,2', /'1,2' is not B,T,H/],
    ['1,2,3,4', /'1,2,3,4' is not B,T,H/],
    ['1,0,3', /'1,0,3' is not B,T,H with three whole numbers ≥ 1/],
    ['1,2.5,3', /'1,2.5,3'/],
    ['a,b,c', /'a,b,c'/],
    ['1,2,3;', /--grid expects "B,T,H;B,T,H…"/],
    ['', /--grid expects/],
  ])('rejects %j', (text, message) => {
    expect(() => parseGrid(text)).toThrow(UserError);
    expect(() => parseGrid(text)).toThrow(message);
  });
});

describe('parseBenchArgs', () => {
  it('defaults: the four sizes of the brief, every cell and peer, 5 runs after 2 warm-ups, bench-results/', () => {
    const o = parseBenchArgs([]);
    expect(o.grid).toEqual([
      { B: 8, T: 20, H: 32 },
      { B: 16, T: 50, H: 128 },
      { B: 1, T: 200, H: 128 },
      { B: 64, T: 100, H: 256 },
    ]);
    expect(o.grid).toBe(DEFAULT_GRID);
    expect(o.cells).toEqual(['lstm', 'gru', 'mut1', 'lnlstm']);
    expect(o.peers).toEqual([...PEERS]);
    expect([o.runs, o.warmup, o.out, o.timeout, o.quick, o.help]).toEqual([5, 2, 'bench-results', 300, false, false]);
    expect(o.python).toBeUndefined();
  });

  it('--quick: one small size, one run and one warm-up unless given', () => {
    const o = parseBenchArgs(['--quick']);
    expect(o.grid).toBe(QUICK_GRID);
    expect(o.grid).toHaveLength(1);
    expect([o.runs, o.warmup]).toEqual([1, 1]);
    expect(parseBenchArgs(['--quick', '--runs', '3']).runs).toBe(3);
  });

  it('every flag', () => {
    const o = parseBenchArgs(['--grid', '2,3,4', '--cells', 'gru,lnlstm,gru', '--peers', 'torch', '--runs', '7', '--warmup', '0', '--out', '/tmp/x', '--timeout', '30', '--python', '/opt/py']);
    expect(o.grid).toEqual([{ B: 2, T: 3, H: 4 }]);
    expect(o.cells).toEqual(['gru', 'lnlstm']);
    expect(o.peers).toEqual(['torch']);
    expect([o.runs, o.warmup, o.out, o.timeout, o.python]).toEqual([7, 0, '/tmp/x', 30, '/opt/py']);
  });

  it.each([
    [['--runs', '0'], "--runs expects a whole number ≥ 1, got '0'"],
    [['--runs', 'x'], "--runs expects a whole number ≥ 1, got 'x'"],
    [['--warmup=-1'], "--warmup expects a whole number ≥ 0, got '-1'"],
    [['--timeout', '1.5'], "--timeout expects a whole number ≥ 1, got '1.5'"],
    [['--cells', 'lstm,elman'], "--cells: unknown name 'elman' (expected lstm, gru, mut1, lnlstm)"],
    [['--peers', 'jax'], "--peers: unknown name 'jax' (expected tfjs-webgpu, tfjs-cpu, torch)"],
    [['--cells', ','], "--cells expects a comma-separated list of lstm, gru, mut1, lnlstm, got ','"],
    [['--quick', '--grid', '1,2,3'], '--quick and --grid exclude each other: --quick runs one small size'],
    [['--fast'], "Unknown option '--fast' (see --help)"],
    [['--runs'], "Option '--runs <value>' argument missing (see --help)"],
    [['extra'], "Unexpected argument 'extra' (see --help)"],
  ])('%j: %s', (argv, message) => {
    expect(errorOf(argv)).toBe(message);
  });
});

describe('the entry with bad flags', () => {
  it.each([[['--grid', '8,20']], [['--cells', 'lstm,nope']], [['--bogus']]])('%j: one line on stderr, exit 1, nothing on stdout', (argv) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/apps/bench/peers/run.ts', ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: (--grid|--cells|Unknown option)/);
  });

  it('--help prints the usage and exits 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'runtime/apps/bench/peers/run.ts', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run bench -- \[options\]/);
    for (const flag of ['--grid', '--cells', '--peers', '--runs', '--warmup', '--out', '--quick']) expect(r.stdout).toContain(flag);
  });
});
