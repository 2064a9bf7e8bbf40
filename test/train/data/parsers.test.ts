// The data parsers: good inputs give the values in order; every bad input is
// one sentence naming the file, the line (CSV, JSON lines) or element (.npy)
// and what is wrong.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, type CsvOptions } from '../../../runtime/apps/train/data/csv.js';
import { DataError } from '../../../runtime/apps/train/data/dataset.js';
import { parseJsonl } from '../../../runtime/apps/train/data/jsonl.js';
import { formatOf, loadDataset } from '../../../runtime/apps/train/data/load.js';
import { npyDataset, parseNpy } from '../../../runtime/apps/train/data/npy.js';
import { npyBytes } from './npyBytes.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dataError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

const values = (s: { values: Float64Array }) => [...s.values];

describe('CSV, a row per time step', () => {
  it('a header, a time column by name, comments, quoted cells, CRLF', () => {
    const ds = parseCsv('# a comment\r\nmonth,a,"b"\r\n1949-01,1,2\r\n1949-02,3,"4.5"\r\n\r\n1949-03,-5e-1,6\r\n', 'x.csv');
    expect(ds.features).toBe(2);
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect(ds.sequences).toHaveLength(1);
    expect(values(ds.sequences[0])).toEqual([1, 2, 3, 4.5, -0.5, 6]);
    expect(ds.sequences[0].steps).toBe(3);
  });

  it('no header; --columns by number; --time-column by number with dates; a tab delimiter', () => {
    expect(values(parseCsv('1,2,3\n4,5,6\n', 'x.csv', { columns: ['3', '1'] }).sequences[0])).toEqual([3, 1, 6, 4]);
    const ds = parseCsv('2020-01-01,7\n2020-01-02,8\n', 'x.csv', { timeColumn: '1' });
    expect(ds.featureNames).toBeUndefined();
    expect(values(ds.sequences[0])).toEqual([7, 8]);
    expect(values(parseCsv('t\tv\n0\t1.5\n1\t2.5\n', 'x.tsv').sequences[0])).toEqual([1.5, 2.5]);
  });

  it('a label column gives a class per step', () => {
    const ds = parseCsv('x,y\n0.5,1\n0.25,0\n', 'x.csv', { labelColumn: 'y' });
    expect(values(ds.sequences[0])).toEqual([0.5, 0.25]);
    expect([...ds.sequences[0].labels!]).toEqual([1, 0]);
  });

  const bad: [string, string, CsvOptions, string][] = [
    ['empty', '', {}, 'e.csv is empty (no data rows)'],
    ['only comments', '# nothing\n\n', {}, 'e.csv is empty (no data rows)'],
    ['a header alone', 'a,b\n', {}, 'e.csv has a header but no data rows'],
    ['a non-numeric cell', 'a,b\n1,2\n3,x\n', {}, "e.csv, line 3, column 'b': the cell 'x' is not a number"],
    ['an empty cell', 'a,b\n1,2\n,4\n', {}, "e.csv, line 3, column 'a': the cell is empty"],
    ['NaN', 'a\n1\nNaN\n', {}, "e.csv, line 3, column 'a': the cell is NaN, not a finite number (fill in missing values before training)"],
    ['a ragged row', 'a,b\n1,2\n3\n', {}, 'e.csv, line 3: the row has 1 cell(s), line 1 (the header) has 2'],
    ['a ragged row, no header', '1,2\n3,4,5\n', {}, 'e.csv, line 2: the row has 3 cell(s), line 1 has 2'],
    ['an unknown column', 'a,b\n1,2\n', { columns: ['c'] }, "e.csv has no column 'c' for --columns (its columns are 'a', 'b')"],
    ['a column number out of range', '1,2\n', { columns: ['3'] }, "e.csv has no column '3' for --columns (it has 2 unnamed column(s): give a number 1…2)"],
    ['a fractional label', 'x,y\n1,0\n2,1.5\n', { labelColumn: 'y' }, "e.csv, line 3, column 'y': label 1.5 is not a class index (an integer ≥ 0)"],
    ['a negative label', 'x,y\n1,-1\n', { labelColumn: 'y' }, "e.csv, line 2, column 'y': label -1 is not a class index (an integer ≥ 0)"],
    ['an unclosed quote', 'a\n"1\n', {}, 'e.csv, line 2: a quoted cell is not closed'],
    ['no feature left', 'time,y\n1,0\n', { labelColumn: 'y' }, 'e.csv has no feature column (every column is the time or the label column)'],
  ];
  for (const [what, text, o, message] of bad) it(`bad: ${what}`, () => expect(dataError(() => parseCsv(text, 'e.csv', o))).toBe(message));
});

