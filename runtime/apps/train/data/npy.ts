// NumPy .npy bytes → an array (format versions 1.0–3.0, little-endian or
// single-byte numeric dtypes, C order) and → a data set: shape [T, F] (or
// [T]) is one series, [N, T, F] is N sequences of T steps.

import { DataError, type Dataset, type Sequence } from './dataset.js';

export interface NpyArray {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const READERS: Record<string, { bytes: number; read: (v: DataView, off: number) => number }> = {
  f4: { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  f8: { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  i1: { bytes: 1, read: (v, o) => v.getInt8(o) },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o) },
  i2: { bytes: 2, read: (v, o) => v.getInt16(o, true) },
  u2: { bytes: 2, read: (v, o) => v.getUint16(o, true) },
  i4: { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  u4: { bytes: 4, read: (v, o) => v.getUint32(o, true) },
  i8: { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  u8: { bytes: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
};

export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length === 0) throw new DataError(`${source} is empty`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataError(`${source} is not a .npy file (it does not start with the bytes \\x93NUMPY)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataError(`${source}: npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new DataError(`${source}: the npy header is cut short`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (bytes.length < start) throw new DataError(`${source}: the npy header announces ${headerLen} bytes, the file ends before them`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${source}: the npy header is not a dict with 'descr', 'fortran_order' and 'shape' (it reads ${JSON.stringify(header.trim().slice(0, 80))})`);
  }
  const order = descr[0];
  const kind = descr.slice(1);
  const reader = READERS[kind];
  if (!reader || !['<', '|', '='].includes(order) || (order === '|' && reader.bytes !== 1)) {
    const why = order === '>' && reader ? 'big-endian: save it little-endian (arr.astype("<f8"))' : 'not a number type cellc reads (float32, float64 or an integer type)';
    throw new DataError(`${source}: the npy dtype '${descr}' is ${why}`);
  }
  if (fortran === 'True') throw new DataError(`${source}: the array is stored in Fortran order; save it in C order (np.save(path, np.ascontiguousarray(arr)))`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!dims.every((d) => /^\d+$/.test(d))) throw new DataError(`${source}: the npy shape (${shapeText}) is not a tuple of sizes`);
  const shape = dims.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - start;
  if (have !== count * reader.bytes) {
    throw new DataError(`${source}: the npy header announces shape (${shape.join(', ')}) of '${descr}' = ${count * reader.bytes} bytes of data, the file holds ${have}`);
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = reader.read(view, start + i * reader.bytes);
  return { shape, dtype: descr, data };
}

/** [T], [T, F] → one series; [N, T, F] → N sequences. NaN and ±Inf are errors naming the element. */
export function npyDataset(a: NpyArray, source: string): Dataset {
  const s = a.shape;
  if (s.length < 1 || s.length > 3) throw new DataError(`${source}: the array has shape (${s.join(', ')}); cellc reads [T, F] (one series) or [N, T, F] (N sequences)`);
  const [N, T, F] = s.length === 3 ? s : s.length === 2 ? [1, s[0], s[1]] : [1, s[0], 1];
  if (N * T * F === 0) throw new DataError(`${source} holds no values (shape (${s.join(', ')}))`);
  const bad = a.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const idx = s.map((_, k) => Math.floor(bad / s.slice(k + 1).reduce((x, y) => x * y, 1)) % s[k]);
    throw new DataError(`${source}: the value at [${idx.join(', ')}] is ${a.data[bad]}, not a finite number (fill in missing values before training)`);
  }
  const sequences: Sequence[] = Array.from({ length: N }, (_, n) => ({
    values: a.data.slice(n * T * F, (n + 1) * T * F),
    steps: T,
    where: s.length === 3 ? `sequence ${n}` : 'the series',
  }));
  return { source, features: F, sequences };
}
