// The buffer-limit error blames what can be changed: when the parameters
// alone exceed the device's limit (a huge H), it says so instead of
// suggesting a smaller B or T. Skipped without an adapter (outside CI).

import { describe, expect, it } from 'vitest';
import { cellc } from '../support/cli.js';
import { inCI } from './helpers.js';

describe('buffer-limit hint', { timeout: 120_000 }, () => {
  it('H=30000 at B=1, T=1: the sizes are the cause', async (t) => {
    const r = await cellc(['run', 'dsl-examples/elman.cell', '--set', 'H=30000', '--B', '1', '--T', '1']);
    if (/No WebGPU adapter/.test(r.stderr) && !inCI) t.skip('no WebGPU adapter');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cellc: Tensor "params arena \(largest tensor p:U: 3600000000 bytes at B=1, T=1\)" needs .* it does not fit even at B=1 and T=1: use smaller sizes \(--set\)/);
    expect(r.stderr).not.toMatch(/smaller batch size B/);
  });
});