describe('CSV, a row per sequence', () => {
  it('ragged rows, trailing empty cells, a label column by number', () => {
    const ds = parseCsv('1,0.5,0.25\n0,1,2,3,,\n', 'r.csv', { layout: 'rows', labelColumn: '1' });
    expect(ds.sequences.map(values)).toEqual([[0.5, 0.25], [1, 2, 3]]);
    expect(ds.sequences.map((s) => s.label)).toEqual([1, 0]);
    expect(ds.sequences.map((s) => s.where)).toEqual(['line 1', 'line 2']);
  });

  it('bad: a gap inside a row, --columns', () => {
    expect(dataError(() => parseCsv('1,2\n1,,3\n', 'r.csv', { layout: 'rows' }))).toBe('r.csv, line 2, column 2: the cell is empty');
    expect(dataError(() => parseCsv('1,2\n', 'r.csv', { layout: 'rows', columns: ['1'] }))).toBe('--columns applies to --data-format csv (a row per time step), not to r.csv read as csv-rows');
  });
});

describe('.npy', () => {
  it('float64 [T, F], float32 [N, T, F], int32 [T], uint8, version 2.0', () => {
    const a = parseNpy(npyBytes('<f8', [3, 2], [1, 2, 3, 4, 5, 6.5]), 'a.npy');
    expect(a.shape).toEqual([3, 2]);
    const ds = npyDataset(a, 'a.npy');
    expect(ds.features).toBe(2);
    expect(ds.sequences.map(values)).toEqual([[1, 2, 3, 4, 5, 6.5]]);
    const b = npyDataset(parseNpy(npyBytes('<f4', [2, 2, 1], [0.5, 1, 1.5, 2]), 'b.npy'), 'b.npy');
    expect(b.sequences.map(values)).toEqual([[0.5, 1], [1.5, 2]]);
    expect(b.sequences.map((s) => s.where)).toEqual(['sequence 0', 'sequence 1']);
    expect(values(npyDataset(parseNpy(npyBytes('<i4', [3], [-1, 0, 7]), 'c.npy'), 'c.npy').sequences[0])).toEqual([-1, 0, 7]);
    expect([...parseNpy(npyBytes('|u1', [2], [250, 3]), 'd.npy').data]).toEqual([250, 3]);
    expect(parseNpy(npyBytes('<f8', [1, 1], [2], { version: 2 }), 'e.npy').data[0]).toBe(2);
  });

  const bad: [string, () => unknown, string][] = [
    ['empty', () => parseNpy(new Uint8Array(0), 'x.npy'), 'x.npy is empty'],
    ['not npy', () => parseNpy(new TextEncoder().encode('1,2,3\n4,5,6\n'), 'x.npy'), 'x.npy is not a .npy file (it does not start with the bytes \\x93NUMPY)'],
    ['version 9', () => parseNpy(npyBytes('<f8', [1], [1], { version: 9 }), 'x.npy'), 'x.npy: npy format version 9.0 is not supported (1.0, 2.0 and 3.0 are)'],
    ['big-endian', () => parseNpy(npyBytes('>f4', [1], [1]), 'x.npy'), `x.npy: the npy dtype '>f4' is big-endian: save it little-endian (arr.astype("<f8"))`],
    ['a string dtype', () => parseNpy(npyBytes('<U3', [1], [1]), 'x.npy'), "x.npy: the npy dtype '<U3' is not a number type cellc reads (float32, float64 or an integer type)"],
    ['Fortran order', () => parseNpy(npyBytes('<f8', [2, 2], [1, 2, 3, 4], { fortran: true }), 'x.npy'), 'x.npy: the array is stored in Fortran order; save it in C order (np.save(path, np.ascontiguousarray(arr)))'],
    ['a broken header', () => parseNpy(npyBytes('<f8', [1], [1], { header: "{'descr': '<f8'}" }), 'x.npy'), `x.npy: the npy header is not a dict with 'descr', 'fortran_order' and 'shape' (it reads "{'descr': '<f8'}")`],
    ['truncated data', () => parseNpy(npyBytes('<f8', [3, 2], [1, 2, 3]), 'x.npy'), "x.npy: the npy header announces shape (3, 2) of '<f8' = 48 bytes of data, the file holds 24"],
    ['4 axes', () => npyDataset(parseNpy(npyBytes('<f8', [1, 1, 1, 1], [1]), 'x.npy'), 'x.npy'), 'x.npy: the array has shape (1, 1, 1, 1); cellc reads [T, F] (one series) or [N, T, F] (N sequences)'],
    ['no values', () => npyDataset(parseNpy(npyBytes('<f8', [0, 3], []), 'x.npy'), 'x.npy'), 'x.npy holds no values (shape (0, 3))'],
    ['NaN', () => npyDataset(parseNpy(npyBytes('<f8', [2, 2, 3], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, 0]), 'x.npy'), 'x.npy'), 'x.npy: the value at [1, 1, 1] is NaN, not a finite number (fill in missing values before training)'],
  ];
  for (const [what, f, message] of bad) it(`bad: ${what}`, () => expect(dataError(f)).toBe(message));

  it('reads what numpy.save writes (when python3 has numpy)', (t) => {
    const path = join(tmp, 'np.npy');
    try {
      execFileSync('python3', ['-c', `import numpy as np; np.save(${JSON.stringify(path)}, np.arange(12, dtype=np.float32).reshape(2, 3, 2) / 4)`], { stdio: 'pipe' });
    } catch {
      t.skip('python3 with numpy is not available');
    }
    const ds = loadDataset(path);
    expect(ds.features).toBe(2);
    expect(ds.sequences.map(values)).toEqual([[0, 0.25, 0.5, 0.75, 1, 1.25], [1.5, 1.75, 2, 2.25, 2.5, 2.75]]);
  });
});

