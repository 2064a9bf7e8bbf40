// PyTorch interop: torch.nn.LSTM / torch.nn.GRU weights (a state_dict saved
// with safetensors) ↔ the parameters of dsl-examples/lstm.cell and
// dsl-examples/gru_cudnn.cell, layer by layer.
//
// torch.nn.LSTM, layer k (gate blocks of H rows in the order i, f, g, o):
//   weight_ih_lk [4H, I], weight_hh_lk [4H, H], bias_ih_lk [4H], bias_hh_lk [4H]
//   ↔ lstm.cell: {i,f,g,o}.W_x [H, I], {i,f,g,o}.W_h [H, H], {i,f,g,o}.b [H]
//   with b = bias_ih + bias_hh (the cell has one bias per gate; exporting
//   writes bias_ih = b, bias_hh = 0, which computes the same function).
// torch.nn.GRU, layer k (gate blocks in the order r, z, n):
//   weight_ih_lk = [W_ir; W_iz; W_in], weight_hh_lk = [W_hr; W_hz; W_hn],
//   bias_ih_lk = [b_ir; b_iz; b_in], bias_hh_lk = [b_hr; b_hz; b_hn]
//   ↔ gru_cudnn.cell's twelve parameters of the same names, one to one
//   (torch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) is the cell's form).
//
// Model extras (a character model around the RNN): nn.Embedding's `weight`
// [V, E] ↔ embed.E, nn.Linear's `weight` [K, H] and `bias` [K] ↔ readout.W,
// readout.b. In a stacked model, layer k's cell parameters are prefixed
// `l{k+1}.` (buildModel's naming).
//
// Values are float64 here (the bias sum is exact until a checkpoint rounds it
// to float32). Not supported: bidirectional RNNs (`_reverse` tensors),
// LSTM projections (proj_size, weight_hr_lk).

import type { NamedTensor } from './safetensors.js';

export type TorchRnnKind = 'lstm' | 'gru';

export interface Tensor64 {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export class InteropError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InteropError';
  }
}

const LSTM_GATES = ['i', 'f', 'g', 'o'] as const; // torch's block order
const GRU_GATES = ['r', 'z', 'n'] as const;

export const LSTM_PARAMS = LSTM_GATES.flatMap((g) => [`${g}.W_x`, `${g}.W_h`, `${g}.b`]);
export const GRU_PARAMS = [...GRU_GATES.map((g) => `W_i${g}`), ...GRU_GATES.map((g) => `W_h${g}`), ...GRU_GATES.map((g) => `b_i${g}`), ...GRU_GATES.map((g) => `b_h${g}`)];

/** Which torch module a cell's parameters correspond to (by their names), or undefined. */
export function torchKindOfCell(paramNames: readonly string[]): TorchRnnKind | undefined {
  const have = new Set(paramNames);
  const same = (want: readonly string[]) => have.size === want.length && want.every((n) => have.has(n));
  if (same(LSTM_PARAMS)) return 'lstm';
  if (same(GRU_PARAMS)) return 'gru';
  return undefined;
}

const gatesOf = (kind: TorchRnnKind) => (kind === 'lstm' ? LSTM_GATES.length : GRU_GATES.length);
const to64 = (t: { shape: readonly number[]; data: ArrayLike<number> }): Tensor64 => ({ shape: [...t.shape], data: Float64Array.from(t.data) });

function need(tensors: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>, name: string, what: string): Tensor64 {
  const t = tensors.get(name);
  if (!t) throw new InteropError(`${what}: no tensor named ${name}`);
  return to64(t);
}

function checkShape(name: string, t: Tensor64, want: readonly number[], why: string): void {
  if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new InteropError(`tensor ${name} has shape [${t.shape.join(', ')}], expected [${want.join(', ')}] (${why})`);
  }
}

/** Rows [a, b) of a row-major matrix (or a slice of a vector). */
function rows(t: Tensor64, a: number, b: number): Tensor64 {
  const cols = t.shape.length === 2 ? t.shape[1] : 1;
  const shape = t.shape.length === 2 ? [b - a, cols] : [b - a];
  return { shape, data: t.data.slice(a * cols, b * cols) };
}

