// `cellc gradflow FILE --T n [--B n] [--set H=…] [--seed s] [--cell NAME] [--out chart.svg]`:
// ‖∂L/∂s_t‖ for t = T … 0 under a loss at the last step (compiler/tools/interp/gradflow.ts),
// as a table on stdout and a log-scale SVG line chart.

import { cpuFootprintError, type GradflowResult, gradientFlow, lineChart, meanDecayPerStep } from '../../../../compiler/tools/index.js';
import { writeFileSync } from 'node:fs';
import { UserError } from '../io.js';
import { bindOneCell } from './gpuCommon.js';
import { intOption } from './gradcheck.js';

export interface GradflowCliOptions {
  T?: string;
  B: string;
  set: string[];
  seed: string;
  cell?: string;
  out: string;
}

const exp = (v: number) => v.toExponential(3);

export function formatGradflow(r: GradflowResult): string[] {
  const sizeText = Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  const lines = [
    `gradflow ${r.cell}: sizes ${sizeText}; T=${r.T} B=${r.B} seed=${r.seed}`,
    `  loss: ${r.spec.kind} of a random ${r.spec.K}-wide readout of output ${r.output} at the last step only, L = ${r.loss.toPrecision(6)}`,
  ];
  const cols = [...(r.states.length > 1 ? ['‖∂L/∂s_t‖'] : []), ...r.states.map((n) => `‖∂L/∂${n}_t‖`)];
  const w = Math.max(11, ...cols.map((c) => c.length));
  lines.push(`  ${'t'.padStart(5)}  ${cols.map((c) => c.padStart(w)).join('  ')}`);
  for (const s of r.steps) {
    const vals = r.states.length > 1 ? [s.total, ...r.states.map((n) => s.perState.get(n)!)] : [s.total];
    lines.push(`  ${String(s.t).padStart(5)}  ${vals.map((v) => exp(v).padStart(w)).join('  ')}`);
  }
  const d = meanDecayPerStep(r);
  if (d) lines.push(`  ‖∂L/∂s_0‖ / ‖∂L/∂s_${d.from}‖ = ${exp(d.ratio)}  (×${d.perStep.toPrecision(4)} per step on average)`);
  return lines;
}

export function gradflowChart(r: GradflowResult): string {
  const series = [
    ...(r.states.length > 1 ? [{ name: 'all states', points: r.steps.map((s) => [s.t, s.total] as const) }] : []),
    ...r.states.map((n) => ({ name: n, points: r.steps.map((s) => [s.t, s.perState.get(n)!] as const) })),
  ];
  return lineChart(series, {
    title: `${r.cell}: ‖∂L/∂s_t‖ for a loss at t = ${r.T} (B=${r.B}, seed ${r.seed})`,
    xLabel: 't',
    yLabel: '‖∂L/∂s_t‖ (log scale)',
    logY: true,
  });
}

export function gradflowCommand(file: string, opts: GradflowCliOptions): number {
  if (opts.T === undefined) throw new UserError('gradflow needs --T <n> (the sequence length)');
  const T = intOption('--T', opts.T);
  const B = intOption('--B', opts.B);
  const seed = intOption('--seed', opts.seed, 0);
  if (!opts.out || !opts.out.trim()) throw new UserError(`--out expects a file name`);
  const { graph: g, sizes } = bindOneCell(file, opts.set, opts.cell);
  const tooBig = cpuFootprintError('gradflow', g, sizes, B, T);
  if (tooBig) throw new UserError(tooBig);
  const r = gradientFlow(g, { T, B, seed, sizes });
  const svg = gradflowChart(r);
  try {
    writeFileSync(opts.out, svg);
  } catch (e) {
    throw new UserError(`cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  process.stdout.write(formatGradflow(r).join('\n') + `\n  wrote ${opts.out}\n`);
  return 0;
}
