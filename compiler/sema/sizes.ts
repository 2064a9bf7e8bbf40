// Size symbols of a cell (SPEC.md §4.1). `size H = 128` declares a symbol with
// a default; `size I` a free symbol; `size G = 2*H` a derived size, replaced by
// its definition wherever it appears. Sizes used in input shapes without a
// declaration are free symbols. B and T are reserved.

import type * as A from '../syntax/ast.js';
import { diag, type Diagnostic } from '../diagnostics.js';
import { dimAdd, dimConst, dimMul, dimSym, type Dim } from '../ir/dims.js';
import type { SizeDecl } from '../ir/graph.js';

export const RESERVED_SIZES = new Set(['B', 'T']);

export interface SizeScope {
  /** Symbols in declaration order. */
  readonly decls: SizeDecl[];
  /** Every size name (symbols and derived) to its linear form over symbols. */
  readonly dims: Map<string, Dim>;
}

/** Collects the sizes of a cell; derived sizes may refer to sizes declared before them. */
export function collectSizes(cell: A.CellDecl, out: Diagnostic[]): SizeScope {
  const scope: SizeScope = { decls: [], dims: new Map() };
  const seen = new Map<string, A.Name>();
  // Sizes that appear in the input list without a `size` declaration are free
  // symbols, known from the cell header on: a derived size may use them.
  const explicit = new Set(cell.body.flatMap((st) => (st.kind === 'size' ? [st.name.name] : [])));
  const used = new Set<string>();
  for (const inp of cell.inputs) {
    for (const d of [...inp.shape, ...(inp.indexRange ? [inp.indexRange] : [])]) dimNames(d, used);
  }
  const implicit = new Set([...used].filter((name) => !explicit.has(name) && !RESERVED_SIZES.has(name)));
  for (const name of implicit) scope.dims.set(name, dimSym(name));
  for (const st of cell.body) {
    if (st.kind !== 'size') continue;
    const n = st.name;
    if (RESERVED_SIZES.has(n.name)) {
      out.push(diag('E108', `'${n.name}' is reserved (B is the batch size, T the sequence length)`, n.span));
      continue;
    }
    if (seen.has(n.name)) {
      out.push(diag('E102', `size '${n.name}' is declared twice`, n.span));
      continue;
    }
    seen.set(n.name, n);
    if (!st.value) {
      scope.decls.push({ name: n.name });
      scope.dims.set(n.name, dimSym(n.name));
    } else if (st.value.kind === 'dnum') {
      if (!Number.isSafeInteger(st.value.value) || st.value.value < 1) {
        out.push(diag('E401', `size '${n.name}' must be a positive integer, got ${st.value.value}`, st.value.span));
        scope.decls.push({ name: n.name });
      } else {
        scope.decls.push({ name: n.name, value: st.value.value });
      }
      scope.dims.set(n.name, dimSym(n.name));
    } else {
      const d = evalDimExpr(st.value, scope, out);
      if (d) scope.dims.set(n.name, d);
      else scope.dims.set(n.name, dimSym(n.name)); // keep going; the error is reported
    }
  }
  for (const inp of cell.inputs) {
    for (const d of [...inp.shape, ...(inp.indexRange ? [inp.indexRange] : [])]) declareImplicit(d, scope, implicit, out);
  }
  return scope;
}

function dimNames(d: A.DimExpr, into: Set<string>): void {
  if (d.kind === 'dname') into.add(d.name);
  else if (d.kind === 'dadd' || d.kind === 'dmul') {
    dimNames(d.lhs, into);
    dimNames(d.rhs, into);
  }
}

function declareImplicit(d: A.DimExpr, scope: SizeScope, implicit: ReadonlySet<string>, out: Diagnostic[]): void {
  switch (d.kind) {
    case 'dname':
      if (RESERVED_SIZES.has(d.name)) return; // E108, reported where the shape is evaluated
      // An implicit size is declared (in order of first use) at its first occurrence.
      if (implicit.has(d.name) && !scope.decls.some((s) => s.name === d.name)) scope.decls.push({ name: d.name });
      return;
    case 'dadd':
    case 'dmul':
      declareImplicit(d.lhs, scope, implicit, out);
      declareImplicit(d.rhs, scope, implicit, out);
      return;
    case 'dnum':
      return;
  }
}

/** A written dimension as a linear form; undefined (with a diagnostic) when it is not one. */
export function evalDimExpr(d: A.DimExpr, scope: SizeScope, out: Diagnostic[]): Dim | undefined {
  switch (d.kind) {
    case 'dnum':
      if (!Number.isSafeInteger(d.value)) {
        out.push(diag('E403', `a dimension must be an integer (below 2^53), got ${d.value}`, d.span));
        return undefined;
      }
      return dimConst(d.value);
    case 'dname': {
      if (RESERVED_SIZES.has(d.name)) {
        out.push(diag('E108', `'${d.name}' is reserved and never written in a shape (B is the batch size, T the sequence length)`, d.span));
        return undefined;
      }
      const v = scope.dims.get(d.name);
      if (!v) out.push(diag('E107', `undefined size '${d.name}'`, d.span));
      return v;
    }
    case 'dadd': {
      const a = evalDimExpr(d.lhs, scope, out);
      const b = evalDimExpr(d.rhs, scope, out);
      return a && b ? dimAdd(a, b, d.op === '+' ? 1 : -1) : undefined;
    }
    case 'dmul': {
      const a = evalDimExpr(d.lhs, scope, out);
      const b = evalDimExpr(d.rhs, scope, out);
      return a && b ? dimMul(a, b) : undefined;
    }
  }
}

/** True when d ≥ 0 for every choice of positive sizes (a sufficient, syntactic test). */
export function dimNonNegative(d: Dim): boolean {
  return d.c >= 0 && d.terms.every(([, k]) => k >= 0) ? true : d.terms.length === 0 ? d.c >= 0 : sumOfMinimums(d) >= 0;
}

/** Lower bound of d with every size at least 1, when all coefficients are ≥ 0. */
function sumOfMinimums(d: Dim): number {
  if (d.terms.some(([, k]) => k < 0)) return -Infinity;
  return d.c + d.terms.reduce((s, [, k]) => s + k, 0);
}

export function dimPositive(d: Dim): boolean {
  return d.terms.some(([, k]) => k < 0) ? false : d.c + d.terms.reduce((s, [, k]) => s + k, 0) > 0;
}
