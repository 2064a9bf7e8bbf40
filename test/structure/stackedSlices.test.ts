// A stacked gate product sliced into gates (p = W@x + U@h + b; i = σ(p[0:H]) …,
// the way PyTorch users write an LSTM) is scheduled like four separate
// products: the slices read p at their offsets inside one kernel (shared
// k-loops at j + start), and the backward keeps on the tape only the saved
// values it reads (the slices, not p). Its GPU run against the float64
// interpreter is test/gpu/nestedLoops.test.ts (test/fixtures/cells).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileBound, dispatchCounts } from '../../compiler/index.js';
import { checkSource } from '../../compiler/frontend.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const artifactOf = (file: string, sizes: Record<string, number>) => {
  const r = checkSource(file, readFileSync(join(ROOT, file), 'utf8'));
  expect(r.diagnostics).toEqual([]);
  return compileBound({ graph: r.graphs[0], sizes });
};

describe('slices of a stacked gate product', () => {
  it.each([
    [7, 13],
    [32, 64],
  ])('I=%i H=%i: as many dispatches per step as lstm.cell, forward and backward', (I, H) => {
    const stacked = dispatchCounts(artifactOf('test/fixtures/cells/lstm_stacked.cell', { I, H }));
    const plain = dispatchCounts(artifactOf('dsl-examples/lstm.cell', { I, H }));
    expect(stacked.forwardPerStep).toBe(1);
    expect(stacked.forwardPerStep).toBe(plain.forwardPerStep);
    expect(stacked.backwardPerStep).toBe(plain.backwardPerStep);
  });

  it('the forward stores neither p nor U·h for the backward (only what it reads)', () => {
    const a = artifactOf('test/fixtures/cells/lstm_stacked.cell', { I: 7, H: 13 });
    const saved = a.tensors.filter((t) => t.name.startsWith('v:'));
    // the four gate pre-activations (slices) are saved; the 4H-wide product is not
    expect(saved.length).toBe(4);
    for (const t of saved) expect(t.width).toBe(13);
  });
});
