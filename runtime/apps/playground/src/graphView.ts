// The drawn step graph, made to be read: pan (drag), zoom (wheel, around the
// pointer; the + / − / fit buttons), and the link to the source — a click on
// a node lights its line in the editor; lightLine() lights the nodes of a
// line (the editor's cursor). Nodes are found by Graphviz's <title>, which is
// the DOT node name (`n12`, `next_c`, `out_y`).

export interface GraphLinks {
  /** The source line of each DOT node name (compiler/ir/dot.ts, dotNodeLines). */
  readonly lines: ReadonlyMap<string, number>;
  /** A node was clicked: its line. */
  onNode(line: number): void;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const ZOOM_STEP = 1.25;
/** A press that moves less than this (CSS pixels) is a click, not a drag. */
const CLICK_SLOP = 4;

export class GraphView {
  private svg: SVGSVGElement | undefined;
  private full: Box = { x: 0, y: 0, w: 1, h: 1 };
  private view: Box = { x: 0, y: 0, w: 1, h: 1 };
  private nodes = new Map<number, SVGGElement[]>();
  private lit: number | undefined;
  private links: GraphLinks | undefined;

  constructor(private readonly box: HTMLElement) {
    box.addEventListener('wheel', (ev) => {
      if (!this.svg) return;
      ev.preventDefault();
      this.zoomAt(ev.deltaY < 0 ? 1 / ZOOM_STEP : ZOOM_STEP, ev.clientX, ev.clientY);
    }, { passive: false });
    let press: { x: number; y: number; view: Box; moved: boolean } | undefined;
    box.addEventListener('pointerdown', (ev) => {
      if (!this.svg || ev.button !== 0 || (ev.target as Element).closest('.graph-tools')) return;
      press = { x: ev.clientX, y: ev.clientY, view: { ...this.view }, moved: false };
      box.setPointerCapture(ev.pointerId);
    });
    box.addEventListener('pointermove', (ev) => {
      if (!press || !this.svg) return;
      const dx = ev.clientX - press.x;
      const dy = ev.clientY - press.y;
      if (!press.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
      press.moved = true;
      box.classList.add('panning');
      const s = this.scale();
      this.setView({ ...press.view, x: press.view.x - dx * s, y: press.view.y - dy * s });
    });
    const release = (ev: PointerEvent, click: boolean) => {
      if (!press) return;
      const wasClick = click && !press.moved;
      press = undefined;
      box.classList.remove('panning');
      if (box.hasPointerCapture(ev.pointerId)) box.releasePointerCapture(ev.pointerId);
      if (wasClick) this.clickAt(ev.clientX, ev.clientY);
    };
    box.addEventListener('pointerup', (ev) => release(ev, true));
    box.addEventListener('pointercancel', (ev) => release(ev, false));
    box.addEventListener('dblclick', () => this.fit());
  }

  /** Shows `svg` (just drawn by Graphviz) fitted to the panel, its nodes linked to their lines. */
  show(svg: SVGSVGElement, links: GraphLinks): void {
    this.svg = svg;
    this.links = links;
    const vb = svg.viewBox.baseVal;
    this.full = vb && vb.width > 0 ? { x: vb.x, y: vb.y, w: vb.width, h: vb.height } : { x: 0, y: 0, w: 1, h: 1 };
    // the panel decides the size; the viewBox decides what is seen
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    this.nodes.clear();
    svg.querySelectorAll<SVGGElement>('g.node').forEach((g) => {
      const line = links.lines.get(g.querySelector('title')?.textContent ?? '');
      if (line === undefined) return;
      g.dataset.line = String(line);
      g.classList.add('linked');
      const list = this.nodes.get(line) ?? [];
      list.push(g);
      this.nodes.set(line, list);
    });
    const tools = document.createElement('div');
    tools.className = 'graph-tools';
    for (const [label, title, act] of [
      ['+', 'Zoom in (or the mouse wheel)', () => this.zoomCentre(1 / ZOOM_STEP)],
      ['−', 'Zoom out', () => this.zoomCentre(ZOOM_STEP)],
      ['fit', 'Fit the graph to the panel (or double-click)', () => this.fit()],
    ] as const) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.title = title;
      b.dataset.zoom = label;
      b.addEventListener('click', act);
      tools.append(b);
    }
    this.box.replaceChildren(svg, tools);
    this.box.title = 'Drag to pan, wheel to zoom, double-click to fit; click a node to see its line in the editor';
    this.fit();
    this.lightLine(this.lit);
  }

  /** Lights the nodes of source line `line` (none: undefined). */
  lightLine(line: number | undefined): void {
    this.lit = line;
    for (const [l, gs] of this.nodes) for (const g of gs) g.classList.toggle('lit', l === line);
  }

  fit(): void {
    this.setView({ ...this.full });
  }

  /** The current viewBox (for tests and the console). */
  get viewBox(): Readonly<Box> {
    return this.view;
  }

  private clickAt(x: number, y: number) {
    const hit = document.elementFromPoint(x, y)?.closest<SVGGElement>('g.node.linked');
    if (!hit || !this.links || !this.svg?.contains(hit)) return;
    const line = Number(hit.dataset.line);
    this.lightLine(line);
    this.links.onNode(line);
  }

  /** SVG user units per CSS pixel (the larger of the two axes: `meet` fits the larger one). */
  private scale(): number {
    const r = this.svg!.getBoundingClientRect();
    return Math.max(this.view.w / Math.max(1, r.width), this.view.h / Math.max(1, r.height));
  }

  private zoomCentre(f: number) {
    const r = this.svg!.getBoundingClientRect();
    this.zoomAt(f, r.left + r.width / 2, r.top + r.height / 2);
  }

  /** Scales the view by `f` (< 1: zoom in) keeping the point under (cx, cy) where it is. */
  private zoomAt(f: number, cx: number, cy: number) {
    const svg = this.svg!;
    const r = svg.getBoundingClientRect();
    const s = this.scale();
    // the viewBox is centred in the element (xMidYMid): the user point under the pointer
    const ux = this.view.x + this.view.w / 2 + (cx - (r.left + r.width / 2)) * s;
    const uy = this.view.y + this.view.h / 2 + (cy - (r.top + r.height / 2)) * s;
    const w = Math.min(this.full.w * 8, Math.max(this.full.w / 40, this.view.w * f));
    const k = w / this.view.w;
    const h = this.view.h * k;
    this.setView({ x: ux - (ux - this.view.x) * k, y: uy - (uy - this.view.y) * k, w, h });
  }

  private setView(v: Box) {
    this.view = v;
    this.svg?.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
    if (this.svg) this.box.dataset.zoom = (this.full.w / v.w).toFixed(2);
  }
}
