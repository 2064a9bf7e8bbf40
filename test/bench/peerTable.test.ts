// The peer benchmark's markdown and chart (table.ts, chart.ts, barChart.ts),
// from hand-made reports: figures, ratios, absent peers, failed jobs, cells a
// peer has no layer for. Pure: no process is started.

import { describe, expect, it } from 'vitest';
import { barChart } from '../../compiler/tools/index.js';
import { benchSvg } from '../../runtime/apps/bench/peers/chart.js';
import type { PeerStatus } from '../../runtime/apps/bench/peers/detect.js';
import type { Entry, Impl, Outcome } from '../../runtime/apps/bench/peers/jobs.js';
import type { Machine } from '../../runtime/apps/bench/peers/machine.js';
import type { CellKey, PeerName, Size } from '../../runtime/apps/bench/peers/options.js';
import type { Report } from '../../runtime/apps/bench/peers/report.js';
import { fmtRatio, implColumns, markdownReport, markdownTable, outcomeText, ratioText } from '../../runtime/apps/bench/peers/table.js';

const ok = (fwd: number, train: number): Outcome => ({ status: 'ok', fwd_ms: fwd, train_ms: train, fwd_runs: [fwd], train_runs: [train] });
const S1: Size = { B: 8, T: 20, H: 32 };
const S2: Size = { B: 64, T: 100, H: 256 };

const machine: Machine = {
  adapter: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa', software: true },
  cpus: 2,
  cpu_model: 'CPU',
  memory_gib: 8,
  os: 'Linux',
  node: 'v20',
  cellc: '0.1.0',
  loadavg_before: [2, 2, 2],
  loadavg_after: [3, 2.5, 2],
};

function report(peers: PeerStatus[], entries: [CellKey, Size, Impl, Outcome][], cells: CellKey[] = ['lstm'], grid: Size[] = [S1]): Report {
  return {
    schema: 'cellc-peer-bench/1',
    started: '2026-01-01T00:00:00.000Z',
    duration_s: 12,
    options: { grid, cells, peers: peers.map((p) => p.peer), runs: 3, warmup: 1, timeout: 60, quick: false },
    machine,
    peers,
    entries: entries.map(([cell, s, impl, outcome]): Entry => ({ cell, ...s, impl, outcome })),
  };
}

const tfjsWebgpu: PeerStatus = { peer: 'tfjs-webgpu', present: true, version: '4.22.0' };
const tfjsCpu: PeerStatus = { peer: 'tfjs-cpu', present: true, version: '4.22.0' };
const torchAbsent: PeerStatus = { peer: 'torch', present: false, reason: 'no Python with torch (python3: not found)' };

/** The table's rows as cells, header first (the separator dropped). */
const cellsOf = (md: string) =>
  md
    .trim()
    .split('\n')
    .filter((l, i) => i !== 1)
    .map((l) => l.slice(2, -2).split(' | '));

describe('cells of the table', () => {
  it('figures: forward / training step in ms as cellc bench prints them', () => {
    expect(outcomeText(ok(4.7, 10.1))).toBe('4.700 / 10.10');
    expect(outcomeText(ok(1057, 3248.4))).toBe('1057.0 / 3248.4');
  });
  it('absent, failed, n/a and a missing entry', () => {
    expect(outcomeText({ status: 'absent', reason: '@tensorflow/tfjs not installed' })).toBe('absent (@tensorflow/tfjs not installed)');
    expect(outcomeText({ status: 'failed', reason: 'crashed (SIGSEGV)' })).toBe('failed: crashed (SIGSEGV)');
    expect(outcomeText({ status: 'n/a', reason: 'no layer' })).toBe('n/a (no layer)');
    expect(outcomeText(undefined)).toBe('—');
  });
  it('a reason with a pipe or a newline stays inside its cell', () => {
    expect(outcomeText({ status: 'failed', reason: 'a | b\nc' })).toBe('failed: a \\| b c');
  });
  it('ratios: peer / cellc, two significant digits, — unless both have figures', () => {
    expect(ratioText(ok(20, 100), ok(4, 10))).toBe('5.0 / 10');
    expect(ratioText(ok(1, 3), ok(4, 12))).toBe('0.25 / 0.25');
    expect(ratioText(ok(1000, 5000), ok(2, 10))).toBe('500 / 500');
    expect(ratioText({ status: 'failed', reason: 'x' }, ok(1, 1))).toBe('—');
    expect(ratioText(ok(1, 1), { status: 'failed', reason: 'x' })).toBe('—');
    expect(fmtRatio(Number.NaN)).toBe('—');
    expect(fmtRatio(0.0123)).toBe('0.012');
  });
});

