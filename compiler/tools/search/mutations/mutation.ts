// What a mutation is: a named edit of a cell (its kind and a readable
// description, e.g. "swap tanh→sigmoid in c'"). A candidate carries the list
// of mutations that made it from the seed. A Site is one place a mutation of
// some kind can be made; applying it may draw further choices (which inputs a
// new gate reads) from the search's random stream.

import type { GenCell } from '../../cellgen/ast.js';
import type { GenRng } from '../../cellgen/rng.js';

export const MUTATION_KINDS = ['swap-activation', 'add-gate', 'drop-gate', 'rewire', 'add-peephole', 'reuse-state', 'remove-state', 'swap-op'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  readonly kind: MutationKind;
  readonly description: string;
}

export interface Site {
  readonly kind: MutationKind;
  /** The mutated cell (not yet normalised) and what was done. */
  apply(rng: GenRng): { readonly cell: GenCell; readonly description: string };
}
