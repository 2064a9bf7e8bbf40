// What every command shares: reading a source file without a stack trace on
// failure, printing diagnostics, and the exit-code convention
// (0 success, 1 user error or failed check, 2 internal error).

import { readFileSync } from 'node:fs';
import { checkSource, type FrontEndResult } from '../../compiler/frontend.js';
import { formatDiagnostic, type Diagnostic } from '../../compiler/diagnostics.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { overrideSizes, parseSizeSettings } from '../../compiler/ir/sizeBinding.js';

/** A user-facing failure: printed as one message, exit code 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function readSourceFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? e);
    throw new UserError(`cannot read ${path}: ${why}`);
  }
}

export function printDiagnostics(r: Pick<FrontEndResult, 'file'>, ds: readonly Diagnostic[]): void {
  for (const d of ds) process.stderr.write(formatDiagnostic(d, d.span ? r.file : undefined) + '\n');
}

/** Loads a file, checks it, applies --set; throws UserError (after printing diagnostics) when invalid. */
export function loadCells(path: string, settings: readonly string[] = [], cellName?: string): { result: FrontEndResult; graphs: Graph[] } {
  const result = checkSource(path, readSourceFile(path));
  if (result.diagnostics.length) {
    printDiagnostics(result, result.diagnostics);
    throw new UserError(`${path}: ${result.diagnostics.length} error(s)`);
  }
  const ds: Diagnostic[] = [];
  const overrides = parseSizeSettings(settings, ds);
  let graphs = result.graphs.map((g) => overrideSizes(g, overrides, ds));
  if (cellName !== undefined) {
    graphs = graphs.filter((g) => g.name === cellName);
    if (!graphs.length) throw new UserError(`${path} has no cell named '${cellName}' (it has: ${result.graphs.map((g) => g.name).join(', ')})`);
  }
  if (ds.length) {
    // an override unknown to every cell is an error; one that fits some cell is not
    const unknown = ds.filter((d) => d.code !== 'E401' || !/has no size symbol/.test(d.message) || graphs.length === 1);
    if (unknown.length) {
      printDiagnostics(result, unknown);
      throw new UserError(`${path}: bad --set`);
    }
  }
  return { result, graphs };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
