// The step IR: an immutable SSA dataflow graph of one time step.
//
//   inputs x_t, states s_{t-1}, params  ──▶  next states s_t, outputs y_t
//
// Nodes are interned by the builder (structural equality is identity, so CSE
// is free), stored in topological order, and referenced by index.
//
// Source names live beside the nodes, never in them: a node's identity is its
// op, operands and attributes, while `origins` says which name of the source
// (a local `f`, a next state `c'`, a parameter `f.W_x`) a node holds and where
// it is defined. Two equations that compute the same value share one node;
// it keeps the name it got first.

import type { Span } from '../source.js';
import { assert } from '../util/assert.js';
import { shapeEq, type Shape } from './dims.js';
import { TYPE_RULES, type Op, type OpAttrs, type TensorType } from './ops.js';
import type { InitExpr } from './initExpr.js';

export interface Node<O extends Op = Op> {
  readonly id: number;
  readonly op: O;
  readonly args: readonly number[];
  readonly attrs: OpAttrs[O];
  readonly type: TensorType;
}

/** Where a name is defined in the source: its statement's span and the 1-based line and column of its start. */
export interface SourceAt {
  readonly span: Span;
  readonly line: number;
  readonly col: number;
}

/**
 * The source name of a node's value: `f`, `c'`, `x`, `f.W_x`, or a name
 * derived from one (`∂f`, the cotangent of f in the backward step graph).
 */
export interface Origin {
  readonly name: string;
  /** Absent for a name the compiler gives (a model's readout `z`). */
  readonly at?: SourceAt;
}

/** Origins by node id (only named nodes have one). */
export type Origins = ReadonlyMap<number, Origin>;

export type Initializer =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'uniform'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'glorot' }
  | { readonly kind: 'orthogonal' }
  | { readonly kind: 'identity'; readonly scale: number }
  /** An expression over numbers, sizes and random draws, evaluated per element (ir/initExpr.ts). */
  | { readonly kind: 'expr'; readonly expr: InitExpr };

export interface SizeDecl {
  readonly name: string;
  /** Default value of a size symbol; absent for a free size. */
  readonly value?: number;
}

export interface Binding {
  readonly name: string;
  readonly node: number;
}

export interface StateBinding extends Binding {
  /** s_0 in every row, when `initParam` is absent. */
  readonly init: number;
  /**
   * `state h[H] = h0`: s_0 is the parameter h0 (same shape) in every row, a
   * learned initial state; its gradient gets Σ_rows ∂L/∂s_0.
   */
  readonly initParam?: string;
  /** The node computing s_t. */
  readonly next: number;
}

export interface ParamBinding extends Binding {
  readonly init: Initializer;
}

export interface Graph {
  readonly name: string;
  /** A reverse-time cell (`cell C(…) reverse { … }`): the scan runs t = T−1 … 0. Absent: forward. */
  readonly reverse?: boolean;
  readonly sizes: readonly SizeDecl[];
  readonly nodes: readonly Node[];
  readonly inputs: readonly Binding[];
  readonly states: readonly StateBinding[];
  readonly params: readonly ParamBinding[];
  readonly outputs: readonly Binding[];
  /** The source names of nodes, by node id; not part of any node's identity. */
  readonly origins: Origins;
}

export type EmitResult = { readonly id: number } | { readonly error: string };

function attrsKey(attrs: unknown): string {
  return JSON.stringify(attrs, (_k, v) => (v && typeof v === 'object' && 'terms' in v && 'c' in v ? `dim:${JSON.stringify(v)}` : v));
}

/** Appends interned nodes; the shape rules of ops.ts type each one. */
export class GraphBuilder {
  private readonly list: Node[] = [];
  private readonly interned = new Map<string, number>();
  private readonly named = new Map<number, Origin>();

  get nodes(): readonly Node[] {
    return this.list;
  }

  /** The names given so far (builder ids). */
  get origins(): Origins {
    return this.named;
  }

  /**
   * Gives node `id` a source name, unless it has one already (the first name a
   * node gets is its name). Literals (`const`, `dim`) stay unnamed: they are
   * shared by every use of the same number, and print as themselves.
   */
  name(id: number, origin: Origin): void {
    if (id < 0 || id >= this.list.length || this.named.has(id)) return;
    const op = this.list[id].op;
    if (op === 'const' || op === 'dim') return;
    this.named.set(id, origin);
  }

  node(id: number): Node {
    return this.list[id];
  }

  type(id: number): TensorType {
    return this.list[id].type;
  }

  /** Adds (or finds) a node; returns the shape rule's message on a type error. */
  tryEmit<O extends Op>(op: O, args: readonly number[], attrs: OpAttrs[O]): EmitResult {
    const simplified = this.simplify(op, args, attrs);
    if (simplified !== undefined) return { id: simplified };
    const key = `${op}|${args.join(',')}|${attrsKey(attrs)}`;
    const found = this.interned.get(key);
    if (found !== undefined) return { id: found };
    const t = TYPE_RULES[op](args.map((a) => this.type(a)), attrs);
    if (typeof t === 'string') return { error: t };
    const id = this.list.length;
    this.list.push({ id, op, args: [...args], attrs, type: t });
    this.interned.set(key, id);
    return { id };
  }

