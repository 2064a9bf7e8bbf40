// The torch peer (runtime/apps/bench/peers/torch_peer.py) at a tiny size, on
// the machine's Python with torch: the nn layer for LSTM and GRU, none for
// MUT1 and the LayerNorm-LSTM, the eager loop for all four. Runs only where a
// Python imports torch (elsewhere the benchmark reports torch absent, which
// test/bench/peerBench.test.ts checks).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectTorch, torchEnv } from '../../runtime/apps/bench/peers/detect.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const torch = detectTorch(['python3', '/usr/bin/python3']);

describe.skipIf(!torch.present)(`torch_peer.py${torch.present ? ` (torch ${torch.version}, ${torch.python})` : `: skipped, ${torch.reason}`}`, () => {
  it.each(['lstm', 'gru', 'mut1', 'lnlstm'])('%s: one result line with positive figures', (cell) => {
    const python = torch.present ? torch.python! : '';
    const spec = JSON.stringify({ cell, B: 2, T: 3, H: 4, runs: 2, warmup: 1, seed: 1 });
    const r = spawnSync(python, ['runtime/apps/bench/peers/torch_peer.py', spec], { cwd: ROOT, encoding: 'utf8', env: torchEnv(), timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith('cellc-bench-result ')).toBe(true);
    const v = JSON.parse(lines[0].slice('cellc-bench-result '.length));
    expect(v.torch).toBe(torch.present && torch.version);
    expect(v.threads).toBeGreaterThan(0);
    expect(['cpu', 'cuda']).toContain(v.device);
    const timings = cell === 'lstm' || cell === 'gru' ? [v.nn, v.eager] : [v.eager];
    if (cell === 'mut1' || cell === 'lnlstm') expect(v.nn).toBeNull();
    for (const t of timings) {
      expect(t.fwd_ms).toBeGreaterThan(0);
      expect(t.train_ms).toBeGreaterThan(0);
      expect(t.fwd_runs).toHaveLength(2);
      expect(t.train_runs).toHaveLength(2);
    }
  });
});
