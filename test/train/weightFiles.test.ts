// Weight files as they come from elsewhere: safetensors in F16, BF16 and F64
// (read; F16 also written on request), a header padded in bytes when names or
// metadata are not ASCII, `apply` taking the sizes from the parameters' shapes
// (and float64 parameters unrounded for --reference), `--set` with `--cell` on
// a multi-cell file, and `export-torch --prefix ''` giving a bare nn.LSTM.
// All on the CPU (apply --reference; the commands in this process).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check } from '../../compiler/index.js';
import { Rng } from '../../compiler/numeric/random.js';
import { CellInterpreter } from '../../compiler/tools/index.js';
import { f16BitsToFloat, floatToF16Bits } from '../../runtime/apps/train/halfFloat.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../runtime/apps/train/safetensors.js';
import { inProcess, ROOT } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-weights-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A safetensors file written by hand: every tensor in `dtype`, values given as the raw little-endian bytes of each element. */
function rawSafetensors(tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(t.bytes, p);
    p += t.bytes.length;
  }
  return out;
}

const f64Bytes = (v: ArrayLike<number>) => new Uint8Array(Float64Array.from(v).buffer);
const u16Bytes = (v: readonly number[]) => new Uint8Array(Uint16Array.from(v).buffer);

describe('safetensors dtypes and header', () => {
  it('F16 and BF16 are read exactly (converted to float32)', () => {
    // 1, -2, 65504 (largest half), 2^-24 (smallest subnormal), 0.333251953125, Infinity, NaN
    const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x7c00, 0x7e00];
    // 1, -2, 3.140625, 1e-40-ish subnormal bf16 (0x0001 → 2^-133), NaN
    const bf = [0x3f80, 0xc000, 0x4049, 0x0001, 0x7fc0];
    const file = rawSafetensors({ h: { dtype: 'F16', shape: [7], bytes: u16Bytes(half) }, b: { dtype: 'BF16', shape: [5], bytes: u16Bytes(bf) } });
    const t = decodeSafetensors(file).tensors;
    expect(t.get('h')!.dtype).toBe('F16');
    expect([...t.get('h')!.data]).toEqual([1, -2, 65504, 2 ** -24, 0.333251953125, Infinity, NaN]);
    expect(t.get('b')!.dtype).toBe('BF16');
    expect([...t.get('b')!.data]).toEqual([1, -2, 3.140625, 2 ** -133, NaN]);
  });

  it('F16 is written on request: round to nearest even, overflow to Infinity, subnormals kept', () => {
    expect(floatToF16Bits(1)).toBe(0x3c00);
    expect(floatToF16Bits(-2.5)).toBe(0xc100);
    expect(floatToF16Bits(65504)).toBe(0x7bff);
    expect(floatToF16Bits(65520)).toBe(0x7c00); // halfway to the next binade rounds up to Infinity
    expect(floatToF16Bits(2 ** -24)).toBe(0x0001);
    expect(floatToF16Bits(2 ** -26)).toBe(0x0000);
    expect(floatToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // a tie: to the even mantissa
    expect(floatToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(f16BitsToFloat(floatToF16Bits(NaN)))).toBe(true);
    // every finite half value survives half → float → half
    for (let h = 0; h < 0x7c00; h++) expect(floatToF16Bits(f16BitsToFloat(h))).toBe(h);
    const rng = new Rng(3);
    const data = Float32Array.from(rng.fillNormal(257, 2));
    const bytes = encodeSafetensors(new Map([['w', { shape: [257], data }]]), {}, { dtype: 'F16' });
    const back = decodeSafetensors(bytes).tensors.get('w')!;
    expect(back.dtype).toBe('F16');
    expect(bytes.length).toBeLessThan(8 + 200 + 2 * 257);
    for (let i = 0; i < data.length; i++) expect(Math.abs(back.data[i] - data[i])).toBeLessThanOrEqual(Math.abs(data[i]) * 2 ** -11 + 2 ** -25);
  });

  it('F64 keeps its float64 values next to the float32 ones', () => {
    const v = [0.1, 1 / 3, Math.PI];
    const t = decodeSafetensors(rawSafetensors({ x: { dtype: 'F64', shape: [3], bytes: f64Bytes(v) } })).tensors.get('x')!;
    expect([...t.data64!]).toEqual(v);
    expect([...t.data]).toEqual(v.map(Math.fround));
  });

  it('pads the header to a multiple of 8 bytes, counting UTF-8 bytes (non-ASCII metadata and names)', () => {
    for (const text of ['naïve café — ünïcødé', '日本語のテキスト', 'a', 'ab', '€€€']) {
      const bytes = encodeSafetensors(new Map([[`param.${text}`, { shape: [2], data: new Float32Array([1, 2]) }]]), { alphabet: text });
      const len = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + len) % 8, text).toBe(0);
      expect(bytes.length).toBe(8 + len + 8);
      const r = decodeSafetensors(bytes);
      expect(r.metadata.alphabet).toBe(text);
      expect([...r.tensors.get(`param.${text}`)!.data]).toEqual([1, 2]);
    }
  });
});

