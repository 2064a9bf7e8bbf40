// The schedule view: the kernels and GEMMs of one forward and one backward
// call, per stage (prelude, before the loop, per step, after, parameter
// gradients), with what each computes and its dispatch size, from the
// artifact's forward/backward plans. "Computes" lists the values a step
// writes, one per line, by their source names and lines (`%37 c': … (line 24)`;
// the line is a link to the editor).

import { dispatchCounts, dispatchTotals, kernelDispatchSize, placedSteps, STAGE_TITLE, STAGES, type Artifact } from '../../../../compiler/index.js';
import { h } from './dom.js';

/** One value of a summary; its `(line N)` is a link to the source line (data-line). */
function valueLine(text: string): HTMLElement {
  const m = /^(.*)\(line (\d+)\)$/.exec(text);
  if (!m) return h('div', { class: 'value' }, text);
  return h('div', { class: 'value', 'data-line': m[2] }, m[1], h('span', { class: 'src-line', 'data-line': m[2], title: 'Show this line in the editor' }, `(line ${m[2]})`));
}

/** A summary (`value; value; …`) as one line per value. */
const summaryCell = (summary: string) => h('td', { class: 'summary' }, ...summary.split('; ').map(valueLine));

export function scheduleView(a: Artifact, B: number, T: number): HTMLElement {
  const c = dispatchCounts(a);
  const tot = dispatchTotals(a, T);
  const placed = placedSteps(a);
  const root = h('div', { class: 'schedule' });
  const gemms = placed.filter((p) => p.kernel.role === 'gemm').length;
  root.append(
    h(
      'p',
      { class: 'counts' },
      `${a.kernels.length} kernels, ${gemms} of them GEMMs. Forward: `,
      h('b', { 'data-count': 'forward-per-step' }, c.forwardPerStep),
      ` dispatch${c.forwardPerStep === 1 ? '' : 'es'} per step + ${c.forwardOnce} once; backward: `,
      h('b', { 'data-count': 'backward-per-step' }, c.backwardPerStep),
      ` per step + ${c.backwardOnce} once. One training step at T = ${T}: ${tot.forwardBackward} dispatches in one submit.`,
    ),
  );
  for (const pass of ['forward', 'backward'] as const) {
    root.append(h('h3', {}, pass === 'forward' ? 'Forward' : 'Backward (BPTT)'));
    for (const stage of STAGES) {
      const rows = placed.filter((p) => p.pass === pass && p.stage === stage);
      if (!rows.length) continue;
      const table = h('table', { class: 'plan', 'data-pass': pass, 'data-stage': stage });
      table.append(h('caption', {}, `${STAGE_TITLE[pass][stage]} — ${rows.length}`));
      table.append(h('tr', {}, h('th', {}, 'kind'), h('th', {}, 'name'), h('th', {}, 'computes'), h('th', {}, `workgroups (B=${B}, T=${T})`)));
      for (const { kernel: k } of rows) {
        const d = kernelDispatchSize(k, B, T);
        table.append(
          h(
            'tr',
            {},
            h('td', {}, k.role === 'gemm' ? 'GEMM' : 'kernel'),
            h('td', {}, h('a', { href: '#', class: 'kernel-link', 'data-kernel': k.name }, k.name)),
            summaryCell(k.summary),
            h('td', {}, `${d.formula} = ${d.x}×${d.y}`),
          ),
        );
      }
      root.append(table);
    }
  }
  return root;
}

/** Where a kernel runs, for the WGSL picker: "forward, per step". */
export function kernelPlaces(a: Artifact): Map<string, string> {
  const short = { prelude: 'prelude', before: 'before the loop', step: 'per step', after: 'after the loop', grads: 'parameter gradients' } as const;
  const out = new Map<string, string>();
  for (const p of placedSteps(a)) out.set(p.kernel.name, `${p.pass}, ${short[p.stage]}`);
  return out;
}
