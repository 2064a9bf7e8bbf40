// Initialiser expressions of `param … init E` and `state … = E` (SPEC.md §4.3).

import type * as A from '../syntax/ast.js';
import { diag, type Diagnostic } from '../diagnostics.js';
import type { Initializer } from '../ir/graph.js';
import type { Dim } from '../ir/dims.js';
import { INIT_FUNCTIONS, type InitExpr, type InitFunction } from '../ir/initExpr.js';

const WHOLE = ['zeros', 'ones', 'glorot', 'orthogonal', 'identity', 'const'];
const EXPR_HELP = `an initialiser expression uses numbers, sizes, + - * /, ${Object.keys(INIT_FUNCTIONS).join(' ')}, uniform(lo, hi) and normal(mean, std)`;

/**
 * An initialiser expression (`log(uniform(1, T_max - 1))`, `normal(0, 1 / sqrt(2 * H))`)
 * over the cell's sizes; undefined after an E306 at the offending part.
 */
function initExpr(e: A.Expr, sizes: ReadonlyMap<string, Dim>, out: Diagnostic[]): InitExpr | undefined {
  const r = (x: A.Expr) => initExpr(x, sizes, out);
  const fail = (msg: string, span = e.span) => (out.push(diag('E306', msg, span)), undefined);
  switch (e.kind) {
    case 'num':
      return Number.isFinite(e.value) ? { op: 'num', value: e.value } : fail(`an initial value must be finite, got ${e.value}`);
    case 'name': {
      const d = e.primed ? undefined : sizes.get(e.name);
      if (d) return { op: 'dim', dim: d };
      if (WHOLE.includes(e.name)) return fail(`'${e.name}' is an initialiser of its own and cannot be part of an expression; ${EXPR_HELP}`);
      return fail(`unknown name '${e.name}${e.primed ? "'" : ''}' in an initialiser (not a size of the cell); ${EXPR_HELP}`);
    }
    case 'neg': {
      const x = r(e.operand);
      return x && { op: 'neg', x };
    }
    case 'binary': {
      if (!['+', '-', '*', '/'].includes(e.op)) return fail(`'${e.op}' cannot appear in an initialiser; ${EXPR_HELP}`);
      const [a, b] = [r(e.lhs), r(e.rhs)];
      return a && b && { op: e.op as '+', a, b };
    }
    case 'slice':
      return fail(`an initialiser cannot slice; ${EXPR_HELP}`);
    case 'call': {
      const fn = e.callee;
      const draw = fn === 'uniform' || fn === 'normal';
      if (!draw && !(fn in INIT_FUNCTIONS)) return fail(`unknown function '${fn}' in an initialiser; ${EXPR_HELP}`, e.calleeSpan);
      const counts = draw ? [1, 2] : [1];
      if (!counts.includes(e.args.length) || e.kwargs.length) return fail(`${fn}(…) in an initialiser takes ${counts.join(' or ')} argument(s)`);
      const args = e.args.map(r);
      if (args.some((a) => !a)) return undefined;
      const [a, b] = args as InitExpr[];
      if (fn === 'uniform') return b ? { op: 'uniform', lo: a, hi: b } : { op: 'uniform', lo: { op: 'neg', x: a }, hi: a };
      if (fn === 'normal') return b ? { op: 'normal', mean: a, std: b } : { op: 'normal', mean: { op: 'num', value: 0 }, std: a };
      return { op: 'fn', fn: fn as InitFunction, x: a };
    }
  }
}

