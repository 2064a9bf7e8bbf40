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
