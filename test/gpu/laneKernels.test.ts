// Lane kernels (fusedKernel.ts renderLaneKernel): the persistent schedule of a
// pass whose step is one level that reads every carried value only at its own
// element — an elementwise recurrence (IndRNN, SRU, minGRU, a coupled pair of
// diagonal states). One thread per element and row loops over all T steps
// with no barrier; `auto` takes it wherever the
// sequential loop would run otherwise, also with a trial axis.
//
// Pinned here: which cells get lane kernels and which keep the row-owning
// kernel (a product with h reads other elements); what `auto` picks; and
// against the float64 interpreter, every output, final state and gradient
// within 1e-4 relative (≈ 0 in float64: below 1e-6 absolute), for examples,
// fixtures and generated cells, at odd sizes: H = 67 (more elements than a
// workgroup's 64 threads), B = 5 and 1, T = 70
// (longer than a scan chunk, not a multiple of anything).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBound, type Artifact, type Bound, type KernelRecord } from '../../compiler/index.js';
import { generateCell, renderCell } from '../../compiler/tools/index.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { targetOf } from '../../runtime/core/device.js';
import { acquireTestDevice, boundCell, deviceOrSkip, expectCloseRows, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('laneKernels.test');
});
afterAll(() => dev.ctx?.destroy());

const bound = (path: string, sizes: Record<string, number> = {}, source = readFileSync(join(ROOT, path), 'utf8')): Bound => boundCell(source, path, sizes);

/** The persistent loop kernel of each pass, as 'lanes' (no barrier, a thread per element) or 'rows' (workgroups owning rows). */
function loopKernels(a: Artifact): string[] {
  const kind = (k: KernelRecord) => (k.wgsl.includes('storageBarrier') ? 'rows' : 'lanes');
  return [a.forward, a.backward].flatMap((p) => p.before.map((n) => a.kernels.find((k) => k.name === n)!).filter((k) => k.name.endsWith('_persistent')).map(kind));
}

const expectClose = expectCloseRows;

const COUPLED = "cell Coupled(x[I]) {\n  size I = 5\n  size H = 67\n  state h[H] = 0\n  state c[H] = 0.5\n  h' = 0.5 * h + 0.5 * tanh(c) + dense(x, out = H)\n  c' = 0.5 * c + 0.5 * h\n  output c'\n}\n";

describe('which cells loop in lanes', () => {
  it('elementwise recurrences get lane kernels in both passes; a product with h keeps the row-owning kernel', () => {
    for (const f of ['dsl-examples/indrnn.cell', 'dsl-examples/sru.cell', 'dsl-examples/mingru.cell', 'dsl-examples/lru.cell', 'test/fixtures/cells/mlstm_matrix.cell']) {
      expect(loopKernels(compileBound(bound(f), { schedule: 'persistent' })), f).toEqual(['lanes', 'lanes']);
    }
    expect(loopKernels(compileBound(bound('dsl-examples/lstm.cell'), { schedule: 'persistent' }))).toEqual(['rows', 'rows']);
    const lane = compileBound(bound('dsl-examples/indrnn.cell', { I: 5, H: 67 }), { schedule: 'persistent' }).kernels.find((k) => k.name === 'f_persistent')!;
    // a thread per (element, row): H threads along x, B along y
    expect(lane.dispatch.text).toEqual(['H', 'B', '1']);
    expect(lane.dispatch.per).toEqual([64, 1, 1]);
  });

  it('auto takes them where the loop would run (no scan): one dispatch per pass for the recurrence', () => {
    const a = compileBound(bound('dsl-examples/indrnn.cell'));
    expect(a.schedule!.name).toBe('persistent');
    expect(a.schedule!.reason).toMatch(/h is nonlinear; but every step reads its carried values only at its own elements/);
    expect([a.forward.step, a.backward.step]).toEqual([[], []]);
    expect(compileBound(bound('<coupled>', {}, COUPLED)).schedule!.name).toBe('persistent');
    // with a trial axis too (workgroup z is the trial, as in every kernel)
    expect(compileBound(bound('dsl-examples/indrnn.cell'), { trialAxis: true }).schedule!.name).toBe('persistent');
    // not where the scan is taken, not for a dense recurrence, not when asked for the loop
    expect(compileBound(bound('dsl-examples/mingru.cell')).schedule!.name).toBe('scan');
    expect(compileBound(bound('dsl-examples/lstm.cell')).schedule!.name).toBe('sequential');
    expect(compileBound(bound('dsl-examples/indrnn.cell'), { schedule: 'sequential' }).schedule!.name).toBe('sequential');
  });
});

