// `npm run bench -- --quick` end to end on this machine's adapter (lavapipe
// here): cellc and TF.js (webgpu and cpu backends) at one small size, torch made absent
// with --python pointing nowhere. Checks the shape of what is written, that
// cellc's figures are positive numbers, the machine block, and that an absent
// peer says absent in every cell of its columns. Speed is not asserted.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../runtime/apps/bench/peers/report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'cellc-peerbench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('runs cellc and the peers present, reports the absent one, writes bench.md, bench.json and bench.svg', () => {
    const args = ['run', '-s', 'bench', '--', '--quick', '--cells', 'lstm,mut1', '--peers', 'tfjs-webgpu,tfjs-cpu,torch', '--python', '/nonexistent/python3', '--out', out];
    const r = spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', timeout: 170_000, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    expect(r.stderr).toContain('peer torch: absent (no Python with torch (/nonexistent/python3: not found))');
    expect(r.status).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as Report;
    expect(report.schema).toBe('cellc-peer-bench/1');
    expect(report.options).toMatchObject({ quick: true, runs: 1, cells: ['lstm', 'mut1'], peers: ['tfjs-webgpu', 'tfjs-cpu', 'torch'] });
    expect(report.options.grid).toHaveLength(1);

    // the machine block
    const m = report.machine;
    expect(m.adapter).toHaveProperty('vendor');
    expect(m.adapter).toHaveProperty('architecture');
    expect(m.adapter).toHaveProperty('description');
    expect(typeof (m.adapter as { description: unknown }).description).toBe('string');
    expect(m.cpus).toBeGreaterThan(0);
    expect(m.node).toBe(process.version);
    expect(m.cellc).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(m.tfjs).toBe('4.22.0');
    expect(m.loadavg_before).toHaveLength(3);
    expect(m.loadavg_after).toHaveLength(3);
    expect(m.torch).toBeUndefined();

    // cellc: positive figures, one timed run each, verified
    const cellc = report.entries.filter((e) => e.impl === 'cellc');
    expect(cellc.map((e) => e.cell)).toEqual(['lstm', 'mut1']);
    for (const e of cellc) {
      expect(e.outcome.status, JSON.stringify(e.outcome)).toBe('ok');
      if (e.outcome.status !== 'ok') continue;
      expect(e.outcome.fwd_ms).toBeGreaterThan(0);
      expect(e.outcome.train_ms).toBeGreaterThan(0);
      expect(e.outcome.fwd_runs).toHaveLength(1);
      expect(e.outcome.train_runs).toHaveLength(1);
      expect(String(e.outcome.detail?.verified)).toMatch(/^verified against float64/);
    }
    // TF.js cpu: the LSTM layer, MUT1 in tf ops
    const tfjs = report.entries.filter((e) => e.impl === 'tfjs-cpu');
    expect(tfjs.map((e) => [e.cell, e.outcome.status, e.outcome.status === 'ok' ? e.outcome.detail?.kind : undefined])).toEqual([
      ['lstm', 'ok', 'tf.layers.lstm'],
      ['mut1', 'ok', 'eager tf ops (no layer)'],
    ]);
    // TF.js webgpu, on the same Dawn adapter: figures, or a crash reported as such (Dawn aborts now and then)
    for (const e of report.entries.filter((x) => x.impl === 'tfjs-webgpu')) {
      if (e.outcome.status === 'ok') expect(e.outcome.train_ms).toBeGreaterThan(0);
      else expect(e.outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^crashed \(/) });
    }
    // torch: absent everywhere, never a number
    const torch = report.entries.filter((e) => e.impl.startsWith('torch'));
    expect(torch).toHaveLength(4);
    for (const e of torch) expect(e.outcome).toEqual({ status: 'absent', reason: 'no Python with torch (/nonexistent/python3: not found)' });

    // stdout is the table; bench.md holds it with the notes
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('| cell | B, T, H | cellc (WebGPU) ms | TF.js webgpu ms | TF.js cpu ms | torch nn (cpu) ms | torch eager (cpu) ms | TF.js webgpu / cellc | TF.js cpu / cellc |');
    expect(lines).toHaveLength(4);
    const absent = 'absent (no Python with torch (/nonexistent/python3: not found))';
    for (const row of lines.slice(2)) {
      const cells = row.slice(2, -2).split(' | ');
      expect(cells[2]).toMatch(/^\d+\.\d+ \/ \d+\.\d+$/);
      expect(cells.slice(5, 7)).toEqual([absent, absent]);
    }
    expect(readFileSync(join(out, 'bench.md'), 'utf8')).toContain(r.stdout);
    expect(existsSync(join(out, 'bench.svg'))).toBe(true);
    expect(readFileSync(join(out, 'bench.svg'), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });
});
