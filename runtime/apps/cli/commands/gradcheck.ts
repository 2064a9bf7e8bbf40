// `cellc gradcheck FILE [--T n] [--B n] [--set H=…] [--seed s] [--cell NAME] [--tol x] [--eps x]`:
// BPTT gradients against central finite differences in float64, then the
// dot-product test (compiler/tools/interp/gradcheck.ts). Exit 0 when every relative
// error and the dot test are within --tol, 1 otherwise; a failure says what its
// error does as the step shrinks (truncation, roundoff, a wrong gradient, or a
// kink or jump at the point: then the verdict is INCONCLUSIVE, still exit 1).

import { parseSizeSettings } from '../../../../compiler/index.js';
import { cpuFootprintError, describeVerdict, type FdVerdict, type GradcheckReport, gradcheck, gradcheckSizes } from '../../../../compiler/tools/index.js';
import { loadCells, UserError } from '../io.js';

export interface GradcheckCliOptions {
  T: string;
  B: string;
  set: string[];
  seed: string;
  cell?: string;
  tol: string;
  eps: string;
}

/** A whole number ≥ min from an option value; otherwise a one-line UserError naming the option. */
export function intOption(option: string, value: string, min = 1): number {
  const v = Number(value);
  if (!/^\s*\d+\s*$/.test(String(value)) || !Number.isSafeInteger(v) || v < min) {
    throw new UserError(`${option} expects a whole number ≥ ${min}, got '${value}'`);
  }
  return v;
}

/** A finite number > 0 from an option value. */
export function positiveOption(option: string, value: string): number {
  const v = Number(value);
  if (String(value).trim() === '' || !Number.isFinite(v) || v <= 0) throw new UserError(`${option} expects a positive number, got '${value}'`);
  return v;
}

const exp = (v: number) => v.toExponential(2);
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** ' (estimate)' when a step other than the first agreed, ' (noise floor)' when only the FD noise floor did. */
function estimateNote(v: FdVerdict): string {
  const notes = [...(v.estimate !== 'D(h)' ? [v.estimate] : []), ...(v.atNoiseFloor ? ['at the FD noise floor'] : [])];
  return v.ok && notes.length ? ` (${notes.join(', ')})` : '';
}
const verdictText = (v: FdVerdict) => (v.ok ? 'OK' : 'FAIL') + estimateNote(v);

/** The report as aligned text lines; `ok` is false when any check disagrees (judged by gradcheck at o.tol). */
export function formatGradcheck(cell: string, sizes: Readonly<Record<string, number>>, o: { T: number; B: number; seed: number; tol: number; eps: number }, r: GradcheckReport): { lines: string[]; ok: boolean } {
  const sizeText = Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  const masks = r.random ? `; random masks drawn with seed ${r.random.seed} (fixed: the same in every evaluation)` : '';
  const lines = [`gradcheck ${cell}: sizes ${sizeText}; T=${o.T} B=${o.B} seed=${o.seed}; tol ${o.tol.toExponential()}; eps ${o.eps.toExponential()}${masks}`];
  const nameW = Math.max(6, ...r.tensors.map((t) => t.name.length));
  const kindW = 13;
  lines.push(`  ${pad('tensor', nameW)}  ${pad('kind', kindW)}  ${lpad('elements', 8)}  ${lpad('max abs err', 11)}  ${lpad('max rel err', 11)}  result`);
  const diagnosis = (v: FdVerdict) => (v.ok ? [] : [`      ↳ ${describeVerdict(v)}`]);
  for (const t of r.tensors) {
    lines.push(`  ${pad(t.name, nameW)}  ${pad(t.kind, kindW)}  ${lpad(String(t.count), 8)}  ${lpad(exp(t.maxAbs), 11)}  ${lpad(exp(t.maxRel), 11)}  ${verdictText(t)}`);
    lines.push(...diagnosis(t));
  }
  const d = r.dot;
  lines.push(`  dot product test: ⟨u,Jᵀv⟩ = ${d.backward.toPrecision(12)}  ⟨Ju,v⟩ = ${d.forward.toPrecision(12)}  rel ${exp(d.rel)}  ${verdictText(d)}`);
  lines.push(...diagnosis(d));
  // tensors whose gradient is ≈ 0 (they agree only at the FD noise floor) have no meaningful relative error
  const worst = Math.max(0, ...r.tensors.filter((t) => !t.atNoiseFloor).map((t) => (Number.isFinite(t.maxAbs) ? t.maxRel : NaN)));
  const floor = r.tensors.filter((t) => t.atNoiseFloor).length;
  const wrong = [...r.tensors.filter((t) => t.diagnosis === 'wrong gradient').map((t) => t.name), ...(d.diagnosis === 'wrong gradient' ? ['the dot test'] : [])];
  const failing = [...r.tensors, d].filter((v) => !v.ok);
  const special = failing.every((v) => v.diagnosis === 'kink' || v.diagnosis === 'discontinuity');
  const verdict = r.ok ? 'OK' : wrong.length ? `FAIL (wrong gradient: ${wrong.join(', ')})` : special ? 'INCONCLUSIVE (a non-differentiable point: rerun with another --seed)' : 'FAIL';
  lines.push(`  ${verdict}: ${r.tensors.length} tensor(s)${floor ? ` (${floor} at the FD noise floor)` : ''}, worst rel err ${exp(worst)}, dot test rel ${exp(d.rel)}`);
  return { lines, ok: r.ok };
}

export function gradcheckCommand(file: string, opts: GradcheckCliOptions): number {
  const T = intOption('--T', opts.T);
  const B = intOption('--B', opts.B);
  const seed = intOption('--seed', opts.seed, 0);
  const tol = positiveOption('--tol', opts.tol);
  const eps = positiveOption('--eps', opts.eps);
  if (eps > 0.1) throw new UserError(`--eps expects a step ≤ 0.1 (central differences at a larger step say nothing about a derivative), got '${opts.eps}'`);
  const { graphs } = loadCells(file, opts.set, opts.cell);
  const overrides = parseSizeSettings(opts.set, []); // already validated by loadCells
  let allOk = true;
  const blocks: string[] = [];
  for (const g of graphs) {
    const sizes = gradcheckSizes(g, overrides);
    const tooBig = cpuFootprintError('gradcheck', g, sizes, B, T);
    if (tooBig) throw new UserError(tooBig);
    const r = gradcheck(g, { T, B, seed, sizes, eps, tol });
    const { lines, ok } = formatGradcheck(g.name, sizes, { T, B, seed, tol, eps }, r);
    allOk &&= ok;
    blocks.push(lines.join('\n') + '\n');
  }
  process.stdout.write(blocks.join('\n'));
  return allOk ? 0 : 1;
}
