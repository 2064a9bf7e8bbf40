// CSV text → a data set. Two layouts:
//   series (--data-format csv): a row per time step, a column per feature —
//     one long series. A time column (a header named time, date, month, …, or
//     --time-column) is skipped; --columns picks the features (default: every
//     other column); --label-column gives a class per step (sequence labelling).
//   rows (--data-format csv-rows): a row per sequence, one value per step;
//     rows may differ in length (trailing empty cells are no steps);
//     --label-column gives a class per sequence (classification).
// The first row is a header when one of its cells (outside a time column given
// by number) is not a number. Lines starting with '#' are comments. The
// delimiter is ',' (or a tab or ';' when the first row has no comma).

import { classIndex, DataError, parseDecimal, type Dataset, type Sequence } from './dataset.js';

export interface CsvOptions {
  readonly layout?: 'series' | 'rows';
  /** Feature columns (names from the header, or 1-based numbers). */
  readonly columns?: readonly string[];
  readonly timeColumn?: string;
  readonly labelColumn?: string;
}

interface Row {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly cells: string[];
}

const TIME_NAMES = /^(time|date|datetime|timestamp|month|year|day|t|step|index)$/i;

/** Splits one line into cells; double quotes around a cell, "" inside one for a quote. */
function cellsOf(text: string, delim: string, where: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new DataError(`${where}: a quoted cell is not closed`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i++];
      }
      const end = text.indexOf(delim, i);
      cell += end < 0 ? text.slice(i) : text.slice(i, end);
      i = end < 0 ? text.length : end;
    } else {
      const end = text.indexOf(delim, i);
      cell = end < 0 ? text.slice(i) : text.slice(i, end);
      i = end < 0 ? text.length : end;
    }
    cells.push(cell.trim());
    if (i >= text.length) return cells;
    i += delim.length;
  }
}

function rowsOf(text: string, source: string): Row[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  const delim = first.includes(',') ? ',' : first.includes('\t') ? '\t' : first.includes(';') ? ';' : ',';
  const rows: Row[] = [];
  lines.forEach((l, k) => {
    if (l.trim() === '' || l.trimStart().startsWith('#')) return;
    rows.push({ line: k + 1, cells: cellsOf(l, delim, `${source}, line ${k + 1}`) });
  });
  if (rows.length === 0) throw new DataError(`${source} is empty (no data rows)`);
  return rows;
}

/** Index of a column given by header name or 1-based number. */
function columnIndex(ref: string, header: readonly string[] | undefined, n: number, source: string, flag: string): number {
  const byName = header?.indexOf(ref) ?? -1;
  if (byName >= 0) return byName;
  if (/^\d+$/.test(ref) && Number(ref) >= 1 && Number(ref) <= n) return Number(ref) - 1;
  const known = header ? `its columns are ${header.map((h) => `'${h}'`).join(', ')}` : `it has ${n} unnamed column(s): give a number 1…${n}`;
  throw new DataError(`${source} has no column '${ref}' for ${flag} (${known})`);
}

function isHeader(cells: readonly string[], skip: number): boolean {
  return cells.some((c, i) => i !== skip && typeof parseDecimal(c) === 'string');
}

function cellName(header: readonly string[] | undefined, i: number): string {
  return header ? `column '${header[i]}'` : `column ${i + 1}`;
}

function numberAt(row: Row, i: number, header: readonly string[] | undefined, source: string): number {
  const v = parseDecimal(row.cells[i] ?? '');
  if (typeof v === 'string') throw new DataError(`${source}, line ${row.line}, ${cellName(header, i)}: the cell ${v}`);
  return v;
}

function labelAt(row: Row, i: number, header: readonly string[] | undefined, source: string): number {
  const v = parseDecimal(row.cells[i] ?? '');
  const k = typeof v === 'string' ? `the label cell ${v}` : classIndex(v);
  if (typeof k === 'string') throw new DataError(`${source}, line ${row.line}, ${cellName(header, i)}: ${k}`);
  return k;
}

export function parseCsv(text: string, source: string, o: CsvOptions = {}): Dataset {
  const rows = rowsOf(text, source);
  const width = rows[0].cells.length;
  const timeByNumber = o.timeColumn !== undefined && /^\d+$/.test(o.timeColumn) ? Number(o.timeColumn) - 1 : -1;
  const header = isHeader(rows[0].cells, timeByNumber) ? rows.shift()!.cells : undefined;
  if (rows.length === 0) throw new DataError(`${source} has a header but no data rows`);
  const labelCol = o.labelColumn !== undefined ? columnIndex(o.labelColumn, header, width, source, '--label-column') : -1;
  return (o.layout ?? 'series') === 'rows' ? rowsLayout(rows, header, labelCol, source, o) : seriesLayout(rows, header, width, labelCol, source, o);
}

function seriesLayout(rows: Row[], header: string[] | undefined, width: number, labelCol: number, source: string, o: CsvOptions): Dataset {
  let timeCol = o.timeColumn !== undefined ? columnIndex(o.timeColumn, header, width, source, '--time-column') : -1;
  if (timeCol < 0 && header) timeCol = header.findIndex((h) => TIME_NAMES.test(h));
  const features = o.columns?.length
    ? o.columns.map((c) => columnIndex(c, header, width, source, '--columns'))
    : [...Array(width).keys()].filter((i) => i !== timeCol && i !== labelCol);
  if (features.length === 0) throw new DataError(`${source} has no feature column (every column is the time or the label column)`);
  const F = features.length;
  const values = new Float64Array(rows.length * F);
  const labels = labelCol >= 0 ? new Int32Array(rows.length) : undefined;
  const firstLine = header ? `line ${rows[0].line - 1} (the header)` : `line ${rows[0].line}`;
  rows.forEach((row, t) => {
    if (row.cells.length !== width) throw new DataError(`${source}, line ${row.line}: the row has ${row.cells.length} cell(s), ${firstLine} has ${width}`);
    features.forEach((c, f) => (values[t * F + f] = numberAt(row, c, header, source)));
    if (labels) labels[t] = labelAt(row, labelCol, header, source);
  });
  const seq: Sequence = { values, steps: rows.length, where: `line ${rows[0].line}`, ...(labels ? { labels } : {}) };
  return { source, features: F, sequences: [seq], ...(header ? { featureNames: features.map((c) => header[c]) } : {}) };
}

function rowsLayout(rows: Row[], header: string[] | undefined, labelCol: number, source: string, o: CsvOptions): Dataset {
  if (o.columns?.length) throw new DataError(`--columns applies to --data-format csv (a row per time step), not to ${source} read as csv-rows`);
  if (o.timeColumn !== undefined) throw new DataError(`--time-column applies to --data-format csv (a row per time step), not to ${source} read as csv-rows`);
  const sequences = rows.map((row): Sequence => {
    let n = row.cells.length;
    while (n > 0 && row.cells[n - 1] === '') n--; // a spreadsheet pads short rows with empty cells
    const cols = [...Array(n).keys()].filter((i) => i !== labelCol);
    if (cols.length === 0) throw new DataError(`${source}, line ${row.line}: the row has no values`);
    const values = Float64Array.from(cols, (c) => numberAt(row, c, header, source));
    return { values, steps: values.length, where: `line ${row.line}`, ...(labelCol >= 0 ? { label: labelAt(row, labelCol, header, source) } : {}) };
  });
  return { source, features: 1, sequences };
}
