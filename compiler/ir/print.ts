// The canonical text form of the step IR (golden files compare it; SPEC.md 7.2):
//
//   cell Elman
//     sizes I = 64, H = 128
//     %0 x: f32[B,I] = input x  # line 9
//     %1 W: f32[H,I] = param W init glorot  # line 13
//     …
//     %5: f32[B,H] = matmul %1, %0
//     …
//     %9 h': f32[B,H] = tanh %8  # line 19
//     next h = %9
//     output h = %9
//
// B is the implicit batch axis of batched values. Attributes follow in braces.
// A node with a source name has it after its id, and `# line N` says where the
// name is defined; operands are always ids.

import { printInitExpr } from './initExpr.js';
import { assertNever } from '../util/assert.js';
import { dimKey, type Dim, type Shape } from './dims.js';
import type { Graph, Initializer, Node, Origin, Origins } from './graph.js';
import { attrSpec, isLeaf, type AttrKind } from './opInfo.js';
import type { OpAttrs, TensorType } from './ops.js';

export function printType(t: TensorType): string {
  const dims = t.shape.map(dimKey);
  return `${t.dtype}[${(t.batched ? ['B', ...dims] : dims).join(',')}]`;
}

const showShape = (s: Shape) => `[${s.map(dimKey).join(',')}]`;

export function printInit(init: Initializer): string {
  switch (init.kind) {
    case 'zeros':
    case 'glorot':
    case 'orthogonal':
      return init.kind;
    case 'const':
      return String(init.value);
    case 'uniform':
      return `uniform(${init.lo}, ${init.hi})`;
    case 'normal':
      return `normal(${init.std})`;
    case 'identity':
      return init.scale === 1 ? 'identity' : `identity(${init.scale})`;
    case 'expr':
      return printInitExpr(init.expr);
  }
}

function printAttr(kind: AttrKind, v: unknown): string {
  switch (kind) {
    case 'name':
    case 'number':
    case 'axis':
      return String(v);
    case 'axes':
      return `[${(v as readonly number[]).join(',')}]`;
    case 'dim':
      return dimKey(v as Dim);
    case 'shape':
      return showShape(v as Shape);
    default:
      return assertNever(kind, 'attribute kind');
  }
}

/**
 * Attributes as the op table lists them: ` {key=value, …}`, nothing for an op
 * without any. A leaf prints its identifying attribute bare (the first: a
 * name, a const's value — its shape is the node's type — or a dim's size);
 * a slice prints its bounds as one range; a mask prints its stream, its
 * probability, its value when on and how often it is drawn.
 */
function printAttrs(n: Node): string {
  const a = n.attrs as Readonly<Record<string, unknown>>;
  const spec = attrSpec(n.op);
  if (n.op === 'mask') {
    const m = n.attrs as OpAttrs['mask'];
    return ` {stream=${m.stream}, p=${m.prob}, scale=${m.scale}, per=${m.perSequence ? 'sequence' : 'step'}}`;
  }
  if (isLeaf(n.op)) return ` ${printAttr(spec[0][1], a[spec[0][0]])}`;
  if (n.op === 'slice') {
    const s = n.attrs as OpAttrs['slice'];
    return ` {axis=${s.axis}, range=${dimKey(s.start)}:${dimKey(s.end)}}`;
  }
  return spec.length ? ` {${spec.map(([key, kind]) => `${key}=${printAttr(kind, a[key])}`).join(', ')}}` : '';
}

function formatNode(n: Node, origin: Origin | undefined, operand: (id: number) => string): string {
  const args = n.args.map(operand).join(', ');
  return `%${n.id}${origin ? ` ${origin.name}` : ''}: ${printType(n.type)} = ${n.op}${args ? ' ' + args : ''}${printAttrs(n)}`;
}

/** `%ID NAME: TYPE = OP OPERANDS ATTRIBUTES`; the name only for a node with an origin. */
export function printNode(n: Node, origin?: Origin): string {
  return formatNode(n, origin, (a) => `%${a}`);
}

/** The trailing comment of a named node's line: `  # line 21`. */
export const lineComment = (o: Origin | undefined) => (o?.at ? `  # line ${o.at.line}` : '');

/**
 * A node for people — WGSL comments, kernel and GEMM summaries, `cellc plan`:
 * its text-form line with the operands that have source names shown by name
 * (literals by value), and the source line of its own name.
 *
 *   %18 f: f32[B,H] = sigmoid %17  (line 21)
 *   %6: f32[B,H] = matmul i.W_h, h
 */
export function describeNode(nodes: readonly Node[], id: number, origins: Origins): string {
  const o = origins.get(id);
  const operand = (a: number) => {
    const x = nodes[a];
    if (x.op === 'const') return String((x.attrs as OpAttrs['const']).value);
    if (x.op === 'dim') return dimKey((x.attrs as OpAttrs['dim']).dim);
    return origins.get(a)?.name ?? `%${a}`;
  };
  return formatNode(nodes[id], o, operand) + (o?.at ? `  (line ${o.at.line})` : '');
}

export function printGraph(g: Graph): string {
  const lines = [`cell ${g.name}${g.reverse ? ' reverse' : ''}`];
  if (g.sizes.length) {
    lines.push(`  sizes ${g.sizes.map((s) => (s.value === undefined ? s.name : `${s.name} = ${s.value}`)).join(', ')}`);
  }
  const stateInit = new Map(g.states.map((s) => [s.node, s.initParam ?? s.init]));
  const paramInit = new Map(g.params.map((p) => [p.node, p.init]));
  for (const n of g.nodes) {
    const o = g.origins.get(n.id);
    let line = `  ${printNode(n, o)}`;
    if (stateInit.has(n.id)) line += ` = ${stateInit.get(n.id)}`;
    const pi = paramInit.get(n.id);
    if (pi) line += ` init ${printInit(pi)}`;
    lines.push(line + lineComment(o));
  }
  for (const s of g.states) lines.push(`  next ${s.name} = %${s.next}`);
  for (const o of g.outputs) lines.push(`  output ${o.name} = %${o.node}`);
  return lines.join('\n') + '\n';
}
