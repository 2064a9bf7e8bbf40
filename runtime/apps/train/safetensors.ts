import { numel } from '../../../compiler/index.js';
// The safetensors format (readable by PyTorch, JAX and friends): an 8-byte
// little-endian header length, a JSON header mapping tensor names to
// {dtype, shape, data_offsets}, then the raw little-endian data. Only F32 is
// written; F32, F64 and F16-free files are read. `__metadata__` holds strings.

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export function encodeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = numel(t.shape);
    if (n !== t.data.length) throw new SafetensorsError(`tensor ${name}: shape [${t.shape}] has ${n} elements, data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    const bytes = new Uint8Array(d.byteLength);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < d.length; i++) view.setFloat32(4 * i, d[i], true);
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
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  } catch {
    throw new SafetensorsError(`${what} has a corrupt safetensors header`);
  }
  const base = 8 + len;
  const tensors = new Map<string, NamedTensor>();
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [start, end] = info.data_offsets ?? [];
    const n = (info.shape ?? []).reduce((a: number, b: number) => a * b, 1);
    const size = info.dtype === 'F32' ? 4 : info.dtype === 'F64' ? 8 : 0;
    if (!size) throw new SafetensorsError(`${what}: tensor ${name} has dtype ${info.dtype}; only F32 and F64 are supported`);
    if (!(start >= 0 && end - start === n * size && base + end <= bytes.length)) throw new SafetensorsError(`${what}: tensor ${name} has inconsistent offsets`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + base + start, end - start);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = size === 4 ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
    tensors.set(name, { shape: info.shape, data });
  }
  return { tensors, metadata };
}
