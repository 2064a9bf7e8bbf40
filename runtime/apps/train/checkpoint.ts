// Checkpoints: a safetensors file with the parameters (`param.NAME`), the
// optimizer moments (`optim.m.NAME`, `optim.v.NAME`), carried states
// (`carry.NAME`) and, in `__metadata__`, the run configuration and the step.
// Written atomically: to a temporary file in the same folder, flushed to disk,
// then renamed over the old one — a crash at any moment leaves either the old
// or the new checkpoint, never a torn file.

import { numel } from '../../../compiler/index.js';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, parse, resolve } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';

export interface Checkpoint {
  readonly params: Map<string, NamedTensor>;
  readonly moments?: Float32Array;
  readonly carry?: Map<string, NamedTensor>;
  readonly metadata: Record<string, string>;
  /** Every tensor of the file under its name there (param.*, optim.*, carry.*, anything else): what --resume validates. */
  readonly tensors?: ReadonlyMap<string, NamedTensor>;
}

/**
 * Creates a folder and its missing parents, one level at a time. Node's
 * recursive mkdir loops for ever where a parent exists but refuses children
 * with ENOENT (/proc); here every level is tried once and a failure is the
 * plain errno error (ENOTDIR, EACCES, EROFS, ENOENT…) naming that level.
 */
export function ensureDir(path: string): void {
  const full = resolve(path);
  const missing: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e; // a file above it: found further up
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${full}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: full });
      break;
    }
    missing.push(p);
    if (p === parse(p).root) break;
  }
  for (const p of missing.reverse()) mkdirSync(p);
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
  writeFileAtomic(path, encodeCheckpoint(c, paramOrder));
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
