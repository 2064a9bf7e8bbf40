// One random mutation of a cell: a kind is drawn by weight among the kinds
// that have a site in the cell, then one of its sites, uniformly. The result
// is normalised (dead locals dropped) and typed.

import type { GenCell } from '../../cellgen/ast.js';
import type { GenRng } from '../../cellgen/rng.js';
import { normalizeCell } from '../normalize.js';
import { activationSites } from './activations.js';
import { addGateSites, dropGateSites, peepholeSites } from './gates.js';
import { MUTATION_KINDS, type Mutation, type MutationKind, type Site } from './mutation.js';
import { opSites } from './ops.js';
import { removeStateSites, reuseStateSites } from './states.js';
import { rewireSites } from './wiring.js';

const SITES: Record<MutationKind, (c: GenCell) => Site[]> = {
  'swap-activation': activationSites,
  'add-gate': addGateSites,
  'drop-gate': dropGateSites,
  rewire: rewireSites,
  'add-peephole': peepholeSites,
  'reuse-state': reuseStateSites,
  'remove-state': removeStateSites,
  'swap-op': opSites,
};

/** How often each kind is drawn, relative to the others (kinds without a site are never drawn). */
export const MUTATION_WEIGHTS: Readonly<Record<MutationKind, number>> = {
  'swap-activation': 2,
  'add-gate': 1.5,
  'drop-gate': 1,
  rewire: 2,
  'add-peephole': 1,
  'reuse-state': 0.5,
  'remove-state': 0.5,
  'swap-op': 1,
};

/** The sites of one kind in `c`. */
export const sitesOf = (c: GenCell, kind: MutationKind): Site[] => SITES[kind](c);

export interface Mutated {
  readonly cell: GenCell;
  readonly mutation: Mutation;
}

/** One mutation of `c` (of `kind` when given); undefined when no site exists. */
export function mutate(c: GenCell, rng: GenRng, kind?: MutationKind): Mutated | undefined {
  const sites = new Map<MutationKind, Site[]>((kind ? [kind] : MUTATION_KINDS).map((k) => [k, SITES[k](c)]));
  const kinds = [...sites].filter(([, s]) => s.length).map(([k]) => k);
  if (!kinds.length) return undefined;
  const k = kinds.length === 1 ? kinds[0] : rng.weighted(kinds.map((x) => [x, MUTATION_WEIGHTS[x]] as const));
  const site = rng.pick(sites.get(k)!);
  const { cell, description } = site.apply(rng);
  return { cell: normalizeCell(cell), mutation: { kind: k, description } };
}
