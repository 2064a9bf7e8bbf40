// Where a result first stops being a number. A time-major sequence
// ([T][B][…]) is reported by its step, example and element; any other tensor
// by its element.

export interface NonFinite {
  readonly value: number;
  readonly index: number;
  /** Step, example and element within the example, for a sequence. */
  readonly at?: { readonly t: number; readonly b: number; readonly element: number };
}

/** The first NaN or ±Inf of `data`, read as T·B rows of equal width when `seq` is given. */
export function firstNonFinite(data: ArrayLike<number>, seq?: { T: number; B: number }): NonFinite | undefined {
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (Number.isFinite(value)) continue;
    if (!seq || data.length % (seq.T * seq.B)) return { value, index: i };
    const width = data.length / (seq.T * seq.B);
    const row = Math.floor(i / width);
    return { value, index: i, at: { t: Math.floor(row / seq.B), b: row % seq.B, element: i % width } };
  }
  return undefined;
}

/** `output y is NaN first at step t=3 (example 0, element 2)`. */
export function describeNonFinite(what: string, bad: NonFinite): string {
  const where = bad.at ? `first at step t=${bad.at.t} (example ${bad.at.b}, element ${bad.at.element})` : `at element ${bad.index}`;
  return `${what} is ${bad.value} ${where}`;
}
