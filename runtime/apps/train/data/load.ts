// Node side of the data loaders: reads a data file, picks its parser by
// --data-format or by extension, and rebuilds a data task from what a
// checkpoint recorded (the file, how it was read, the split, the stored
// normalisation).

import { readFileSync } from 'node:fs';
import { parseCsv } from './csv.js';
import { DataError, type Dataset } from './dataset.js';
import { dataTask, DATA_TASK_KINDS, type DataTask, type DataTaskKind } from './dataTask.js';
import { parseJsonl } from './jsonl.js';
import { checkStats } from './normalise.js';
import { npyDataset, parseNpy } from './npy.js';

export const DATA_FORMATS = ['csv', 'csv-rows', 'npy', 'jsonl'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface LoadOptions {
  readonly format?: DataFormat;
  readonly columns?: readonly string[];
  readonly timeColumn?: string;
  readonly labelColumn?: string;
}

const BY_EXTENSION: Record<string, DataFormat> = { csv: 'csv', tsv: 'csv', txt: 'csv', npy: 'npy', jsonl: 'jsonl', ndjson: 'jsonl' };

export function formatOf(path: string, given: string | undefined): DataFormat {
  if (given !== undefined) {
    if (!(DATA_FORMATS as readonly string[]).includes(given)) throw new DataError(`--data-format must be ${DATA_FORMATS.join(', ')}, got '${given}'`);
    return given as DataFormat;
  }
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  const f = BY_EXTENSION[ext];
  if (!f) throw new DataError(`cannot tell the format of ${path} from its extension: pass --data-format ${DATA_FORMATS.join('|')}`);
  return f;
}

export function loadDataset(path: string, o: LoadOptions = {}): Dataset {
  const format = formatOf(path, o.format);
  if (format !== 'csv' && format !== 'csv-rows' && (o.columns?.length || o.timeColumn !== undefined)) throw new DataError(`--columns and --time-column apply to CSV files, not to ${path} (${format})`);
  if ((format === 'npy' || format === 'jsonl') && o.labelColumn !== undefined) throw new DataError(`--label-column applies to CSV files, not to ${path} (${format}${format === 'jsonl' ? ': give "label" or "labels" on each line' : ''})`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot read the data file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (format === 'npy') return npyDataset(parseNpy(bytes, path), path);
  const text = new TextDecoder('utf-8').decode(bytes);
  if (format === 'jsonl') return parseJsonl(text, path);
  return parseCsv(text, path, { layout: format === 'csv-rows' ? 'rows' : 'series', ...(o.columns ? { columns: o.columns } : {}), ...(o.timeColumn !== undefined ? { timeColumn: o.timeColumn } : {}), ...(o.labelColumn !== undefined ? { labelColumn: o.labelColumn } : {}) });
}

/** What a data task records in the checkpoint's `data` metadata. */
export interface StoredData {
  readonly kind: DataTaskKind;
  readonly T: number;
  readonly horizon: number;
  readonly valFraction: number;
  readonly classes: number;
  readonly arOrder: number;
  readonly relative?: boolean;
  readonly features: number;
  readonly mean: number[];
  readonly std: number[];
  readonly load: { file?: string } & LoadOptions;
}

export function parseStoredData(json: string, where: string): StoredData {
  let v: StoredData;
  try {
    v = JSON.parse(json) as StoredData;
  } catch {
    throw new DataError(`${where}: the checkpoint's data metadata is not JSON`);
  }
  const int = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (typeof v !== 'object' || v === null || !DATA_TASK_KINDS.includes(v.kind) || !int(v.T) || !int(v.horizon) || !int(v.classes) || !int(v.arOrder) || !int(v.features) || typeof v.valFraction !== 'number' || typeof v.load !== 'object') {
    throw new DataError(`${where}: the checkpoint's data metadata is damaged`);
  }
  checkStats(v, v.features, where);
  return v;
}

/**
 * The task of a checkpoint trained with --data: the same file (or `path`),
 * read the same way, the same split, and the checkpoint's normalisation.
 */
export function storedDataTask(s: StoredData, where: string, o: { path?: string; T?: number } = {}): DataTask {
  const path = o.path ?? s.load.file;
  if (!path) throw new DataError(`${where} does not record its data file: pass --data`);
  const ds = loadDataset(path, s.load);
  if (ds.features !== s.features) throw new DataError(`${path} has ${ds.features} feature(s) per step; the checkpoint ${where} was trained on ${s.features}`);
  return dataTask(ds, { kind: s.kind, T: o.T ?? s.T, horizon: s.horizon, valFraction: s.valFraction, relative: s.relative === true, classes: s.classes, arOrder: s.arOrder, stats: checkStats(s, s.features, where), load: s.load });
}
