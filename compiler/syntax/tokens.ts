// The lexical grammar (SPEC.md §2). One token type per lexeme; keywords use
// `longer_alt` so that `cellular` is an identifier, not `cell` + `ular`.

import { createToken, Lexer, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: Lexer.SKIPPED });

export const PrimedIdent = createToken({ name: 'PrimedIdent', pattern: /[A-Za-z_][A-Za-z0-9_]*'/ });
export const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z_][A-Za-z0-9_]*/, longer_alt: PrimedIdent });

function keyword(name: string, word: string): TokenType {
  return createToken({ name, pattern: new RegExp(word), longer_alt: [PrimedIdent, Ident] });
}
export const Cell = keyword('Cell', 'cell');
export const Size = keyword('Size', 'size');
export const Param = keyword('Param', 'param');
export const State = keyword('State', 'state');
export const Output = keyword('Output', 'output');
export const Init = keyword('Init', 'init');
export const Index = keyword('Index', 'index');

export const NumberLit = createToken({ name: 'NumberLit', pattern: /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/ });

export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Semi = createToken({ name: 'Semi', pattern: /;/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
/**
 * The end of a line that ends a statement. Never lexed: parseText inserts one
 * where a newline separates two statements of a cell body, so the parser can
 * resynchronise at line ends after an error. It counts as a ';'.
 */
export const LineEnd = createToken({ name: 'LineEnd', pattern: Lexer.NA, categories: Semi });

export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA });
export const Le = createToken({ name: 'Le', pattern: /<=/, categories: CompareOp });
export const Ge = createToken({ name: 'Ge', pattern: />=/, categories: CompareOp });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: CompareOp });
export const Ne = createToken({ name: 'Ne', pattern: /!=/, categories: CompareOp });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: CompareOp });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: CompareOp });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });

export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: AddOp });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: AddOp });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: MulOp });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: MulOp });
export const At = createToken({ name: 'At', pattern: /@/, categories: MulOp });

export const allTokens: TokenType[] = [
  WhiteSpace, Comment,
  Cell, Size, Param, State, Output, Init, Index,
  PrimedIdent, Ident, NumberLit,
  LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Semi, LineEnd, Colon,
  CompareOp, Le, Ge, EqEq, Ne, Lt, Gt, Equals,
  AddOp, Plus, Minus, MulOp, Star, Slash, At,
];

export const cellLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: 'onlyOffset' });
