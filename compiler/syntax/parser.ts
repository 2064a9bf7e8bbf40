// The syntax (SPEC.md §3) as a pure chevrotain CstParser: no embedded actions,
// error recovery on, so one run reports every syntax error it can. The CST is
// turned into our own AST (ast.ts) by buildAst.ts and never leaves the front end.

import { CstParser, type CstNode, type IRecognitionException, type IToken } from 'chevrotain';
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

  sliceItem = this.RULE('sliceItem', () => {
    this.OPTION(() => this.SUBRULE(this.dimExpr, { LABEL: 'lo' }));
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.OPTION3(() => this.SUBRULE2(this.dimExpr, { LABEL: 'hi' }));
    });
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

export function parseText(text: string): ParseResult {
  const lexed = T.cellLexer.tokenize(text);
  parser.input = lexed.tokens;
  const cst = parser.program();
  return {
    cst,
    lexErrors: lexed.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message })),
    parseErrors: [...parser.errors],
    tokens: lexed.tokens,
  };
}
