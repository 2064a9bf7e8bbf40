// Long valid cells (a 400-line chain of locals, 3,000 lines for the compiler
// stages) go through every stage: no walk recurses on the chain's length.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inProcess } from '../support/cli.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cellc-chain-'));

/**
 * `a0 = h + x`, then n − 1 lines `aK = 0.999 * aK-1 + 0.001 * x` (the state's
 * gradient stays ≈ 0.67, far from underflow), `h' = tanh(…)`; affine: `h' =
 * a(n−1)`; shared: `aK = 0.999 * aK-1 + 0.001 * x * aK-1` (aK-1 used twice).
 */
function chain(n: number, o: { affine?: boolean; shared?: boolean } = {}): string {
  const lines = ['cell C(x[H]) {', '  size H = 3', '  state h[H] = 0', '  a0 = h + x'];
  for (let i = 1; i < n; i++) lines.push(`  a${i} = 0.999 * a${i - 1} + 0.001 * x${o.shared ? ` * a${i - 1}` : ''}`);
  lines.push(o.affine ? `  h' = a${n - 1}` : `  h' = tanh(a${n - 1})`, "  output h'", '}');
  const p = join(dir, `chain${n}${o.affine ? 'a' : ''}${o.shared ? 's' : ''}.cell`);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

const clean = (r: { code: number | null; stderr: string }) => {
  expect(r.stderr).not.toMatch(/internal|call stack|    at /i);
  expect(r.code, r.stderr).toBe(0);
};

let dev: TestDevice;
beforeAll(async () => {
  dev = await acquireTestDevice('longChain');
  dev.ctx?.destroy(); // the CLI acquires its own device
}, 120_000);

describe('long chains of locals', { timeout: 600_000 }, () => {
  it('3,000 lines: check, graph, plan, emit', async () => {
    const f = chain(3000);
    for (const cmd of ['check', 'graph', 'plan', 'emit']) clean(await inProcess([cmd, f]));
  });

  it('3,000 lines of an affine recurrence (a scan: its coefficient is 3,000 products deep): plan, emit', async () => {
    const f = chain(3000, { affine: true });
    const plan = await inProcess(['plan', f]);
    clean(plan);
    expect(plan.stdout).toMatch(/schedule: scan/);
    clean(await inProcess(['emit', f]));
  });

  it('a coefficient that shares subexpressions (a DAG of 2^300 paths) is built once per node', async () => {
    const f = chain(300, { affine: true, shared: true });
    const plan = await inProcess(['plan', f]);
    clean(plan);
    expect(plan.stdout).toMatch(/schedule: scan/);
    clean(await inProcess(['emit', f]));
  });

  it('a shared-subexpression coefficient (30 lines) scans to the float64 reference\'s numbers', async (t) => {
    deviceOrSkip(t, dev);
    const r = await inProcess(['run', chain(30, { affine: true, shared: true }), '--B', '3', '--T', '7', '--schedule', 'scan', '--compare']);
    clean(r);
    expect(r.stdout).toMatch(/OK: \d+ tensors against the float64 reference/);
  });

  it('400 lines: run --compare matches the float64 reference; train runs', async (t) => {
    deviceOrSkip(t, dev);
    const f = chain(400);
    const r = await inProcess(['run', f, '--B', '3', '--T', '5', '--compare']);
    clean(r);
    expect(r.stdout).toMatch(/OK: \d+ tensors against the float64 reference/);
    clean(await inProcess(['run', f, '--B', '3', '--T', '5']));
    clean(await inProcess(['train', f, '--task', 'sine', '--T', '6', '--B', '3', '--steps', '2', '--out', join(dir, 'run'), '--force']));
  });
});
