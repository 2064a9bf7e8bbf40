// The typed AST: our own tree, built from chevrotain's CST right after parsing.
// Every node carries the Span of the source it came from.

import type { Span } from '../source.js';

export type DimExpr =
  | { readonly kind: 'dnum'; readonly value: number; readonly span: Span }
  | { readonly kind: 'dname'; readonly name: string; readonly span: Span }
  | { readonly kind: 'dadd'; readonly op: '+' | '-'; readonly lhs: DimExpr; readonly rhs: DimExpr; readonly span: Span }
  | { readonly kind: 'dmul'; readonly lhs: DimExpr; readonly rhs: DimExpr; readonly span: Span };

export type BinaryOp = '+' | '-' | '*' | '/' | '@' | '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface KeywordArg {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: Expr;
}

export interface SliceItem {
  readonly lo?: DimExpr;
  readonly hi?: DimExpr;
  /** `a` (an index) has no colon; `a:b`, `:`, `a:`, `:b` have one. */
  readonly colon: boolean;
  readonly span: Span;
}

export type Expr =
  | { readonly kind: 'num'; readonly value: number; readonly span: Span }
  | { readonly kind: 'name'; readonly name: string; readonly primed: boolean; readonly span: Span }
  | {
      readonly kind: 'call';
      readonly callee: string;
      readonly calleeSpan: Span;
      readonly args: readonly Expr[];
      readonly kwargs: readonly KeywordArg[];
      readonly span: Span;
    }
  | { readonly kind: 'neg'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly lhs: Expr; readonly rhs: Expr; readonly span: Span }
  | { readonly kind: 'slice'; readonly base: Expr; readonly items: readonly SliceItem[]; readonly span: Span };

export interface Name {
  readonly name: string;
  readonly span: Span;
}

export type Stmt =
  | { readonly kind: 'size'; readonly name: Name; readonly value?: DimExpr; readonly span: Span }
  | { readonly kind: 'param'; readonly name: Name; readonly shape: readonly DimExpr[]; readonly init?: Expr; readonly span: Span }
  | { readonly kind: 'state'; readonly name: Name; readonly shape: readonly DimExpr[]; readonly init?: Expr; readonly span: Span }
  | { readonly kind: 'output'; readonly name: Name; readonly primed: boolean; readonly value?: Expr; readonly span: Span }
  | { readonly kind: 'assign'; readonly target: Name; readonly primed: boolean; readonly value: Expr; readonly span: Span };

export interface InputDecl {
  readonly name: Name;
  /** A float input's shape (empty for a scalar). */
  readonly shape: readonly DimExpr[];
  /** For `o: index(V)`, the range V; absent for float inputs. */
  readonly indexRange?: DimExpr;
  readonly span: Span;
}

export interface CellDecl {
  readonly name: Name;
  /** The attribute after the input list (`cell C(x) reverse { … }`), if any. */
  readonly attribute?: Name;
  readonly inputs: readonly InputDecl[];
  readonly body: readonly Stmt[];
  readonly span: Span;
}

export interface Program {
  readonly cells: readonly CellDecl[];
}