function stack(parts: readonly Tensor64[]): Tensor64 {
  const n = parts.reduce((s, p) => s + p.data.length, 0);
  const data = new Float64Array(n);
  let o = 0;
  for (const p of parts) (data.set(p.data, o), (o += p.data.length));
  const shape = parts[0].shape.length === 2 ? [parts.reduce((s, p) => s + p.shape[0], 0), parts[0].shape[1]] : [n];
  return { shape, data };
}

/** Tensor names of one torch RNN layer. */
export function torchLayerNames(prefix: string, layer: number) {
  return {
    wih: `${prefix}weight_ih_l${layer}`,
    whh: `${prefix}weight_hh_l${layer}`,
    bih: `${prefix}bias_ih_l${layer}`,
    bhh: `${prefix}bias_hh_l${layer}`,
  };
}

/** The prefix in front of `weight_ih_l0` (e.g. 'lstm.' in a model's state_dict); '' when it is bare. */
export function detectTorchPrefix(names: Iterable<string>): string {
  const found = [...names].filter((n) => n.endsWith('weight_ih_l0')).map((n) => n.slice(0, -'weight_ih_l0'.length));
  if (found.length === 0) throw new InteropError('the weights have no tensor named weight_ih_l0 (or PREFIX.weight_ih_l0): not a torch.nn.LSTM/GRU state_dict');
  if (found.length > 1) throw new InteropError(`the weights hold several RNNs (${found.map((p) => `${p}weight_ih_l0`).join(', ')}): choose one with --prefix`);
  return found[0];
}

/** Number of layers (weight_ih_l0, weight_ih_l1, …) present under a prefix. */
export function torchLayerCount(names: ReadonlySet<string> | ReadonlyMap<string, unknown>, prefix: string): number {
  let k = 0;
  while (names.has(`${prefix}weight_ih_l${k}`)) k++;
  return k;
}

/**
 * One torch layer → the cell's parameters (unprefixed names). `hidden` and
 * `inputSize` are checked when given, otherwise read from the tensors.
 */
export function torchLayerToCell(
  kind: TorchRnnKind,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>,
  prefix: string,
  layer: number,
  expect: { hidden?: number; inputSize?: number } = {},
): { params: Map<string, Tensor64>; hidden: number; inputSize: number } {
  const n = torchLayerNames(prefix, layer);
  const G = gatesOf(kind);
  const module = kind === 'lstm' ? 'torch.nn.LSTM' : 'torch.nn.GRU';
  for (const bad of [`${prefix}weight_ih_l${layer}_reverse`, `${prefix}weight_hr_l${layer}`]) {
    if (tensors.has(bad)) throw new InteropError(`tensor ${bad}: ${bad.endsWith('_reverse') ? 'bidirectional RNNs' : 'LSTM projections (proj_size)'} are not supported`);
  }
  const wih = need(tensors, n.wih, module);
  const whh = need(tensors, n.whh, module);
  if (whh.shape.length !== 2 || whh.shape[0] !== G * whh.shape[1]) {
    const other = kind === 'lstm' ? 'torch.nn.GRU weights: use dsl-examples/gru_cudnn.cell' : 'torch.nn.LSTM weights: use dsl-examples/lstm.cell';
    const looksOther = whh.shape.length === 2 && whh.shape[0] === (kind === 'lstm' ? 3 : 4) * whh.shape[1];
    throw new InteropError(`tensor ${n.whh} has shape [${whh.shape.join(', ')}], expected [${G}·H, H] (${module}: ${G} gate blocks)${looksOther ? `; these look like ${other}` : ''}`);
  }
  const H = whh.shape[1];
  if (expect.hidden !== undefined && H !== expect.hidden) throw new InteropError(`tensor ${n.whh} has shape [${whh.shape.join(', ')}]: hidden size ${H}, but the cell has H = ${expect.hidden}`);
  if (wih.shape.length !== 2) throw new InteropError(`tensor ${n.wih} has shape [${wih.shape.join(', ')}], expected [${G * H}, I]`);
  const I = wih.shape[1];
  checkShape(n.wih, wih, [G * H, expect.inputSize ?? I], expect.inputSize !== undefined ? `input size ${expect.inputSize}` : `${G} gate blocks of H = ${H}`);
  const hasIh = tensors.has(n.bih);
  const hasHh = tensors.has(n.bhh);
  if (hasIh !== hasHh) throw new InteropError(`${module}: tensor ${hasIh ? n.bhh : n.bih} is missing (${hasIh ? n.bih : n.bhh} is present)`);
  const bih = hasIh ? need(tensors, n.bih, module) : { shape: [G * H], data: new Float64Array(G * H) }; // bias=False
  const bhh = hasHh ? need(tensors, n.bhh, module) : { shape: [G * H], data: new Float64Array(G * H) };
  checkShape(n.bih, bih, [G * H], `${G}·H`);
  checkShape(n.bhh, bhh, [G * H], `${G}·H`);
  const params = new Map<string, Tensor64>();
  if (kind === 'lstm') {
    LSTM_GATES.forEach((g, k) => {
      params.set(`${g}.W_x`, rows(wih, k * H, (k + 1) * H));
      params.set(`${g}.W_h`, rows(whh, k * H, (k + 1) * H));
      const b = new Float64Array(H);
      for (let j = 0; j < H; j++) b[j] = bih.data[k * H + j] + bhh.data[k * H + j];
      params.set(`${g}.b`, { shape: [H], data: b });
    });
  } else {
    GRU_GATES.forEach((g, k) => {
      params.set(`W_i${g}`, rows(wih, k * H, (k + 1) * H));
      params.set(`W_h${g}`, rows(whh, k * H, (k + 1) * H));
      params.set(`b_i${g}`, rows(bih, k * H, (k + 1) * H));
      params.set(`b_h${g}`, rows(bhh, k * H, (k + 1) * H));
    });
  }
  return { params, hidden: H, inputSize: I };
}

