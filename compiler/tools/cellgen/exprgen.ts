// Type-directed expression generation: `gen(shape)` builds an expression of
// exactly that shape from the productions of SPEC §5–§6 whose typing rule can
// give it, recursing on the operand shapes the rule demands. Nothing is
// generated and then filtered: each production only fires when its rule holds
// for every size value (slices, concats and `delay` are decided on linear
// forms, as the checker does), so the cell checks by construction.
//
// Numerics are kept tame so float64 finite differences stay meaningful:
// exp/log/sqrt/rsqrt/division/inv get guarded arguments, states are updated
// through bounded templates (see generate.ts).

import type { Expr, VType } from './ast.js';
import { isOne, lin, spellDim, linSub, linScale, linEq, positive, type Lin } from './dims.js';
import type { GenRng } from './rng.js';

export interface EnvVar {
  readonly name: string;
  readonly t: VType;
}

export interface GenScope {
  /** Values visible here (inputs, states, locals and next states defined so far). */
  readonly vars: EnvVar[];
  /** Size names that may be written as a dimension, `out =`, `eye(N)`, with their forms. */
  readonly dims: ReadonlyMap<string, Lin>;
  readonly indexInputs: readonly { readonly name: string; readonly range: string }[];
  /** Generate random masks too (dropout, zoneout; GenOptions.masks). */
  readonly masks?: boolean;
  /** The head sizes (GenOptions.heads): NH heads of DH, D = NH·DH elements. */
  readonly heads?: { readonly NH: Lin; readonly DH: Lin; readonly D: Lin };
}

type Shape = readonly Lin[];
const T = (shape: Shape, batched: boolean): VType => ({ shape, batched });
/** Whether a value is batched (SPEC §5.3): computed from an input or a state. */
export function batchedOf(e: Expr): boolean {
  if (e.t) return e.t.batched;
  if (e.k === 'name') return true; // an index input
  if (e.k === 'call') return e.args.some(batchedOf);
  if (e.k === 'bin') return batchedOf(e.a) || batchedOf(e.b);
  return false;
}
const anyB = (...es: Expr[]) => es.some(batchedOf);
const UNARY = ['tanh', 'sigmoid', 'relu', 'abs', 'softplus', 'silu'];
const REDUCE = ['sum', 'max', 'logsumexp', 'mean'];
const NUMS = [0.5, 0.3, -0.7, 1.5, 2, 0.25, -1.2];

export class ExprGen {
  private paramCount = 0;
  constructor(
    private readonly rng: GenRng,
    readonly scope: GenScope,
    private readonly prefix = 'p',
  ) {}

  private named(): [string, Lin][] {
    return [...this.scope.dims];
  }
  private nameOf(d: Lin): string | undefined {
    if (isOne(d)) return '1';
    for (const [n, f] of this.scope.dims) if (linEq(f, d)) return n;
    return undefined;
  }
  private someDim(): Lin {
    return this.rng.pick(this.named())[1];
  }

  num(v?: number): Expr {
    return { k: 'num', v: v ?? this.rng.pick(NUMS), t: T([], false) };
  }
  /** A call whose result has `shape` (undefined: an i32 result, argmax); batched when an argument is. */
  private call(fn: string, args: Expr[], shape: Shape | undefined, kw: [string, string][] = []): Expr {
    return { k: 'call', fn, args, kw, t: shape && T(shape, anyB(...args)) };
  }
  private bin(op: '+' | '-' | '*' | '/' | '@', a: Expr, b: Expr, shape: Shape): Expr {
    return { k: 'bin', op, a, b, t: T(shape, anyB(a, b)) };
  }

  param(shape: Shape): Expr {
    const r = shape.length;
    const init = r >= 2 ? this.rng.pick(['glorot', 'normal(0.4)', 'uniform(-0.5, 0.5)', 'orthogonal', 'identity(0.5)']) : this.rng.pick(['normal(0.4)', 'uniform(0.5)', '0.3', 'ones']);
    return { k: 'param', name: `${this.prefix}${this.paramCount++}`, init, t: T(shape, false) };
  }

