// Source files a careless or hostile user passes: devices, FIFOs, folders,
// files over the size limit, and an index input with an empty range. Each is
// one located diagnostic or one sentence, exit 1, and nothing blocks.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SOURCE_BYTES } from '../../runtime/apps/cli/io.js';
import { inProcess } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-sources-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('input files must be regular files of bounded size', () => {
  it('/dev/zero, a FIFO and an oversized file are refused at once', async () => {
    const fifo = join(tmp, 'pipe.cell');
    execFileSync('mkfifo', [fifo]);
    const big = join(tmp, 'big.cell');
    writeFileSync(big, Buffer.alloc(MAX_SOURCE_BYTES + 1, 32));
    const t0 = Date.now();
    const r = await inProcess(['check', '/dev/zero', fifo, big]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cellc: cannot read /dev/zero: it is a device; a source must be a regular file');
    expect(r.stderr).toContain(`cellc: cannot read ${fifo}: it is a FIFO (named pipe); a source must be a regular file`);
    expect(r.stderr).toContain(`more than the ${MAX_SOURCE_BYTES} bytes (8 MiB) a source file may have`);
    for (const cmd of [['graph', fifo], ['gradcheck', '/dev/zero'], ['emit', fifo]]) {
      const e = await inProcess(cmd);
      expect(e.code, e.stderr).toBe(1);
      expect(e.stderr).toMatch(/^cellc: cannot read .*: it is a (device|FIFO)/);
    }
  });
});

describe('an index input needs a non-empty range', () => {
  it('o: index(0) is E403 at check, not a failure inside gradcheck', async () => {
    const file = join(tmp, 'idx0.cell');
    writeFileSync(file, "cell A(x[2], o: index(0)) {\n  state h[2] = 0\n  h' = tanh(h + x)\n  output h'\n}\n");
    for (const cmd of ['check', 'gradcheck']) {
      const r = await inProcess([cmd, file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/idx0\.cell:1:23: error E403: dimension 0 is not positive/);
    }
  });
});
