// What a cell compiles to, as the page shows it: the step IR and the backward
// step IR, the drawn step graph (Graphviz, loaded on first use), the schedule
// of both passes, and the WGSL of the kernel picked in the list, with its
// record's summary, workgroup, dispatch and bindings. While the cell has
// errors the last version that compiled stays on screen, dimmed. Graph nodes
// and the schedule's `(line N)` link to the source; lightLine() lights what a
// source line became.

import { dispatchText, dotNodeLines } from '../../../../compiler/index.js';
import type { Analysis } from './analysis.js';
import { byId, h } from './dom.js';
import { wgslView } from './editor.js';
import { GraphView } from './graphView.js';
import { kernelPlaces, scheduleView } from './schedule.js';

export class CompiledView {
  private vizModule: Promise<{ renderSVGElement(dot: string): SVGSVGElement }> | undefined;
  private drawnDot = '';
  /** The cell whose last error-free version the views show. */
  private shownFor: string | undefined;
  private analysis: Analysis | undefined;
  private readonly wgsl = wgslView(byId('wgsl'));
  readonly graph = new GraphView(byId('graph'));
  private lit: number | undefined;

  /**
   * `kernels`: the kernel picker; `showWgsl`: switches to the WGSL tab (a
   * kernel link in the schedule was clicked); `onSourceLine`: a graph node or
   * a schedule entry's line was clicked.
   */
  constructor(
    private readonly kernels: HTMLSelectElement,
    showWgsl: () => void,
    private readonly onSourceLine: (line: number) => void,
  ) {
    kernels.addEventListener('change', () => this.showKernel());
    byId('schedule').addEventListener('click', (ev) => {
      const target = ev.target as HTMLElement;
      const src = target.closest<HTMLElement>('.src-line');
      if (src) {
        const line = Number(src.dataset.line);
        this.lightLine(line);
        onSourceLine(line);
        return;
      }
      const link = target.closest<HTMLElement>('.kernel-link');
      if (!link) return;
      ev.preventDefault();
      kernels.value = link.dataset.kernel ?? '';
      this.showKernel();
      showWgsl();
    });
  }

  /** Lights the graph nodes and the schedule entries of source line `line` (none: undefined). */
  lightLine(line: number | undefined): void {
    this.lit = line;
    this.graph.lightLine(line);
    byId('schedule')
      .querySelectorAll<HTMLElement>('.value[data-line]')
      .forEach((v) => v.classList.toggle('lit', v.dataset.line === String(line)));
  }

  /** Shows cell `which` (its latest analysis) with dispatch sizes for B and T. */
  render(which: string, a: Analysis | undefined, B: number, T: number): void {
    const viewing = byId('viewing');
    if (!a) return;
    const compiled = document.querySelector<HTMLElement>('.compiled')!;
    const note = byId('stale-note');
    if (!a.graph) {
      const n = a.diagnostics.length;
      if (this.shownFor === which) {
        // Keep the last version that compiled, dimmed, while the user types.
        compiled.classList.add('stale');
        note.textContent = `Cell ${which} has ${n} error${n === 1 ? '' : 's'}: showing the last version without errors.`;
        note.hidden = false;
        return;
      }
      this.shownFor = undefined;
      this.analysis = undefined;
      viewing.textContent = `cell ${which}`;
      compiled.classList.remove('stale');
      note.hidden = true;
      const fix = (what: string) => h('p', { class: 'placeholder' }, `Fix the errors in the editor to see ${what}.`);
      byId('ir').replaceChildren(fix('the step IR'));
      byId('schedule').replaceChildren(fix('the schedule'));
      byId('graph').replaceChildren(fix('the step graph'));
      this.drawnDot = '';
      this.kernels.replaceChildren();
      this.wgsl.setText('');
      byId('kernel-info').textContent = '';
      return;
    }
    this.shownFor = which;
    this.analysis = a;
    compiled.classList.remove('stale');
    note.hidden = true;
    const fromTask = Object.keys(a.taskSizes ?? {});
    const setBy = fromTask.length ? `; ${fromTask.join(', ')} from the task` : '';
    viewing.textContent = `cell ${which}: ${a.graph.name}${a.sizes ? ` (${Object.entries(a.sizes).map(([k, v]) => `${k}=${v}`).join(', ')}${setBy})` : ''}`;
    byId('ir').textContent = `${a.ir ?? ''}\n${a.backwardIr ?? ''}`;
    if (a.dot) void this.renderGraph(a.dot, a.graph);
    if (a.artifact) {
      byId('schedule').replaceChildren(scheduleView(a.artifact, B, T));
      this.lightLine(this.lit);
      const places = kernelPlaces(a.artifact);
      const before = this.kernels.value;
      this.kernels.replaceChildren(...a.artifact.kernels.map((k) => h('option', { value: k.name }, `${k.name} — ${places.get(k.name) ?? 'unscheduled'}`)));
      // keep the reader's choice; else the first per-step forward kernel, where the cell's own equations are
      if (a.artifact.kernels.some((k) => k.name === before)) this.kernels.value = before;
      else if (a.artifact.forward.step.length) this.kernels.value = a.artifact.forward.step[0];
      this.showKernel();
    } else {
      const why = a.compileError ? `Code generation failed (a compiler bug): ${a.compileError}` : 'Give every size a value to compile the cell.';
      byId('schedule').replaceChildren(h('p', { class: 'muted' }, why));
      this.kernels.replaceChildren();
      this.wgsl.setText(`// ${why}`);
    }
  }

  private showKernel(): void {
    const k = this.analysis?.artifact?.kernels.find((x) => x.name === this.kernels.value);
    if (!k) return;
    byId('kernel-info').textContent = `${k.summary ? `${k.summary} · ` : ''}workgroup ${k.workgroupSize.join('×')}; workgroups ${dispatchText(k.dispatch)}; binds ${k.bindings.map((b) => b.name).join(', ')}`;
    this.wgsl.setText(k.wgsl);
  }

  private async renderGraph(dot: string, graph: NonNullable<Analysis['graph']>): Promise<void> {
    const box = byId('graph');
    if (dot === this.drawnDot) return;
    this.drawnDot = dot;
    if (!box.firstChild) box.append(h('p', { class: 'placeholder' }, 'Laying out the graph…'));
    try {
      this.vizModule ??= import('@viz-js/viz').then((m) => m.instance());
      const viz = await this.vizModule;
      if (this.drawnDot !== dot) return; // a newer graph is on its way
      const svg = viz.renderSVGElement(dot);
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', 'step graph');
      this.graph.show(svg, { lines: dotNodeLines(graph), onNode: (line) => (this.lightLine(line), this.onSourceLine(line)) });
    } catch (e) {
      box.replaceChildren(h('p', { class: 'muted' }, `The graph could not be drawn: ${(e as Error).message}`));
    }
  }
}
