// The search strategies over a stand-in evaluation (a loss computed from the
// source text, no GPU): the same seed gives the same candidates; budgets are
// counted in trained candidates; duplicates are skipped; regularised
// evolution mutates tournament winners and ages out the oldest member;
// `both` runs exactly what each strategy runs alone; each candidate's
// mutation history leads from the seed to its source.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../compiler/index.js';
import { renderCell } from '../../compiler/tools/cellgen/ast.js';
import { canonicalSource, liftCell, runStrategy, type Candidate, type Score, type SeedCell, type Strategy } from '../../compiler/tools/search/index.js';
import { budgets } from '../../runtime/apps/search/runSearch.js';
import { ROOT } from '../support/cli.js';

const lstm = liftCell(readFileSync(join(ROOT, 'dsl-examples/lstm.cell'), 'utf8'), 'lstm.cell');
const seed: SeedCell = { cell: lstm, source: canonicalSource(lstm), score: { status: 'ok', loss: 0.5 } };

/** A deterministic stand-in loss in (0, 1) from the source; every 7th candidate is rejected. */
const fakeLoss = (src: string) => parseInt(createHash('sha256').update(src).digest('hex').slice(0, 8), 16) / 2 ** 32;
function evaluator(seen: Candidate[] = []) {
  return async (c: Candidate): Promise<Score> => {
    seen.push(c);
    if (seen.length % 7 === 0) return { status: 'rejected', reason: 'stand-in verification failure' };
    return { status: 'ok', loss: fakeLoss(c.source) };
  };
}
const run = (strategy: Strategy, s = 1, seen: Candidate[] = [], budget = 30) => runStrategy(strategy, seed, { budget, population: 6, sample: 2, seed: s }, evaluator(seen));

describe('search strategies', () => {
  for (const strategy of ['evolve', 'random'] as const) {
    it(`${strategy}: the same seed gives the same candidates, another seed others`, async () => {
      const a = await run(strategy, 1);
      const b = await run(strategy, 1);
      const c = await run(strategy, 2);
      expect(a.scored.map((x) => x.source)).toEqual(b.scored.map((x) => x.source));
      expect(a.scored.map((x) => x.history)).toEqual(b.scored.map((x) => x.history));
      expect(a.scored.map((x) => x.source)).not.toEqual(c.scored.map((x) => x.source));
    });

    it(`${strategy}: trains exactly the budget, records rejected candidates apart, never evaluates a cell twice`, async () => {
      const seen: Candidate[] = [];
      const r = await run(strategy, 3, seen);
      expect(r.trained).toBe(30);
      expect(r.scored.filter((x) => x.score.status !== 'rejected')).toHaveLength(30);
      expect(r.scored.filter((x) => x.score.status === 'rejected').length).toBeGreaterThan(0);
      const sources = seen.map((c) => c.source);
      expect(new Set([...sources, seed.source]).size).toBe(sources.length + 1);
      expect(r.proposals).toBeGreaterThanOrEqual(r.scored.length + r.duplicates);
      expect(r.exhausted).toBe(false);
      for (const c of r.scored) expect(check(c.source, `${strategy}-${c.index}.cell`).diagnostics).toEqual([]);
    });
  }

  it('random: every candidate is the seed with a chain of 1–4 mutations', async () => {
    const r = await run('random', 4);
    for (const c of r.scored) {
      expect(c.parent).toBe(0);
      expect(c.history.length).toBeGreaterThanOrEqual(1);
      expect(c.history.length).toBeLessThanOrEqual(4);
    }
    expect(new Set(r.scored.map((c) => c.history.length)).size).toBeGreaterThan(2);
  });

  it('evolve: children of the seed fill the population, then tournament winners are mutated once', async () => {
    const r = await run('evolve', 5, [], 40);
    const byIndex = new Map(r.scored.map((c) => [c.index, c]));
    const trained = r.scored.filter((c) => c.score.status !== 'rejected');
    // the population (6) starts as the seed and its first 5 trained children
    for (const c of trained.slice(0, 5)) expect(c.parent).toBe(0);
    for (const c of r.scored) {
      const parent = c.parent === 0 ? { history: [] } : byIndex.get(c.parent)!;
      expect(parent, `parent ${c.parent} of #${c.index}`).toBeDefined();
      expect(c.history.slice(0, -1)).toEqual(parent.history); // one mutation more than its parent
      if (c.parent !== 0) expect(byIndex.get(c.parent)!.score.status).not.toBe('rejected');
    }
    // aging: a parent is one of the 6 most recent trained members when the child is made
    for (const c of trained.slice(5)) {
      if (c.parent === 0) continue;
      const before = [seed.source, ...trained.filter((x) => x.index < c.index).map((x) => x.source)].slice(-6);
      expect(before).toContain(byIndex.get(c.parent)!.source);
    }
    expect(r.scored.some((c) => c.history.length >= 3)).toBe(true); // lineages grow
  });

  it('both: evolve gets ⌈N/2⌉ and random ⌊N/2⌋, each the candidates it runs alone', async () => {
    expect(budgets({ strategy: 'both', budget: 7 })).toEqual([['evolve', 4], ['random', 3]]);
    expect(budgets({ strategy: 'random', budget: 7 })).toEqual([['random', 7]]);
    const alone = await run('random', 6, [], 10);
    await run('evolve', 6, [], 10); // as `both` runs them: evolve first, then random
    const after = await run('random', 6, [], 10);
    expect(after.scored.map((c) => c.source)).toEqual(alone.scored.map((c) => c.source));
  });

  it('a candidate prints as its source, and its history says what changed', async () => {
    const r = await run('evolve', 7, [], 10);
    for (const c of r.scored) {
      expect(renderCell(c.cell)).toBe(c.source);
      for (const m of c.history) expect(m.description.length).toBeGreaterThan(8);
    }
  });
});