describe('JSON lines', () => {
  it('plain arrays, arrays of steps, objects with a label or per-step labels; blank lines skipped', () => {
    const ds = parseJsonl('[1, 2, 3]\n\n{"x": [4, 5], "label": 2}\n', 'a.jsonl');
    expect(ds.features).toBe(1);
    expect(ds.sequences.map(values)).toEqual([[1, 2, 3], [4, 5]]);
    expect(ds.sequences.map((s) => s.where)).toEqual(['line 1', 'line 3']);
    expect(ds.sequences[1].label).toBe(2);
    const two = parseJsonl('{"x": [[1, 2], [3, 4]], "labels": [0, 1]}\n', 'b.jsonl');
    expect(two.features).toBe(2);
    expect([...two.sequences[0].labels!]).toEqual([0, 1]);
  });

  const bad: [string, string, string][] = [
    ['empty', '\n\n', 'j.jsonl is empty (no sequences)'],
    ['not JSON', '[1, 2]\n[1, 2\n', 'j.jsonl, line 2: not valid JSON (expected \',\' or \']\' after array element)'],
    ['NaN', '[1, NaN]\n', 'j.jsonl, line 1: NaN is not a JSON number (fill in missing values before training)'],
    ['null', '[1, null]\n', 'j.jsonl, line 1, step 1: null is not a number (fill in missing values before training)'],
    ['a string', '[[1, "a"]]\n', 'j.jsonl, line 1, step 0, value 1: "a" is not a number'],
    ['a ragged step', '[[1, 2], [3]]\n', 'j.jsonl, line 1, step 1: the step has 1 value(s), step 0 has 2'],
    ['features differ between lines', '[[1, 2]]\n[[1]]\n', 'j.jsonl, line 2: the sequence has 1 feature(s) per step, line 1 has 2'],
    ['an empty sequence', '[]\n', 'j.jsonl, line 1: the sequence must be a non-empty array of numbers or of arrays of numbers, got []'],
    ['no x', '{"y": [1]}\n', 'j.jsonl, line 1: the object has no "x" (the sequence); its keys are "y"'],
    ['a bad label', '{"x": [1], "label": "cat"}\n', 'j.jsonl, line 1: label "cat" is not a class index (an integer ≥ 0)'],
    ['labels of the wrong length', '{"x": [1, 2], "labels": [0]}\n', 'j.jsonl, line 1: "labels" must be an array of 2 class indices (one per step), got [0]'],
  ];
  for (const [what, text, message] of bad) it(`bad: ${what}`, () => expect(dataError(() => parseJsonl(text, 'j.jsonl'))).toBe(message));
});

describe('files', () => {
  it('the format from the extension or --data-format', () => {
    expect(formatOf('a/b.CSV', undefined)).toBe('csv');
    expect(formatOf('b.ndjson', undefined)).toBe('jsonl');
    expect(formatOf('b.dat', 'csv-rows')).toBe('csv-rows');
    expect(dataError(() => formatOf('b.dat', undefined))).toBe('cannot tell the format of b.dat from its extension: pass --data-format csv|csv-rows|npy|jsonl');
    expect(dataError(() => formatOf('b.csv', 'xlsx'))).toBe("--data-format must be csv, csv-rows, npy, jsonl, got 'xlsx'");
  });

  it('a missing file; flags that do not apply to the format', () => {
    expect(dataError(() => loadDataset(join(tmp, 'none.csv')))).toBe(`cannot read the data file ${join(tmp, 'none.csv')}: ENOENT`);
    const p = join(tmp, 'a.jsonl');
    writeFileSync(p, '[1, 2]\n');
    expect(dataError(() => loadDataset(p, { labelColumn: 'y' }))).toBe(`--label-column applies to CSV files, not to ${p} (jsonl: give "label" or "labels" on each line)`);
    expect(dataError(() => loadDataset(p, { columns: ['a'] }))).toBe(`--columns and --time-column apply to CSV files, not to ${p} (jsonl)`);
  });
});
