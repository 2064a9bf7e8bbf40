// Verification on first use (runtime/apps/verify): a cell whose GPU forward
// and gradients agree with the float64 interpreter passes and is cached per
// (artifact, adapter); one whose GPU kernels are wrong — a planted sign error
// in a backward kernel — is refused with the tensor and its error named.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compileBound, type Artifact, type Bound } from '../../compiler/index.js';
import { targetOf } from '../../runtime/core/device.js';
import { assertVerified, verificationLine, VerificationError, verifyOnDevice } from '../../runtime/apps/verify/verify.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const lstm = check(readFileSync(join(ROOT, 'dsl-examples/lstm.cell'), 'utf8'), 'lstm.cell').graphs[0];
const bound: Bound = { graph: lstm, sizes: { I: 3, H: 5 } };

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
let cacheDir = '';
const saved = process.env.CELLC_CACHE_DIR;
beforeAll(async () => {
  dev = await acquireTestDevice('verify.test');
  cacheDir = mkdtempSync(join(tmpdir(), 'cellc-verify-'));
  process.env.CELLC_CACHE_DIR = cacheDir;
});
afterAll(() => {
  dev.ctx?.destroy();
  rmSync(cacheDir, { recursive: true, force: true });
  if (saved === undefined) delete process.env.CELLC_CACHE_DIR;
  else process.env.CELLC_CACHE_DIR = saved;
});

describe('verification against float64 on first use', () => {
  it('a correct cell passes, then comes from the cache', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const first = await assertVerified(ctx, bound, 'the cell LSTM', 'benchmark it');
    expect(first.ok).toBe(true);
    expect(first.cached).toBe(false);
    expect(first.compared).toBeGreaterThanOrEqual(lstm.params.length + 2 * lstm.states.length + lstm.outputs.length);
    expect(first.worst.maxRel).toBeLessThan(1e-5);
    const second = await verifyOnDevice(ctx, bound);
    expect(second.cached).toBe(true);
    expect(verificationLine(second)).toMatch(/^verified against float64 \(B=2, T=4, \d+ tensors\): worst rel err \d\.\de-\d+ \(cached\)$/);
  });

  it('wrong GPU gradients are refused, naming the tensor and the error; nothing is cached', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const good = compileBound(bound, { target: targetOf(ctx) });
    // plant a bug: the per-step backward kernel subtracts where it should add
    const victim = good.kernels.find((k) => good.backward.step.includes(k.name) && / \+ /.test(k.wgsl))!;
    const planted = victim.wgsl.replace(/(let \w+ = [^;\n]*?) \+ /, '$1 - ');
    expect(planted).not.toBe(victim.wgsl);
    const bad: Artifact = { ...good, kernels: good.kernels.map((k) => (k === victim ? { ...k, wgsl: planted } : k)) };
    const v = await verifyOnDevice(ctx, { ...bound, artifact: bad });
    expect(v.ok).toBe(false);
    expect(v.worst.maxRel).toBeGreaterThan(1e-3);
    const again = await verifyOnDevice(ctx, { ...bound, artifact: bad });
    expect(again.cached).toBe(false);
    const refused = await assertVerified(ctx, { ...bound, artifact: bad }, 'the cell LSTM', 'benchmark it').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VerificationError);
    expect((refused as Error).message).toMatch(/^the GPU disagrees with the float64 interpreter on the cell LSTM: (param grad|initial state grad|input grad) \S+ has relative error \d\.\d\de[+-]\d+ \(absolute [^)]+\) at B=2, T=4; refusing to benchmark it \(--no-verify skips this check\)$/);
  });
});
