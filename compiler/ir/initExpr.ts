// Initialiser expressions (SPEC.md §4.3): `init log(uniform(1, T_max - 1))`,
// `init normal(0, 1 / sqrt(2 * H))` — numbers, sizes, arithmetic, a few
// functions and random draws, evaluated once per element when the parameters
// are initialised (numeric/initializers.ts). Sizes stay symbolic in the step
// IR; binding replaces them by their values (`bindInitExpr`).

import { dimConst, dimKey, evalDim, type Dim } from './dims.js';

/** Functions of one number an initialiser may call. */
export const INIT_FUNCTIONS = {
  log: Math.log,
  exp: Math.exp,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  square: (x: number) => x * x,
} as const;
export type InitFunction = keyof typeof INIT_FUNCTIONS;

export type InitExpr =
  | { readonly op: 'num'; readonly value: number }
  | { readonly op: 'dim'; readonly dim: Dim }
  | { readonly op: 'neg'; readonly x: InitExpr }
  | { readonly op: '+' | '-' | '*' | '/'; readonly a: InitExpr; readonly b: InitExpr }
  | { readonly op: 'fn'; readonly fn: InitFunction; readonly x: InitExpr }
  /** A fresh draw per element: uniform in (lo, hi), normal with mean and std. */
  | { readonly op: 'uniform'; readonly lo: InitExpr; readonly hi: InitExpr }
  | { readonly op: 'normal'; readonly mean: InitExpr; readonly std: InitExpr };

const PREC: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/** The canonical text (what `cellc graph` prints after `init`). */
export function printInitExpr(e: InitExpr, prec = 0): string {
  switch (e.op) {
    case 'num':
      return String(e.value);
    case 'dim': {
      const k = dimKey(e.dim);
      return /^[\w.]+$/.test(k) || prec === 0 ? k : `(${k})`;
    }
    case 'neg':
      return `-${printInitExpr(e.x, 3)}`;
    case 'fn':
      return `${e.fn}(${printInitExpr(e.x)})`;
    case 'uniform':
      return `uniform(${printInitExpr(e.lo)}, ${printInitExpr(e.hi)})`;
    case 'normal':
      return `normal(${printInitExpr(e.mean)}, ${printInitExpr(e.std)})`;
    default: {
      const p = PREC[e.op];
      const s = `${printInitExpr(e.a, p)} ${e.op} ${printInitExpr(e.b, p + 1)}`;
      return p < prec ? `(${s})` : s;
    }
  }
}

/** The expression with every size replaced by its value (what the artifact and a model carry). */
export function bindInitExpr(e: InitExpr, sizes: Readonly<Record<string, number>>): InitExpr {
  const r = (x: InitExpr) => bindInitExpr(x, sizes);
  switch (e.op) {
    case 'num':
      return e;
    case 'dim': {
      const v = evalDim(e.dim, sizes);
      return v === undefined ? e : { op: 'dim', dim: dimConst(v) };
    }
    case 'neg':
      return { op: 'neg', x: r(e.x) };
    case 'fn':
      return { op: 'fn', fn: e.fn, x: r(e.x) };
    case 'uniform':
      return { op: 'uniform', lo: r(e.lo), hi: r(e.hi) };
    case 'normal':
      return { op: 'normal', mean: r(e.mean), std: r(e.std) };
    default:
      return { op: e.op, a: r(e.a), b: r(e.b) };
  }
}
