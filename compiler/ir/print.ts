// The canonical text form of the step IR (golden files compare it):
//
//   cell Elman
//     sizes I = 64, H = 64
//     %0: f32[B,I] = input x
//     %3: f32[H,I] = param W init glorot
//     %5: f32[B,H] = matmul %3, %0
//     %9: f32[B,H] = tanh %8
//     next h = %9
//     output h = %9
//
// B is the implicit batch axis of batched values. Attributes follow in braces.

import type { BackwardStep } from '../autodiff/backward.js';
import { assertNever } from '../util/assert.js';
import { dimKey, type Dim, type Shape } from './dims.js';
import type { Graph, Initializer, Node } from './graph.js';
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
 * a slice prints its bounds as one range.
 */
function printAttrs(n: Node): string {
  const a = n.attrs as Readonly<Record<string, unknown>>;
  const spec = attrSpec(n.op);
  if (isLeaf(n.op)) return ` ${printAttr(spec[0][1], a[spec[0][0]])}`;
  if (n.op === 'slice') {
    const s = n.attrs as OpAttrs['slice'];
    return ` {axis=${s.axis}, range=${dimKey(s.start)}:${dimKey(s.end)}}`;
  }
  return spec.length ? ` {${spec.map(([key, kind]) => `${key}=${printAttr(kind, a[key])}`).join(', ')}}` : '';
}

export function printNode(n: Node): string {
  const args = n.args.map((a) => `%${a}`).join(', ');
  return `%${n.id}: ${printType(n.type)} = ${n.op}${args ? ' ' + args : ''}${printAttrs(n)}`;
}

export function printGraph(g: Graph): string {
  const lines = [`cell ${g.name}${g.reverse ? ' reverse' : ''}`];
  if (g.sizes.length) {
    lines.push(`  sizes ${g.sizes.map((s) => (s.value === undefined ? s.name : `${s.name} = ${s.value}`)).join(', ')}`);
  }
  const stateInit = new Map(g.states.map((s) => [s.node, s.init]));
  const paramInit = new Map(g.params.map((p) => [p.node, p.init]));
  for (const n of g.nodes) {
    let line = `  ${printNode(n)}`;
    if (stateInit.has(n.id)) line += ` = ${stateInit.get(n.id)}`;
    const pi = paramInit.get(n.id);
    if (pi) line += ` init ${printInit(pi)}`;
    lines.push(line);
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
 *     saved %5, %7
 *     %0: f32[B,I] = input x  (leaf input x)
 *     %4: f32[B,H] = input saved%5  (leaf saved %5 = matmul)
 *     %6: f32[B,H] = input dh'  (leaf dnext h)
 *     …
 *     dstate h = %12
 *     dparam W = %14
 *
 * Leaves carry their kind: input, state, param (the forward values),
 * saved (a forward node's value from the tape), dnext (∂L/∂s_t) and
 * doutput (∂L/∂y_t). Results: dstate (∂L/∂s_{t−1}), dinput (∂L/∂x_t), dparam
 * (this step's per-example contribution to ∂L/∂param).
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
    let line = `  ${printNode(n)}`;
    if (l) line += l.kind === 'saved' ? `  (leaf saved %${l.name} = ${f.nodes[Number(l.name)].op})` : `  (leaf ${l.kind} ${l.name})`;
    lines.push(line);
  }
  for (const r of step.results) lines.push(`  ${r.kind} ${r.name} = %${r.node}`);
  return lines.join('\n') + '\n';
}
