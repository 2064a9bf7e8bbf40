// Gate-design search over the cell language (`cellc search`): a seed cell
// lifted into the cellgen AST, mutations that keep it well-typed, and the
// two strategies (regularised evolution, random chains of mutations) over an
// evaluation the caller supplies. No GPU here: the runtime's search
// (runtime/apps/search) trains and scores the candidates.

export { liftCell, LiftError } from './lift.js';
export { canonicalSource, normalizeCell } from './normalize.js';
export { MUTATION_KINDS, type Mutation, type MutationKind } from './mutations/mutation.js';
export { mutate, MUTATION_WEIGHTS, sitesOf, type Mutated } from './mutations/mutate.js';
export { fitness, proposalLimit, runStrategy, STRATEGIES, type Candidate, type Evaluate, type Score, type Scored, type SeedCell, type Strategy, type StrategyOptions, type StrategyRun } from './strategies.js';
