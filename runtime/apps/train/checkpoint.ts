// Checkpoint files (Node): a safetensors file with the parameters (`param.NAME`), the
// optimizer moments (`optim.m.NAME`, `optim.v.NAME`), carried states
// (`carry.NAME`) and, in `__metadata__`, the run configuration and the step.
// Written atomically: to a temporary file in the same folder, flushed to disk,
// then renamed over the old one — a crash at any moment leaves either the old
// or the new checkpoint, never a torn file.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, parse, resolve } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpointCodec.js';

export { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpointCodec.js';

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

export function loadCheckpoint(path: string, paramOrder?: readonly { name: string; shape: readonly number[] }[]): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return decodeCheckpoint(bytes, paramOrder, path);
}
