// Dimensions as the checker sees them (SPEC §5.2): linear forms over size
// symbols, compared symbolically. The generator reasons with these so that
// every slice, concat and broadcast it writes is valid for ALL size values,
// exactly as the checker demands, not only for the defaults it picks.

export interface Lin {
  readonly k: Readonly<Record<string, number>>;
  readonly c: number;
}

export const lin = (c: number, k: Record<string, number> = {}): Lin => ({ k: Object.fromEntries(Object.entries(k).filter(([, v]) => v !== 0)), c });
export const sym = (name: string): Lin => lin(0, { [name]: 1 });

export function linAdd(a: Lin, b: Lin, sign = 1): Lin {
  const k: Record<string, number> = { ...a.k };
  for (const [s, v] of Object.entries(b.k)) k[s] = (k[s] ?? 0) + sign * v;
  return lin(a.c + sign * b.c, k);
}
export const linSub = (a: Lin, b: Lin) => linAdd(a, b, -1);
export const linScale = (a: Lin, f: number) => lin(a.c * f, Object.fromEntries(Object.entries(a.k).map(([s, v]) => [s, v * f])));

export function linEq(a: Lin, b: Lin): boolean {
  const d = linSub(a, b);
  return d.c === 0 && Object.keys(d.k).length === 0;
}
export const shapeEq = (a: readonly Lin[], b: readonly Lin[]) => a.length === b.length && a.every((d, i) => linEq(d, b[i]));
export const isOne = (a: Lin) => linEq(a, lin(1));

/** ≥ 0 for every assignment of values ≥ 1 (the checker's rule for slice bounds). */
export const nonNeg = (a: Lin) => Object.values(a.k).every((v) => v >= 0) && a.c + Object.values(a.k).reduce((s, v) => s + v, 0) >= 0;
/** ≥ 1 for every assignment of values ≥ 1 (a slice's length, a declared dimension). */
export const positive = (a: Lin) => Object.values(a.k).every((v) => v >= 0) && a.c + Object.values(a.k).reduce((s, v) => s + v, 0) > 0;

export function linValue(a: Lin, values: Readonly<Record<string, number>>): number {
  return a.c + Object.entries(a.k).reduce((s, [n, v]) => s + v * values[n], 0);
}

/** Source spelling: a declared name whose form equals `a` when there is one, else `2*K+4`. */
export function spellDim(a: Lin, names: ReadonlyMap<string, Lin>): string {
  for (const [n, f] of names) if (linEq(f, a)) return n;
  const terms = Object.keys(a.k)
    .sort()
    .map((s) => (a.k[s] === 1 ? s : `${a.k[s]}*${s}`));
  if (a.c !== 0 || terms.length === 0) terms.push(String(a.c));
  return terms.join('+').replace(/\+-/g, '-');
}
