// The safetensors format (readable by PyTorch, JAX and friends): an 8-byte
// little-endian header length, a JSON header mapping tensor names to
// {dtype, shape, data_offsets} (padded with spaces to a multiple of 8 bytes),
// then the raw little-endian data. F32 (default) or F16 is written; F32, F64,
// F16 and BF16 are read, into float32 values (and, for F64, the float64
// values too). `__metadata__` holds strings.

import { numel } from '../../../compiler/index.js';
import { f16BitsToFloat, floatToF16Bits } from './halfFloat.js';

export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** The dtype in the file it was read from (data is F32 in memory either way). */
  readonly dtype?: SafetensorsDtype;
  /** For an F64 tensor read from a file: its values unrounded (the float64 interpreter uses them). */
  readonly data64?: Float64Array;
}

export interface EncodeOptions {
  /** The dtype every tensor is written in (default F32; F16 rounds to nearest even, beyond ±65504 to ±Infinity). */
  readonly dtype?: 'F32' | 'F16';
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export function encodeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata: Readonly<Record<string, string>> = {}, options: EncodeOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  const size = DTYPE_BYTES[dtype];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = numel(t.shape);
    if (n !== t.data.length) throw new SafetensorsError(`tensor ${name}: shape [${t.shape}] has ${n} elements, data has ${t.data.length}`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size * n] };
    offset += size * n;
  }
  // padded in bytes (UTF-8), not in characters: a name or metadata with non-ASCII text is longer in bytes
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(json.length + ((8 - ((8 + json.length) % 8)) % 8)).fill(0x20);
  head.set(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    const bytes = new Uint8Array(size * d.length);
    const view = new DataView(bytes.buffer);
    if (dtype === 'F16') for (let i = 0; i < d.length; i++) view.setUint16(2 * i, floatToF16Bits(d[i]), true);
    else for (let i = 0; i < d.length; i++) view.setFloat32(4 * i, d[i], true);
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, what = 'file'): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError(`${what} is not a safetensors file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = Number(view.getBigUint64(0, true));
  if (len > bytes.length - 8 || len > 100_000_000) throw new SafetensorsError(`${what} is not a safetensors file (header length ${len} exceeds the file)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  } catch {
    throw new SafetensorsError(`${what} has a corrupt safetensors header`);
  }
  // Every field is checked before use: a file edited by hand or by another tool must end in one sentence, not a JavaScript error.
  if (!isRecord(header)) throw new SafetensorsError(`${what} has a corrupt safetensors header (not a JSON object)`);
  const base = 8 + len;
  const tensors = new Map<string, NamedTensor>();
  const meta = header.__metadata__ ?? {};
  if (!isRecord(meta) || !Object.values(meta).every((v) => typeof v === 'string')) throw new SafetensorsError(`${what}: __metadata__ must map names to strings`);
  const metadata = meta as Record<string, string>;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isRecord(info)) throw new SafetensorsError(`${what}: the header entry of tensor ${name} is not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    const size = typeof dtype === 'string' && Object.hasOwn(DTYPE_BYTES, dtype) ? DTYPE_BYTES[dtype as SafetensorsDtype] : 0;
    if (!size) throw new SafetensorsError(`${what}: tensor ${name} has dtype ${JSON.stringify(dtype)}; only F32, F64, F16 and BF16 are supported`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`${what}: tensor ${name} has shape ${JSON.stringify(shape)}; a shape is a list of integers ≥ 0`);
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    const [start, end] = Array.isArray(offsets) && offsets.length === 2 ? (offsets as number[]) : [NaN, NaN];
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end - start === n * size && base + end <= bytes.length)) {
      throw new SafetensorsError(`${what}: tensor ${name} has inconsistent offsets`);
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset + base + start, end - start);
    const data = new Float32Array(n);
    const dt = dtype as SafetensorsDtype;
    if (dt === 'F64') {
      const data64 = new Float64Array(n);
      for (let i = 0; i < n; i++) data64[i] = dv.getFloat64(8 * i, true);
      data.set(data64);
      tensors.set(name, { shape: shape as number[], data, dtype: dt, data64 });
      continue;
    }
    if (dt === 'F32') for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
    else if (dt === 'F16') for (let i = 0; i < n; i++) data[i] = f16BitsToFloat(dv.getUint16(2 * i, true));
    else {
      const bits = new Uint32Array(data.buffer); // bfloat16: the upper half of a float32
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
    }
    tensors.set(name, { shape: shape as number[], data, dtype: dt });
  }
  return { tensors, metadata };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
