// The state of elaborating one cell: its scope, the IR builder, the
// parameters created so far and the diagnostics. Shared by elaborate.ts
// (statements, operators) and builtins.ts (calls).

import { diag, type Diagnostic, type DiagnosticCode } from '../diagnostics.js';
import { dimKey, isConstDim, shapeEq, type Dim, type Shape } from '../ir/dims.js';
import { GraphBuilder, type Initializer, type ParamBinding, type SourceAt } from '../ir/graph.js';
import type { Op, OpAttrs } from '../ir/ops.js';
import { showType } from '../ir/ops.js';
import type { SourceFile, Span } from '../source.js';
import type { SizeScope } from './sizes.js';

/** A value during elaboration: a node, or POISON after an error (suppresses follow-on errors). */
export type Value = number;
export const POISON = -1;

export type EntryKind = 'input' | 'state' | 'param' | 'local' | 'next';

export interface Entry {
  readonly kind: EntryKind;
  readonly value: Value;
  readonly span: Span;
  /** For `o: index(V)` inputs: the range V. */
  readonly indexRange?: Dim;
}

export class Ctx {
  readonly b = new GraphBuilder();
  readonly names = new Map<string, Entry>();
  readonly params: ParamBinding[] = [];
  /** States the language creates for a call (the shift registers of `delay`), in creation order. */
  readonly hiddenStates: { name: string; node: Value; init: number; next: Value }[] = [];
  /** `delay(v, p)` calls seen so far, by operand node and tap count: one register each. */
  readonly delays = new Map<string, Value>();
  /** The name being defined by the current statement (dense names its parameters after it). */
  target = '';
  denseCount = 0;
  /** Random masks drawn so far (dropout, zoneout): each gets its own Philox stream. */
  maskCount = 0;

  constructor(
    readonly sizes: SizeScope,
    readonly diags: Diagnostic[],
    readonly file: SourceFile,
  ) {}

  /** A span with its line and column, for the origins of the IR. */
  at(span: Span): SourceAt {
    const { line, col } = this.file.position(span.start);
    return { span, line, col };
  }

  /** Gives a value the source name `name` defined at `span` (a node keeps the first name it gets). */
  nameValue(v: Value, name: string, span: Span): void {
    if (v !== POISON) this.b.name(v, { name, at: this.at(span) });
  }

  error(code: DiagnosticCode, message: string, span: Span): Value {
    this.diags.push(diag(code, message, span));
    return POISON;
  }

  /** Emits a node, turning a typing failure into a diagnostic at `span`. */
  emit<O extends Op>(op: O, args: readonly Value[], attrs: OpAttrs[O], span: Span, code: DiagnosticCode = 'E201'): Value {
    if (args.some((a) => a === POISON)) return POISON;
    const r = this.b.tryEmit(op, args, attrs);
    if ('id' in r) return r.id;
    const dtypeIssue = /expects f32|must be bool|must be an i32|must be an f32/.test(r.error);
    return this.error(dtypeIssue ? 'E204' : code, `${op}: ${r.error}`, span);
  }

  describe(v: Value): string {
    return v === POISON ? '?' : showType(this.b.type(v));
  }

  shape(v: Value): Shape {
    return this.b.type(v).shape;
  }

  /** A parameter leaf, named after the declaration (or the `dense` call) at `span`. */
  newParam(name: string, shape: Shape, init: Initializer, span: Span): Value {
    const node = this.b.leaf('param', name, { dtype: 'f32', shape, batched: false });
    this.params.push({ name, node, init });
    this.nameValue(node, name, span);
    return node;
  }

  /** numpy-style broadcasting of trailing axes; undefined when the shapes are incompatible. */
  broadcastShapes(a: Shape, b: Shape): Shape | undefined {
    const r = Math.max(a.length, b.length);
    const out: Dim[] = [];
    for (let i = 0; i < r; i++) {
      const da = a[a.length - r + i];
      const db = b[b.length - r + i];
      if (da === undefined) out.push(db);
      else if (db === undefined) out.push(da);
      else if (shapeEq([da], [db])) out.push(da);
      else if (isConstDim(da, 1)) out.push(db);
      else if (isConstDim(db, 1)) out.push(da);
      else return undefined;
    }
    return out;
  }

  /** Broadcasts v (trailing-aligned) to `shape`. */
  broadcastTo(v: Value, shape: Shape): Value {
    if (v === POISON) return POISON;
    const s = this.shape(v);
    const offset = shape.length - s.length;
    return this.b.emit('broadcast', [v], { shape, axes: s.map((_, i) => i + offset) });
  }

  /** Elementwise op with broadcasting; a mismatch is E201 naming both shapes. */
  elementwise<O extends Op>(op: O, args: readonly Value[], span: Span, what: string): Value {
    if (args.some((a) => a === POISON)) return POISON;
    let shape: Shape = [];
    for (const a of args) {
      const s = this.broadcastShapes(shape, this.shape(a));
      if (!s) {
        const shown = args.map((x) => `[${this.shape(x).map(dimKey).join(', ')}]`).join(' and ');
        return this.error('E201', `${what}: shapes ${shown} do not broadcast`, span);
      }
      shape = s;
    }
    return this.emit(op, args.map((a) => this.broadcastTo(a, shape)), {} as OpAttrs[O], span);
  }

  requireFloat(v: Value, span: Span, what: string): Value {
    if (v === POISON) return POISON;
    const t = this.b.type(v);
    if (t.dtype === 'f32') return v;
    const hint = t.dtype === 'bool' ? ' (a comparison result; use select(c, a, b))' : ' (an index; use onehot(o, V) or gather(E, o))';
    return this.error('E204', `${what} needs a float value, got ${t.dtype}${hint}`, span);
  }
}
