// The kernel ABI: what every generated compute kernel tells the runtime about
// itself, as plain data. Every generator — fused step kernels, GEMMs, column
// sums, the parameter-gradient kernel, the optimizer, and any later schedule —
// returns this one record, so the runtime's whole job is to evaluate the
// dispatch formula at (B, T), bind the named resources and encode. Nothing
// here touches WebGPU: `compiler/` never imports `runtime/`.
//
//   { name, wgsl, entryPoint, workgroupSize, bindings: [{ group, binding, name, kind, resource }],
//     dispatch: { threads: [Lin, Lin, Lin], per: [n, n, n], fold? }, summary }

import { evalLin, type ArenaName, type Lin, type TensorRef } from './layout.js';

/** How a binding is declared in WGSL. */
export type BindingKind =
  | 'read-only-storage' // var<storage, read>
  | 'storage' // var<storage, read_write>
  | 'uniform'; // var<uniform>

/** A field of a uniform: a u32 or f32 at byte offset 4·index. */
export interface UniformField {
  readonly name: string;
  readonly type: 'u32' | 'f32';
  /**
   * A constant, or a linear function of B and T (evaluated when the runtime
   * is created); absent: the application supplies it (a learning rate).
   */
  readonly value?: number | Lin;
}

/** What a binding is bound to. */
export type BindingResource =
  /** A whole memory arena of the artifact (one GPU buffer). */
  | { readonly kind: 'arena'; readonly arena: ArenaName }
  /** A record (t, B, T) of the dims uniform: the step's record for a per-step kernel, else record 0. */
  | { readonly kind: 'dims'; readonly perStep: boolean }
  /** A uniform whose contents are fixed per (B, T): the runtime packs the fields once. */
  | { readonly kind: 'uniform'; readonly bytes: number; readonly fields: readonly UniformField[] }
  /**
   * A buffer the application owns (the optimizer's moments, its statistics,
   * its hyper-parameters): the caller hands it over by this name. `fields`
   * documents a uniform's layout for whoever writes it.
   */
  | { readonly kind: 'host'; readonly name: string; readonly bytes: number; readonly fields?: readonly UniformField[] };

export interface KernelBinding {
  readonly group: number;
  readonly binding: number;
  /** The WGSL variable name. */
  readonly name: string;
  readonly kind: BindingKind;
  /** What the buffer holds, for messages and documentation. */
  readonly role: string;
}

export interface BoundBinding extends KernelBinding {
  readonly resource: BindingResource;
}

/**
 * Workgroups along axis i = ceil(threads[i](B, T) / per[i]). With
 * `fold`, a count along x above the device's maxComputeWorkgroupsPerDimension
 * continues along y (x = min(n, max), y = ceil(n / max)); the kernel then
 * reads its index as gid.x + gid.y · max · workgroup width (max = 65535).
 */
export interface DispatchFormula {
  readonly threads: readonly [Lin, Lin, Lin];
  readonly per: readonly [number, number, number];
  readonly fold?: boolean;
  /** The thread counts in the cell's size symbols (`4·H`), for people; default: the numbers. */
  readonly text?: readonly [string, string, string];
  /** A kernel with a trial axis: workgroup z is the trial (z × the runtime's trial count). */
  readonly trials?: boolean;
}

/** WebGPU's guaranteed maxComputeWorkgroupsPerDimension; folded kernels are written against it. */
export const FOLD_WORKGROUPS = 65535;

export type KernelRole = 'fused' | 'gemm' | 'colsum' | 'grads' | 'optimizer' | 'scan';

export interface KernelRecord {
  readonly name: string;
  readonly role: KernelRole;
  readonly wgsl: string;
  readonly entryPoint: string;
  readonly workgroupSize: readonly [number, number, number];
  /** Workgroup memory the kernel declares, in bytes (checked against the device). */
  readonly workgroupStorageBytes: number;
  readonly bindings: readonly BoundBinding[];
  readonly dispatch: DispatchFormula;
  /** One line: what the kernel computes, in the cell's terms. */
  readonly summary: string;
  /** A GEMM's problem as data (operands, sizes, transposes), for tools that reason about it. */
  readonly gemm?: GemmProblem;
}

