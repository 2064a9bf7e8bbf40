// `cellc gradcheck FILE [--T n] [--B n] [--set H=…] [--seed s] [--cell NAME] [--tol x]`:
// BPTT gradients against central finite differences in float64, then the
// dot-product test (compiler/tools/interp/gradcheck.ts). Exit 0 when every relative
// error and the dot test are within --tol, 1 otherwise.

import { parseSizeSettings } from '../../../../compiler/index.js';
import { cpuFootprintError, type GradcheckReport, gradcheck, gradcheckSizes } from '../../../../compiler/tools/index.js';
import { loadCells, UserError } from '../io.js';

export interface GradcheckCliOptions {
  T: string;
  B: string;
  set: string[];
  seed: string;
  cell?: string;
  tol: string;
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

/** The report as aligned text lines; `ok` is false when any error exceeds tol. */
export function formatGradcheck(cell: string, sizes: Readonly<Record<string, number>>, o: { T: number; B: number; seed: number; tol: number }, r: GradcheckReport): { lines: string[]; ok: boolean } {
  const sizeText = Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  const lines = [`gradcheck ${cell}: sizes ${sizeText}; T=${o.T} B=${o.B} seed=${o.seed}; tol ${o.tol.toExponential()}`];
  const nameW = Math.max(6, ...r.tensors.map((t) => t.name.length));
  const kindW = 13;
  lines.push(`  ${pad('tensor', nameW)}  ${pad('kind', kindW)}  ${lpad('elements', 8)}  ${lpad('max abs err', 11)}  ${lpad('max rel err', 11)}  result`);
  let ok = true;
  for (const t of r.tensors) {
    // NaN compares false both ways: a non-finite error is a failure, never an OK
    const good = Number.isFinite(t.maxAbs) && Number.isFinite(t.maxRel) && t.maxRel <= o.tol;
    ok &&= good;
    lines.push(`  ${pad(t.name, nameW)}  ${pad(t.kind, kindW)}  ${lpad(String(t.count), 8)}  ${lpad(exp(t.maxAbs), 11)}  ${lpad(exp(t.maxRel), 11)}  ${good ? 'OK' : 'FAIL'}`);
  }
  const dotOk = Number.isFinite(r.dot.rel) && Number.isFinite(r.dot.forward) && Number.isFinite(r.dot.backward) && r.dot.rel <= o.tol;
  ok &&= dotOk;
  lines.push(`  dot product test: ⟨u,Jᵀv⟩ = ${r.dot.backward.toPrecision(12)}  ⟨Ju,v⟩ = ${r.dot.forward.toPrecision(12)}  rel ${exp(r.dot.rel)}  ${dotOk ? 'OK' : 'FAIL'}`);
  const worst = Math.max(0, ...r.tensors.map((t) => (Number.isFinite(t.maxAbs) ? t.maxRel : NaN)));
  lines.push(`  ${ok ? 'OK' : 'FAIL'}: ${r.tensors.length} tensor(s), worst rel err ${exp(worst)}, dot test rel ${exp(r.dot.rel)}`);
  return { lines, ok };
}

export function gradcheckCommand(file: string, opts: GradcheckCliOptions): number {
  const T = intOption('--T', opts.T);
  const B = intOption('--B', opts.B);
  const seed = intOption('--seed', opts.seed, 0);
  const tol = positiveOption('--tol', opts.tol);
  const { graphs } = loadCells(file, opts.set, opts.cell);
  const overrides = parseSizeSettings(opts.set, []); // already validated by loadCells
  let allOk = true;
  const blocks: string[] = [];
  for (const g of graphs) {
    const sizes = gradcheckSizes(g, overrides);
    const tooBig = cpuFootprintError('gradcheck', g, sizes, B, T);
    if (tooBig) throw new UserError(tooBig);
    const r = gradcheck(g, { T, B, seed, sizes });
    const { lines, ok } = formatGradcheck(g.name, sizes, { T, B, seed, tol }, r);
    allOk &&= ok;
    blocks.push(lines.join('\n') + '\n');
  }
  process.stdout.write(blocks.join('\n'));
  return allOk ? 0 : 1;
}
