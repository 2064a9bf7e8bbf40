// Symbolic dimensions: integer polynomials  c + Σ kᵢ·Mᵢ  over size symbols,
// where each Mᵢ is a monomial, a product of symbols (`H`, `DH*NH`, `H*H`).
// Shapes are checked symbolically (H and I are different even when both are
// 64), so a shape error in a cell is an error for every choice of sizes; the
// sorted monomial form is canonical, so NH*DH and DH*NH are the same size.
// Derived sizes (`size G = 2*H`, `size H = NH * DH`) are substituted before
// dims are built.

export interface Dim {
  readonly c: number;
  /**
   * (monomial, coefficient) pairs, sorted by monomial; no zero coefficients.
   * A monomial is its symbols in order joined by `*` (size names have no `*`).
   */
  readonly terms: readonly (readonly [string, number])[];
}

const factors = (monomial: string): string[] => monomial.split('*');
const monomialOf = (fs: readonly string[]): string => [...fs].sort().join('*');

export type Shape = readonly Dim[];

export function dimConst(c: number): Dim {
  return { c, terms: [] };
}

export function dimSym(name: string): Dim {
  return { c: 0, terms: [[name, 1]] };
}

function normalize(c: number, m: Map<string, number>): Dim {
  const terms = [...m.entries()].filter(([, k]) => k !== 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { c, terms };
}

export function dimAdd(a: Dim, b: Dim, sign = 1): Dim {
  const m = new Map(a.terms);
  for (const [s, k] of b.terms) m.set(s, (m.get(s) ?? 0) + sign * k);
  return normalize(a.c + sign * b.c, m);
}

export function dimScale(a: Dim, k: number): Dim {
  return normalize(a.c * k, new Map(a.terms.map(([s, v]) => [s, v * k])));
}

/** a·b, multiplied out. */
export function dimMul(a: Dim, b: Dim): Dim {
  const m = new Map<string, number>();
  const add = (mono: string, k: number) => m.set(mono, (m.get(mono) ?? 0) + k);
  for (const [s, k] of a.terms) {
    if (b.c !== 0) add(s, k * b.c);
    for (const [t, l] of b.terms) add(monomialOf([...factors(s), ...factors(t)]), k * l);
  }
  if (a.c !== 0) for (const [t, l] of b.terms) add(t, a.c * l);
  return normalize(a.c * b.c, m);
}

/**
 * a / b when b is one monomial term (`NH`, `2*NH`) that divides every term of
 * a exactly (`NH*DH + NH` / NH = DH + 1); undefined otherwise.
 */
export function dimDivExact(a: Dim, b: Dim): Dim | undefined {
  if (b.terms.length === 0) {
    if (b.c === 0) return undefined;
    return a.c % b.c === 0 && a.terms.every(([, k]) => k % b.c === 0) ? dimScale(a, 1 / b.c) : undefined;
  }
  if (b.c !== 0 || b.terms.length !== 1 || a.c !== 0) return undefined;
  const [mono, k] = b.terms[0];
  const m = new Map<string, number>();
  let c = 0;
  for (const [s, l] of a.terms) {
    if (l % k !== 0) return undefined;
    const rest = factors(s);
    for (const f of factors(mono)) {
      const i = rest.indexOf(f);
      if (i < 0) return undefined;
      rest.splice(i, 1);
    }
    if (rest.length === 0) c += l / k;
    else m.set(monomialOf(rest), l / k);
  }
  return normalize(c, m);
}

/** The size name when d is exactly one symbol (`H`), else undefined (`2*H`, `H+1`, `DH*NH`, `4`). */
export function symbolOf(d: Dim): string | undefined {
  return d.c === 0 && d.terms.length === 1 && d.terms[0][1] === 1 && !d.terms[0][0].includes('*') ? d.terms[0][0] : undefined;
}

export function dimEq(a: Dim, b: Dim): boolean {
  return dimKey(a) === dimKey(b);
}

export function isConstDim(d: Dim, value?: number): boolean {
  return d.terms.length === 0 && (value === undefined || d.c === value);
}

/** Canonical spelling: `H`, `2*H+I`, `H-1`, `4`, `DH*NH`. */
export function dimKey(d: Dim): string {
  const parts: string[] = [];
  for (const [s, k] of d.terms) {
    const mag = Math.abs(k) === 1 ? s : `${Math.abs(k)}*${s}`;
    parts.push(parts.length === 0 ? (k < 0 ? `-${mag}` : mag) : k < 0 ? `-${mag}` : `+${mag}`);
  }
  if (d.c !== 0 || parts.length === 0) parts.push(parts.length === 0 ? String(d.c) : d.c < 0 ? String(d.c) : `+${d.c}`);
  return parts.join('');
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}

/** Value of a dim under concrete sizes; undefined if a symbol has no value. */
export function evalDim(d: Dim, sizes: Readonly<Record<string, number>>): number | undefined {
  let v = d.c;
  for (const [s, k] of d.terms) {
    let x = 1;
    for (const f of factors(s)) {
      const y = sizes[f];
      if (y === undefined) return undefined;
      x *= y;
    }
    v += k * x;
  }
  return v;
}

export function evalShape(s: Shape, sizes: Readonly<Record<string, number>>): number[] {
  return s.map((d) => {
    const v = evalDim(d, sizes);
    if (v === undefined) throw new Error(`size of ${dimKey(d)} unknown`);
    return v;
  });
}

/** Elements of a concrete shape (1 for a scalar). */
export const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The element count of a symbolic shape, multiplied out (`[NH, DH]` → `DH*NH`). */
export const shapeNumel = (s: Shape): Dim => s.reduce(dimMul, dimConst(1));
