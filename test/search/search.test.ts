// `cellc search` end to end on the GPU, tiny (Elman seed, budget 3, H = 3,
// T = 5, 4 steps): the ranked table, results.json, best-1.cell with its
// header (and it passes `check`), a trial folder per candidate; a rerun
// trains nothing and starts no device. Bad flags and seeds are one-line
// errors with exit 1.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResults } from '../../runtime/apps/search/report.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from '../gpu/helpers.js';
import { cellc, ROOT } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-search-'));
const out = join(tmp, 'run');
const seed = join(ROOT, 'dsl-examples/elman.cell');
const args = ['search', seed, '--task', 'adding', '--budget', '3', '--steps', '4', '--T', '5', '--B', '3', '--eval-batches', '2', '--set', 'H=3', '--population', '2', '--top', '2', '--out', out];
let dev: TestDevice;

beforeAll(async () => {
  dev = await acquireTestDevice('search'); // only to know whether there is an adapter: the CLI runs in its own process
  dev.ctx?.destroy();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const results = () => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SearchResults;
const resultFiles = (r: SearchResults) => [r.seed.trial, ...r.candidates.map((c) => c.trial)].map((id) => join(out, 'trials', id, 'result.json'));

describe('cellc search (tiny)', { timeout: 600_000 }, () => {
  let first = '';
  it('trains the seed and three candidates, ranks them, writes results.json and the best cells', async (t) => {
    deviceOrSkip(t, dev);
    const r0 = await cellc(args);
    expect(r0.code, r0.stderr).toBe(0);
    first = r0.stdout;
    expect(r0.stdout).toContain('| rank | held-out loss | vs seed | strategy | mutations |');
    expect(r0.stdout.match(/^\| [123] \| \S+ \| \S+ \| evolve #\d \| .+ \|$/gm)).toHaveLength(3);
    expect(r0.stdout).toContain('4 candidate(s) trained by this run'); // the seed and three candidates
    expect(r0.stderr).toMatch(/^seed Elman: held-out loss \S+$/m);

    const r = results();
    expect(r.format).toBe('cellc-search-1');
    expect(r.complete).toBe(true);
    expect(r.seed.status).toBe('ok');
    expect(Number.isFinite(r.seed.heldOutLoss)).toBe(true);
    expect(r.strategies).toMatchObject([{ strategy: 'evolve', budget: 3 }]);
    const trained = r.candidates.filter((c) => c.status !== 'rejected');
    expect(trained).toHaveLength(3);
    expect(r.strategies[0].trained).toBe(3);
    for (const c of r.candidates) {
      expect(c.history.length).toBeGreaterThanOrEqual(1);
      for (const m of c.history) expect(typeof m.description).toBe('string');
      expect(existsSync(join(out, c.file))).toBe(true);
    }
    const ranked = r.candidates.filter((c) => c.rank !== null);
    expect(ranked.map((c) => c.rank)).toEqual(ranked.map((_, i) => i + 1));
    for (let i = 1; i < ranked.length; i++) expect(ranked[i].heldOutLoss!).toBeGreaterThanOrEqual(ranked[i - 1].heldOutLoss!);
    for (const c of ranked) expect(c.vsSeed).toBeCloseTo(c.heldOutLoss! / r.seed.heldOutLoss!, 12);
    for (const f of resultFiles(r)) expect(existsSync(f), f).toBe(true);

    const best = readFileSync(join(out, 'best-1.cell'), 'utf8');
    const top = ranked[0];
    expect(best).toContain(`# held-out loss ${top.heldOutLoss!.toPrecision(4)}; the seed Elman: ${r.seed.heldOutLoss!.toPrecision(4)}`);
    expect(best).toContain('# mutations from the seed:');
    for (const m of top.history) expect(best).toContain(`${m.kind}: ${m.description}`);
    expect(best).toMatch(/^cell ElmanBest1\(x\[I\]\) \{$/m);
    expect(existsSync(join(out, 'best-2.cell'))).toBe(true);
    expect(existsSync(join(out, 'best-3.cell'))).toBe(false); // --top 2
    const chk = await cellc(['check', join(out, 'best-1.cell')]);
    expect(chk.code, chk.stderr).toBe(0);
  });

  it('a rerun trains nothing, starts no device and prints the same table', async (t) => {
    deviceOrSkip(t, dev);
    const r = results();
    const before = resultFiles(r).map((f) => statSync(f).mtimeMs);
    const again = await cellc(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 candidate(s) trained by this run');
    expect(again.stderr).not.toMatch(/adapter:|training steps/);
    expect(again.stderr).toContain('(kept from an earlier run)');
    expect(again.stdout).toBe(first.replace('4 candidate(s) trained by this run', '0 candidate(s) trained by this run'));
    expect(resultFiles(results()).map((f) => statSync(f).mtimeMs)).toEqual(before);
  });
});

describe('cellc search: bad input', () => {
  const bad: [string, string[], RegExp][] = [
    ['a budget of 0', ['--budget', '0'], /--budget must be an integer ≥ 1, got '0'/],
    ['an unknown strategy', ['--strategy', 'greedy'], /--strategy must be evolve, random or both, got 'greedy'/],
    ['a population of 1', ['--population', '1'], /--population must be an integer ≥ 2, got '1'/],
    ['a learning rate of 0', ['--lr', '0'], /--lr must be a number > 0, got '0'/],
    ['an unknown task', ['--task', 'juggling'], /juggling/],
    ['a size the seed does not have', ['--set', 'Q=3'], /Q/],
  ];
  for (const [what, extra, message] of bad) {
    it(`${what}: exit 1 with one message`, async () => {
      const base = ['search', seed, '--task', 'adding', '--budget', '2', '--out', join(tmp, 'bad')];
      const r = await cellc([...base, ...extra]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(join(tmp, 'bad'))).toBe(false);
    });
  }

  it('a seed that does not check, is missing, or is outside the search space: exit 1', async () => {
    const run = (file: string) => cellc(['search', file, '--task', 'adding', '--budget', '2', '--out', join(tmp, 'bad')]);
    const syntax = await run(join(ROOT, 'dsl-examples/errors/mut1_raw.cell'));
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/mut1_raw\.cell:\d+:\d+: error E201/);
    const missing = await run(join(tmp, 'nope.cell'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.cell/);
    const outside = await run(join(ROOT, 'dsl-examples/ar.cell'));
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/^cellc: .*ar\.cell:\d+:\d+: 'delay' is beyond what cellc search mutates/m);
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
  });
});
