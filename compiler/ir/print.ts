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

import type { BackwardStep } from '../autodiff/backward.js';
import { dimKey, type Shape } from './dims.js';
import type { Graph, Initializer, Node, Origin, Origins } from './graph.js';
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
  }
}

function printAttrs(n: Node): string {
  switch (n.op) {
    case 'input':
    case 'state':
    case 'param':
      return ` ${(n.attrs as OpAttrs['input']).name}`;
    case 'const':
      return ` ${(n.attrs as OpAttrs['const']).value}`;
    case 'dim':
      return ` ${dimKey((n.attrs as OpAttrs['dim']).dim)}`;
    case 'sum':
    case 'rmax':
    case 'logsumexp':
    case 'argmax':
    case 'concat':
      return ` {axis=${(n.attrs as { axis: number }).axis}}`;
    case 'broadcast':
    case 'sumto': {
      const a = n.attrs as OpAttrs['broadcast'];
      return ` {shape=${showShape(a.shape)}, axes=[${a.axes.join(',')}]}`;
    }
    case 'slice': {
      const a = n.attrs as OpAttrs['slice'];
      return ` {axis=${a.axis}, range=${dimKey(a.start)}:${dimKey(a.end)}}`;
    }
    case 'onehot':
      return ` {depth=${dimKey((n.attrs as OpAttrs['onehot']).depth)}}`;
    case 'eye':
      return ` {n=${dimKey((n.attrs as OpAttrs['eye']).n)}}`;
    default:
      return '';
  }
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
const lineComment = (o: Origin | undefined) => (o?.at ? `  # line ${o.at.line}` : '');

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
  const stateInit = new Map(g.states.map((s) => [s.node, s.init]));
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

/**
 * The canonical text of a backward step graph (golden files compare it):
 *
 *   backward Elman
 *     sizes I = 64, H = 128
 *     saved %5, %6
 *     %0 x: f32[B,I] = input x  (leaf input x)  # line 9
 *     %5: f32[B,H] = input saved%5  (leaf saved %5 = matmul)
 *     %10 ∂next.h: f32[B,H] = input dh'  (leaf dnext h)  # line 19
 *     …
 *     dstate h = %18
 *     dparam W = %19
 *
 * Leaves carry their kind: input, state, param (the forward values),
 * saved (a forward node's value from the tape), dnext (∂L/∂s_t) and
 * doutput (∂L/∂y_t). Results: dstate (∂L/∂s_{t−1}), dinput (∂L/∂x_t), dparam
 * (this step's per-example contribution to ∂L/∂param). Names are the
 * derived ones of BackwardStep.origins (`∂f`, `∂next.h`; SPEC.md 9.2).
 */
export function printBackward(step: BackwardStep): string {
  const f = step.forward;
  const lines = [`backward ${f.name}${f.reverse ? ' reverse' : ''}`];
  if (f.sizes.length) {
    lines.push(`  sizes ${f.sizes.map((s) => (s.value === undefined ? s.name : `${s.name} = ${s.value}`)).join(', ')}`);
  }
  lines.push(`  saved ${step.saved.length ? step.saved.map((id) => `%${id}`).join(', ') : '(none)'}`);
  const leafOf = new Map(step.leaves.map((l) => [l.node, l]));
  for (const n of step.nodes) {
    const l = leafOf.get(n.id);
    const o = step.origins.get(n.id);
    let line = `  ${printNode(n, o)}`;
    if (l) line += l.kind === 'saved' ? `  (leaf saved %${l.name} = ${f.nodes[Number(l.name)].op})` : `  (leaf ${l.kind} ${l.name})`;
    lines.push(line + lineComment(o));
  }
  for (const r of step.results) lines.push(`  ${r.kind} ${r.name} = %${r.node}`);
  return lines.join('\n') + '\n';
}