/** The cell's parameters (unprefixed names) → one torch layer's four tensors. */
export function cellToTorchLayer(kind: TorchRnnKind, params: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>, prefix: string, layer: number): Map<string, Tensor64> {
  const n = torchLayerNames(prefix, layer);
  const get = (name: string) => need(params, name, `the ${kind === 'lstm' ? 'LSTM' : 'GRU'} cell`);
  const out = new Map<string, Tensor64>();
  if (kind === 'lstm') {
    out.set(n.wih, stack(LSTM_GATES.map((g) => get(`${g}.W_x`))));
    out.set(n.whh, stack(LSTM_GATES.map((g) => get(`${g}.W_h`))));
    const b = stack(LSTM_GATES.map((g) => get(`${g}.b`)));
    out.set(n.bih, b);
    out.set(n.bhh, { shape: b.shape, data: new Float64Array(b.data.length) });
  } else {
    out.set(n.wih, stack(GRU_GATES.map((g) => get(`W_i${g}`))));
    out.set(n.whh, stack(GRU_GATES.map((g) => get(`W_h${g}`))));
    out.set(n.bih, stack(GRU_GATES.map((g) => get(`b_i${g}`))));
    out.set(n.bhh, stack(GRU_GATES.map((g) => get(`b_h${g}`))));
  }
  return out;
}

/** The parameter-name prefix of layer k (0-based) in a model of `layers` layers (buildModel's naming). */
export const modelLayerPrefix = (layers: number, k: number): string => (layers > 1 ? `l${k + 1}.` : '');

export interface TorchImportOptions {
  readonly kind: TorchRnnKind;
  /** Prefix of the RNN's tensors; undefined: detected. */
  readonly prefix?: string;
  /** nn.Embedding weight [V, E] → embed.E. */
  readonly embedding?: string;
  /** nn.Linear prefix: `${readout}.weight` [K, H] → readout.W, `${readout}.bias` [K] → readout.b. */
  readonly readout?: string;
}

export interface TorchImport {
  /** Model parameter name → value. */
  readonly params: Map<string, Tensor64>;
  readonly layers: number;
  /** Sizes of each layer ({ I, H }), as buildModel records them. */
  readonly layerSizes: { I: number; H: number }[];
  readonly embed?: number;
  readonly prefix: string;
}

