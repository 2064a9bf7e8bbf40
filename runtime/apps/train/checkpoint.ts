// Checkpoints: a safetensors file with the parameters (`param.NAME`), the
// optimizer moments (`optim.m.NAME`, `optim.v.NAME`), carried states
// (`carry.NAME`) and, in `__metadata__`, the run configuration and the step.
// Written atomically: to a temporary file in the same folder, flushed to disk,
// then renamed over the old one — a crash at any moment leaves either the old
// or the new checkpoint, never a torn file.

import { numel } from '../../../compiler/index.js';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';

export interface Checkpoint {
  readonly params: Map<string, NamedTensor>;
  readonly moments?: Float32Array;
  readonly carry?: Map<string, NamedTensor>;
  readonly metadata: Record<string, string>;
}

/** Writes bytes to `path` atomically (temp file + fsync + rename). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* directories cannot be fsynced everywhere */
  }
}

export function saveCheckpoint(path: string, c: Checkpoint, paramOrder: readonly { name: string; shape: readonly number[] }[]): void {
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
  writeFileAtomic(path, encodeSafetensors(tensors, c.metadata));
}

export function loadCheckpoint(path: string, paramOrder?: readonly { name: string; shape: readonly number[] }[]): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  const params = new Map<string, NamedTensor>();
  const carry = new Map<string, NamedTensor>();
  for (const [k, t] of tensors) {
    if (k.startsWith('param.')) params.set(k.slice(6), t);
    else if (k.startsWith('carry.')) carry.set(k.slice(6), t);
  }
  let moments: Float32Array | undefined;
  if (paramOrder && paramOrder.every((p) => tensors.has(`optim.m.${p.name}`))) {
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
  return { params, metadata, ...(moments ? { moments } : {}), ...(carry.size ? { carry } : {}) };
}
