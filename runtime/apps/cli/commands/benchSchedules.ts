// `cellc bench FILE --schedule both`: the sequential schedule and the scan of
// the same cell at the same (B, T), parameters and inputs, timed in
// alternating rounds (sequential, scan, sequential, scan, …: a noisy machine
// then slows both alike), with the speed-up of the scan. Each round creates
// its runtime afresh, so only one schedule's memory is held at a time.

import { dispatchTotals, type Bound } from '../../../../compiler/index.js';
import { targetOf, type GpuContext } from '../../../core/device.js';
import { UserError } from '../io.js';
import { compileCell, fmtMs, median, sizeText, type CompiledCell } from './gpuCommon.js';
import { BENCH_CALLS, benchProblem, type BenchCall } from './benchProblem.js';

async function timeRound(ctx: GpuContext, c: CompiledCell, o: { B: number; T: number; runs: number; warmup: number; seed: number }, into: Record<BenchCall, number[]>): Promise<void> {
  const { rt, encode } = await benchProblem(ctx, c, o);
  try {
    for (const call of BENCH_CALLS) {
      for (let i = 0; i < o.warmup; i++) await rt.submit(call, encode[call]);
      for (let i = 0; i < o.runs; i++) {
        const t0 = performance.now();
        await rt.submit(call, encode[call]);
        into[call].push(performance.now() - t0);
      }
    }
  } finally {
    rt.destroy();
  }
}

export async function benchSchedules(ctx: GpuContext, bound: Bound, o: { B: number; T: number; runs: number; warmup: number; seed: number; rounds: number }): Promise<number> {
  const target = targetOf(ctx);
  const shape = { B: o.B, T: o.T };
  const cells = { sequential: compileCell(bound, target, { schedule: 'sequential', shape }), scan: compileCell(bound, target, { schedule: 'scan', shape }) };
  if (cells.scan.artifact.schedule?.name !== 'scan') throw new UserError(`${bound.graph.name}: no scan schedule to compare: ${cells.scan.artifact.schedule?.reason}`);
  const times = { sequential: { forward: [], 'forward+backward': [] }, scan: { forward: [], 'forward+backward': [] } } as Record<'sequential' | 'scan', Record<BenchCall, number[]>>;
  for (let r = 0; r < o.rounds; r++) for (const s of ['sequential', 'scan'] as const) await timeRound(ctx, cells[s], { ...o, warmup: r === 0 ? o.warmup : 1 }, times[s]);
  const ad = ctx.adapter;
  const out: string[] = [];
  out.push(`bench ${bound.graph.name}: sizes ${sizeText(bound.sizes)}; B=${o.B}, T=${o.T}; sequential vs scan, ${o.rounds} alternating round(s) of ${o.runs} run(s), median wall ms`);
  out.push(`  adapter: ${[ad.vendor, ad.architecture, ad.device, ad.description].filter(Boolean).join(' / ')}${ad.software ? ' (software)' : ''}`);
  const rows: string[][] = [['schedule', 'forward ms', 'fwd+bwd ms', 'dispatches fwd', 'dispatches fwd+bwd']];
  const med = (s: 'sequential' | 'scan', c: BenchCall) => median(times[s][c]);
  for (const s of ['sequential', 'scan'] as const) {
    const d = dispatchTotals(cells[s].artifact, o.T);
    rows.push([s, fmtMs(med(s, 'forward')), fmtMs(med(s, 'forward+backward')), String(d.forward), String(d.forwardBackward)]);
  }
  rows.push(['speed-up', `${(med('sequential', 'forward') / med('scan', 'forward')).toFixed(1)}x`, `${(med('sequential', 'forward+backward') / med('scan', 'forward+backward')).toFixed(1)}x`, '', '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push('  ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
