// Symbolic dimensions: linear forms  c + Σ kᵢ·Sᵢ  over size symbols Sᵢ.
// Shapes are checked symbolically (H and I are different even when both are
// 64), so a shape error in a cell is an error for every choice of sizes.
// Derived sizes (`size G = 2*H`) are substituted before dims are built.

export interface Dim {
  readonly c: number;
  /** Sorted by symbol name; no zero coefficients. */
  readonly terms: readonly (readonly [string, number])[];
}

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

/** a·b when one side is constant; undefined when the product is not linear. */
export function dimMul(a: Dim, b: Dim): Dim | undefined {
  if (a.terms.length === 0) return dimScale(b, a.c);
  if (b.terms.length === 0) return dimScale(a, b.c);
  return undefined;
}

export function dimEq(a: Dim, b: Dim): boolean {
  return dimKey(a) === dimKey(b);
}

export function isConstDim(d: Dim, value?: number): boolean {
  return d.terms.length === 0 && (value === undefined || d.c === value);
}

/** Canonical spelling: `H`, `2*H+I`, `H-1`, `4`. */
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
    const x = sizes[s];
    if (x === undefined) return undefined;
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