describe('apply takes what it can from the parameter file', () => {
  const [I, H, T, B] = [3, 5, 4, 2];
  const rng = new Rng(11);
  const p64 = { W: rng.fillNormal(H * I, 0.5), U: rng.fillNormal(H * H, 0.5), b: rng.fillNormal(H, 0.5) };
  const shapes = { W: [H, I], U: [H, H], b: [H] };
  const params = join(tmp, 'elman64.safetensors');
  writeFileSync(params, rawSafetensors(Object.fromEntries(Object.entries(p64).map(([k, v]) => [`param.${k}`, { dtype: 'F64', shape: shapes[k as keyof typeof shapes], bytes: f64Bytes(v) }]))));
  const xs = Array.from({ length: T }, () => Array.from({ length: B }, () => Array.from(rng.fillNormal(I, 1))));
  const inputs = join(tmp, 'x.json');
  writeFileSync(inputs, JSON.stringify({ x: xs }));

  /** h of elman.cell over xs with these float64 parameters, by the reference interpreter. */
  function reference(values: Record<string, ArrayLike<number>>): number[] {
    const g = check(readFileSync(join(ROOT, 'dsl-examples/elman.cell'), 'utf8'), 'elman.cell').graphs[0];
    const interp = new CellInterpreter(g, { I, H }, B);
    const seq = xs.map((step) => Float64Array.from(step.flat()));
    const tape = interp.forward(new Map(Object.entries(values).map(([k, v]) => [k, Float64Array.from(v)])), new Map([['x', seq]]), interp.initialStates(), T);
    return tape.outputs.get('h')!.flatMap((s) => [...s]);
  }

  it('the sizes come from the tensor shapes (no --set), and float64 parameters stay float64 with --reference', async () => {
    const out = join(tmp, 'h.json');
    const r = await inProcess(['apply', 'dsl-examples/elman.cell', '--params', params, '--inputs', inputs, '--outputs', out, '--reference']);
    expect(r.code, r.stderr).toBe(0);
    const h = (JSON.parse(readFileSync(out, 'utf8')).h as number[][][]).flat(2);
    expect(h).toHaveLength(T * B * H);
    expect(h).toEqual(reference(p64)); // bit for bit: the file's float64 values, unrounded
    const rounded = reference(Object.fromEntries(Object.entries(p64).map(([k, v]) => [k, Float32Array.from(v)])));
    expect(Math.max(...h.map((v, i) => Math.abs(v - rounded[i])))).toBeGreaterThan(1e-9); // what rounding to float32 would have given
  });

  it('--set still wins, and disagrees with the file as a shape error naming the tensor', async () => {
    const r = await inProcess(['apply', 'dsl-examples/elman.cell', '--params', params, '--inputs', inputs, '--set', 'H=6', '--reference']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tensor W has shape \[5, 3\], parameter W of cell Elman has \[6, 3\]/);
  });

  it('--set with --cell on a file of several cells sets the sizes of that cell only', async () => {
    const obs = join(tmp, 'obs.json');
    writeFileSync(obs, JSON.stringify({ o: [[0, 4], [3, 1], [2, 2]] }));
    const r = await inProcess(['apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--set', 'V=5', '--inputs', obs, '--reference']);
    expect(r.code, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { score: number[][] };
    expect(v.score).toHaveLength(3);
    expect((await inProcess(['graph', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--set', 'V=5'])).code).toBe(0);
  });
});

describe("export-torch --prefix ''", () => {
  it('gives a bare nn.LSTM state dict (no readout, no embedding) unless they are named; --dtype F16', async () => {
    const rng = new Rng(5);
    const [I, H] = [2, 3];
    const t = (shape: number[]): NamedTensor => ({ shape, data: Float32Array.from(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0.4)) });
    const torch = new Map<string, NamedTensor>([
      ['rnn.weight_ih_l0', t([4 * H, I])],
      ['rnn.weight_hh_l0', t([4 * H, H])],
      ['rnn.bias_ih_l0', t([4 * H])],
      ['rnn.bias_hh_l0', t([4 * H])],
      ['readout.weight', t([1, H])],
      ['readout.bias', t([1])],
    ]);
    const w = join(tmp, 'lstm.safetensors');
    writeFileSync(w, encodeSafetensors(torch));
    const ckpt = join(tmp, 'imported.safetensors');
    expect((await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', w, '--out', ckpt])).code).toBe(0);

    const bare = join(tmp, 'bare.safetensors');
    const e = await inProcess(['export-torch', ckpt, '--out', bare, '--prefix', '']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/left out \(not part of a bare torch\.nn\.LSTM\): readout\.W, readout\.b \(--readout PREFIX\)/);
    expect([...decodeSafetensors(readFileSync(bare)).tensors.keys()].sort()).toEqual(['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']);

    const named = join(tmp, 'named.safetensors');
    expect((await inProcess(['export-torch', ckpt, '--out', named, '--prefix', '', '--readout', 'fc'])).code).toBe(0);
    expect([...decodeSafetensors(readFileSync(named)).tensors.keys()].sort()).toEqual(['bias_hh_l0', 'bias_ih_l0', 'fc.bias', 'fc.weight', 'weight_hh_l0', 'weight_ih_l0']);

    const half = join(tmp, 'half.safetensors');
    expect((await inProcess(['export-torch', ckpt, '--out', half, '--dtype', 'F16'])).code).toBe(0);
    const h = decodeSafetensors(readFileSync(half)).tensors;
    expect([...h.keys()].sort()).toEqual([...torch.keys()].sort());
    expect(h.get('rnn.weight_hh_l0')!.dtype).toBe('F16');
    const ref = torch.get('rnn.weight_hh_l0')!.data;
    h.get('rnn.weight_hh_l0')!.data.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -11 + 2 ** -25));
    const bad = await inProcess(['export-torch', ckpt, '--out', half, '--dtype', 'F8']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--dtype must be F32 or F16, got 'F8'/);
  });
});