// a reverse-time cell: the runtime hands it its steps in reverse order, the kernels are the same
const REVERSE = "cell Rev(x[I]) reverse {\n  size I = 4\n  size H = 9\n  param u[H] init uniform(0, 1)\n  state h[H] = 0\n  h' = tanh(dense(x, out = H) + u * h)\n  output h'\n}\n";

const CELLS: [string, Record<string, number>, string?][] = [
  ['<reverse>', {}, REVERSE],
  ['dsl-examples/indrnn.cell', { I: 5, H: 67 }],
  ['dsl-examples/sru.cell', { I: 6, H: 67 }],
  ['dsl-examples/lru.cell', { I: 3, H: 5 }],
  ['dsl-examples/minlstm.cell', { I: 3, H: 9 }],
  ['test/fixtures/cells/mlstm_matrix.cell', {}],
  ['test/fixtures/cells/constant_outputs.cell', {}],
  ['<coupled>', {}, COUPLED],
];

describe('lane kernels match the float64 reference', () => {
  it.for(CELLS)('%s %o', { timeout: 300_000 }, async ([path, sizes, source], t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(path, sizes, source);
    const artifact = compileBound(b, { target: targetOf(ctx), schedule: 'persistent' });
    expect(loopKernels(artifact)).toEqual(['lanes', 'lanes']);
    for (const [B, T] of [[5, 7], [1, 3], [6, 70]]) expectClose(await compareWithReference(ctx, { ...b, artifact }, { B, T, seed: 3 }), `${path} B=${B} T=${T}`);
  });

  it('with a trial axis: 3 trials, each its own draw, in one set of dispatches', { timeout: 300_000 }, async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound('dsl-examples/sru.cell', { I: 5, H: 67 });
    const artifact = compileBound(b, { target: targetOf(ctx), trialAxis: true });
    expect(loopKernels(artifact)).toEqual(['lanes', 'lanes']);
    for (const [B, T] of [[3, 5], [5, 70]]) expectClose(await compareWithReference(ctx, { ...b, artifact }, { B, T, seed: 3, trials: 3 }), `trials B=${B} T=${T}`);
  });

  // generated cells whose persistent plan has a lane kernel in at least one pass (found by compiling
  // seeds 1–300): plain ones, scannable ones, and ones drawing dropout and zoneout masks
  const GENERATED: [number, object][] = [
    [1, {}], [4, {}], [33, {}], [51, {}],
    [2, { scannable: true }], [3, { scannable: true }],
    [1, { masks: true }], [20, { masks: true }],
  ];
  it.for(GENERATED)('generated cell, seed %i %o (B=3 T=5, B=6 T=70)', { timeout: 300_000 }, async ([seed, opts], t) => {
    const ctx = deviceOrSkip(t, dev);
    const source = renderCell(generateCell(seed, { depth: 2, small: true, ...opts }));
    const b = bound(`gen${seed}.cell`, {}, source);
    const artifact = compileBound(b, { target: targetOf(ctx), schedule: 'persistent' });
    expect(loopKernels(artifact), source).toContain('lanes');
    // masks drawn as in training (at their expectation without a key)
    const random = 'masks' in opts ? { random: { seed, draw: 0, training: true } } : {};
    for (const [B, T] of [[3, 5], [6, 70]]) expectClose(await compareWithReference(ctx, { ...b, artifact }, { B, T, seed, ...random }), `seed ${seed} B=${B} T=${T}\n${source}`);
  });
});
