// The two search strategies, over an evaluation the caller supplies (the
// runtime trains each candidate; tests pass a function of the source):
//
//   evolve  regularised evolution (Real et al. 2019, "aging evolution"): the
//           population starts as the seed and P − 1 single mutations of it;
//           then, each cycle, `sample` members drawn at random compete, the
//           one with the lowest held-out loss is mutated once, the child
//           joins the population and the oldest member leaves.
//   random  each candidate is the seed with a chain of 1–4 random mutations.
//
// The budget is the number of candidates trained (a candidate rejected by
// verification is recorded and does not count). A candidate that prints the
// same as one this strategy has already seen (the seed included) is skipped.
// Each strategy draws from its own stream of the seed, so `both` runs exactly
// the candidates that `evolve` and `random` run alone.

import { renderCell, type GenCell } from '../cellgen/ast.js';
import { GenRng } from '../cellgen/rng.js';
import { mutate } from './mutations/mutate.js';
import type { Mutation } from './mutations/mutation.js';

export const STRATEGIES = ['evolve', 'random'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface Candidate {
  readonly strategy: Strategy;
  /** 1-based, in the order this strategy evaluated its candidates. */
  readonly index: number;
  readonly cell: GenCell;
  /** The printed cell (canonical: it identifies the candidate). */
  readonly source: string;
  /** The mutations from the seed to this cell, in order. */
  readonly history: readonly Mutation[];
  /** The index of the candidate it was mutated from; 0 for the seed. */
  readonly parent: number;
}

export type Score = { readonly status: 'ok'; readonly loss: number } | { readonly status: 'diverged'; readonly reason: string } | { readonly status: 'rejected'; readonly reason: string };

export interface Scored extends Candidate {
  readonly score: Score;
}

/** Scores a candidate; undefined stops the search (interrupted). */
export type Evaluate = (c: Candidate) => Promise<Score | undefined>;

export interface StrategyOptions {
  /** Candidates to train. */
  readonly budget: number;
  /** evolve: the population size P (≥ 2). */
  readonly population: number;
  /** evolve: how many members a tournament draws (≤ P). */
  readonly sample: number;
  /** The search's seed: its random choices. */
  readonly seed: number;
}

export interface SeedCell {
  readonly cell: GenCell;
  readonly source: string;
  readonly score: Score;
}

export interface StrategyRun {
  readonly strategy: Strategy;
  /** Every evaluated candidate (rejected ones too), in order. */
  readonly scored: readonly Scored[];
  readonly trained: number;
  readonly proposals: number;
  readonly duplicates: number;
  /** The proposal limit was reached before the budget (the neighbourhood ran out of new cells). */
  readonly exhausted: boolean;
  readonly interrupted: boolean;
}

/** Lower is better; diverged and rejected candidates never win. */
export const fitness = (s: Score) => (s.status === 'ok' ? s.loss : Infinity);

/** Proposals a strategy may make for its budget before it gives up. */
export const proposalLimit = (budget: number) => 20 * budget + 100;

export async function runStrategy(strategy: Strategy, seed: SeedCell, o: StrategyOptions, evaluate: Evaluate, onScored?: (s: Scored) => void): Promise<StrategyRun> {
  const rng = new GenRng(o.seed * 2654435761 + STRATEGIES.indexOf(strategy) + 1);
  const seen = new Set([seed.source]);
  const scored: Scored[] = [];
  const root: Scored = { strategy, index: 0, cell: seed.cell, source: seed.source, history: [], parent: 0, score: seed.score };
  const population: Scored[] = [root];
  let trained = 0;
  let proposals = 0;
  let duplicates = 0;
  const limit = proposalLimit(o.budget);

  /** evolve: the parent of the next child (the seed while the population fills). */
  const pickParent = (): Scored => {
    if (population.length < o.population) return root;
    const drawn: Scored[] = [];
    const pool = [...population];
    for (let k = 0; k < Math.min(o.sample, population.length); k++) drawn.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
    return drawn.reduce((best, x) => (fitness(x.score) < fitness(best.score) ? x : best));
  };

  while (trained < o.budget && proposals < limit) {
    proposals++;
    let cell: GenCell;
    let history: Mutation[];
    let parent: Scored;
    if (strategy === 'evolve') {
      parent = pickParent();
      const m = mutate(parent.cell, rng);
      if (!m) continue;
      cell = m.cell;
      history = [...parent.history, m.mutation];
    } else {
      parent = root;
      cell = seed.cell;
      history = [];
      const n = rng.int(1, 4);
      for (let j = 0; j < n; j++) {
        const m = mutate(cell, rng);
        if (!m) break;
        cell = m.cell;
        history.push(m.mutation);
      }
      if (!history.length) continue;
    }
    const source = renderCell(cell);
    if (seen.has(source)) {
      duplicates++;
      continue;
    }
    seen.add(source);
    const cand: Candidate = { strategy, index: scored.length + 1, cell, source, history, parent: parent.index };
    const score = await evaluate(cand);
    if (!score) return { strategy, scored, trained, proposals, duplicates, exhausted: false, interrupted: true };
    const s: Scored = { ...cand, score };
    scored.push(s);
    onScored?.(s);
    if (score.status === 'rejected') continue;
    trained++;
    if (strategy === 'evolve') {
      population.push(s);
      if (population.length > o.population) population.shift(); // the oldest leaves, whatever its score
    }
  }
  return { strategy, scored, trained, proposals, duplicates, exhausted: trained < o.budget, interrupted: false };
}
