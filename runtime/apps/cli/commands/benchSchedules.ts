// `cellc bench FILE --schedule both` (sequential and scan) or `--schedule
// A,B,…`: several schedules of the same cell at the same (B, T), parameters
// and inputs, timed in alternating rounds (A, B, A, B, …: a noisy machine then
// slows all alike), with each one's speed-up against the first. Each round
// creates its runtime afresh, so only one schedule's memory is held at a time.

import { dispatchTotals, type Bound, type ScheduleOption } from '../../../../compiler/index.js';
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

export async function benchSchedules(ctx: GpuContext, bound: Bound, schedules: readonly ScheduleOption[], o: { B: number; T: number; runs: number; warmup: number; seed: number; rounds: number }): Promise<number> {
  const target = targetOf(ctx);
  const shape = { B: o.B, T: o.T };
  const cells = schedules.map((schedule) => {
    const c = compileCell(bound, target, { schedule, shape });
    if (c.artifact.schedule?.name !== schedule) throw new UserError(`${bound.graph.name}: no ${schedule} schedule to compare: ${c.artifact.schedule?.reason}`);
    return c;
  });
  const times = schedules.map(() => ({ forward: [], 'forward+backward': [] }) as Record<BenchCall, number[]>);
  for (let r = 0; r < o.rounds; r++) for (const [i, c] of cells.entries()) await timeRound(ctx, c, { ...o, warmup: r === 0 ? o.warmup : 1 }, times[i]);
  const ad = ctx.adapter;
  const out: string[] = [];
  out.push(`bench ${bound.graph.name}: sizes ${sizeText(bound.sizes)}; B=${o.B}, T=${o.T}; ${schedules.join(' vs ')}, ${o.rounds} alternating round(s) of ${o.runs} run(s), median wall ms`);
  out.push(`  adapter: ${[ad.vendor, ad.architecture, ad.device, ad.description].filter(Boolean).join(' / ')}${ad.software ? ' (software)' : ''}`);
  const first = schedules[0];
  const rows: string[][] = [['schedule', 'forward ms', 'fwd+bwd ms', 'dispatches fwd', 'dispatches fwd+bwd', `speed-up vs ${first}`]];
  const med = (i: number, c: BenchCall) => median(times[i][c]);
  for (const [i, s] of schedules.entries()) {
    const d = dispatchTotals(cells[i].artifact, o.T);
    const up = i === 0 ? '' : `${(med(0, 'forward') / med(i, 'forward')).toFixed(1)}x / ${(med(0, 'forward+backward') / med(i, 'forward+backward')).toFixed(1)}x`;
    rows.push([s, fmtMs(med(i, 'forward')), fmtMs(med(i, 'forward+backward')), String(d.forward), String(d.forwardBackward), up]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push('  ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
