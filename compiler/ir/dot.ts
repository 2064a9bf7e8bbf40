// Graphviz DOT rendering of a step graph: leaves as boxes (inputs, states,
// params), ops as ellipses, next states and outputs as double octagons. A node
// with a source name is labelled with it (`%18 f = sigmoid`) and its line.

import type { Graph } from './graph.js';
import { printType } from './print.js';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function graphToDot(g: Graph): string {
  const lines = [`digraph ${quote(g.name)} {`, '  rankdir=TB;', '  node [fontname="Helvetica", fontsize=10];'];
  const colors: Record<string, string> = { input: '#cfe8ff', state: '#ffe2b8', param: '#e3e3e3', const: '#ffffff', dim: '#ffffff' };
  for (const n of g.nodes) {
    const leafName = 'name' in (n.attrs as object) ? ` ${(n.attrs as { name: string }).name}` : '';
    const o = g.origins.get(n.id);
    const head = o && !leafName ? `%${n.id} ${o.name} = ${n.op}` : `%${n.id} ${n.op}${leafName}`;
    const label = `${head}\n${printType(n.type)}${o?.at ? `\nline ${o.at.line}` : ''}`;
    const shape = colors[n.op] ? 'box' : 'ellipse';
    const fill = colors[n.op] ? `, style=filled, fillcolor=${quote(colors[n.op])}` : '';
    lines.push(`  n${n.id} [label=${quote(label)}, shape=${shape}${fill}];`);
    for (const a of n.args) lines.push(`  n${a} -> n${n.id};`);
  }
  for (const s of g.states) {
    lines.push(`  next_${s.name} [label=${quote(`${s.name}'`)}, shape=doubleoctagon, style=filled, fillcolor="#ffe2b8"];`);
    lines.push(`  n${s.next} -> next_${s.name};`);
  }
  for (const o of g.outputs) {
    lines.push(`  out_${o.name} [label=${quote(`output ${o.name}`)}, shape=doubleoctagon];`);
    lines.push(`  n${o.node} -> out_${o.name};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The source line of each drawn node, by its DOT name (`n12`, `next_c`,
 * `out_y`): a named node's own line; an unnamed one (the `matmul` inside
 * `dense`) takes the line of the value that reads it (of the last one in
 * the step when several do), so every node of an equation points at it.
 */
export function dotNodeLines(g: Graph): ReadonlyMap<string, number> {
  const line = new Map<number, number>();
  for (const [id, o] of g.origins) if (o.at) line.set(id, o.at.line);
  // consumers come after their operands: walk backwards, handing a line down to unnamed operands
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k];
    const l = line.get(n.id);
    if (l === undefined) continue;
    for (const a of n.args) if (!line.has(a)) line.set(a, l);
  }
  const out = new Map<string, number>();
  for (const [id, l] of line) out.set(`n${id}`, l);
  for (const s of g.states) {
    const l = line.get(s.next);
    if (l !== undefined) out.set(`next_${s.name}`, l);
  }
  for (const o of g.outputs) {
    const l = line.get(o.node);
    if (l !== undefined) out.set(`out_${o.name}`, l);
  }
  return out;
}
