// Dawn's two limit warnings are filtered out of the GPU commands' stderr
// (runtime/apps/cli/stderrFilter.mjs): the filter over arbitrary chunkings,
// then the parent/child pair with a stand-in child that writes the warnings in
// pieces, a progress line without a newline, and exits with a code or dies of
// a signal — and dies with its parent.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the launcher, without types
import { dawnWarningFilter, needsFilter } from '../../runtime/apps/cli/stderrFilter.mjs';

const WARN_U = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
const WARN_S = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
const filterUrl = new URL('../../runtime/apps/cli/stderrFilter.mjs', import.meta.url).href;

/** Feeds `text` to a fresh filter in pieces of `size` characters; what comes out, and whether each piece came out at once. */
function through(text: string, size: number): string {
  const f = dawnWarningFilter() as { feed(s: string): string; end(): string };
  let out = '';
  for (let i = 0; i < text.length; i += size) out += f.feed(text.slice(i, i + size));
  return out + f.end();
}

describe('the Dawn warning filter', () => {
  const other = 'run LSTM: sizes I=3\n';
  const lookalike = 'Warning: maxDynamicUniformBuffersPerPipelineLayout is odd\n';
  const text = `${WARN_U}${other}${WARN_S}${lookalike}mid-line Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\nlast line without newline`;
  const expected = `${other}${lookalike}mid-line Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\nlast line without newline`;

  it.each([1, 2, 3, 7, 19, 64, 1000])('drops exactly the two complete warning lines, in chunks of %i characters', (size) => {
    expect(through(text, size)).toBe(expected);
  });

  it('passes other text at once, even without a newline (a progress bar redrawn with \\r)', () => {
    const f = dawnWarningFilter() as { feed(s: string): string };
    expect(f.feed('\r[███░░] 3/10')).toBe('\r[███░░] 3/10');
    expect(f.feed('\r[████░] 4/10')).toBe('\r[████░] 4/10');
    // a line that begins like a warning is held only until it can no longer be one
    expect(f.feed('\nWarn')).toBe('\n');
    expect(f.feed('ing: something else')).toBe('Warning: something else');
  });

  it('runs only for the commands that open a GPU, and not in the child or with CELLC_STDERR=raw', () => {
    expect(needsFilter(['run', 'x.cell'], {})).toBe(true);
    expect(needsFilter(['train', 'x.cell', '--task', 'adding'], {})).toBe(true);
    expect(needsFilter(['check', 'x.cell'], {})).toBe(false);
    expect(needsFilter(['--version'], {})).toBe(false);
    expect(needsFilter(['run', 'x.cell'], { CELLC_STDERR_FILTERED: 'pipe' })).toBe(false);
    expect(needsFilter(['run', 'x.cell'], { CELLC_STDERR: 'raw' })).toBe(false);
  });
});

describe('the filtered child process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellc-stderr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const child = join(dir, 'child.mjs');
  // the stand-in for the CLI: writes in pieces, then exits as told by its argument
  writeFileSync(
    child,
    `import { setUpChild } from ${JSON.stringify(filterUrl)};
setUpChild();
const w = (s) => new Promise((r) => process.stderr.write(s, r));
await w(${JSON.stringify(WARN_U.slice(0, 30))});
await w(${JSON.stringify(WARN_U.slice(30) + WARN_S)});
await w('progress 1/2');
await w('\\rprogress 2/2\\n');
process.stdout.write('out ' + process.argv[2] + ' ' + (process.stderr.isTTY === true) + '\\n');
const mode = process.argv[2];
if (mode === 'code') process.exit(7);
if (mode === 'signal') process.kill(process.pid, 'SIGTERM');
if (mode === 'wait') setInterval(() => {}, 1000);
`,
  );
  const parent = join(dir, 'parent.mjs');
  writeFileSync(parent, `import { runFiltered } from ${JSON.stringify(filterUrl)};\nawait runFiltered(${JSON.stringify(child)}, process.argv.slice(2));\n`);

  it('the child’s stderr without the warnings, its stdout untouched, its exit code', () => {
    const r = spawnSync(process.execPath, [parent, 'code'], { encoding: 'utf8' });
    expect(r.stderr).toBe('progress 1/2\rprogress 2/2\n');
    expect(r.stdout).toBe('out code false\n');
    expect(r.status).toBe(7);
  });

  it('a child that dies of a signal: the parent dies of the same signal', () => {
    const r = spawnSync(process.execPath, [parent, 'signal'], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGTERM');
  });

  it('a signal to the parent reaches the child; a parent killed outright takes the child with it', async () => {
    const run = (mode: string) => {
      const p = spawn(process.execPath, [parent, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += String(d)));
      const started = new Promise<void>((resolve) => p.stdout.on('data', () => resolve()));
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
      return { p, started, ended, out: () => out };
    };
    const a = run('wait');
    await a.started;
    a.p.kill('SIGTERM');
    expect(await a.ended).toEqual({ code: null, signal: 'SIGTERM' }); // the child died of it, so did the parent

    const b = run('wait');
    await b.started;
    const pids = spawnSync('pgrep', ['-f', `${child} wait`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    expect(pids).toHaveLength(1);
    b.p.kill('SIGKILL');
    await b.ended;
    await expect.poll(() => spawnSync('pgrep', ['-f', `${child} wait`], { encoding: 'utf8' }).stdout.trim(), { timeout: 5000 }).toBe('');
  });
});

describe('Ctrl-C through the filter: one event, not two presses', () => {
  it('a signal delivered twice at once stops the run once; a second press later exits at once (130)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellc-interrupt-'));
    try {
      const script = join(dir, 'twice.ts');
      const interrupt = new URL('../../runtime/apps/cli/interrupt.ts', import.meta.url).href;
      writeFileSync(
        script,
        `import { watchInterrupt } from ${JSON.stringify(interrupt)};
const i = watchInterrupt();
process.kill(process.pid, 'SIGINT');
process.kill(process.pid, 'SIGINT'); // the terminal's copy and the forwarded one
setTimeout(() => {
  process.stdout.write('alive ' + i.signal.interrupted + ' ' + i.signal.by + '\\n');
  process.kill(process.pid, 'SIGINT'); // a real second press
  setTimeout(() => process.stdout.write('not reached\\n'), 2000);
}, 600);
`,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
      expect(r.stdout).toBe('alive true SIGINT\n');
      expect(r.status).toBe(130);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
