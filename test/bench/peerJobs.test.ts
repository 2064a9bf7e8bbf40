// How the peer benchmark turns a child process into a figure or a reason
// (childJob.ts), with real child processes that crash, hang, fail or do not
// exist, and the detection of an absent torch (detect.ts).

import { describe, expect, it } from 'vitest';
import { interpret, runJob } from '../../runtime/apps/bench/peers/childJob.js';
import { detectPeers, detectTorch, torchEnv } from '../../runtime/apps/bench/peers/detect.js';

const node = (code: string, timeoutS = 30) => runJob(process.execPath, ['-e', code], { cwd: process.cwd(), timeoutS });

describe('interpret', () => {
  it('the last result line is the value; other output is ignored', () => {
    expect(interpret('banner\ncellc-bench-result {"a":1}\nmore\ncellc-bench-result {"a":2}\n', '', 0, null, false, 9)).toEqual({ ok: true, value: { a: 2 } });
  });
  it('an error line the child printed is the reason', () => {
    expect(interpret('', 'Error: x\n    at y\ncellc-bench-error the adapter was lost\n', 1, null, false, 9)).toEqual({ ok: false, reason: 'the adapter was lost' });
  });
  it('otherwise the last line of stderr, or the exit code', () => {
    expect(interpret('', 'first\nlast words\n\n', 3, null, false, 9)).toEqual({ ok: false, reason: 'last words' });
    expect(interpret('', '', 3, null, false, 9)).toEqual({ ok: false, reason: 'exit code 3' });
  });
  it('a signal is a crash, a timeout says how long it waited', () => {
    expect(interpret('', 'Segmentation fault\n', null, 'SIGSEGV', false, 9)).toEqual({ ok: false, reason: 'crashed (SIGSEGV): Segmentation fault' });
    expect(interpret('', '', null, 'SIGKILL', true, 9)).toEqual({ ok: false, reason: 'timed out after 9 s' });
  });
  it('exit 0 without a result, or with one that is not JSON', () => {
    expect(interpret('hello\n', '', 0, null, false, 9)).toEqual({ ok: false, reason: 'the job printed no result' });
    expect(interpret('cellc-bench-result {oops\n', '', 0, null, false, 9)).toEqual({ ok: false, reason: 'the job printed a result that is not JSON' });
  });
  it('a long reason is cut to one line of 200 characters', () => {
    const r = interpret('', `cellc-bench-error ${'x'.repeat(500)}\n`, 1, null, false, 9);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason.length).toBe(200);
  });
});

describe('runJob with real children', () => {
  it('a result', async () => {
    const r = await node('console.log("noise"); console.log("cellc-bench-result " + JSON.stringify({ fwd_ms: 1 }))');
    expect(r).toMatchObject({ ok: true, value: { fwd_ms: 1 } });
    expect(r.wallS).toBeGreaterThan(0);
  });
  it('a child that crashes is a reason, not an exception', async () => {
    const r = await node('process.kill(process.pid, "SIGSEGV")');
    expect(r).toMatchObject({ ok: false, reason: 'crashed (SIGSEGV)' });
  });
  it('a child that hangs is stopped at the timeout', async () => {
    const r = await node('setInterval(() => {}, 1000)', 1);
    expect(r).toMatchObject({ ok: false, reason: 'timed out after 1 s' });
    expect(r.wallS).toBeLessThan(20);
  });
  it('an error the child reports', async () => {
    const r = await node('console.error("cellc-bench-error no adapter"); process.exit(1)');
    expect(r).toMatchObject({ ok: false, reason: 'no adapter' });
  });
  it('a command that does not exist', async () => {
    const r = await runJob('/nonexistent/python3', [], { cwd: process.cwd(), timeoutS: 5 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^could not start \/nonexistent\/python3: .*ENOENT/);
  });
});

describe('detecting peers', () => {
  it('a Python that does not exist, or one without torch: absent, saying which and why', () => {
    const s = detectTorch(['/nonexistent/python3', process.execPath]);
    expect(s.present).toBe(false);
    // node given as a "python": it runs, rejects `-c`… and is reported with its own last line
    expect(!s.present && s.reason).toMatch(/^no Python with torch \(\/nonexistent\/python3: not found; .+: .+\)$/);
  });
  it('--python replaces the candidates', () => {
    expect(detectPeers(['torch'], '/nonexistent/python3')).toEqual([{ peer: 'torch', present: false, reason: 'no Python with torch (/nonexistent/python3: not found)' }]);
  });
  it('TF.js is installed here (a dev dependency)', () => {
    expect(detectPeers(['tfjs-cpu', 'tfjs-webgpu'])).toEqual([
      { peer: 'tfjs-cpu', present: true, version: '4.22.0' },
      { peer: 'tfjs-webgpu', present: true, version: '4.22.0' },
    ]);
  });
  it('torch runs without the OpenBLAS variables that stop Debian\'s torch from loading', () => {
    const env = torchEnv({ PATH: '/bin', OPENBLAS_CORETYPE: 'x', OPENBLAS_L2_SIZE: '1' });
    expect(env).toEqual({ PATH: '/bin' });
  });
});
