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

/** params, grads, tape, btape, work — plus one arena per GEMM result ('gemm:NAME'): WebGPU
 *  cannot bind one buffer both writable and read-only in a dispatch, so a GEMM never
 *  writes into a buffer it reads. */
export type ArenaName = string;
export const BASE_ARENAS: readonly ArenaName[] = ['params', 'grads', 'tape', 'btape', 'work'];
/** The WGSL variable name of an arena. */
export const arenaVar = (a: ArenaName) => a.replace(/[^A-Za-z0-9_]/g, '_');

/** c + b·B + tb·T·B elements. */
export interface Lin {
  readonly c: number;
  readonly b: number;
  readonly tb: number;
}

export const lin = (c = 0, b = 0, tb = 0): Lin => ({ c, b, tb });
export const linAdd = (x: Lin, y: Lin): Lin => lin(x.c + y.c, x.b + y.b, x.tb + y.tb);
export const evalLin = (x: Lin, B: number, T: number) => x.c + x.b * B + x.tb * T * B;
/** WGSL spelling, in terms of the kernel's `B` and `T` (see wgslDims.ts). */
export const wgslLin = (x: Lin) => {
  const parts = [x.c ? `${x.c}u` : '', x.b ? `${x.b}u * B` : '', x.tb ? `${x.tb}u * T * B` : ''].filter(Boolean);
  return parts.length ? parts.join(' + ') : '0u';
};

export type TensorKind = 'const' | 'row' | 'seq';

export interface TensorLayout {
  readonly name: string;
  readonly arena: ArenaName;
  readonly kind: TensorKind;
  /** Elements per row (per example). */
  readonly width: number;
  /** Sequence tensors: T or T+1 steps. */
  readonly steps: 'T' | 'T+1';
  readonly offset: Lin;
  /** Override-constant name of its offset in the WGSL. */
  readonly symbol: string;
}

export interface Layout {
  readonly tensors: ReadonlyMap<string, TensorLayout>;
  readonly arenaSize: Readonly<Record<ArenaName, Lin>>;
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

export class LayoutBuilder {
  private readonly tensors = new Map<string, TensorLayout>();
  private readonly sizes: Record<ArenaName, Lin> = Object.fromEntries(BASE_ARENAS.map((a) => [a, lin()]));

  add(name: string, arena: ArenaName, kind: TensorKind, width: number, steps: 'T' | 'T+1' = 'T'): TensorLayout {
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

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  finish(): Layout {
    return { tensors: this.tensors, arenaSize: { ...this.sizes } };
  }
}
