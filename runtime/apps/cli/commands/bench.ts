// `cellc bench FILE --B n --T n [--set NAME=VALUE…] [--cell NAME] [--runs n] [--warmup n] [--seed s]`:
// milliseconds per forward and per forward + backward call, the median of
// --runs calls after --warmup calls (warm-up compiles the shaders).
//
//   wall ms   wall clock around submit + onSubmittedWorkDone of the one
//             command buffer a call encodes (what a caller waits for)
//   GPU ms    when the device has 'timestamp-query': the time between a
//             timestamp written before the call's first compute pass and one
//             written after its last (Dawn rounds timestamps to ~65 µs unless
//             started with disable-dawn-features=timestamp_quantization)
//   GFLOP/s   estimated FLOPs / time. FLOPs count the matrix products only
//             (compiler/artifact/inspect.ts, estimateFlops): 2·K per output
//             element of every product, per example and step, i.e.
//             2·(#weights in matrix products)·B·T for a cell whose products
//             are all weight·vector; backward = 2 × forward (∂input and
//             ∂weight products), so forward + backward = 3 × forward.

import { dispatchCounts, dispatchTotals, estimateFlops } from '../../../../compiler/index.js';
import { targetOf, type GpuContext } from '../../../core/device.js';
import { assertVerified, verificationLine, type Verification } from '../../verify/verify.js';
import { bindOneCell, compileCell, fmtMs, scheduleOption, sizeText, wholeOption, withGpu, type CompiledCell } from './gpuCommon.js';
import { benchSchedules } from './benchSchedules.js';
import { UserError } from '../io.js';
import { timeBenchCalls } from './benchTiming.js';

export interface BenchCliOptions {
  B: string;
  T: string;
  set: string[];
  cell?: string;
  runs: string;
  warmup: string;
  seed: string;
  /** false with --no-verify. */
  verify?: boolean;
  /** sequential | scan | auto | both. */
  schedule?: string;
}

export async function benchCommand(file: string, opts: BenchCliOptions): Promise<number> {
  const B = wholeOption('--B', opts.B);
  const T = wholeOption('--T', opts.T);
  const runs = wholeOption('--runs', opts.runs);
  const warmup = wholeOption('--warmup', opts.warmup, 0);
  const seed = wholeOption('--seed', opts.seed, 0);
  const bound = bindOneCell(file, opts.set, opts.cell);
  // `both`: sequential and scan; a comma-separated list: those schedules, timed in alternation
  const list = opts.schedule === 'both' ? ['sequential', 'scan'] : (opts.schedule ?? '').includes(',') ? opts.schedule!.split(',').map((s) => s.trim()) : undefined;
  const schedules = list?.map((s) => scheduleOption(s));
  if (schedules?.includes('auto')) throw new UserError('--schedule: a list of schedules to compare names them (sequential, scan, step-fused, persistent), not auto');
  const schedule = schedules ? 'auto' : scheduleOption(opts.schedule);
  return withGpu('bench', async (ctx) => {
    // figures for a cell whose GPU results are wrong would mislead: verified first (cached after the first time)
    const verified = opts.verify === false ? undefined : await assertVerified(ctx, bound, `the cell ${bound.graph.name}`, 'benchmark it');
    if (schedules) return benchSchedules(ctx, bound, schedules, { B, T, runs, warmup, seed, rounds: 2 });
    return bench(ctx, compileCell(bound, targetOf(ctx), { schedule, shape: { B, T } }), { B, T, runs, warmup, seed, verified });
  });
}

async function bench(ctx: GpuContext, c: CompiledCell, o: { B: number; T: number; runs: number; warmup: number; seed: number; verified?: Verification }): Promise<number> {
  const { B, T } = o;
  const a = c.artifact;
  const { calls: results, gpuTimed } = await timeBenchCalls(ctx, c, o);
  const flops = estimateFlops(c.graph, c.sizes, B, T);
  const counts = dispatchCounts(a);
  const totals = dispatchTotals(a, T);
  const ad = ctx.adapter;
  const out: string[] = [];
  out.push(`bench ${c.graph.name}: sizes ${sizeText(c.sizes)}; B=${B}, T=${T}; median of ${o.runs} run(s) after ${o.warmup} warm-up run(s)`);
  out.push(`  adapter: ${[ad.vendor, ad.architecture, ad.device, ad.description].filter(Boolean).join(' / ')}${ad.software ? ' — software (CPU) implementation: correct but slow' : ''}`);
  out.push(`  ${o.verified ? verificationLine(o.verified) : 'not verified against float64 (--no-verify)'}`);
  if (a.schedule) out.push(`  schedule: ${a.schedule.name} (${a.schedule.reason})`);
  const head = ['', 'wall ms', ...(gpuTimed ? ['GPU ms'] : []), 'GFLOP', 'GFLOP/s', 'dispatches'];
  const rows: string[][] = [head];
  const gflop = { forward: flops.forward / 1e9, 'forward+backward': flops.forwardBackward / 1e9 } as const;
  const disp = { forward: totals.forward, 'forward+backward': totals.forwardBackward } as const;
  for (const name of ['forward', 'forward+backward'] as const) {
    const r = results[name];
    const best = r.gpu && r.gpu > 0 ? r.gpu : r.wall;
    rows.push([name, fmtMs(r.wall), ...(gpuTimed ? [r.gpu !== undefined ? fmtMs(r.gpu) : '—'] : []), gflop[name].toFixed(3), (gflop[name] / (best / 1e3)).toFixed(2), String(disp[name])]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push('  ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  out.push(`  dispatches per step: forward ${counts.forwardPerStep}, backward ${counts.backwardPerStep}; once per call: forward ${counts.forwardOnce}, backward ${counts.backwardOnce}`);
  out.push(`  GFLOP/s from ${gpuTimed ? 'GPU' : 'wall-clock'} time; FLOPs = matrix products only: ${flops.perRowForward} per example and step forward (2·K per output element), backward = 2 × forward`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