describe('markdownTable', () => {
  it('one row per cell and size; ratio columns only for peers that are present', () => {
    const r = report(
      [tfjsWebgpu, tfjsCpu, torchAbsent],
      [
        ['lstm', S1, 'cellc', ok(5, 10)],
        ['lstm', S1, 'tfjs-webgpu', ok(50, 200)],
        ['lstm', S1, 'tfjs-cpu', { status: 'failed', reason: 'timed out after 60 s' }],
        ['lstm', S1, 'torch-nn', { status: 'absent', reason: torchAbsent.reason }],
        ['lstm', S1, 'torch-eager', { status: 'absent', reason: torchAbsent.reason }],
        ['mut1', S1, 'cellc', ok(2, 4)],
        ['mut1', S1, 'tfjs-webgpu', ok(1, 1)],
        ['mut1', S1, 'tfjs-cpu', ok(8, 2)],
        ['mut1', S1, 'torch-nn', { status: 'absent', reason: torchAbsent.reason }],
        ['mut1', S1, 'torch-eager', { status: 'absent', reason: torchAbsent.reason }],
      ],
      ['lstm', 'mut1'],
    );
    const rows = cellsOf(markdownTable(r));
    expect(rows[0]).toEqual(['cell', 'B, T, H', 'cellc (WebGPU) ms', 'TF.js webgpu ms', 'TF.js cpu ms', 'torch nn (cpu) ms', 'torch eager (cpu) ms', 'TF.js webgpu / cellc', 'TF.js cpu / cellc']);
    const absent = 'absent (no Python with torch (python3: not found))';
    expect(rows[1]).toEqual(['LSTM', '8, 20, 32', '5.000 / 10.00', '50.00 / 200.0', 'failed: timed out after 60 s', absent, absent, '10 / 20', '—']);
    expect(rows[2]).toEqual(['MUT1', '8, 20, 32', '2.000 / 4.000', '1.000 / 1.000', '8.000 / 2.000', absent, absent, '0.50 / 0.25', '4.0 / 0.50']);
    expect(rows).toHaveLength(3);
    // no number anywhere in an absent peer's columns
    for (const row of rows.slice(1)) for (const c of row.slice(5, 7)) expect(c).toMatch(/^absent \(/);
  });

  it('only the requested peers get columns; a failed cellc leaves every ratio of its row empty', () => {
    const r = report(
      [tfjsCpu],
      [
        ['gru', S1, 'cellc', { status: 'failed', reason: 'crashed (SIGABRT)' }],
        ['gru', S1, 'tfjs-cpu', ok(3, 9)],
        ['gru', S2, 'cellc', ok(3, 3)],
        ['gru', S2, 'tfjs-cpu', ok(3, 9)],
      ],
      ['gru'],
      [S1, S2],
    );
    const rows = cellsOf(markdownTable(r));
    expect(rows[0]).toEqual(['cell', 'B, T, H', 'cellc (WebGPU) ms', 'TF.js cpu ms', 'TF.js cpu / cellc']);
    expect(rows[1]).toEqual(['GRU', '8, 20, 32', 'failed: crashed (SIGABRT)', '3.000 / 9.000', '—']);
    expect(rows[2]).toEqual(['GRU', '64, 100, 256', '3.000 / 3.000', '3.000 / 9.000', '1.0 / 3.0']);
  });

  it('implColumns follows --peers; torch brings two columns', () => {
    expect(implColumns(['torch'])).toEqual(['cellc', 'torch-nn', 'torch-eager']);
    expect(implColumns(['tfjs-cpu', 'tfjs-webgpu'] as PeerName[])).toEqual(['cellc', 'tfjs-webgpu', 'tfjs-cpu']);
  });
});

describe('markdownReport', () => {
  it('says what was measured, the machine and its load, and which peers are absent', () => {
    const md = markdownReport(report([tfjsCpu, torchAbsent], [['lstm', S1, 'cellc', ok(1, 2)]]));
    expect(md).toContain('median of 3 run(s) after 1 warm-up run(s)');
    expect(md).toContain('- adapter: mesa / software / llvmpipe / llvmpipe: Mesa (software: a CPU implementation of WebGPU)');
    expect(md).toContain('- load average (1, 5, 15 min): before 2.00, 2.00, 2.00, after 3.00, 2.50, 2.00');
    expect(md).toContain('- torch: absent (no Python with torch (python3: not found))');
    expect(md).toContain('> 1 means cellc is faster');
    expect(md).toMatch(/without an optimizer step/);
    expect(md).toMatch(/\+ an Adam step/);
  });
});

describe('charts', () => {
  it('barChart: one rect per drawable value, none for undefined or ≤ 0 on a log axis', () => {
    const svg = barChart(['a', 'b'], [
      { name: 'x', values: [1, 100] },
      { name: 'y', values: [undefined, 0] },
    ], { logY: true });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"><title>/g)).toHaveLength(2);
    expect(svg).toContain('<title>x, b: 100</title>');
    expect(svg).toMatch(/>100<\/text>/); // a decade tick
    expect(barChart(['a'], [{ name: 'x', values: [undefined] }])).toContain('no data to plot');
  });

  it('benchSvg: a panel per cell, a bar per figure of a training step', () => {
    const r = report(
      [tfjsCpu],
      [
        ['lstm', S1, 'cellc', ok(1, 2)],
        ['lstm', S1, 'tfjs-cpu', ok(3, 40)],
        ['gru', S1, 'cellc', ok(1, 5)],
        ['gru', S1, 'tfjs-cpu', { status: 'failed', reason: 'x' }],
      ],
      ['lstm', 'gru'],
    );
    const svg = benchSvg(r);
    expect(svg.match(/<svg y="/g)).toHaveLength(2);
    expect(svg).toContain('<title>cellc (WebGPU), 8, 20, 32: 2</title>');
    expect(svg).toContain('<title>TF.js cpu, 8, 20, 32: 40</title>');
    expect(svg).toContain('<title>cellc (WebGPU), 8, 20, 32: 5</title>');
    expect(svg.match(/<title>/g)).toHaveLength(3);
  });
});
