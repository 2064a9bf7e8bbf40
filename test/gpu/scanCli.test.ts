// The schedule on the command line: `--schedule` on plan, run and bench, the
// finding per state in `cellc plan`, clear user errors (exit 1) where the scan
// does not apply, and the runtime refusing truncated BPTT on a scan artifact.

import { describe, expect, it } from 'vitest';
import { inProcess } from '../support/cli.js';

describe('cellc --schedule', () => {
  it('plan shows the chosen schedule, why, and the finding per state', async () => {
    const r = await inProcess(['plan', 'dsl-examples/mingru.cell', '--B', '1', '--T', '1000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('schedule: scan (exact and faster: estimated');
    expect(r.stdout).toContain('h: affine in h, coefficient 1 − z depends only on parameters and x: parallel scan');
    expect(r.stdout).toContain('∂h: affine in h, coefficient 1 − z depends only on parameters and the forward pass: parallel scan');
    const seq = await inProcess(['plan', 'dsl-examples/mingru.cell', '--schedule', 'sequential']);
    expect(seq.stdout).toContain('schedule: sequential (requested)');
    expect(seq.stdout).toContain('per step (T times');
    const lstm = await inProcess(['plan', 'dsl-examples/lstm.cell']);
    expect(lstm.stdout).toContain('c: affine in c, coefficient f depends only on parameters and x and h; reads h: sequential, because h also reads c');
  });

  it('the scan where it does not apply, a bad name, a window with the scan: exit 1 with the reason', async () => {
    const lstm = await inProcess(['plan', 'dsl-examples/lstm.cell', '--schedule', 'scan']);
    expect(lstm.code).toBe(1);
    expect(lstm.stderr).toMatch(/LSTM: --schedule scan does not apply: scan requested, but not every recurrence is diagonal-affine: h is nonlinear/);
    const bad = await inProcess(['plan', 'dsl-examples/mingru.cell', '--schedule', 'fast']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--schedule expects one of sequential, scan, step-fused, persistent, auto, got 'fast'");
    const win = await inProcess(['run', 'dsl-examples/mingru.cell', '--B', '2', '--T', '8', '--window', '4', '--schedule', 'scan']);
    expect(win.code).toBe(1);
    expect(win.stderr).toContain('--window (truncated BPTT) needs --schedule sequential or step-fused');
  });

  it('run --compare with either schedule, and a window falls back to the loop', async () => {
    for (const schedule of ['scan', 'sequential']) {
      const r = await inProcess(['run', 'dsl-examples/minlstm.cell', '--B', '3', '--T', '67', '--set', 'I=5', '--set', 'H=17', '--compare', '--schedule', schedule]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`schedule: ${schedule}`);
      expect(r.stdout).toMatch(/OK: 10 tensors against the float64 reference/);
    }
    const w = await inProcess(['run', 'dsl-examples/mingru.cell', '--B', '3', '--T', '9', '--set', 'I=5', '--set', 'H=17', '--window', '4', '--compare']);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    expect(w.stdout).toContain('schedule: sequential (requested)');
  });
});