  /**
   * A leaf of exactly `shape`: a visible value (as it is, sliced down or
   * broadcast up with a parameter), a size or a literal (scalars), or a new
   * parameter. Visible values are preferred so that gradients flow through
   * the inputs and states, not only through parameters.
   */
  leaf(shape: Shape): Expr {
    const vars = this.scope.vars;
    const same = vars.filter((v) => v.t.shape.length === shape.length && v.t.shape.every((d, i) => linEq(d, shape[i])));
    const ref = (v: EnvVar): Expr => ({ k: 'name', name: v.name, t: v.t });
    if (same.length && this.rng.chance(0.85)) return ref(this.rng.pick(same));
    const sliceable = vars.filter((v) => v.t.shape.length === shape.length && v.t.shape.every((d, i) => sliceFits(shape[i], d)));
    if (sliceable.length && this.rng.chance(0.6)) {
      const v = this.rng.pick(sliceable);
      const items = shape.map((d, i) => (linEq(d, v.t.shape[i]) ? ':' : `0:${spellDim(d, this.scope.dims)}`));
      while (items.length && items[items.length - 1] === ':') items.pop();
      return items.length ? { k: 'slice', a: ref(v), items, t: T(shape, v.t.batched) } : ref(v);
    }
    const bcast = vars.filter((v) => v.t.shape.length < shape.length && v.t.shape.every((d, i) => linEq(d, shape[shape.length - v.t.shape.length + i])));
    if (bcast.length && this.rng.chance(0.7)) return this.bin(this.rng.pick(['+', '*'] as const), this.param(shape), ref(this.rng.pick(bcast)), shape);
    if (shape.length === 0 && this.rng.chance(0.5)) {
      if (this.rng.chance(0.3)) {
        const [n] = this.rng.pick(this.named());
        return this.bin('*', this.num(0.1), { k: 'name', name: n, t: T([], false) }, []);
      }
      return this.num();
    }
    return this.param(shape);
  }

  /** A shape that broadcasts to `shape` (SPEC §5.4): a suffix, some axes set to 1, or a scalar. */
  private sub(shape: Shape, avoid?: boolean[]): Shape {
    const r = this.rng.int(0, 3);
    if (shape.length === 0 || r === 0) return shape;
    if (r === 1) return shape.slice(this.rng.int(1, shape.length));
    if (r === 2) return shape.map((d, i) => (!avoid?.[i] && this.rng.chance(0.5) ? lin(1) : d));
    return [];
  }
  private genSub(shape: Shape, depth: number): Expr {
    return this.gen(this.sub(shape), depth);
  }

