// The syntax (SPEC.md §3) as a pure chevrotain CstParser: no embedded actions,
// error recovery on, so one run reports every syntax error it can. The CST is
// turned into our own AST (ast.ts) by buildAst.ts and never leaves the front end.

import { createTokenInstance, CstParser, type CstNode, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.js';

class CellParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  program = this.RULE('program', () => {
    this.MANY(() => this.SUBRULE(this.cellDecl));
  });

  cellDecl = this.RULE('cellDecl', () => {
    this.CONSUME(T.Cell);
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.inputDecl) });
    this.CONSUME(T.RParen);
    // a cell attribute: `reverse` (checked by the elaborator; not a keyword)
    this.OPTION(() => this.CONSUME2(T.Ident, { LABEL: 'attribute' }));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RBrace);
  });

  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.shape) },
        {
          ALT: () => {
            this.CONSUME(T.Colon);
            this.CONSUME(T.Index);
            this.CONSUME(T.LParen);
            this.SUBRULE(this.dimExpr, { LABEL: 'range' });
            this.CONSUME(T.RParen);
          },
        },
      ]);
    });
  });

  shape = this.RULE('shape', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.dimExpr) });
    this.CONSUME(T.RBracket);
  });

  dimExpr = this.RULE('dimExpr', () => {
    this.SUBRULE(this.dimTerm);
    this.MANY(() => {
      this.CONSUME(T.AddOp);
      this.SUBRULE2(this.dimTerm);
    });
  });

  dimTerm = this.RULE('dimTerm', () => {
    this.SUBRULE(this.dimAtom);
    this.MANY(() => {
      this.CONSUME(T.Star);
      this.SUBRULE2(this.dimAtom);
    });
  });

  dimAtom = this.RULE('dimAtom', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Ident) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.dimExpr);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.sizeDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.stateDecl) },
      { ALT: () => this.SUBRULE(this.outputDecl) },
      { ALT: () => this.SUBRULE(this.assignment) },
      { ALT: () => this.CONSUME(T.Semi) },
    ]);
  });

  sizeDecl = this.RULE('sizeDecl', () => {
    this.CONSUME(T.Size);
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.dimExpr, { LABEL: 'value' });
    });
  });

  paramDecl = this.RULE('paramDecl', () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.shape));
    this.OPTION2(() => {
      this.CONSUME(T.Init);
      this.SUBRULE(this.expression, { LABEL: 'init' });
    });
  });

  stateDecl = this.RULE('stateDecl', () => {
    this.CONSUME(T.State);
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.shape));
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression, { LABEL: 'init' });
    });
  });

  outputDecl = this.RULE('outputDecl', () => {
    this.CONSUME(T.Output);
    this.OR([
      { ALT: () => this.CONSUME(T.PrimedIdent, { LABEL: 'name' }) },
      {
        ALT: () => {
          this.CONSUME(T.Ident, { LABEL: 'name' });
          this.OPTION(() => {
            this.CONSUME(T.Equals);
            this.SUBRULE(this.expression, { LABEL: 'value' });
          });
        },
      },
    ]);
  });

  assignment = this.RULE('assignment', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ident, { LABEL: 'target' }) },
      { ALT: () => this.CONSUME(T.PrimedIdent, { LABEL: 'target' }) },
    ]);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.additive, { LABEL: 'lhs' });
    this.OPTION(() => {
      this.CONSUME(T.CompareOp);
      this.SUBRULE2(this.additive, { LABEL: 'rhs' });
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.AddOp);
      this.SUBRULE2(this.multiplicative, { LABEL: 'operands' });
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.MulOp);
      this.SUBRULE2(this.unary, { LABEL: 'operands' });
    });
  });

  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary, { LABEL: 'operand' });
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.LBracket);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.sliceItem) });
      this.CONSUME(T.RBracket);
    });
  });

  // `lo`, `lo:`, `lo:hi`, `:hi` or `:` (an empty item, as in `h[,]`, is a syntax error).
  sliceItem = this.RULE('sliceItem', () => {
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.dimExpr, { LABEL: 'lo' });
          this.OPTION(() => {
            this.CONSUME(T.Colon);
            this.OPTION2(() => this.SUBRULE2(this.dimExpr, { LABEL: 'hi' }));
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Colon);
          this.OPTION3(() => this.SUBRULE3(this.dimExpr, { LABEL: 'hi' }));
        },
      },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.PrimedIdent) },
      { ALT: () => this.SUBRULE(this.callOrName) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  callOrName = this.RULE('callOrName', () => {
    this.CONSUME(T.Ident, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument) });
      this.CONSUME(T.RParen);
    });
  });

  argument = this.RULE('argument', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Ident, { LABEL: 'key' });
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expression, { LABEL: 'value' });
        },
      },
      { ALT: () => this.SUBRULE2(this.expression, { LABEL: 'value' }) },
    ]);
  });
}

