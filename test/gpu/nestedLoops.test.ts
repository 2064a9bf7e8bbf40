// Generated names must never collide. A reduction nested in a reduction (the
// backward of a broadcast outer product has a sumto inside a sumto) once
// declared the same loop variable twice; WGSL accepts the shadowing, so the
// inner loop's index silently replaced the outer one and the GPU trained on
// wrong gradients while the float64 path was right.
//
// Two independent checks:
//   - static: in every kernel of every example and of the adversarial cells in
//     test/fixtures/cells, no identifier is declared while another declaration
//     of it is visible (a scope-aware scan of the WGSL text);
//   - on the GPU: the adversarial cells (nested sums, sumto in sumto, slices of
//     slices, broadcasts both ways, a matrix memory, source names that are WGSL
//     keywords or the kernel's own identifiers) match the float64 interpreter
//     at odd B and T, every output and gradient.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBound } from '../../compiler/index.js';
import { checkSource } from '../../compiler/frontend.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireTestDevice, deviceOrSkip, shadowedDeclarations, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/cells');
const cellFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.cell')).sort().map((f) => join(dir, f));

function graphsOf(path: string): readonly Graph[] {
  const r = checkSource(path, readFileSync(path, 'utf8'));
  expect(r.diagnostics, path).toEqual([]);
  return r.graphs;
}

describe('no generated name is declared twice where both are visible', () => {
  it('the checker finds a shadowed loop variable (so a pass below means something)', () => {
    const bad = 'fn main() {\n  for (var q = 0u; q < 3u; q++) {\n    for (var q = 0u; q < 2u; q++) { let a = q; }\n  }\n  let b = 1.0;\n  if (true) { let b = 2.0; }\n}';
    expect(shadowedDeclarations(bad)).toEqual(['q', 'b']);
    expect(shadowedDeclarations('fn main() {\n  for (var q = 0u; q < 3u; q++) { let a = q; }\n  for (var q = 0u; q < 3u; q++) { let a = q; }\n}')).toEqual([]);
  });

  const files = [...cellFiles(join(ROOT, 'dsl-examples')), ...cellFiles(FIXTURES)];
  it.each(files.map((f) => [f.slice(ROOT.length)]))('%s', (file) => {
    for (const g of graphsOf(join(ROOT, file))) {
      const sizes = Object.fromEntries(g.sizes.filter((s) => s.value !== undefined).map((s) => [s.name, s.value!]));
      const a = compileBound({ graph: g, sizes });
      const found = a.kernels.map((k) => ({ kernel: k.name, names: shadowedDeclarations(k.wgsl) })).filter((x) => x.names.length);
      expect(found, `${file} ${g.name}`).toEqual([]);
    }
  });
});

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('nestedLoops.test');
});
afterAll(() => dev.ctx?.destroy());

describe('adversarial cells match the float64 interpreter on the GPU', () => {
  const configs = [
    { B: 3, T: 5 },
    { B: 5, T: 7 },
  ];
  for (const path of cellFiles(FIXTURES)) {
    const name = path.slice(FIXTURES.length + 1);
    it.for(configs)(`${name} B=$B T=$T`, async ({ B, T }, t) => {
      const ctx = deviceOrSkip(t, dev);
      for (const g of graphsOf(path)) {
        const sizes = Object.fromEntries(g.sizes.filter((s) => s.value !== undefined).map((s) => [s.name, s.value!]));
        const rows = await compareWithReference(ctx, { graph: g, sizes }, { B, T, seed: 3 });
        expect(rows.length).toBeGreaterThanOrEqual(g.outputs.length + g.params.length + 2 * g.states.length);
        const bad = rows.filter((r) => !(r.maxRel < 1e-4)).map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)}`);
        expect(bad, `${name} ${g.name}`).toEqual([]);
      }
    });
  }
});
