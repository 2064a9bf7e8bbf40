// The bindings the generated kernels share, as kernel-ABI records: arenas at
// group 0 in the order they are declared, the dims uniform at group 1.

import type { BoundBinding } from '../../artifact/kernel.js';
import { type ArenaName } from '../../artifact/layout.js';
import { arenaVar } from './wgslAddress.js';

/** `@group(0) @binding(i)` = arenas[i], read-only where listed. */
export function arenaBindings(arenas: readonly ArenaName[], readOnly: ReadonlySet<ArenaName>): BoundBinding[] {
  return arenas.map((a, i) => ({
    group: 0,
    binding: i,
    name: arenaVar(a),
    kind: readOnly.has(a) ? 'read-only-storage' : 'storage',
    role: `${a} arena`,
    resource: { kind: 'arena', arena: a },
  }));
}

/** `@group(1) @binding(0) var<uniform> dims` (see wgslDims.ts). */
export function dimsBinding(perStep: boolean): BoundBinding {
  return { group: 1, binding: 0, name: 'dims', kind: 'uniform', role: perStep ? 'the time step t, B and T' : 'B and T', resource: { kind: 'dims', perStep } };
}
