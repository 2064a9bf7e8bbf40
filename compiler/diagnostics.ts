// User-facing diagnostics. A user error is never thrown: each stage returns a
// list of Diagnostics. Compiler bugs are assertions (see util/assert.ts).
// Every code below is documented in SPEC.md, section "Diagnostics".

import type { SourceFile, Span } from './source.js';

export const DIAGNOSTIC_CODES = {
  E001: 'unexpected character',
  E002: 'syntax error',
  E003: 'expression nested too deeply',
  E101: 'undefined name',
  E102: 'duplicate definition',
  E103: 'next-state name used before it is defined',
  E104: 'state never updated',
  E105: 'primed name of something that is not a state',
  E106: 'a state cannot be assigned; assign its primed name',
  E107: 'undefined size',
  E108: 'reserved name',
  E109: 'cell has no output',
  E110: 'duplicate cell name',
  E201: 'shape mismatch',
  E202: 'matrix product dimension mismatch',
  E203: 'wrong rank',
  E204: 'type mismatch',
  E205: 'bad axis',
  E206: 'bad slice',
  E207: 'division by zero',
  E301: 'unknown function',
  E302: 'wrong number of arguments',
  E303: 'unknown or repeated keyword argument',
  E304: 'bad keyword argument value',
  E305: 'dense cannot infer its output size',
  E306: 'bad initialiser',
  E401: 'bad size override',
  E402: 'size has no value',
  E403: 'invalid size expression',
  E501: 'layers cannot be stacked',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  /** Absent only for errors about the command line (e.g. a bad --set). */
  readonly span?: Span;
}

export function diag(code: DiagnosticCode, message: string, span?: Span): Diagnostic {
  return span ? { code, message, span } : { code, message };
}

/** `FILE:LINE:COL: error CODE: message`, then the source line and a caret line. */
export function formatDiagnostic(d: Diagnostic, file: SourceFile | undefined): string {
  if (!d.span || !file) {
    const where = file ? `${file.path}: ` : '';
    return `${where}error ${d.code}: ${d.message}`;
  }
  const { line, col } = file.position(d.span.start);
  const end = file.position(Math.max(d.span.start, d.span.end - 1));
  const text = file.lineText(line).replace(/\t/g, ' ');
  const width = end.line === line ? Math.max(1, end.col - col + 1) : Math.max(1, text.length - col + 1);
  const gutter = String(line).length;
  return [
    `${file.path}:${line}:${col}: error ${d.code}: ${d.message}`,
    `${' '.repeat(gutter)} |`,
    `${line} | ${text}`,
    `${' '.repeat(gutter)} | ${' '.repeat(col - 1)}${'^'.repeat(width)}`,
  ].join('\n');
}

/** Sort by position so one run reports in reading order. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => (a.span?.start ?? -1) - (b.span?.start ?? -1));
}