/** C[M,N] (+)= op(A)[M,K]·op(B)[K,N]; 'TB' dimensions are T·B at run time. */
export interface GemmProblem {
  readonly A: TensorRef;
  readonly B: TensorRef;
  readonly C: TensorRef;
  readonly M: number | 'TB';
  readonly N: number;
  readonly K: number | 'TB';
  readonly transA: boolean;
  readonly transB: boolean;
  readonly accumulate: boolean;
}

/** The limits a kernel generator may consult; a subset of GPUSupportedLimits. */
export interface KernelLimits {
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
}

/** Workgroup counts of a dispatch at (B, T). */
export function evalDispatch(d: DispatchFormula, B: number, T: number, trials = 1): [number, number, number] {
  const n = d.threads.map((l, i) => Math.ceil(evalLin(l, B, T) / d.per[i])) as [number, number, number];
  if (d.trials) n[2] *= trials;
  if (d.fold && n[0] > FOLD_WORKGROUPS) {
    if (n[1] !== 1) throw new RangeError('a folded dispatch has one row of workgroups');
    return [FOLD_WORKGROUPS, Math.ceil(n[0] / FOLD_WORKGROUPS), n[2]];
  }
  return n;
}

/**
 * A uniform's bytes: every field at 4·index, declared values evaluated at
 * (B, T), the others taken from `supplied` (a missing one is an error).
 */
export function packUniform(bytes: number, fields: readonly UniformField[], B: number, T: number, supplied: Readonly<Record<string, number>> = {}): ArrayBuffer {
  const buf = new ArrayBuffer(bytes);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  fields.forEach((fd, i) => {
    const v = fd.value === undefined ? supplied[fd.name] : typeof fd.value === 'number' ? fd.value : evalLin(fd.value, B, T);
    if (v === undefined || !Number.isFinite(v)) throw new RangeError(`uniform field ${fd.name}: no value`);
    if (fd.type === 'u32') {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uniform field ${fd.name} must be a u32, got ${v}`);
      u[i] = v;
    } else f[i] = v;
  });
  return buf;
}

/** `ceil(4·H/64) × ceil(B/4) [× n]`: the dispatch in the cell's terms. */
export function dispatchText(d: DispatchFormula): string {
  const axis = (i: number) => {
    const t = d.text?.[i] ?? linText(d.threads[i]);
    return d.per[i] === 1 ? t : `ceil(${t}/${d.per[i]})`;
  };
  const z = axis(2);
  return `${axis(0)} × ${axis(1)}${z === '1' ? '' : ` × ${z}`}${d.fold ? ' (folded into y past 65535)' : ''}`;
}

/** The record's bindings in WGSL declaration form (for listings). */
export function describeBindings(k: KernelRecord): string[] {
  return k.bindings.map((b) => {
    const r = b.resource;
    const what = r.kind === 'arena' ? `arena ${r.arena}` : r.kind === 'dims' ? (r.perStep ? 'dims (t, B, T) of the step' : 'dims (0, B, T)') : r.kind === 'uniform' ? `uniform {${fieldsText(r.fields)}}` : `host buffer '${r.name}'${r.fields ? ` {${fieldsText(r.fields)}}` : ''}`;
    return `@group(${b.group}) @binding(${b.binding}) ${b.name}: ${b.kind} ← ${what}`;
  });
}

const fieldsText = (fs: readonly UniformField[]) => fs.map((f) => (f.value === undefined ? `${f.name}: set per call` : `${f.name} = ${typeof f.value === 'number' ? f.value : linText(f.value)}`)).join(', ');

/** `c + b·B + tb·T·B` as text. */
export function linText(l: Lin): string {
  const parts = [l.c ? String(l.c) : '', l.b ? `${l.b === 1 ? '' : `${l.b}·`}B` : '', l.tb ? `${l.tb === 1 ? '' : `${l.tb}·`}T·B` : ''].filter(Boolean);
  return parts.length ? parts.join(' + ') : '0';
}
