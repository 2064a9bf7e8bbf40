// The bound on expression nesting. Elaboration, the IR walks and code
// generation follow an expression's operands recursively, so a nesting
// deeper than the JavaScript stack allows (a sum of thousands of terms, a
// tower of parentheses) would crash them. This walk is iterative: it finds
// the first expression nested deeper than MAX_EXPR_DEPTH and reports E003 at
// it, before any recursive stage runs.

import { diag, type Diagnostic } from '../diagnostics.js';
import type { Span } from '../source.js';

/** The deepest expression nesting accepted (operands of operands …); far beyond any real cell. */
export const MAX_EXPR_DEPTH = 500;

interface AstNode {
  readonly kind?: string;
  readonly span?: Span;
}

/** E003 at the first expression nested deeper than `limit`, or undefined. */
export function nestingDiagnostic(root: unknown, limit = MAX_EXPR_DEPTH): Diagnostic | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth]); // a list (statements, arguments) is not a level; first item first
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const node = v as AstNode;
    const d = typeof node.kind === 'string' ? depth + 1 : depth;
    if (d > limit && node.span) {
      return diag('E003', `this expression is nested more than ${limit} levels deep (operands of operands…); split it into named steps (e.g. partial sums)`, node.span);
    }
    // pushed in reverse, so operands are visited in source order and the error points at the start of the deep chain
    const children = Object.entries(v).filter(([k, x]) => k !== 'span' && typeof x === 'object' && x !== null);
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i][1], d]);
  }
  return undefined;
}
