// What a data file becomes: numeric sequences (steps × features, row-major)
// with, for classification, a label per sequence or, for sequence labelling,
// a label per step. The parsers (csv.ts, npy.ts, jsonl.ts) produce it; the
// split, normalisation and windows work on it. Browser-safe: no file system.

export interface Sequence {
  /** steps × features values, row-major. */
  readonly values: Float64Array;
  readonly steps: number;
  /** Classification: the class of the whole sequence. */
  readonly label?: number;
  /** Sequence labelling: the class of every step. */
  readonly labels?: Int32Array;
  /** Where the sequence is in its file, for messages: 'line 4', 'row 2', 'sequence 3'. */
  readonly where: string;
}

export interface Dataset {
  /** The file name, as given: every message starts with it. */
  readonly source: string;
  readonly features: number;
  readonly featureNames?: readonly string[];
  readonly sequences: readonly Sequence[];
}

/** Bad input in a data file: one sentence that names the file, the line or row, and what is wrong. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** A decimal number, or why the text is not one. */
export function parseDecimal(text: string): number | string {
  const s = text.trim();
  if (s === '') return 'is empty';
  if (NOT_FINITE.test(s)) return `is ${s}, not a finite number (fill in missing values before training)`;
  if (!DECIMAL.test(s)) return `'${s}' is not a number`;
  const v = Number(s);
  if (!Number.isFinite(v)) return `'${s}' is beyond the range of a number`;
  return v;
}

/** A class index (an integer ≥ 0), or why the value is not one. */
export function classIndex(v: unknown): number | string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return `label ${JSON.stringify(v)} is not a class index (an integer ≥ 0)`;
}
