// The op classification table (compiler/ir/opInfo.ts) against the facts the
// passes relied on before it existed, stated here independently: which ops
// the scheduler treats as expensive, which forward values the backward step
// saves, and which attributes hold sizes (checked on real nodes: every Dim or
// Shape found in a node's attributes must be listed, nothing else may be).

import { describe, expect, it } from 'vitest';
import { isElementwise, isLeaf, OP_INFO, OPS, sizeAttrs, UNARY_BUILTINS } from '../../compiler/ir/opInfo.js';
import type { Op } from '../../compiler/ir/ops.js';
import { EXAMPLE_CELLS, example } from './util.js';
import { buildBackward } from '../../compiler/autodiff/backward.js';

const isDim = (v: unknown) => !!v && typeof v === 'object' && 'terms' in v && 'c' in v;
const isShape = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every(isDim);

describe('op classification', () => {
  it('expensive: exactly the products, reductions and eliminations', () => {
    expect(OPS.filter((op) => OP_INFO[op].expensive).sort()).toEqual(['argmax', 'headmatvec', 'inv', 'logdet', 'logsumexp', 'matmul', 'rmax', 'sum']);
  });

  it('saved: every op that is not a leaf, not elementwise and not a broadcast', () => {
    for (const op of OPS) expect(OP_INFO[op].saved, op).toBe(!isLeaf(op) && !isElementwise(op) && op !== 'broadcast');
  });

  it('the unary built-ins are the unary ops except neg (unary minus) and recip (autodiff only)', () => {
    const unary = OPS.filter((op) => OP_INFO[op].kind === 'unary');
    expect([...UNARY_BUILTINS].sort()).toEqual(unary.filter((op) => op !== 'neg' && op !== 'recip').sort());
  });

  it('size attributes: every Dim or Shape in the attributes of real forward and backward nodes is listed, and only those', () => {
    const seen = new Set<Op>();
    for (const [, file, cell] of EXAMPLE_CELLS) {
      const g = example(file, cell);
      for (const n of [...g.nodes, ...buildBackward(g).nodes]) {
        seen.add(n.op);
        const listed = new Map(sizeAttrs(n.op).map((s) => [s.key, s.kind]));
        for (const [key, v] of Object.entries(n.attrs)) {
          const found = isDim(v) ? 'dim' : isShape(v) ? 'shape' : undefined;
          // an empty shape is a Shape too, but holds no size to substitute either way
          if (Array.isArray(v) && v.length === 0) continue;
          expect(listed.get(key), `${n.op}.${key}`).toBe(found);
        }
        for (const key of listed.keys()) expect(n.attrs, `${n.op}.${key}`).toHaveProperty(key);
      }
    }
    for (const op of ['const', 'dim', 'slice', 'broadcast', 'sumto', 'onehot', 'eye'] as const) expect(seen.has(op), op).toBe(true);
  });
});
