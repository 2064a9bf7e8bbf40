// Parameter initialisers (SPEC.md §4.3) on concrete shapes, float64, seeded.
// glorot: uniform(±√(6/(fan_in+fan_out))); orthogonal: Q of a QR
// decomposition of a Gaussian matrix (rows or columns orthonormal);
// identity(s): s·I (rectangular: ones on the main diagonal).

import type { Initializer } from '../ir/graph.js';
import { assertNever } from '../util/assert.js';
import type { Rng } from './random.js';
import { evalDim, numel } from '../ir/dims.js';
import { bindInitExpr, INIT_FUNCTIONS, printInitExpr, type InitExpr } from '../ir/initExpr.js';

/** The initialiser with the sizes its expression names replaced by their values. */
export function bindInitializer(init: Initializer, sizes: Readonly<Record<string, number>>): Initializer {
  return init.kind === 'expr' ? { kind: 'expr', expr: bindInitExpr(init.expr, sizes) } : init;
}

/** One element of an initialiser expression; its draws come from `rng` in the order they are written. */
function evalInitExpr(e: InitExpr, sizes: Readonly<Record<string, number>>, rng: Rng): number {
  const r = (x: InitExpr) => evalInitExpr(x, sizes, rng);
  switch (e.op) {
    case 'num':
      return e.value;
    case 'dim': {
      const v = evalDim(e.dim, sizes);
      if (v === undefined) throw new RangeError(`initialiser: size ${printInitExpr(e)} has no value`);
      return v;
    }
    case 'neg':
      return -r(e.x);
    case 'fn':
      return INIT_FUNCTIONS[e.fn](r(e.x));
    case 'uniform': {
      const [lo, hi] = [r(e.lo), r(e.hi)];
      if (!(lo < hi)) throw new RangeError(`initialiser ${printInitExpr(e)}: needs lo < hi, got ${lo} and ${hi} at these sizes`);
      return rng.range(lo, hi);
    }
    case 'normal': {
      const [mean, std] = [r(e.mean), r(e.std)];
      if (!(std > 0)) throw new RangeError(`initialiser ${printInitExpr(e)}: needs std > 0, got ${std} at these sizes`);
      return mean + std * rng.normal();
    }
    case '+':
      return r(e.a) + r(e.b);
    case '-':
      return r(e.a) - r(e.b);
    case '*':
      return r(e.a) * r(e.b);
    case '/':
      return r(e.a) / r(e.b);
  }
}


/** Orthonormalises the rows (or the columns, when there are more rows) by modified Gram–Schmidt. */
function orthogonal(rows: number, cols: number, rng: Rng): Float64Array {
  const tall = rows > cols;
  const [r, c] = tall ? [cols, rows] : [rows, cols];
  const m = rng.fillNormal(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < i; j++) {
      let d = 0;
      for (let k = 0; k < c; k++) d += m[i * c + k] * m[j * c + k];
      for (let k = 0; k < c; k++) m[i * c + k] -= d * m[j * c + k];
    }
    let norm = 0;
    for (let k = 0; k < c; k++) norm += m[i * c + k] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < c; k++) m[i * c + k] /= norm;
  }
  if (!tall) return m;
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < r; i++) for (let k = 0; k < c; k++) t[k * cols + i] = m[i * c + k];
  return t;
}

/**
 * Values of a parameter of concrete `shape`. `sizes` gives the sizes an
 * initialiser expression names (none needed once it is bound: an artifact's,
 * a model's). A non-finite value, or a draw whose range is empty at these
 * sizes, is a RangeError naming the initialiser.
 */
export function initialize(init: Initializer, shape: readonly number[], rng: Rng, sizes: Readonly<Record<string, number>> = {}): Float64Array {
  const n = numel(shape);
  switch (init.kind) {
    case 'expr': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = evalInitExpr(init.expr, sizes, rng);
      const bad = a.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new RangeError(`initialiser ${printInitExpr(init.expr)} gives ${a[bad]} (element ${bad})`);
      return a;
    }
    case 'zeros':
      return new Float64Array(n);
    case 'const':
      return new Float64Array(n).fill(init.value);
    case 'uniform': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = rng.range(init.lo, init.hi);
      return a;
    }
    case 'normal':
      return rng.fillNormal(n, init.std);
    case 'glorot': {
      // a stack of matrices [N, P, Q] (heads): each block's fans, P out and Q in
      const [fanOut, fanIn] = shape.length === 3 ? [shape[1], shape[2]] : [shape[0], shape.length > 1 ? numel(shape.slice(1)) : shape[0]];
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = rng.range(-lim, lim);
      return a;
    }
    case 'orthogonal': {
      // each block of a stack [N, R, C] is orthogonal on its own
      const [r, c] = shape.slice(-2);
      const a = new Float64Array(n);
      for (let k = 0; k < n / (r * c); k++) a.set(orthogonal(r, c, rng), k * r * c);
      return a;
    }
    case 'identity': {
      const a = new Float64Array(n);
      const [r, c] = shape.slice(-2);
      for (let k = 0; k < n / (r * c); k++) for (let i = 0; i < Math.min(r, c); i++) a[k * r * c + i * c + i] = init.scale;
      return a;
    }
    default:
      return assertNever(init, 'initialiser');
  }
}
