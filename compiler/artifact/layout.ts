// Memory layout of a compiled cell: a few arenas (one GPU buffer each), every
// tensor at an offset that is a linear function of B and T:
//
//   params  parameters (stacked GEMM weights contiguous)      n
//   grads   parameter gradients, same layout as params         n
//   tape    forward sequences: x, s_0…s_T, y, saved values     (T or T+1)·B·n
//   btape   backward sequences: ∂s, ∂y, ∂x, backward temps     (T or T+1)·B·n
//   work    per-call constants and per-step scratch            n or B·n
//
// Element (t, row, i) of a sequence tensor of row width W lives at
// offset + (t + shift)·B·W + row·W + col + i. Kernels over all T·B rows use
// t = 0 and row = t·B + b, the same address.

import { assert } from '../util/assert.js';

/**
 * A tensor of the layout, by id: `p:W` (a parameter), `g:W` (its gradient),
 * `s:h` (a state's sequence s_0 … s_T), `x:x`, `y:h`, `v:12` (a saved value),
 * `ds:`, `dy:`, `dx:` (cotangents), `t:…` (a GEMM result), `m:…` (a value the
 * schedule materialises). The type admits only these forms, so a bare name
 * or a misspelt prefix does not type-check; ids are made by `tensorNames`
 * (schedule/stepFunction.ts) and the scheduler.
 */
export type TensorId = `${'p' | 'g' | 's' | 'x' | 'y' | 'v' | 'ds' | 'dy' | 'dx' | 't' | 'm'}:${string}`;
const TENSOR_ID = /^(p|g|s|x|y|v|ds|dy|dx|t|m):./;
export function tensorId(s: string): TensorId {
  assert(TENSOR_ID.test(s), `not a tensor id: ${s}`);
  return s as TensorId;
}

/** A place in a tensor: its row `col` elements in, at time shift `shift` (s_{t+1} for a state). */
export interface TensorRef {
  readonly tensor: TensorId;
  readonly shift: 0 | 1;
  readonly col: number;
}

/** params, grads, tape, btape, work — plus the arenas of GEMM results ('gemm:0', 'gemm:1', …;
 *  schedule/gemmArenas.ts): WebGPU cannot bind one buffer both writable and read-only in a
 *  dispatch, so a GEMM never writes into an arena it reads. */
export type ArenaName = string;
export const BASE_ARENAS: readonly ArenaName[] = ['params', 'grads', 'tape', 'btape', 'work'];

/** c + b·B + tb·T·B elements. */
export interface Lin {
  readonly c: number;
  readonly b: number;
  readonly tb: number;
}

export const lin = (c = 0, b = 0, tb = 0): Lin => ({ c, b, tb });
export const linAdd = (x: Lin, y: Lin): Lin => lin(x.c + y.c, x.b + y.b, x.tb + y.tb);
export const evalLin = (x: Lin, B: number, T: number) => x.c + x.b * B + x.tb * T * B;

export type TensorKind = 'const' | 'row' | 'seq';

export interface TensorLayout {
  readonly name: TensorId;
  readonly arena: ArenaName;
  readonly kind: TensorKind;
  /** Elements per row (per example). */
  readonly width: number;
  /** Sequence tensors: T or T+1 steps. */
  readonly steps: 'T' | 'T+1';
  readonly offset: Lin;
  /** The name of its offset in a kernel (`let o3 = …` at the top of main). */
  readonly symbol: string;
}

export interface Layout {
  readonly tensors: ReadonlyMap<TensorId, TensorLayout>;
  readonly arenaSize: Readonly<Record<ArenaName, Lin>>;
  /**
   * Kernels with a trial axis (many trials per dispatch): every arena holds
   * one copy per trial, trial k's at k × its size, and a kernel serves trial
   * gid.z (workgroup z) by adding that base to each tensor offset.
   */
  readonly trialAxis?: boolean;
}

export function tensorSize(t: Pick<TensorLayout, 'kind' | 'width' | 'steps'>): Lin {
  switch (t.kind) {
    case 'const':
      return lin(t.width);
    case 'row':
      return lin(0, t.width);
    case 'seq':
      return t.steps === 'T' ? lin(0, 0, t.width) : lin(0, t.width, t.width);
  }
}

/**
 * The one address formula. Element i of row `row` at step `time` of the place
 * `ref` in tensor `t` is
 *
 *   base + time · step + row · rowStride + i
 *
 * (`step` and `rowStride` are 0 where the tensor has no such axis). Every
 * renderer spells it in WGSL from these parts and the runtime evaluates it.
 */
export interface AddressParts {
  /** Offset, column and time shift: a linear function of B and T. */
  readonly base: Lin;
  /** Elements between consecutive steps (B·width for a sequence, else 0). */
  readonly step: Lin;
  readonly rowStride: number;
}

export function addressParts(t: Pick<TensorLayout, 'kind' | 'width' | 'offset'>, ref: Pick<TensorRef, 'shift' | 'col'> = { shift: 0, col: 0 }): AddressParts {
  const seq = t.kind === 'seq';
  assert(seq || ref.shift === 0, 'only a sequence tensor has a time shift');
  return {
    base: linAdd(t.offset, lin(ref.col, seq && ref.shift ? t.width : 0)),
    step: seq ? lin(0, t.width) : lin(),
    rowStride: t.kind === 'const' ? 0 : t.width,
  };
}

/** The element index of (time, row, 0) of `ref` at concrete B and T. */
export function elementAddress(t: Pick<TensorLayout, 'kind' | 'width' | 'offset'>, ref: Pick<TensorRef, 'shift' | 'col'>, B: number, T: number, time = 0, row = 0): number {
  const a = addressParts(t, ref);
  return evalLin(a.base, B, T) + time * evalLin(a.step, B, T) + row * a.rowStride;
}

export class LayoutBuilder {
  private readonly tensors = new Map<TensorId, TensorLayout>();
  private readonly sizes: Record<ArenaName, Lin> = Object.fromEntries(BASE_ARENAS.map((a) => [a, lin()]));

  add(name: TensorId, arena: ArenaName, kind: TensorKind, width: number, steps: 'T' | 'T+1' = 'T'): TensorLayout {
    const existing = this.tensors.get(name);
    if (existing) {
      assert(existing.width === width && existing.kind === kind, `tensor ${name} declared twice with different layouts`);
      return existing;
    }
    const t: TensorLayout = { name, arena, kind, width, steps, offset: this.sizes[arena] ?? lin(), symbol: `o${this.tensors.size}` };
    this.tensors.set(name, t);
    this.sizes[arena] = linAdd(this.sizes[arena] ?? lin(), tensorSize(t));
    return t;
  }

  has(name: TensorId): boolean {
    return this.tensors.has(name);
  }

  finish(): Layout {
    return { tensors: this.tensors, arenaSize: { ...this.sizes } };
  }
}

