// `npm run bench [-- options]`: cellc against its peers. For each size of the
// grid and each cell: cellc (timed by `cellc bench`'s code), TF.js on its
// WebGPU and CPU backends, and PyTorch (nn layer and an eager loop), each job
// in its own child process so that one crash (Dawn aborts at random) costs
// one figure. Writes the markdown table to stdout and to DIR/bench.md, every
// figure and the machine to DIR/bench.json, the chart to DIR/bench.svg.
// Progress goes to stderr. Options: options.ts (--help).

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../cli/io.js';
import { benchSvg } from './chart.js';
import { runJob, stopJobs, type JobResult } from './childJob.js';
import { detectPeers, torchEnv, type PeerStatus } from './detect.js';
import type { Entry, Impl, JobSpec, Outcome, Timing } from './jobs.js';
import { REPO_ROOT } from './jobMain.js';
import { machineInfo, type Machine } from './machine.js';
import { CELLS, parseBenchArgs, USAGE, type BenchOptions, type CellKey, type Size } from './options.js';
import { reportJson, type Report } from './report.js';
import { implLabel, markdownReport, markdownTable, outcomeText, sizeLabel } from './table.js';

const HERE = join(REPO_ROOT, 'runtime', 'apps', 'bench', 'peers');
const SEED = 1;

const say = (s: string) => process.stderr.write(s + '\n');

/** A TypeScript job in a fresh node (through tsx, as the cellc CLI runs from a clone). */
const tsJob = (file: string, args: readonly string[], timeoutS: number) => runJob(process.execPath, ['--import', 'tsx', join(HERE, file), ...args], { cwd: REPO_ROOT, timeoutS });

function timingOf(v: unknown): (Timing & { detail?: Record<string, unknown> }) | undefined {
  const t = v as Partial<Timing> & { detail?: Record<string, unknown> };
  const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  return t && positive(t.fwd_ms) && positive(t.train_ms) && Array.isArray(t.fwd_runs) && Array.isArray(t.train_runs) ? (t as Timing & { detail?: Record<string, unknown> }) : undefined;
}

/** A job's result as an outcome: its timing, or "failed: reason". */
function outcomeOf(r: JobResult, pick: (v: unknown) => unknown = (v) => v, extra: Record<string, unknown> = {}): Outcome {
  if (!r.ok) return { status: 'failed', reason: r.reason };
  const t = timingOf(pick(r.value));
  if (!t) return { status: 'failed', reason: 'the job gave no positive figures' };
  return { status: 'ok', fwd_ms: t.fwd_ms, train_ms: t.train_ms, fwd_runs: t.fwd_runs, train_runs: t.train_runs, detail: { ...(t.detail ?? {}), ...extra, job_s: Math.round(r.wallS * 10) / 10 } };
}

async function runOne(cell: CellKey, size: Size, o: BenchOptions, peers: readonly PeerStatus[]): Promise<Entry[]> {
  const spec: JobSpec = { cell, ...size, runs: o.runs, warmup: o.warmup, seed: SEED };
  const arg = JSON.stringify(spec);
  const entries: Entry[] = [];
  const add = (impl: Impl, outcome: Outcome) => entries.push({ cell, ...size, impl, outcome });
  add('cellc', outcomeOf(await tsJob('cellcJob.ts', [arg], o.timeout)));
  for (const p of peers) {
    if (p.peer === 'torch') {
      if (!p.present) {
        add('torch-nn', { status: 'absent', reason: p.reason });
        add('torch-eager', { status: 'absent', reason: p.reason });
        continue;
      }
      const r = await runJob(p.python!, [join(HERE, 'torch_peer.py'), arg], { cwd: REPO_ROOT, timeoutS: o.timeout, env: torchEnv() });
      const common = r.ok ? (({ nn: _n, eager: _e, ...rest }) => rest)(r.value as Record<string, unknown>) : {};
      add('torch-nn', r.ok && (r.value as { nn: unknown }).nn === null ? { status: 'n/a', reason: 'no layer' } : outcomeOf(r, (v) => (v as { nn: unknown }).nn, common));
      add('torch-eager', outcomeOf(r, (v) => (v as { eager: unknown }).eager, common));
    } else {
      if (!p.present) {
        add(p.peer, { status: 'absent', reason: p.reason });
        continue;
      }
      add(p.peer, outcomeOf(await tsJob('tfjsJob.ts', [arg, p.peer === 'tfjs-webgpu' ? 'webgpu' : 'cpu'], o.timeout)));
    }
  }
  return entries;
}

async function main(argv: readonly string[]): Promise<number> {
  const o = parseBenchArgs(argv);
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const t0 = performance.now();
  const started = new Date().toISOString();
  const peers = detectPeers(o.peers, o.python);
  for (const p of peers) say(p.present ? `peer ${p.peer}: ${p.version}${p.peer === 'torch' ? ` (${p.python}, ${p.cuda ? 'cuda' : 'cpu'})` : ''}` : `peer ${p.peer}: absent (${p.reason})`);
  const probe = await tsJob('machineJob.ts', [], 300);
  const machine: Machine = machineInfo(REPO_ROOT, peers, probe.ok ? (probe.value as Record<string, unknown>) : { error: probe.reason });
  const entries: Entry[] = [];
  const total = o.grid.length * o.cells.length;
  let k = 0;
  for (const size of o.grid) {
    for (const cell of o.cells) {
      const got = await runOne(cell, size, o, peers);
      entries.push(...got);
      say(`[${++k}/${total}] ${CELLS[cell].label} ${sizeLabel(size)}: ` + got.map((e) => `${implLabel(e.impl, machine.torch_device)} ${outcomeText(e.outcome)}`).join('; '));
    }
  }
  machine.loadavg_after = os.loadavg();
  const report: Report = {
    schema: 'cellc-peer-bench/1',
    started,
    duration_s: Math.round((performance.now() - t0) / 100) / 10,
    options: { grid: o.grid, cells: o.cells, peers: o.peers, runs: o.runs, warmup: o.warmup, timeout: o.timeout, quick: o.quick },
    machine,
    peers,
    entries,
  };
  const dir = resolve(o.out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench.md'), markdownReport(report));
  writeFileSync(join(dir, 'bench.json'), reportJson(report));
  writeFileSync(join(dir, 'bench.svg'), benchSvg(report));
  process.stdout.write(markdownTable(report));
  say(`wrote ${join(dir, 'bench.md')}, bench.json, bench.svg in ${report.duration_s} s`);
  return 0;
}

// Ctrl-C or a kill: stop the job that is running too, then exit as interrupted
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, () => {
    stopJobs();
    process.stderr.write(`bench: interrupted (${signal}); no report written\n`);
    process.exit(code);
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UserError) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`bench: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  }
}