  /** An expression of exactly `shape`, at most `depth` productions deep. */
  gen(shape: Shape, depth: number): Expr {
    if (depth <= 0 || this.rng.chance(0.15)) return this.leaf(shape);
    const r = shape.length;
    const d = depth - 1;
    const last = shape[r - 1];
    const canSplit = r > 0 && this.splits(shape[r - 1]).length > 0;
    const squareNamed = r === 2 && linEq(shape[0], shape[1]) && this.nameOf(shape[0]) !== undefined;
    const namedVec = r === 1 && this.nameOf(shape[0]) !== undefined;
    const hs = this.scope.heads;
    const headVec = !!hs && r === 1 && linEq(shape[0], hs.D);
    const headStack = !!hs && r === 3 && linEq(shape[0], hs.NH) && linEq(shape[1], hs.DH) && linEq(shape[2], hs.DH);
    // [NH, DH] (a head a row) and [NH, 1] (a per-head scalar to broadcast over its head)
    const headRows = !!hs && r === 2 && linEq(shape[0], hs.NH) && (linEq(shape[1], hs.DH) || isOne(shape[1]));
    const kind = this.rng.weighted<string>([
      ['unary', 5], ['guarded', 3], ['arith', 6], ['div', 1.5], ['minmax', 1.5], ['select', 1.5], ['neg', 0.5],
      ['reduce', r <= 1 ? 3 : 0], ['slice', 2], ['matmul', r <= 2 ? 4 : 0], ['dense', namedVec ? 2.5 : 0],
      ['gather', r === 1 && this.scope.indexInputs.length ? 1.5 : 0], ['onehot', r >= 1 && r <= 2 && this.nameOf(last) !== undefined && !isOne(last) ? 0.8 : 0],
      ['softmax', r >= 1 ? 1.5 : 0], ['layernorm', r >= 1 && !isOne(last) ? 1 : 0], ['concat', canSplit ? 2 : 0],
      ['transpose', r === 2 ? 1.5 : 0], ['outer', r === 2 && !isOne(shape[0]) ? 1.5 : 0], ['eye', squareNamed ? 0.7 : 0],
      ['linalg', squareNamed || (r <= 1 && this.named().length > 0) ? 0.6 : 0], ['delay', r === 1 && !isOne(shape[0]) ? 1.5 : 0],
      ['ones', r >= 1 && shape.some(isOne) ? 1 : 0],
      ['dropout', this.scope.masks ? 2 : 0], ['zoneout', this.scope.masks ? 1 : 0],
      ['headmatvec', headVec ? 4 : 0], ['headdense', headVec ? 2 : 0], ['headouter', headStack ? 6 : 0], ['headtranspose', headStack ? 1 : 0],
      ['reshape', headVec || headRows ? 3 : 0],
    ]);
    switch (kind) {
      case 'headmatvec':
        return this.bin('@', this.gen([hs!.NH, hs!.DH, hs!.DH], d), this.gen(shape, d), shape);
      case 'headdense': {
        const args = Array.from({ length: this.rng.int(1, 2) }, () => this.gen(shape, d));
        const kw: [string, string][] = [['out', 'D'], ['heads', 'NH']];
        if (this.rng.chance(0.3)) kw.push(['bias', 'false']);
        return this.call('dense', args, shape, kw);
      }
      case 'headouter':
        return this.call('outer', [this.gen([hs!.D], d), this.gen([hs!.D], d)], shape, [['heads', 'NH']]);
      case 'headtranspose':
        return this.call('transpose', [this.gen(shape, d)], shape);
      case 'reshape': {
        // [D] from [NH, DH]; [NH, DH] from [D]; [NH, 1] from [NH]
        const size = (name: string): Expr => ({ k: 'name', name, t: T([], false) });
        if (headVec) return this.call('reshape', [this.gen([hs!.NH, hs!.DH], d), size('D')], shape);
        const perHead = isOne(shape[1]);
        return this.call('reshape', [this.gen(perHead ? [hs!.NH] : [hs!.D], d), size('NH'), perHead ? this.num(1) : size('DH')], shape);
      }
      case 'dropout':
      case 'zoneout': {
        // a mask is drawn per row: the result is batched whatever its operands
        const args = kind === 'dropout' ? [this.gen(shape, d)] : [this.gen(shape, d), this.gen(shape, d)];
        const kw: [string, string][] = this.rng.chance(0.3) ? [['per', 'sequence']] : [];
        return { k: 'call', fn: kind, args: [...args, this.num(this.rng.pick([0.2, 0.5, 0.7]))], kw, t: T(shape, true) };
      }
      case 'unary':
        return this.unary(this.rng.pick(UNARY), this.gen(shape, d));
      case 'guarded':
        return this.guarded(this.gen(shape, d));
      case 'arith': {
        const a = this.gen(shape, d);
        const b = this.genSub(shape, d);
        const op = this.rng.pick(['+', '-', '*'] as const);
        return this.rng.chance(0.5) ? this.bin(op, a, b, shape) : this.bin(op, b, a, shape);
      }
      case 'div': {
        const s = this.genSub(shape, d - 1);
        const den = this.bin('+', this.num(1), this.unary('square', s), s.t!.shape);
        return this.bin('/', this.gen(shape, d), den, shape);
      }
      case 'minmax': {
        const a = this.gen(shape, d);
        return this.call(this.rng.pick(['maximum', 'minimum']), [a, this.genSub(shape, d)], shape);
      }
      case 'select': {
        const cmp: Expr = { k: 'bin', op: this.rng.pick(['<', '<=', '>', '>=', '==', '!='] as const), a: this.genSub(shape, d - 1), b: this.genSub(shape, d - 1) };
        const a = this.gen(shape, d);
        const b = this.genSub(shape, d);
        return this.call('select', [cmp, a, b], shape);
      }
      case 'neg': {
        const a = this.gen(shape, d);
        return { k: 'neg', a, t: T(shape, anyB(a)) };
      }
      case 'reduce': {
        const n = this.someDim();
        const axis = this.rng.int(0, r);
        const inner = [...shape.slice(0, axis), n, ...shape.slice(axis)];
        const kw: [string, string][] = axis === r && this.rng.chance(0.5) ? (this.rng.chance(0.5) ? [] : [['axis', '-1']]) : [['axis', String(axis)]];
        const a = this.gen(inner, d);
        return this.call(this.rng.pick(REDUCE), [a], shape, kw);
      }
      case 'slice':
        return this.slice(shape, d);
      case 'matmul':
        return this.matmul(shape, d);
      case 'dense': {
        const args = Array.from({ length: this.rng.int(1, 3) }, () => this.gen([this.someDim()], d));
        const kw: [string, string][] = [['out', this.nameOf(shape[0])!]];
        const b = this.rng.int(0, 3);
        if (b === 1) kw.push(['bias', 'false']);
        if (b === 2) kw.push(['bias', this.rng.pick(['1', '0.1', 'uniform(0.1)', 'normal(0.2)'])]);
        return this.call('dense', this.rng.chance(0.5) ? args : args.reverse(), shape, this.rng.chance(0.8) || kw.length > 1 ? kw.reverse() : kw);
      }
      case 'gather': {
        const o = this.rng.pick(this.scope.indexInputs);
        const E = this.gen([this.scope.dims.get(o.range)!, shape[0]], d);
        return this.call('gather', [E, { k: 'name', name: o.name }], shape);
      }
      case 'onehot':
        return this.onehot(shape, d);
      case 'softmax': {
        const axis = this.rng.int(0, r - 1);
        const kw: [string, string][] = axis === r - 1 && this.rng.chance(0.5) ? [] : [['axis', String(axis === r - 1 && this.rng.chance(0.5) ? -1 : axis)]];
        return this.call(this.rng.pick(['softmax', 'logsoftmax']), [this.gen(shape, d)], shape, kw);
      }
      case 'layernorm':
        return this.call('layernorm', [this.gen(shape, d)], shape, this.rng.chance(0.3) ? [['eps', '0.001']] : []);
      case 'concat':
        return this.concat(shape, d);
      case 'transpose':
        return this.call('transpose', [this.gen([shape[1], shape[0]], d)], shape);
      case 'outer': {
        // transpose(eye(1) * v) * k: a [m, 1] column times a [n] row, broadcast both ways
        const col = this.call('transpose', [this.bin('*', this.call('eye', [this.num(1)], [lin(1), lin(1)]), this.gen([shape[0]], d), [lin(1), shape[0]])], [shape[0], lin(1)]);
        return this.bin('*', col, this.gen([shape[1]], d), shape);
      }
      case 'eye':
        return this.bin('*', this.gen([], d), this.call('eye', [{ k: 'name', name: this.nameOf(shape[0])!, t: T([], false) }], shape), shape);
      case 'linalg':
        return this.linalg(shape, d);
      case 'delay':
        return this.delay(shape, d);
      case 'ones':
        return this.ones(shape, d);
    }
    return this.leaf(shape);
  }