/** One parser instance is reused (chevrotain's self-analysis is costly). */
export const parser = new CellParser();

export interface ParseResult {
  readonly cst: CstNode;
  readonly lexErrors: { offset: number; length: number; message: string }[];
  readonly parseErrors: IRecognitionException[];
  readonly tokens: IToken[];
}

/**
 * The deepest nesting the parser is given. Chevrotain's recursive descent (and
 * above all its error recovery) overflows the JS stack somewhere past ~70
 * unclosed calls; no real cell nests anywhere near this deep.
 */
export const MAX_NESTING = 32;

/** Name of the synthetic recognition error for input nested deeper than MAX_NESTING. */
export const NESTING_ERROR = 'NestingTooDeepException';

/**
 * The first token at which brackets and unary minus signs nest deeper than
 * MAX_NESTING: each open `(` / `[` counts one, plus the unary minus signs in
 * front of it; a run of unary minus signs counts one per sign.
 */
function tooDeep(tokens: readonly IToken[]): IToken | undefined {
  const stack: number[] = [];
  let depth = 0;
  let pendingMinus = 0;
  let prev: IToken | undefined;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === T.LParen || type === T.LBracket) {
      const cost = 1 + pendingMinus;
      stack.push(cost);
      depth += cost;
      pendingMinus = 0;
      if (depth > MAX_NESTING) return t;
    } else if (type === T.RParen || type === T.RBracket) {
      depth -= stack.pop() ?? 0;
      pendingMinus = 0;
    } else if (type === T.Minus) {
      const pt = prev?.tokenType;
      const unary = !pt || !(pt === T.Ident || pt === T.PrimedIdent || pt === T.NumberLit || pt === T.RParen || pt === T.RBracket);
      if (unary) {
        pendingMinus++;
        if (depth + pendingMinus > MAX_NESTING) return t;
      } else pendingMinus = 0;
    } else pendingMinus = 0;
    prev = t;
  }
  return undefined;
}

/** Tokens after which a statement may be complete. */
const ENDS_OPERAND = new Set<TokenType>([T.Ident, T.PrimedIdent, T.NumberLit, T.RParen, T.RBracket]);
/** Tokens that continue a statement from the line before (an operator, `=`, `init`, a call or slice). */
const CONTINUES = new Set<TokenType>([
  T.Plus, T.Minus, T.Star, T.Slash, T.At, T.Le, T.Ge, T.EqEq, T.Ne, T.Lt, T.Gt, T.Equals, T.Init,
  T.LParen, T.LBracket, T.RParen, T.RBracket, T.Comma, T.Colon, T.Semi,
]);

/**
 * Statements end at a newline, but the lexer skips whitespace: a LineEnd token
 * (a ';' to the grammar) goes where a newline inside a cell body, outside any
 * brackets, follows a complete operand and the next line does not continue
 * the statement. Valid programs parse exactly as without it; after an error the
 * parser resynchronises at the next line instead of reading the rest of the
 * broken line as a new statement.
 */
function insertLineEnds(text: string, tokens: readonly IToken[]): IToken[] {
  const out: IToken[] = [];
  let braces = 0;
  let brackets = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = out[out.length - 1];
    if (prev && braces > 0 && brackets === 0 && ENDS_OPERAND.has(prev.tokenType) && !CONTINUES.has(t.tokenType) && t.tokenType !== T.RBrace) {
      const gapStart = prev.startOffset + prev.image.length;
      const nl = text.indexOf('\n', gapStart);
      if (nl >= 0 && nl < t.startOffset) out.push(createTokenInstance(T.LineEnd, '\n', nl, nl, NaN, NaN, NaN, NaN));
    }
    const type = t.tokenType;
    if (type === T.LBrace) braces++;
    else if (type === T.RBrace) braces = Math.max(0, braces - 1);
    else if (type === T.LParen || type === T.LBracket) brackets++;
    else if (type === T.RParen || type === T.RBracket) brackets = Math.max(0, brackets - 1);
    out.push(t);
  }
  return out;
}

export function parseText(text: string): ParseResult {
  const lexed = T.cellLexer.tokenize(text);
  const lexErrors = lexed.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message }));
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    // Not parsed at all: the parser could overflow the stack. One E002 names the spot.
    const e = { name: NESTING_ERROR, message: `nested more than ${MAX_NESTING} levels deep`, token: deep, resyncedTokens: [], context: { ruleStack: [], ruleOccurrenceStack: [] } };
    return { cst: { name: 'program', children: {} }, lexErrors, parseErrors: [e as unknown as IRecognitionException], tokens: lexed.tokens };
  }
  const tokens = insertLineEnds(text, lexed.tokens);
  parser.input = tokens;
  const cst = parser.program();
  return { cst, lexErrors, parseErrors: [...parser.errors], tokens };
}
