// Heads on the device (SPEC.md §5.6): the block-diagonal product of a stack
// of matrices (`R @ h`, `dense(…, heads = NH)`), the per-head outer product,
// the transpose of a stack and a state that is a stack (the mLSTM example,
// with reshape), forward and backward, against the float64 interpreter in
// every schedule they can run under, at odd sizes (and a head wider than a
// workgroup), with a trial axis too. The parameter gradient of a
// stack is the per-head outer product summed over all T·B rows (the grads
// kernel); the front end and the float64 gradients are test/frontend/heads.test.ts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSizes, check, compileBound, type BackendName, type Bound } from '../../compiler/index.js';
import { compareWithReference } from '../../runtime/apps/compare/gpuVsReference.js';
import { targetOf } from '../../runtime/core/device.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// xLSTM's sLSTM with per-head recurrent matrices, plus a matrix memory read per head (a batched stack)
const SLSTM_HEADS = (NH: number, DH: number) => `
cell HeadsSLSTM(x[I]) {
  size I = 5
  size NH = ${NH}
  size DH = ${DH}
  size H = NH * DH
  state h[H] = 0
  state c[H] = 0
  state n[H] = 0
  param R[NH, DH, DH] init orthogonal
  z = tanh(dense(x, out = H) + R @ h)
  i = exp(-softplus(-(dense(x, out = H) + dense(h, out = H, heads = NH, bias = false))))
  f = sigmoid(dense(x, out = H, bias = 1) + dense(h, out = H, heads = NH, bias = false))
  o = sigmoid(dense(x, h, out = H, heads = 1))
  c' = f * c + i * z
  n' = f * n + i
  m = outer(tanh(dense(x, out = H)), z, heads = NH)
  h' = o * c' / n' + 0.1 * tanh(m @ h + transpose(R) @ c')
  output h'
}`;

// heads only outside the recurrence: the state is diagonal-affine, so the scan runs it
const SCANNABLE = `
cell HeadsMinGRU(x[I]) {
  size NH = 3
  size DI = 3
  size DH = 5
  size I = NH * DI
  size H = NH * DH
  state h[H] = 0
  z = sigmoid(dense(x, out = H, heads = NH))
  u = dense(x, out = H, heads = NH, bias = false)
  h' = (1 - z) * h + z * tanh(u)
  output h'
}`;

function bound(source: string, sizes: Record<string, number> = {}): Bound {
  const r = check(source, 'heads.cell');
  expect(r.diagnostics).toEqual([]);
  const b = bindSizes(r.graphs[0], sizes);
  if ('diagnostics' in b) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b;
}

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('heads.test');
});
afterAll(() => dev.ctx?.destroy());

const bad = (rows: Awaited<ReturnType<typeof compareWithReference>>) => rows.filter((r) => !(r.maxRel < 1e-4)).map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)}`);

describe('per-head products match the float64 interpreter, forward and backward', () => {
  // step-fused shares the persistent kernel's row-owning code (it only adds the loop over time)
  const MLSTM = readFileSync(join(ROOT, 'dsl-examples', 'mlstm_heads.cell'), 'utf8');
  const cases: [string, BackendName, string, Record<string, number>?][] = [
    ['sLSTM, 3 heads of 7', 'per-step', SLSTM_HEADS(3, 7)],
    ['sLSTM, 3 heads of 7', 'persistent', SLSTM_HEADS(3, 7)],
    ['sLSTM, 2 heads of 67 (a head wider than a workgroup)', 'per-step', SLSTM_HEADS(2, 67)],
    ['minGRU with per-head input products', 'scan', SCANNABLE],
    // a state that is a stack of per-head memories, per-head gates and sums through reshape
    ['mlstm_heads.cell, 3 heads of 5', 'per-step', MLSTM, { I: 5, NH: 3, DH: 5 }],
    ['mlstm_heads.cell, 3 heads of 5', 'step-fused', MLSTM, { I: 5, NH: 3, DH: 5 }],
  ];
  it.for(cases)('%s, %s backend', async ([, backend, source, sizes], t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(source, sizes);
    const artifact = compileBound(b, { target: targetOf(ctx), backend });
    const rows = await compareWithReference(ctx, { ...b, artifact }, { B: 5, T: 7, seed: 3, states: 'reachable' });
    expect(rows.some((r) => r.kind === 'param grad' && r.name === 'R') || !source.includes('param R')).toBe(true);
    expect(bad(rows)).toEqual([]);
  });

  it('three trials in one dispatch, each its own problem', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const b = bound(SLSTM_HEADS(3, 5));
    const artifact = compileBound(b, { target: targetOf(ctx), trialAxis: true });
    const rows = await compareWithReference(ctx, { ...b, artifact }, { B: 3, T: 5, seed: 4, states: 'reachable', trials: 3 });
    expect(rows.filter((r) => r.name.startsWith('trial 2:')).length).toBeGreaterThan(0);
    expect(bad(rows)).toEqual([]);
  });
});
