// Checkpoints as bytes (no file system: runs in a browser too): a safetensors
// file with the parameters (`param.NAME`), the optimizer moments
// (`optim.m.NAME`, `optim.v.NAME`), carried states (`carry.NAME`) and, in
// `__metadata__`, the run configuration and the step. checkpoint.ts reads and
// writes them as files.

import { numel } from '../../../compiler/index.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';

/** The `format` metadata of a checkpoint file. */
export const CHECKPOINT_FORMAT = 'cellc-checkpoint/1';

export interface Checkpoint {
  readonly params: Map<string, NamedTensor>;
  readonly moments?: Float32Array;
  readonly carry?: Map<string, NamedTensor>;
  readonly metadata: Record<string, string>;
  /** Every tensor of the file under its name there (param.*, optim.*, carry.*, anything else): what --resume validates. */
  readonly tensors?: ReadonlyMap<string, NamedTensor>;
}

/** The bytes of a checkpoint file (kept in memory by a run, so a poisoned checkpoint can be rolled back). */
export function encodeCheckpoint(c: Checkpoint, paramOrder: readonly { name: string; shape: readonly number[] }[]): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, t] of c.params) tensors.set(`param.${name}`, t);
  if (c.moments) {
    let off = 0;
    const N = c.moments.length / 2;
    for (const p of paramOrder) {
      const n = numel(p.shape);
      tensors.set(`optim.m.${p.name}`, { shape: p.shape, data: c.moments.slice(off, off + n) });
      tensors.set(`optim.v.${p.name}`, { shape: p.shape, data: c.moments.slice(N + off, N + off + n) });
      off += n;
    }
  }
  for (const [name, t] of c.carry ?? []) tensors.set(`carry.${name}`, t);
  return encodeSafetensors(tensors, c.metadata);
}

/** Parses checkpoint bytes; `what` names the source in errors. The moments are assembled when `paramOrder` is given and every one is there. */
export function decodeCheckpoint(bytes: Uint8Array, paramOrder?: readonly { name: string; shape: readonly number[] }[], what = 'checkpoint'): Checkpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  const params = new Map<string, NamedTensor>();
  const carry = new Map<string, NamedTensor>();
  for (const [k, t] of tensors) {
    if (k.startsWith('param.')) params.set(k.slice(6), t);
    else if (k.startsWith('carry.')) carry.set(k.slice(6), t);
  }
  let moments: Float32Array | undefined;
  // the moments are assembled only when every one is there with its parameter's size; --resume reports what is missing or misshapen
  const fits = (k: string, n: number) => tensors.get(k)?.data.length === n;
  if (paramOrder && paramOrder.every((p) => fits(`optim.m.${p.name}`, numel(p.shape)) && fits(`optim.v.${p.name}`, numel(p.shape)))) {
    const N = paramOrder.reduce((s, p) => s + numel(p.shape), 0);
    moments = new Float32Array(2 * N);
    let off = 0;
    for (const p of paramOrder) {
      const m = tensors.get(`optim.m.${p.name}`)!.data;
      moments.set(m, off);
      moments.set(tensors.get(`optim.v.${p.name}`)!.data, N + off);
      off += m.length;
    }
  }
  return { params, metadata, tensors, ...(moments ? { moments } : {}), ...(carry.size ? { carry } : {}) };
}
