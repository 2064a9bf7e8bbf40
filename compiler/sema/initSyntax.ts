// Initialiser expressions of `param … init E` and `state … = E` (SPEC.md §4.3).

import type * as A from '../syntax/ast.js';
import { diag, type Diagnostic } from '../diagnostics.js';
import type { Initializer } from '../ir/graph.js';

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

export function parseInitializer(e: A.Expr, rank: number, out: Diagnostic[]): Initializer | undefined {
  const v = constantValue(e);
  if (v !== undefined && !Number.isFinite(v)) {
    out.push(diag('E306', `an initial value must be finite, got ${v}`, e.span));
    return undefined;
  }
  if (v !== undefined) return v === 0 ? { kind: 'zeros' } : { kind: 'const', value: v };
  const name = e.kind === 'name' && !e.primed ? e.name : e.kind === 'call' ? e.callee : undefined;
  const needMatrix = (what: string): boolean => {
    if (rank === 2) return true;
    out.push(diag('E306', `${what} needs a matrix parameter (rank 2), this one has rank ${rank}`, e.span));
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
        const a = numberArgs(e, [1], out);
        if (!a) return undefined;
        if (!(a[0] > 0)) {
          out.push(diag('E306', `normal(std) needs std > 0, got ${a[0]}`, e.span));
          return undefined;
        }
        return { kind: 'normal', std: a[0] };
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
    diag('E306', `unknown initialiser${name ? ` '${name}'` : ''}; use a number, zeros, ones, glorot, orthogonal, identity, identity(s), uniform(a, b), normal(std)`, e.span),
  );
  return undefined;
}
