// Before a sweep trains a cell, its BPTT gradients are checked once against
// float64 finite differences at small sizes (the engine of `cellc gradcheck`,
// at its defaults). The verdict is kept in DIR/cells/<source hash>.json, so a
// resumed sweep (or another shard writing to the same folder) does not check
// the same source again; a cell that fails is reported, and its trials are
// skipped with the reason.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuFootprintError, gradcheck, gradcheckSizes } from '../../../compiler/tools/index.js';
import { formatGradcheck } from '../cli/commands/gradcheck.js';
import { loadCells } from '../cli/io.js';
import { ensureDir, writeFileAtomic } from '../train/checkpoint.js';

export interface CellVerdict {
  /** The hash of the cell file's source (TrialConfig.cell.source). */
  readonly source: string;
  readonly file: string;
  readonly ok: boolean;
  /** gradcheck's last line: OK or FAIL, how many tensors, the worst relative error. */
  readonly summary: string;
}

/** What checks a cell: the gradcheck engine by default (tests may pass another). */
export type CellVerifier = (path: string, file: string, source: string) => CellVerdict;

export const GRADCHECK = { T: 8, B: 2, seed: 1, tol: 1e-6, eps: 1e-6 };

export const gradcheckCell: CellVerifier = (path, file, source) => {
  const g = loadCells(path).graphs[0];
  const sizes = gradcheckSizes(g, {});
  const tooBig = cpuFootprintError('gradcheck', g, sizes, GRADCHECK.B, GRADCHECK.T);
  if (tooBig) return { source, file, ok: false, summary: tooBig };
  const r = gradcheck(g, { ...GRADCHECK, sizes });
  const { lines, ok } = formatGradcheck(g.name, sizes, GRADCHECK, r);
  return { source, file, ok, summary: `gradcheck ${g.name} (${Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'no sizes'}, T=${GRADCHECK.T}, B=${GRADCHECK.B}):${lines[lines.length - 1]}` };
};

export const cellsDir = (out: string) => join(out, 'cells');

export function readVerdict(out: string, source: string): CellVerdict | undefined {
  const p = join(cellsDir(out), `${source}.json`);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as CellVerdict;
  } catch {
    return undefined; // a damaged verdict is checked again
  }
}

/** The verdict for a cell source, from DIR/cells or checked now (and kept). */
export function verifyCell(out: string, path: string, file: string, source: string, verifier: CellVerifier = gradcheckCell): { verdict: CellVerdict; cached: boolean } {
  const kept = readVerdict(out, source);
  if (kept) return { verdict: kept, cached: true };
  const verdict = verifier(path, file, source);
  ensureDir(cellsDir(out));
  writeFileAtomic(join(cellsDir(out), `${source}.json`), new TextEncoder().encode(JSON.stringify(verdict, null, 2) + '\n'));
  return { verdict, cached: false };
}
