// Parameter initialisers (SPEC.md §4.3) on concrete shapes, float64, seeded.
// glorot: uniform(±√(6/(fan_in+fan_out))); orthogonal: Q of a QR
// decomposition of a Gaussian matrix (rows or columns orthonormal);
// identity(s): s·I (rectangular: ones on the main diagonal).

import type { Initializer } from '../ir/graph.js';
import { assertNever } from '../util/assert.js';
import type { Rng } from './random.js';
import { numel } from '../ir/dims.js';


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

export function initialize(init: Initializer, shape: readonly number[], rng: Rng): Float64Array {
  const n = numel(shape);
  switch (init.kind) {
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
      const fanOut = shape[0];
      const fanIn = shape.length > 1 ? numel(shape.slice(1)) : shape[0];
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = rng.range(-lim, lim);
      return a;
    }
    case 'orthogonal':
      return orthogonal(shape[0], shape[1], rng);
    case 'identity': {
      const a = new Float64Array(n);
      const [r, c] = shape;
      for (let i = 0; i < Math.min(r, c); i++) a[i * c + i] = init.scale;
      return a;
    }
    default:
      return assertNever(init, 'initialiser');
  }
}
