// Shared by emit / plan / run / bench: loading a cell at concrete sizes,
// numeric options, and turning the GPU runtime's errors into one-line user
// errors (no adapter, a buffer too large, a shader WebGPU rejects).

import { bindSizes, compileBound, numel, type Artifact, type Bound, type Graph, type ScheduleOption, type Target } from '../../../../compiler/index.js';
import { indexRange } from '../../../../compiler/tools/index.js';
import { acquireDevice, type GpuContext } from '../../../core/device.js';
import { GpuError } from '../../../core/errors.js';
import { loadCells, printDiagnostics, UserError } from '../io.js';

export interface CompiledCell {
  readonly graph: Graph;
  readonly sizes: Readonly<Record<string, number>>;
  readonly artifact: Artifact;
}

/** Every selected cell of FILE at concrete sizes (defaults, then --set); E402 for a free size without a value. */
export function bindCells(file: string, settings: readonly string[], cell?: string): Bound[] {
  const { result, graphs } = loadCells(file, settings, cell);
  return graphs.map((g) => {
    const bound = bindSizes(g);
    if ('diagnostics' in bound) {
      printDiagnostics(result, bound.diagnostics);
      throw new UserError(`${file}: cell ${g.name} needs a value for every size`);
    }
    return bound;
  });
}

/** The one cell a GPU command runs: the file's only cell, or the one named by --cell. */
export function bindOneCell(file: string, settings: readonly string[], cell?: string): Bound {
  const cells = bindCells(file, settings, cell);
  if (cells.length > 1) throw new UserError(`${file} defines several cells (${cells.map((c) => c.graph.name).join(', ')}): choose one with --cell`);
  return cells[0];
}

/** The schedule a command compiles for: --schedule, and the (B, T) auto's cost model weighs. */
export interface ScheduleRequest {
  readonly schedule: ScheduleOption;
  readonly shape?: { readonly B: number; readonly T: number };
}

const SCHEDULES: readonly ScheduleOption[] = ['sequential', 'scan', 'step-fused', 'persistent', 'auto'];

/** --schedule sequential|scan|step-fused|persistent|auto (default auto). */
export function scheduleOption(value: string | undefined): ScheduleOption {
  if (value === undefined) return 'auto';
  if (!(SCHEDULES as readonly string[]).includes(value)) throw new UserError(`--schedule expects one of ${SCHEDULES.join(', ')}, got '${value}'`);
  return value as ScheduleOption;
}

/** Every selected cell of FILE, compiled for `target` (default: WebGPU's default limits). */
export function compileCells(file: string, settings: readonly string[], cell?: string, target?: Target, schedule?: ScheduleRequest): CompiledCell[] {
  return bindCells(file, settings, cell).map((b) => compileCell(b, target, schedule));
}

/**
 * A bound cell compiled for a target (a device's, or WebGPU's default
 * limits); --schedule scan on a cell the scan does not fit is a user error
 * that says why.
 */
export function compileCell(bound: Bound, target?: Target, schedule?: ScheduleRequest): CompiledCell {
  const artifact = compileBound(bound, { ...(target ? { target } : {}), ...(schedule ? { schedule: schedule.schedule, ...(schedule.shape ? { shape: schedule.shape } : {}) } : {}) });
  if (schedule?.schedule === 'scan' && artifact.schedule?.name !== 'scan') throw new UserError(`${bound.graph.name}: --schedule scan does not apply: ${artifact.schedule?.reason ?? 'no analysis'}`);
  return { graph: bound.graph, sizes: bound.sizes, artifact };
}

/** A whole number ≥ min from an option value, else a one-line UserError naming the option. */
export function wholeOption(option: string, value: string, min = 1): number {
  const v = Number(value);
  if (!/^\s*\d+\s*$/.test(String(value)) || !Number.isSafeInteger(v) || v < min) throw new UserError(`${option} expects a whole number ≥ ${min}, got '${value}'`);
  return v;
}

export function positiveNumberOption(option: string, value: string): number {
  const v = Number(value);
  if (String(value).trim() === '' || !Number.isFinite(v) || v <= 0) throw new UserError(`${option} expects a positive number, got '${value}'`);
  return v;
}

export const sizeText = (s: Readonly<Record<string, number>>) => Object.entries(s).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';

/**
 * Runs `body` with a fresh device and destroys it afterwards. The GPU
 * runtime's deliberate errors (GpuError: no adapter, BufferTooLargeError,
 * GpuValidationError naming the shader, device lost) and its range checks on
 * B and T become user errors: their message, exit code 1.
 */
export async function withGpu<T>(label: string, body: (ctx: GpuContext) => Promise<T>): Promise<T> {
  let ctx: GpuContext | undefined;
  try {
    ctx = await acquireDevice({ label: `cellc ${label}` });
    return await body(ctx);
  } catch (e) {
    if (e instanceof GpuError || e instanceof RangeError) throw new UserError(e.message);
    throw e;
  } finally {
    ctx?.destroy();
  }
}

export const norm2 = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};

export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(1) : ms >= 10 ? ms.toFixed(2) : ms.toFixed(3));

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Normal(0, std) values (Box–Muller on a seeded mulberry32 stream). */
export function randomNormal(n: number, seed: number, std = 1): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform())) * std;
    const a = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** Inputs for all T·B rows: normal values for float inputs, uniform indices for index inputs. */
export function randomInputs(c: CompiledCell, B: number, T: number, seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  c.artifact.inputs.forEach((x, i) => {
    const n = T * B * numel(x.shape);
    if (x.dtype === 'f32') out.set(x.name, randomNormal(n, seed * 7919 + i + 1));
    else {
      const V = indexRange(c.graph, x.name, c.sizes);
      const u = randomNormal(n, seed * 7919 + i + 1);
      out.set(x.name, Float32Array.from(u, (v) => Math.min(V - 1, Math.floor((0.5 + 0.5 * Math.tanh(v)) * V))));
    }
  });
  return out;
}
