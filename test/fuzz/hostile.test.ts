// The hostile-input suite, a sample of what `npm run fuzz:hostile` runs in
// full: seeded malformed sources through the compiler in this process, every
// corrupt checkpoint variant through export-torch and a sample through eval,
// apply and --resume, and a few abusive command lines as a user runs them (a
// child process each). For every case: no exception, no exit 2, no stack
// trace, an answer within the limit, and a located diagnostic for sources.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { judgeCli, runInProcess } from '../../runtime/apps/fuzz/hostile/capture.js';
import { checkpointCommands, goodCheckpoint } from '../../runtime/apps/fuzz/hostile/checkpointCases.js';
import { checkpointVariants } from '../../runtime/apps/fuzz/hostile/checkpoints.js';
import { cliCases } from '../../runtime/apps/fuzz/hostile/cliCases.js';
import { judgeSource } from '../../runtime/apps/fuzz/hostile/judge.js';
import { hostileSource, SOURCE_FAMILIES } from '../../runtime/apps/fuzz/hostile/sources.js';
import { checkSource } from '../../compiler/frontend.js';
import { cellc, ROOT } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-hostile-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const examples = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort().map((f) => readFileSync(join(ROOT, 'dsl-examples', f), 'utf8'));

describe('hostile sources', { timeout: 600_000 }, () => {
  it('350 seeded cases of every family: an artifact or located diagnostics, never an exception, in time', () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 350; i++) {
      const c = hostileSource(examples, 7, i);
      seen.add(c.family);
      const v = judgeSource(c.text);
      if (v.problem) problems.push(`case ${i} (${c.family}): ${v.problem}`);
    }
    expect(problems).toEqual([]);
    expect([...seen].sort()).toEqual([...SOURCE_FAMILIES].sort());
  });

  it('the generator is seeded: the same case twice is the same text', () => {
    expect(hostileSource(examples, 3, 11)).toEqual(hostileSource(examples, 3, 11));
    expect(hostileSource(examples, 3, 11).text).not.toBe(hostileSource(examples, 4, 11).text);
  });

  it('20,000 postfix slices parse (linear: this took minutes) and are E003, located', () => {
    const text = `cell S(x[H]) {\n  size H = 2\n  state h[H] = 0\n  h' = h\n  output y = h${'[0:2]'.repeat(20_000)}\n}\n`;
    const r = checkSource('s.cell', text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E003']);
    expect(r.diagnostics[0].span).toBeDefined();
    const lines = `cell S(x[H]) {\n  size H = 2\n  state h[H] = 0\n  h' = h\n${Array.from({ length: 20_000 }, (_, i) => `  a${i} = h[0:1]\n`).join('')}  output y = a0\n}\n`;
    expect(checkSource('l.cell', lines).diagnostics).toEqual([]);
  });
});

describe('corrupt checkpoints', { timeout: 900_000 }, () => {
  const good = goodCheckpoint(ROOT);
  const variants = checkpointVariants(good, 1);

  it('at least 40 variants; every one through export-torch is one sentence or a clean export', async () => {
    expect(variants.length).toBeGreaterThanOrEqual(40);
    const problems: string[] = [];
    for (const [i, v] of variants.entries()) {
      const cmd = checkpointCommands(join(tmp, `x${i}`), v.bytes).find((c) => c[0] === 'export-torch')!;
      const r = await runInProcess(cmd, 60_000);
      if (r.problem) problems.push(`${v.name}: ${r.problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('a sample through eval, apply and --resume (each exit 0 or one cellc sentence)', async () => {
    const sample = variants.filter((_, i) => i % 8 === 3);
    const problems: string[] = [];
    for (const [i, v] of sample.entries()) {
      for (const cmd of checkpointCommands(join(tmp, `s${i}`), v.bytes).filter((c) => c[0] !== 'export-torch')) {
        const r = await runInProcess(cmd, 300_000);
        if (r.problem) problems.push(`${v.name}: ${cmd[0]}: ${r.problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('abusive command lines', { timeout: 600_000 }, () => {
  const cases = cliCases(tmp);
  it('those that need no GPU, in this process', async () => {
    const problems: string[] = [];
    for (const args of cases.filter((a) => !['run', 'train', 'bench', 'eval', 'sample'].includes(a[0]))) {
      const r = await runInProcess(args, 120_000);
      if (r.problem) problems.push(`cellc ${args.join(' ')}: ${r.problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('a sample as a user runs them (child processes)', async () => {
    const problems: string[] = [];
    for (const args of [['nope'], ['check', '/dev/zero'], ['graph', 'dsl-examples/elman.cell', '--set', 'H=1e999'], ['run', 'dsl-examples/elman.cell', '--B', 'abc'], ['export-torch', tmp]]) {
      const r = await cellc(args);
      const p = judgeCli(r.code ?? 'hang', r.stderr, 0, 0);
      if (p) problems.push(`cellc ${args.join(' ')}: ${p}`);
    }
    expect(problems).toEqual([]);
  });
});
