// Corrupt variants of a good checkpoint file (safetensors: an 8-byte header
// length, a JSON header, the tensor bytes): truncations, bit flips, wrong
// header lengths, wrong dtypes and shapes, missing and foreign tensors, bad
// metadata, non-finite values. Each is a file a careless or hostile user
// could hand to --resume, eval, apply or export-torch.

import { Rng } from '../../../../compiler/index.js';

export interface Variant {
  readonly name: string;
  readonly bytes: Uint8Array;
}

type Header = Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | Record<string, string>>;

function split(file: Uint8Array): { header: Header; data: Uint8Array } {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Header, data: file.subarray(8 + n) };
}

function join(headerText: string, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const head = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

const flip = (b: Uint8Array, at: number, bit: number) => {
  const c = b.slice();
  c[at] ^= 1 << bit;
  return c;
};

/** At least 40 corrupt variants of `good`, the same for the same seed. */
export function checkpointVariants(good: Uint8Array, seed = 1): Variant[] {
  const r = new Rng(seed);
  const { header, data } = split(good);
  const text = JSON.stringify(header);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const params = names.filter((k) => k.startsWith('param.'));
  const moments = names.filter((k) => k.startsWith('optim.'));
  const meta = (header.__metadata__ ?? {}) as Record<string, string>;
  const edit = (f: (h: Header) => void) => {
    const h = JSON.parse(text) as Header;
    f(h);
    return join(JSON.stringify(h), data);
  };
  const tensor = (h: Header, k: string) => h[k] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const withMeta = (m: Record<string, unknown>) => edit((h) => (h.__metadata__ = { ...meta, ...m } as Record<string, string>));
  const first = params[0];
  const matrix = params.find((k) => Array.isArray(tensor(header, k).shape) && (tensor(header, k).shape as number[]).length === 2) ?? first;
  const headerEnd = 8 + (good.length - data.length - 8);
  const v: Variant[] = [];
  const add = (name: string, bytes: Uint8Array) => v.push({ name, bytes });

  // truncations
  for (const at of [0, 1, 7, 8, 9, headerEnd >> 1, headerEnd - 1, headerEnd, headerEnd + 3, good.length - 1]) add(`truncated at byte ${at}`, good.subarray(0, Math.max(0, at)));
  // the header length field
  for (let byte = 0; byte < 8; byte += 1) add(`header length, bit flip in byte ${byte}`, flip(good, byte, byte === 0 ? 0 : 7));
  add('header length 0', join(text, data, 0n));
  add('header length past the end', join(text, data, BigInt(good.length)));
  add('header length 2^63', join(text, data, 1n << 63n));
  // the header text and the data
  for (let k = 0; k < 6; k++) add(`bit flip in the header (${k})`, flip(good, 8 + r.int(headerEnd - 8), r.int(8)));
  for (let k = 0; k < 4; k++) add(`bit flip in the data (${k})`, flip(good, headerEnd + r.int(Math.max(1, data.length)), r.int(8)));
  add('header not JSON', join(text.slice(0, -3), data));
  add('header a JSON list', join('[1,2,3]', data));
  add('header null', join('null', data));
  // tensors
  for (const dt of ['F16', 'I32', 'BOOL', 'X', 7]) add(`dtype ${dt}`, edit((h) => (tensor(h, first).dtype = dt)));
  add('shape swapped', edit((h) => (tensor(h, matrix).shape = [...(tensor(h, matrix).shape as number[])].reverse())));
  add('shape with a negative size', edit((h) => (tensor(h, first).shape = [-4])));
  add('shape 2^53', edit((h) => (tensor(h, first).shape = [2 ** 53])));
  add('shape not a list', edit((h) => (tensor(h, first).shape = 'big')));
  add('offsets reversed', edit((h) => (tensor(h, first).data_offsets = [...(tensor(h, first).data_offsets as number[])].reverse())));
  add('offsets past the data', edit((h) => (tensor(h, first).data_offsets = [0, data.length + 4096])));
  add('offsets missing', edit((h) => delete tensor(h, first).data_offsets));
  add('a parameter missing', edit((h) => delete h[first]));
  if (moments.length) add('a moment missing', edit((h) => delete h[moments[0]]));
  add('every tensor missing', join(JSON.stringify({ __metadata__: meta }), new Uint8Array(0)));
  add('a foreign tensor', edit((h) => (h['param.zzz'] = { dtype: 'F32', shape: [1], data_offsets: [0, 4] })));
  add('a tensor entry that is a string', edit((h) => ((h as Record<string, unknown>)[first] = 'x')));
  // metadata
  add('no metadata', edit((h) => delete h.__metadata__));
  add('metadata a list', edit((h) => ((h as Record<string, unknown>).__metadata__ = [1])));
  add('metadata values not strings', withMeta({ step: 3 }));
  for (const step of ['abc', '-1', '1e99', '', '3.5']) add(`step ${JSON.stringify(step)}`, withMeta({ step }));
  for (const config of ['null', '{', '[]', '{}', '"x"', JSON.stringify({ layerSizes: [3] }), JSON.stringify({ ...safeJson(meta.config), B: -1 }), JSON.stringify({ ...safeJson(meta.config), T: 'x' })]) {
    add(`config ${config.slice(0, 30)}`, withMeta({ config }));
  }
  add('another cell', withMeta({ cell: 'Nope' }));
  add('an unknown task', withMeta({ task: 'nonexistent' }));
  add('another format', withMeta({ format: 'something/9' }));
  add('losses not pairs', withMeta({ losses: '{"a":1}' }));
  // values
  const f32 = (fill: number, which: 'param' | 'moment') => {
    const key = which === 'param' ? first : moments[0];
    const off = (header[key] as { data_offsets: number[] }).data_offsets;
    const d = data.slice();
    new DataView(d.buffer).setFloat32(off[0], fill, true);
    return join(text, d);
  };
  add('a NaN parameter', f32(NaN, 'param'));
  add('an Inf parameter', f32(Infinity, 'param'));
  if (moments.length) add('a NaN moment', f32(NaN, 'moment'));
  add('an empty file', new Uint8Array(0));
  add('a text file', new TextEncoder().encode('not a checkpoint\n'));
  return v;
}

function safeJson(s: string | undefined): Record<string, unknown> {
  try {
    const v = JSON.parse(s ?? '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