/** A number literal, possibly negated. */
export function constantValue(e: A.Expr): number | undefined {
  if (e.kind === 'num') return e.value;
  if (e.kind === 'neg') {
    const v = constantValue(e.operand);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

function numberArgs(e: Extract<A.Expr, { kind: 'call' }>, count: number[], out: Diagnostic[]): number[] | undefined {
  if (!count.includes(e.args.length) || e.kwargs.length) {
    out.push(diag('E306', `${e.callee}(…) takes ${count.join(' or ')} number argument(s)`, e.span));
    return undefined;
  }
  const vs = e.args.map(constantValue);
  if (vs.some((v) => v === undefined || !Number.isFinite(v))) {
    out.push(diag('E306', `the arguments of ${e.callee}(…) must be finite numbers`, e.span));
    return undefined;
  }
  return vs as number[];
}

/** `sizes`: the cell's sizes, which an initialiser expression may name. */
export function parseInitializer(e: A.Expr, rank: number, out: Diagnostic[], sizes: ReadonlyMap<string, Dim> = new Map()): Initializer | undefined {
  const expr = (): Initializer | undefined => {
    const x = initExpr(e, sizes, out);
    return x && { kind: 'expr', expr: x };
  };
  const v = constantValue(e);
  if (v !== undefined && !Number.isFinite(v)) {
    out.push(diag('E306', `an initial value must be finite, got ${v}`, e.span));
    return undefined;
  }
  if (v !== undefined) return v === 0 ? { kind: 'zeros' } : { kind: 'const', value: v };
  const name = e.kind === 'name' && !e.primed ? e.name : e.kind === 'call' ? e.callee : undefined;
  const needMatrix = (what: string): boolean => {
    if (rank === 2 || rank === 3) return true;
    out.push(diag('E306', `${what} needs a matrix parameter (rank 2) or a stack of them (rank 3, one per head), this one has rank ${rank}`, e.span));
    return false;
  };
  if (e.kind === 'name' && !e.primed) {
    switch (e.name) {
      case 'zeros':
        return { kind: 'zeros' };
      case 'ones':
        return { kind: 'const', value: 1 };
      case 'glorot':
        return needMatrix('glorot') ? { kind: 'glorot' } : undefined;
      case 'orthogonal':
        return needMatrix('orthogonal') ? { kind: 'orthogonal' } : undefined;
      case 'identity':
        return needMatrix('identity') ? { kind: 'identity', scale: 1 } : undefined;
    }
    if (sizes.has(e.name)) return expr();
  }
  const literal = (x: A.Expr) => constantValue(x) !== undefined;
  // an expression: arithmetic, a function of one number, or a draw with computed arguments
  if (e.kind === 'binary' || e.kind === 'neg' || (e.kind === 'call' && (e.callee in INIT_FUNCTIONS || ((e.callee === 'uniform' || e.callee === 'normal') && !e.args.every(literal))))) {
    return expr();
  }
  if (e.kind === 'call') {
    switch (e.callee) {
      case 'uniform': {
        const a = numberArgs(e, [1, 2], out);
        if (!a) return undefined;
        const [lo, hi] = a.length === 1 ? [-a[0], a[0]] : a;
        if (!(hi > lo)) {
          out.push(diag('E306', `uniform(lo, hi) needs lo < hi, got ${lo} and ${hi}`, e.span));
          return undefined;
        }
        return { kind: 'uniform', lo, hi };
      }
      case 'normal': {
        const a = numberArgs(e, [1, 2], out);
        if (!a) return undefined;
        const std = a[a.length - 1];
        if (!(std > 0)) {
          out.push(diag('E306', `normal(${a.length === 2 ? 'mean, ' : ''}std) needs std > 0, got ${std}`, e.span));
          return undefined;
        }
        return a.length === 2 && a[0] !== 0 ? expr() : { kind: 'normal', std };
      }
      case 'identity': {
        const a = numberArgs(e, [1], out);
        return a && needMatrix('identity') ? { kind: 'identity', scale: a[0] } : undefined;
      }
      case 'const': {
        const a = numberArgs(e, [1], out);
        return a ? (a[0] === 0 ? { kind: 'zeros' } : { kind: 'const', value: a[0] }) : undefined;
      }
    }
  }
  out.push(
    diag('E306', `unknown initialiser${name ? ` '${name}'` : ''}; use a number, zeros, ones, glorot, orthogonal, identity, identity(s), uniform(a, b), normal(std), normal(mean, std), or an expression over sizes and numbers (${EXPR_HELP})`, e.span),
  );
  return undefined;
}
