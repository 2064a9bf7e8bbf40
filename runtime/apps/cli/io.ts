// What every command shares: reading a source file without a stack trace on
// failure, printing diagnostics, and the exit-code convention
// (0 success, 1 user error or failed check, 2 internal error).

import { readFileSync, statSync } from 'node:fs';
import { applySizes, check, diag, formatDiagnostic, parseSizeSettings, type Diagnostic, type FrontEndResult, type Graph } from '../../../compiler/index.js';

/** A user-facing failure: printed as one message, exit code 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** The largest source file read: cells are a few kilobytes; anything this large is not one. */
export const MAX_SOURCE_BYTES = 8 * 2 ** 20;

/**
 * Reads a source file. Only regular files of at most MAX_SOURCE_BYTES: a FIFO
 * would block, a device (/dev/zero) never ends, and a huge file only
 * exhausts memory before the parser could say anything useful.
 */
export function readSourceFile(path: string): string {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    /* ENOTDIR, EACCES…: readFileSync below says which */
  }
  if (st && !st.isFile() && !st.isDirectory()) {
    const kind = st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new UserError(`cannot read ${path}: it is ${kind}; a source must be a regular file`);
  }
  if (st && st.isFile() && st.size > MAX_SOURCE_BYTES) throw new UserError(`cannot read ${path}: it has ${st.size} bytes, more than the ${MAX_SOURCE_BYTES} bytes (8 MiB) a source file may have`);
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

/** The `--set NAME=N` options as a sizes record; a malformed one prints E401 and is a UserError. */
export function sizeSettings(settings: readonly string[]): Record<string, number> {
  const ds: Diagnostic[] = [];
  const sizes = parseSizeSettings(settings, ds);
  if (ds.length) {
    for (const d of ds) process.stderr.write(formatDiagnostic(d, undefined) + '\n');
    throw new UserError('bad --set');
  }
  return sizes;
}

/**
 * Loads a file through the driver (check, then the --set sizes applied to
 * every selected cell); throws UserError (after printing diagnostics) when
 * invalid. With --cell only that cell is selected; without it, a --set that
 * names a size of no cell of the file is an error, one that fits some is not.
 */
export function loadCells(path: string, settings: readonly string[] = [], cellName?: string): { result: FrontEndResult; graphs: Graph[]; sizes: Record<string, number> } {
  const result = check(readSourceFile(path), path);
  if (result.diagnostics.length) {
    printDiagnostics(result, result.diagnostics);
    throw new UserError(`${path}: ${result.diagnostics.length} error(s)`);
  }
  const sizes = sizeSettings(settings);
  let selected = result.graphs;
  if (cellName !== undefined) {
    selected = selected.filter((g) => g.name === cellName);
    if (!selected.length) throw new UserError(`${path} has no cell named '${cellName}' (it has: ${result.graphs.map((g) => g.name).join(', ')})`);
  }
  const known = new Set(selected.flatMap((g) => g.sizes.map((x) => x.name)));
  const unknown = Object.keys(sizes).filter((k) => !known.has(k));
  const ds: Diagnostic[] = [];
  const graphs = selected.map((g) => {
    const own = Object.fromEntries(Object.entries(sizes).filter(([k]) => selected.length === 1 || g.sizes.some((x) => x.name === k)));
    const r = applySizes(g, own);
    ds.push(...r.diagnostics);
    return r.graph;
  });
  if (ds.length || (unknown.length && selected.length > 1)) {
    printDiagnostics(result, ds.length ? ds : unknown.map((k) => diag('E401', `no cell of ${path} has a size symbol '${k}' that can be set`)));
    throw new UserError(`${path}: bad --set`);
  }
  return { result, graphs, sizes };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
