// The scan schedule (backend/webgpu/scan.ts) against the float64 reference
// interpreter on the adapter: every output, final state, parameter gradient,
// initial-state gradient and input gradient within 1e-4 relative error, for
// the examples whose analysis says "scan" and for generated diagonal-affine
// cells (compiler/tools/cellgen, option `scannable`), including cells whose
// states scan in phases (one state's update reads another's trajectory).
// A tensor that is ≈ 0 in float64 (a parameter a generated cell barely
// uses) passes with an absolute error below 1e-6, as in the fuzz tests.
// Sizes and lengths hit the chunking: T < one chunk, T a multiple of the
// chunk, T just past several chunks; B odd; widths not multiples of 4.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSizes, check, compileBound, type Artifact, type Bound, type Target } from '../../compiler/index.js';
import { generateCell, renderCell } from '../../compiler/tools/index.js';
import { compareWithReference, type Comparison } from '../../runtime/apps/compare/gpuVsReference.js';
import { targetOf } from '../../runtime/core/device.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOL = 1e-4;
const CHUNK = 64;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('scan.test');
});
afterAll(() => dev.ctx?.destroy());

function bound(source: string, path: string, sizes: Record<string, number> = {}): Bound {
  const r = check(source, path);
  expect(r.diagnostics).toEqual([]);
  const b = bindSizes(r.graphs[0], sizes);
  if ('diagnostics' in b) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b;
}

/** The scan artifact of a cell: no per-step kernel in either pass. */
function scanArtifact(b: Bound, target: Target): Artifact {
  const a = compileBound(b, { target, schedule: 'scan' });
  expect(a.schedule?.name, a.schedule?.reason).toBe('scan');
  expect(a.forward.step).toEqual([]);
  expect(a.backward.step).toEqual([]);
  expect(a.kernels.filter((k) => k.role === 'scan').length).toBeGreaterThanOrEqual(6);
  return a;
}

function expectClose(rows: readonly Comparison[], what: string): void {
  expect(rows.length, what).toBeGreaterThan(0);
  // as in the fuzz differential (runtime/apps/fuzz/differential.ts): a tensor ≈ 0 in float64 passes on float32 roundoff
  const bad = rows.filter((r) => !(r.maxRel < TOL || r.maxAbs < 1e-6));
  expect(bad.map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)} abs ${r.maxAbs.toExponential(2)}`), what).toEqual([]);
  for (const kind of ['output', 'final state', 'initial state grad'] as const) expect(rows.some((r) => r.kind === kind), `${what}: ${kind} compared`).toBe(true);
}

const CONFIGS = [
  { B: 3, T: 7, sizes: { I: 5, H: 17 } }, // shorter than one chunk
  { B: 1, T: 2 * CHUNK, sizes: { I: 3, H: 65 } }, // exactly two chunks; 65 = 64 + 1 lanes
  { B: 5, T: 3 * CHUNK + 3, sizes: { I: 5, H: 17 } }, // three chunks and a partial one
];

describe.each(['mingru.cell', 'minlstm.cell', 'lru.cell'])('%s as a scan matches the float64 reference', (file) => {
  it.for(CONFIGS)('B=$B T=$T sizes $sizes', async ({ B, T, sizes }, t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'), file, sizes);
    const artifact = scanArtifact(b, targetOf(ctx));
    expectClose(await compareWithReference(ctx, { ...b, artifact }, { B, T, seed: 5 }), `${file} B=${B} T=${T}`);
  });
});

// The maxima of max(p + c') are found by comparing the operand the forward
// computed from the scanned c' (kept on the tape) with its maximum; the backward
// used to recompute it as p + r·c from the scanned c, rounded differently, so no
// element matched and the gradient through max was 0 (generated cell 400155,
// shrunk: rel 0.38).
it('a max over a scanned next state gets its gradient (B=5 T=4)', async (t) => {
  const ctx = deviceOrSkip(t, dev);
  const source = `cell S(x[I]) {
  size I = 1
  size K = 1
  size V = 1
  param r[K] init normal(0.4)
  param p[V, K] init uniform(-0.5, 0.5)
  state c[K] = 0.1
  c' = r * c
  output y = max(p + c', axis = 0)
}`;
  const b = bound(source, 'maxscan.cell');
  const artifact = compileBound(b, { target: targetOf(ctx), schedule: 'scan' });
  expect(artifact.schedule?.name, artifact.schedule?.reason).toBe('scan');
  for (const seed of [4, 5, 6]) expectClose(await compareWithReference(ctx, { ...b, artifact }, { B: 5, T: 4, seed }), `seed ${seed}`);
});

// Generated cells: the first scannable ones of a fixed seed range (a `delay` in a
// next state makes a shift register, which does not scan: those are skipped).
const GEN = { depth: 2, small: true, scannable: true, batchedResults: true } as const;
const candidates = Array.from({ length: 40 }, (_, i) => i + 1).map((seed) => {
  const source = renderCell(generateCell(seed, GEN));
  const b = bound(source, `gen${seed}.cell`);
  return { seed, source, b, record: compileBound(b, { schedule: 'scan' }).schedule! };
});
const scannable = candidates.filter((c) => c.record.name === 'scan');
const chosen = [...scannable.filter((c) => c.record.forward.some((s) => s.phase)).slice(0, 3), ...scannable.filter((c) => !c.record.forward.some((s) => s.phase)).slice(0, 4)];

describe('generated diagonal-affine cells as scans match the float64 reference', () => {
  it('most scannable-generated cells scan, some in phases', () => {
    expect(scannable.length).toBeGreaterThanOrEqual(20);
    expect(chosen.filter((c) => c.record.forward.some((s) => s.phase)).length).toBe(3);
  });
  it.for(chosen.map((c) => c.seed))('seed %i, B=3, T=67 and B=5, T=13', async (seed, t) => {
    const ctx = deviceOrSkip(t, dev);
    const c = chosen.find((x) => x.seed === seed)!;
    const artifact = scanArtifact(c.b, targetOf(ctx));
    for (const [B, T] of [[3, CHUNK + 3], [5, 13]]) expectClose(await compareWithReference(ctx, { ...c.b, artifact }, { B, T, seed }), `seed ${seed} B=${B} T=${T}\n${c.source}`);
  });
});