  unary(fn: string, a: Expr): Expr {
    return this.call(fn, [a], a.t!.shape);
  }

  /** exp, log, sqrt, rsqrt and square with arguments that keep them finite and well-conditioned. */
  private guarded(a: Expr): Expr {
    const s = a.t!.shape;
    const plus1 = (x: Expr) => this.bin('+', x, this.num(1), s);
    switch (this.rng.int(0, 4)) {
      case 0:
        return this.unary('exp', this.unary('tanh', a));
      case 1:
        return this.unary('log', plus1(this.unary(this.rng.pick(['softplus', 'square']), a)));
      case 2:
        return this.unary('sqrt', plus1(this.unary('square', a)));
      case 3:
        return this.unary('rsqrt', plus1(this.unary('softplus', a)));
      default:
        return this.unary('square', this.unary('tanh', a));
    }
  }

  /** Lengths P with P and L − P both positive for every size value. */
  private splits(L: Lin): Lin[] {
    const cands = [lin(1), lin(2), ...this.named().map(([, f]) => f)];
    return cands.filter((p) => positive(p) && positive(linSub(L, p)));
  }

  private concat(shape: Shape, d: number): Expr {
    const axis = shape.length - 1 === 0 || this.rng.chance(0.6) ? shape.length - 1 : 0;
    const ps = this.splits(shape[axis]);
    if (!ps.length) return this.leaf(shape);
    const p = this.rng.pick(ps);
    const part = (len: Lin) => this.gen(shape.map((x, i) => (i === axis ? len : x)), d);
    const kw: [string, string][] = axis === shape.length - 1 && this.rng.chance(0.5) ? [] : [['axis', String(axis === shape.length - 1 ? -1 : axis)]];
    return this.call('concat', [part(p), part(linSub(shape[axis], p))], shape, kw);
  }

