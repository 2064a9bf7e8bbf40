// The schedule stage as text (`cellc graph --after schedule`): for each pass,
// the stages of every region with the values each one materialises, then the
// memory layout (arena, kind, row width and offset of every tensor).

import { linText } from '../artifact/kernel.js';
import { describeNode } from '../ir/print.js';
import type { Scheduled } from './cellSchedule.js';
import { REGIONS, type Schedule } from './schedule.js';
import type { StepFunction } from './stepFunction.js';

const REGION_TITLE = { const: 'once per call', pre: 'before the loop, all T·B rows', loop: 'per time step', post: 'after the loop, all T·B rows' } as const;

function printPass(title: string, s: Schedule, fn: StepFunction, out: string[]): void {
  out.push(`${title}`);
  for (const r of REGIONS) {
    const stages = s.stages[r];
    if (!stages.length) continue;
    out.push(`  ${r} (${REGION_TITLE[r]}): ${stages.length} stage(s)`);
    for (const st of stages) {
      const ids = st.kind === 'fused' ? st.outputs : st.matmuls;
      out.push(`    ${st.kind === 'fused' ? 'fused' : 'gemm '} ${st.name} (level ${st.level})`);
      for (const id of ids) out.push(`      ${describeNode(fn.nodes, id, fn.origins)}${(s.stores.get(id) ?? []).map((x) => `  → ${x.tensor}${x.shift ? '[t+1]' : ''}${x.col ? ` col ${x.col}` : ''}`).join('')}`);
    }
  }
  if (s.gradTerms.length) out.push(`  parameter-gradient terms: ${s.gradTerms.map((t) => (t.kind === 'colsum' ? `∂${t.param} += Σ %${t.a}` : `∂${t.param} += Σ ${t.kind}(%${t.a}, %${t.b})`)).join('; ')}`);
}

export function printSchedule(sc: Scheduled): string {
  const out: string[] = [`# schedule of ${sc.graph.name}; sizes ${Object.entries(sc.sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`];
  printPass('forward', sc.fwd, sc.forwardFn, out);
  printPass('backward', sc.bwd, sc.backwardFn, out);
  out.push('memory (offsets in elements; B and T at run time)');
  for (const [arena, size] of Object.entries(sc.layout.arenaSize)) {
    out.push(`  ${arena}: ${linText(size)}`);
    for (const t of sc.layout.tensors.values()) if (t.arena === arena) out.push(`    ${t.name.padEnd(14)} ${t.kind.padEnd(5)} width ${t.width}${t.kind === 'seq' ? ` × ${t.steps} steps` : ''} at ${linText(t.offset)}`);
  }
  return out.join('\n') + '\n';
}
