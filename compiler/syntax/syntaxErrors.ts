// Chevrotain's recognition errors → our diagnostics (E001, E002) with plain
// messages: what was expected, in words, and what was found.

import type { IRecognitionException } from 'chevrotain';
import { diag, type Diagnostic } from '../diagnostics.js';
import { MAX_NESTING, NESTING_ERROR } from './parser.js';

const TOKEN_WORDS: Record<string, string> = {
  RParen: "')'", LParen: "'('", RBrace: "'}'", LBrace: "'{'", RBracket: "']'", LBracket: "'['",
  Comma: "','", Colon: "':'", Equals: "'='", Semi: "';'", Ident: 'a name', PrimedIdent: "a primed name like h'",
  NumberLit: 'a number', LineEnd: 'the end of the line', Cell: "'cell'", Index: "'index'", Init: "'init'", EOF: 'the end of the file',
};

const RULE_WORDS: Record<string, string> = {
  primary: 'an expression',
  unary: 'an expression',
  expression: 'an expression',
  argument: 'an argument',
  statement: "a statement (size, param, state, output, or NAME = …)",
  dimAtom: 'a size (a name or an integer)',
  dimExpr: 'a size (a name or an integer)',
  program: "a cell ('cell NAME(inputs) { … }')",
  cellDecl: "a cell ('cell NAME(inputs) { … }')",
  outputDecl: "an output name (output h')",
  assignment: 'a name to define',
  inputDecl: 'an input (x[I] or o: index(V))',
};

function found(e: IRecognitionException): string {
  const t = e.token;
  if (!t || t.tokenType?.name === 'EOF' || Number.isNaN(t.startOffset)) return 'the end of the file';
  if (t.tokenType?.name === 'LineEnd') return 'the end of the line';
  return `'${t.image}'`;
}

export function syntaxDiagnostics(
  text: string,
  lexErrors: readonly { offset: number; length: number; message: string }[],
  parseErrors: readonly IRecognitionException[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of lexErrors) {
    const ch = text.slice(e.offset, e.offset + Math.max(1, e.length));
    out.push(diag('E001', `unexpected character${e.length > 1 ? 's' : ''} '${ch.length > 20 ? ch.slice(0, 20) + '…' : ch}'`, { start: e.offset, end: e.offset + Math.max(1, e.length) }));
  }
  const seen = new Set<number>();
  for (const e of parseErrors) {
    const t = e.token;
    const atEnd = !t || Number.isNaN(t.startOffset) || t.tokenType?.name === 'EOF';
    const start = atEnd ? Math.max(0, text.length - 1) : t.startOffset;
    if (seen.has(start)) continue; // recovery can report one spot twice
    seen.add(start);
    if (t?.tokenType?.name === 'LineEnd') {
      out.push(diag('E002', `expected ${expectedWords(e)}, found the end of the line`, { start, end: start + 1 }));
      continue;
    }
    const end = atEnd ? text.length : t.startOffset + t.image.length;
    if (e.name === NESTING_ERROR) {
      out.push(diag('E002', `too deeply nested: brackets and minus signs nest more than ${MAX_NESTING} levels here; simplify the expression`, { start, end: Math.max(end, start + 1) }));
      continue;
    }
    out.push(diag('E002', `expected ${expectedWords(e)}, found ${found(e)}`, { start, end: Math.max(end, start + 1) }));
  }
  // At most one syntax error per line: a second E002 on a line that already has
  // an error is the parser recovering from the first (`h' = x × h` leaves
  // `h' = x h`; in `select(a < b < c, a, b)` every token after the second '<'
  // is out of place). Lexer errors (E001) are exact and all kept.
  out.sort((a, b) => a.span!.start - b.span!.start);
  const kept: Diagnostic[] = [];
  for (const d of out) {
    const prev = kept[kept.length - 1];
    if (d.code === 'E002' && prev && !text.slice(prev.span!.start, d.span!.start).includes('\n')) continue;
    kept.push(d);
  }
  return kept;
}

function expectedWords(e: IRecognitionException): string {
  const mismatch = /--> (\w+) <--/.exec(e.message);
  // Only the top level expects the end of the file, where a cell may stand as well.
  if (e.name === 'MismatchedTokenException' && mismatch?.[1] === 'EOF') return RULE_WORDS.program;
  // A cell body ends where no statement can start: the token is a bad statement more often than a missing '}'.
  const stack = e.context?.ruleStack ?? [];
  const found = e.token?.tokenType?.name;
  if (mismatch?.[1] === 'RBrace' && stack[stack.length - 1] === 'cellDecl' && found !== 'EOF' && found !== 'Cell') return `${RULE_WORDS.statement} or '}'`;
  if (e.name === 'MismatchedTokenException' && mismatch) return TOKEN_WORDS[mismatch[1]] ?? mismatch[1];
  if (e.name === 'NotAllInputParsedException') return RULE_WORDS.program;
  return RULE_WORDS[stack[stack.length - 1]] ?? 'something else';
}