  /** `src[lo:hi]` from a longer source: one axis enlarged by a constant or a size, the offset a constant. */
  private slice(shape: Shape, d: number): Expr {
    if (!shape.length) return this.leaf(shape);
    const axis = this.rng.int(0, shape.length - 1);
    const extra = this.rng.chance(0.5) ? lin(this.rng.int(1, 3)) : this.someDim();
    const lo = this.rng.int(0, extra.c > 0 ? extra.c : 0);
    const src = shape.map((x, i) => (i === axis ? lin(x.c + extra.c, { ...add(x.k, extra.k) }) : x));
    const spell = (x: Lin) => spellDim(x, this.scope.dims);
    const item = `${lo === 0 && this.rng.chance(0.3) ? '' : spell(lin(lo))}:${spell(lin(lo + shape[axis].c, { ...shape[axis].k }))}`;
    const items = shape.slice(0, axis + 1).map((_, i) => (i === axis ? item : ':'));
    const a = this.gen(src, d);
    return { k: 'slice', a, items, t: T(shape, anyB(a)) };
  }

  private matmul(shape: Shape, d: number): Expr {
    const k = this.someDim();
    const r = shape.length;
    let a: Expr, b: Expr;
    if (r === 0) [a, b] = [this.gen([k], d), this.gen([k], d)];
    else if (r === 2) [a, b] = [this.gen([shape[0], k], d), this.gen([k, shape[1]], d)];
    else if (this.rng.chance(0.5)) [a, b] = [this.gen([shape[0], k], d), this.gen([k], d)];
    else [a, b] = [this.gen([k], d), this.gen([k, shape[0]], d)];
    return this.bin('@', a, b, shape);
  }

