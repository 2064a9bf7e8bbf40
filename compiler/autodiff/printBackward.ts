// The canonical text form of a backward step graph (SPEC.md 9.2), apart from
// ir/print.ts so that the IR printer does not depend on autodiff.

import { lineComment, printNode } from '../ir/print.js';
import type { BackwardStep } from './backward.js';

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