/** A torch state_dict → model parameters (every RNN layer; the embedding and readout when named). */
export function importTorch(tensors: ReadonlyMap<string, NamedTensor | Tensor64>, o: TorchImportOptions): TorchImport {
  const prefix = o.prefix ?? detectTorchPrefix(tensors.keys());
  const layers = torchLayerCount(tensors, prefix);
  if (layers === 0) throw new InteropError(`no tensor named ${prefix}weight_ih_l0`);
  const params = new Map<string, Tensor64>();
  const layerSizes: { I: number; H: number }[] = [];
  let inputSize: number | undefined;
  for (let k = 0; k < layers; k++) {
    const r = torchLayerToCell(o.kind, tensors, prefix, k, inputSize !== undefined ? { inputSize } : {});
    for (const [name, t] of r.params) params.set(modelLayerPrefix(layers, k) + name, t);
    layerSizes.push({ I: r.inputSize, H: r.hidden });
    inputSize = r.hidden;
  }
  let embed: number | undefined;
  if (o.embedding !== undefined) {
    const E = need(tensors, o.embedding, 'the embedding (nn.Embedding)');
    if (E.shape.length !== 2) throw new InteropError(`tensor ${o.embedding} has shape [${E.shape.join(', ')}], expected [V, E]`);
    checkShape(o.embedding, E, [E.shape[0], layerSizes[0].I], `the embedding width must be the RNN's input size ${layerSizes[0].I}`);
    params.set('embed.E', E);
    embed = E.shape[1];
  }
  if (o.readout !== undefined) {
    const W = need(tensors, `${o.readout}.weight`, 'the readout (nn.Linear)');
    const H = layerSizes[layers - 1].H;
    if (W.shape.length !== 2) throw new InteropError(`tensor ${o.readout}.weight has shape [${W.shape.join(', ')}], expected [K, ${H}]`);
    checkShape(`${o.readout}.weight`, W, [W.shape[0], H], `the readout reads the last layer's ${H} outputs`);
    const bName = `${o.readout}.bias`;
    const b = tensors.has(bName) ? need(tensors, bName, 'the readout (nn.Linear)') : { shape: [W.shape[0]], data: new Float64Array(W.shape[0]) };
    checkShape(bName, b, [W.shape[0]], 'one per readout row');
    params.set('readout.W', W);
    params.set('readout.b', b);
  }
  return { params, layers, layerSizes, prefix, ...(embed !== undefined ? { embed } : {}) };
}

export interface TorchExportOptions {
  readonly kind: TorchRnnKind;
  readonly layers: number;
  /** Prefix of the RNN's tensor names ('' for a bare nn.LSTM / nn.GRU). */
  readonly prefix: string;
  /** Name for embed.E (when the model has one). */
  readonly embedding?: string;
  /** nn.Linear prefix for readout.W / readout.b (when the model has them). */
  readonly readout?: string;
}

/** Model parameters → a torch state_dict (RNN layers; embedding and readout when present and named). */
export function exportTorch(params: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>, o: TorchExportOptions): Map<string, Tensor64> {
  const out = new Map<string, Tensor64>();
  for (let k = 0; k < o.layers; k++) {
    const p = modelLayerPrefix(o.layers, k);
    const layer = new Map<string, { shape: readonly number[]; data: ArrayLike<number> }>();
    for (const name of o.kind === 'lstm' ? LSTM_PARAMS : GRU_PARAMS) {
      const t = params.get(p + name);
      if (!t) throw new InteropError(`the checkpoint has no parameter ${p + name} (layer ${k + 1})`);
      layer.set(name, t);
    }
    for (const [name, t] of cellToTorchLayer(o.kind, layer, o.prefix, k)) out.set(name, t);
  }
  const E = params.get('embed.E');
  if (E && o.embedding !== undefined) out.set(o.embedding, to64(E));
  const W = params.get('readout.W');
  const b = params.get('readout.b');
  if (W && b && o.readout !== undefined) {
    out.set(`${o.readout}.weight`, to64(W));
    out.set(`${o.readout}.bias`, to64(b));
  }
  return out;
}

export const toNamedTensor = (t: Tensor64): NamedTensor => ({ shape: t.shape, data: Float32Array.from(t.data) });