  private onehot(shape: Shape, d: number): Expr {
    const depth = this.nameOf(shape[shape.length - 1])!;
    const o = this.scope.indexInputs.find((x) => x.range === depth);
    if (shape.length === 1 && o && this.rng.chance(0.6)) return this.call('onehot', this.rng.chance(0.5) ? [{ k: 'name', name: o.name }] : [{ k: 'name', name: o.name }, { k: 'name', name: depth, t: T([], false) }], shape);
    // argmax over an axis of the depth's length: a longer axis gives indices ≥ depth, which the
    // checker accepts but the interpreter rejects (RangeError) — reported, not generated
    const V = shape[shape.length - 1];
    const src = shape.length === 1 ? this.gen([V], d) : this.gen([shape[0], V], d);
    const am = this.call('argmax', [src], undefined, shape.length === 2 ? [['axis', '1']] : []);
    return { k: 'call', fn: 'onehot', args: [am, { k: 'name', name: depth, t: T([], false) }], kw: [], t: T(shape, anyB(src)) };
  }

  /** inv, solve and logdet of I + (0.3/N)·tanh(A): singular values stay in [0.7, 1.3]. */
  private linalg(shape: Shape, d: number): Expr {
    const r = shape.length;
    const own = r >= 1 ? this.named().find(([, f]) => linEq(f, shape[0]))?.[0] : undefined;
    if (r === 2 && !own) return this.leaf(shape);
    const nName = own ?? this.rng.pick(this.named())[0];
    const N = this.scope.dims.get(nName)!;
    const sq: Shape = [N, N];
    const eye = this.call('eye', [{ k: 'name', name: nName, t: T([], false) }], sq);
    const scale = this.bin('/', this.num(0.3), { k: 'name', name: nName, t: T([], false) }, []);
    const A = this.bin('+', eye, this.bin('*', scale, this.unary('tanh', this.gen(sq, d)), sq), sq);
    if (r === 0) return this.call('logdet', [A], []);
    if (r === 2 && this.rng.chance(0.5)) return this.call('inv', [A], sq);
    if (!linEq(shape[0], N)) return this.leaf(shape);
    const b = this.gen(shape, d);
    return this.call('solve', [A, b], shape);
  }

  /** A slice of `delay(v, p)`: one of the p previous values of a step-dependent v. */
  private delay(shape: Shape, d: number): Expr {
    const n = shape[0];
    let v = this.gen([n], d - 1);
    if (!anyB(v)) {
      const bv = this.scope.vars.filter((x) => x.t.batched && x.t.shape.length <= 1);
      const x = bv.length ? this.rng.pick(bv) : undefined;
      if (!x) return this.leaf(shape);
      const ref: Expr = { k: 'name', name: x.name, t: x.t };
      v = this.bin('+', v, x.t.shape.length ? this.call('mean', [ref], []) : ref, [n]);
    }
    const p = this.rng.int(1, 3);
    const buf = this.call('delay', [v, this.num(p)], [linScale(n, p)]);
    const j = this.rng.int(0, p - 1);
    const spell = (x: Lin) => spellDim(x, this.scope.dims);
    return { k: 'slice', a: buf, items: [`${spell(linScale(n, j))}:${spell(linScale(n, j + 1))}`], t: T(shape, anyB(buf)) };
  }

  /** A shape with length-1 axes from `eye(1) * v` ([1, n]) or `transpose(eye(1) * v)` ([m, 1]) or dense(out = 1). */
  private ones(shape: Shape, d: number): Expr {
    const e1 = this.call('eye', [this.num(1)], [lin(1), lin(1)]);
    if (shape.length === 2 && isOne(shape[0])) return this.bin('*', e1, this.gen([shape[1]], d), shape);
    if (shape.length === 2 && isOne(shape[1])) {
      const row = this.bin('*', e1, this.gen([shape[0]], d), [lin(1), shape[0]]);
      return this.call('transpose', [row], shape);
    }
    if (shape.length === 1) return this.call('dense', [this.gen([this.someDim()], d)], shape, [['out', '1']]);
    return this.leaf(shape);
  }
}

/** `[0:want]` of an axis of length `have` is valid for every size value (or want is have). */
function sliceFits(want: Lin, have: Lin): boolean {
  const d = linSub(have, want);
  return Object.values(d.k).every((v) => v >= 0) && d.c >= 0;
}

function add(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const r: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) r[k] = (r[k] ?? 0) + v;
  return r;
}
