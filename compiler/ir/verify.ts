// The IR verifier: checks the invariants every pass must keep. A violation is
// a compiler bug, reported as a thrown CompilerBug naming the node.

import { CompilerBug } from '../util/assert.js';
import { shapeEq } from './dims.js';
import type { Graph, Node } from './graph.js';
import { isLeaf } from './opInfo.js';
import { TYPE_RULES } from './ops.js';
import { printNode, printType } from './print.js';

/** Node-level invariants: ids are positions, operands come first, every node is typed by its rule. */
export function verifyNodes(nodes: readonly Node[], where: string): void {
  const fail = (msg: string): never => {
    throw new CompilerBug(`IR verification failed in ${where}: ${msg}`);
  };
  nodes.forEach((n, i) => {
    if (n.id !== i) fail(`node at index ${i} has id ${n.id}`);
    for (const a of n.args) if (a < 0 || a >= i) fail(`${printNode(n)} uses %${a}, not defined before it`);
    if (isLeaf(n.op) && n.args.length) fail(`leaf ${printNode(n)} has operands`);
    if (n.op === 'input' || n.op === 'state' || n.op === 'param') return;
    const t = TYPE_RULES[n.op](n.args.map((a) => nodes[a].type), n.attrs);
    if (typeof t === 'string') return fail(`${printNode(n)}: ${t}`);
    if (t.dtype !== n.type.dtype || t.batched !== n.type.batched || !shapeEq(t.shape, n.type.shape)) {
      fail(`${printNode(n)} is typed ${printType(n.type)} but its rule gives ${printType(t)}`);
    }
  });
}

export function verifyGraph(g: Graph): void {
  const fail = (msg: string): never => {
    throw new CompilerBug(`IR verification failed in cell ${g.name}: ${msg}`);
  };
  verifyNodes(g.nodes, `cell ${g.name}`);
  const leafOf = (id: number, op: string, name: string) => {
    const n = g.nodes[id];
    if (!n || n.op !== op || (n.attrs as { name: string }).name !== name) fail(`${op} ${name} is bound to %${id}`);
  };
  const names = new Set<string>();
  const unique = (kind: string, name: string) => {
    if (names.has(`${kind}:${name}`)) fail(`duplicate ${kind} ${name}`);
    names.add(`${kind}:${name}`);
  };
  for (const x of g.inputs) (leafOf(x.node, 'input', x.name), unique('input', x.name));
  for (const p of g.params) (leafOf(p.node, 'param', p.name), unique('param', p.name));
  for (const s of g.states) {
    leafOf(s.node, 'state', s.name);
    unique('state', s.name);
    const prev = g.nodes[s.node].type;
    const next = g.nodes[s.next]?.type;
    if (!next || !shapeEq(prev.shape, next.shape) || next.dtype !== prev.dtype) fail(`next ${s.name} changes the state's type`);
  }
  for (const o of g.outputs) {
    unique('output', o.name);
    if (!g.nodes[o.node]) fail(`output ${o.name} is unbound`);
  }
}