  /** Adds a node that must type-check (compiler-generated code). */
  emit<O extends Op>(op: O, args: readonly number[], attrs: OpAttrs[O]): number {
    const r = this.tryEmit(op, args, attrs);
    assert('id' in r, `ill-typed ${op}: ${'error' in r ? r.error : ''}`);
    return r.id;
  }

  /** Leaves are never interned together: two params with equal names cannot exist. */
  leaf(op: 'input' | 'state' | 'param', name: string, type: TensorType): number {
    const key = `${op}|${name}`;
    assert(!this.interned.has(key), `duplicate leaf ${key}`);
    const id = this.list.length;
    this.list.push({ id, op, args: [], attrs: { name }, type });
    this.interned.set(key, id);
    return id;
  }

  constant(value: number, shape: Shape = []): number {
    return this.emit('const', [], { value, shape });
  }

  /**
   * Local rewrites applied at construction: a broadcast constant is a constant; identity broadcasts
   * vanish; a transpose of a transpose is its operand (the backward pass of `transpose(R) @ h`);
   * a reshape to the operand's own shape is the operand, and a reshape of a reshape one reshape.
   */
  private simplify<O extends Op>(op: O, args: readonly number[], attrs: OpAttrs[O]): number | undefined {
    if (op === 'transpose' && this.list[args[0]].op === 'transpose') return this.list[args[0]].args[0];
    if (op === 'reshape') {
      const x = this.list[args[0]];
      const shape = (attrs as OpAttrs['reshape']).shape;
      if (shapeEq(x.type.shape, shape)) return args[0];
      if (x.op === 'reshape') return this.emit('reshape', [x.args[0]], { shape });
      if (x.op === 'const') return this.constant((x.attrs as OpAttrs['const']).value, shape);
    }
    if (op === 'broadcast' || op === 'sumto') {
      const a = attrs as OpAttrs['broadcast'];
      const x = this.list[args[0]];
      const identity = shapeEq(x.type.shape, a.shape) && a.axes.every((v, i) => v === i);
      if (identity) return args[0];
      if (op === 'broadcast' && x.op === 'const') {
        return this.constant((x.attrs as OpAttrs['const']).value, a.shape);
      }
    }
    return undefined;
  }
}

export interface GraphSignature {
  readonly name: string;
  readonly reverse?: boolean;
  readonly sizes: readonly SizeDecl[];
  readonly inputs: readonly Binding[];
  readonly states: readonly StateBinding[];
  readonly params: readonly ParamBinding[];
  readonly outputs: readonly Binding[];
}

/** Does a node list draw random masks (dropout, zoneout: `mask` leaves)? */
export function drawsMasks(nodes: readonly Node[]): boolean {
  return nodes.some((n) => n.op === 'mask');
}

/** live[id] = 1 for every node reachable from `roots` through operands (a stack, not recursion). */
export function reachable(nodes: readonly Node[], roots: readonly number[]): Uint8Array {
  const live = new Uint8Array(nodes.length);
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = 1;
    for (const a of nodes[id].args) stack.push(a);
  }
  return live;
}

/**
 * Dead-code elimination + renumbering: keeps the nodes reachable from
 * `roots` plus the `keep` nodes, in their (topological) order.
 */
export function compactNodes(
  nodes: readonly Node[],
  roots: readonly number[],
  keep: readonly number[],
  origins: Origins = new Map(),
): { nodes: Node[]; remap: (id: number) => number; origins: Origins } {
  const live = reachable(nodes, roots);
  for (const k of keep) live[k] = 1;
  const map = new Map<number, number>();
  const out: Node[] = [];
  for (const n of nodes) {
    if (!live[n.id]) continue;
    const id = out.length;
    map.set(n.id, id);
    out.push({ ...n, id, args: n.args.map((a) => map.get(a)!) });
  }
  const remap = (x: number) => {
    const v = map.get(x);
    assert(v !== undefined, `dangling node ${x}`);
    return v;
  };
  const kept = new Map<number, Origin>();
  for (const [id, o] of origins) {
    const v = map.get(id);
    if (v !== undefined) kept.set(v, o);
  }
  return { nodes: out, remap, origins: kept };
}

/** Freezes a builder into a Graph: drops nodes nothing uses (declared leaves are kept). */
export function finishGraph(b: GraphBuilder, sig: GraphSignature): Graph {
  const roots = [...sig.states.map((s) => s.next), ...sig.outputs.map((o) => o.node)];
  const keep = [...sig.inputs, ...sig.states, ...sig.params].map((l) => l.node);
  const { nodes, remap: r, origins } = compactNodes(b.nodes, roots, keep, b.origins);
  return {
    name: sig.name,
    ...(sig.reverse ? { reverse: true } : {}),
    sizes: sig.sizes,
    nodes,
    inputs: sig.inputs.map((x) => ({ ...x, node: r(x.node) })),
    states: sig.states.map((x) => ({ ...x, node: r(x.node), next: r(x.next) })),
    params: sig.params.map((x) => ({ ...x, node: r(x.node) })),
    outputs: sig.outputs.map((x) => ({ ...x, node: r(x.node) })),
    origins,
  };
}
