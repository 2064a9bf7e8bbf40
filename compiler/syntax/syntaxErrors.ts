// Chevrotain's recognition errors → our diagnostics (E001, E002) with plain
// messages: what was expected, in words, and what was found.

import type { IRecognitionException } from 'chevrotain';
import { diag, type Diagnostic } from '../diagnostics.js';

const TOKEN_WORDS: Record<string, string> = {
  RParen: "')'", LParen: "'('", RBrace: "'}'", LBrace: "'{'", RBracket: "']'", LBracket: "'['",
  Comma: "','", Colon: "':'", Equals: "'='", Semi: "';'", Ident: 'a name', PrimedIdent: "a primed name like h'",
  NumberLit: 'a number', Cell: "'cell'", Index: "'index'", Init: "'init'", EOF: 'the end of the file',
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
    const end = atEnd ? text.length : t.startOffset + t.image.length;
    const mismatch = /--> (\w+) <--/.exec(e.message);
    let expected: string;
    if (e.name === 'MismatchedTokenException' && mismatch) expected = TOKEN_WORDS[mismatch[1]] ?? mismatch[1];
    else if (e.name === 'NotAllInputParsedException') expected = "a cell ('cell NAME(inputs) { … }')";
    else {
      const stack = e.context?.ruleStack ?? [];
      expected = RULE_WORDS[stack[stack.length - 1]] ?? 'something else';
    }
    out.push(diag('E002', `expected ${expected}, found ${found(e)}`, { start, end: Math.max(end, start + 1) }));
  }
  return out;
}
