// Verification on first use: before a cell (or a model) is trained or
// benchmarked on a device, its GPU forward pass and every gradient are compared
// with the float64 interpreter on a small slice (B = 2, T = 4, the real
// sizes). A disagreement stops the command — training on wrong gradients is the
// failure this prevents. The verdict is cached per (artifact, adapter), so later
// runs pay nothing; `--no-verify` skips it.
//
// The cache is one JSON file, $CELLC_CACHE_DIR/verified.json (default
// $XDG_CACHE_HOME/cellc or ~/.cache/cellc). A cache that cannot be read or
// written only costs the check again.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compileBound, type Artifact, type Bound } from '../../../compiler/index.js';
import { targetOf, type GpuContext } from '../../core/device.js';
import { agrees as agreesWithin, compareWithReference, type Comparison } from '../compare/gpuVsReference.js';

/** Worst relative error (max abs / max |reference|) still taken as float32 rounding; a wrong gradient is far above it. */
export const VERIFY_TOLERANCE = 1e-3;
/** Absolute error below which a tensor whose reference is (nearly) zero passes: float32 cancellation, not a wrong rule. */
const ABS_FLOOR = 1e-5;
const SLICE = { B: 2, T: 4, seed: 7 } as const;

export interface Verification {
  /** Every compared tensor agreed. */
  readonly ok: boolean;
  readonly worst: Comparison;
  readonly compared: number;
  /** The verdict came from the cache (nothing ran). */
  readonly cached: boolean;
  readonly B: number;
  readonly T: number;
}

/** The GPU disagrees with the float64 interpreter: a bug in cellc (or the adapter's driver), never the user's: exit 2. */
export class VerificationError extends Error {
  constructor(
    message: string,
    readonly result: Verification,
  ) {
    super(message);
    this.name = 'VerificationError';
  }
}

const agrees = (r: Comparison) => r.maxRel < VERIFY_TOLERANCE || r.maxAbs < ABS_FLOOR || agreesWithin(r, VERIFY_TOLERANCE);

function cacheFile(): string {
  const dir = process.env.CELLC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cellc');
  return join(dir, 'verified.json');
}

type Cache = Record<string, { worst: Comparison; compared: number }>;

function readCache(file: string): Cache {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return c && typeof c === 'object' && !Array.isArray(c) ? (c as Cache) : {};
  } catch {
    return {};
  }
}

function writeCache(file: string, cache: Cache): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, file); // atomic: a concurrent reader sees the old or the new file
  } catch {
    // an unwritable cache only means checking again next time
  }
}

export interface VerifyOptions {
  /** Read and write the verdict cache (default true); false: always compare, touch no file. */
  readonly cache?: boolean;
}

/**
 * Compares `cell` on `ctx` with the float64 interpreter (or takes the cached
 * verdict). Resolves with the result whether or not it agrees; see
 * `assertVerified` for the refusal.
 */
export async function verifyOnDevice(ctx: GpuContext, cell: Bound & { readonly artifact?: Artifact }, options: VerifyOptions = {}): Promise<Verification> {
  const useCache = options.cache !== false;
  const artifact = cell.artifact ?? compileBound(cell, { target: targetOf(ctx) });
  const a = ctx.adapter;
  const key = createHash('sha256').update(JSON.stringify([artifact, a.vendor, a.architecture, a.device, a.description, SLICE])).digest('hex');
  const file = cacheFile();
  const hit = useCache ? readCache(file)[key] : undefined;
  if (hit) return { ok: true, worst: hit.worst, compared: hit.compared, cached: true, B: SLICE.B, T: SLICE.T };
  // masks drawn as in training (what a trained cell runs), with a fixed key
  const slice = artifact.randomMasks ? { ...SLICE, random: { seed: SLICE.seed, draw: 0, training: true } } : SLICE;
  let rows = await compareWithReference(ctx, { ...cell, artifact }, slice);
  // a disagreement is measured again against the float32 roundoff the cell itself amplifies (cancellation)
  if (rows.some((r) => !agrees(r))) rows = await compareWithReference(ctx, { ...cell, artifact }, { ...slice, roundoff: true });
  const bad = rows.filter((r) => !agrees(r));
  const worst = (bad.length ? bad : rows).reduce((w, r) => (r.maxRel > w.maxRel ? r : w), rows[0]);
  const result: Verification = { ok: bad.length === 0, worst, compared: rows.length, cached: false, B: SLICE.B, T: SLICE.T };
  if (result.ok && useCache) writeCache(file, { ...readCache(file), [key]: { worst, compared: rows.length } });
  return result;
}

/** One line for a command's header: `verified against float64 (B=2, T=4): worst rel err 3.1e-7`. */
export function verificationLine(v: Verification): string {
  return `verified against float64 (B=${v.B}, T=${v.T}, ${v.compared} tensors): worst rel err ${v.worst.maxRel.toExponential(1)}${v.cached ? ' (cached)' : ''}`;
}

/**
 * Verifies and throws VerificationError, naming the tensor and the error, when
 * the GPU disagrees. `what`: the thing checked ("the model LSTM"); `action`:
 * what is refused ("train on these gradients").
 */
export async function assertVerified(ctx: GpuContext, cell: Bound & { readonly artifact?: Artifact }, what: string, action: string, options: VerifyOptions = {}): Promise<Verification> {
  const v = await verifyOnDevice(ctx, cell, options);
  if (!v.ok) {
    const w = v.worst;
    throw new VerificationError(
      `the GPU disagrees with the float64 interpreter on ${what}: ${w.kind} ${w.name} has relative error ${w.maxRel.toExponential(2)} ` +
        `(absolute ${w.maxAbs.toExponential(2)}) at B=${v.B}, T=${v.T}; refusing to ${action} (--no-verify skips this check)`,
      v,
    );
  }
  return v;
}
