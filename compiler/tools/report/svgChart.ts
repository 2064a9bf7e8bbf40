// A small, dependency-free SVG line chart: several series, axes with ticks
// and labels, an optional log-scale y axis, a legend. Pure (data in, text
// out) and deterministic, so a chart can be compared byte for byte. Used by
// `cellc gradflow` (gradient norm against t) and for loss curves.
//
//   lineChart([{ name: 'total', points: [[0, 1e-9], [1, 3e-9], …] }],
//             { title: '‖∂L/∂s_t‖', xLabel: 't', yLabel: 'norm', logY: true })
//
// Points that cannot be drawn (NaN, ±∞, and y ≤ 0 on a log axis) break the
// line: the segments on either side are drawn, the gap is not bridged.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour; default from a fixed palette by position. */
  readonly color?: string;
  /** A shaded band [x, low, high] drawn under the line (a spread, e.g. min–max over seeds). */
  readonly band?: readonly (readonly [number, number, number])[];
  /** Draw the points as dots instead of a line. */
  readonly markers?: boolean;
  /** A thin, pale line (raw values under their smoothed curve). */
  readonly faint?: boolean;
  /** A dashed line. */
  readonly dashed?: boolean;
}

export interface ChartOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Log-scale (base 10) y axis. */
  readonly logY?: boolean;
  /** Legend corner inside the plot; 'auto' (default) picks the corner that covers the fewest points. */
  readonly legend?: 'auto' | 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'none';
  readonly width?: number;
  readonly height?: number;
  /** A categorical x axis: x = 0, 1, … are these labels. */
  readonly xCategories?: readonly string[];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Coordinates with at most 2 decimals, no "-0". */
/** A coordinate with at most two decimals (and never -0). */
export const num = (v: number) => {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
};

/** "Nice" linear ticks (steps of 1, 2 or 5 × 10^k) covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, target = 6): { lo: number; hi: number; ticks: number[] } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return linearTicks(lo - pad, hi + pad, target);
  }
  const raw = (hi - lo) / Math.max(1, target - 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; first + k * step <= last + step * 1e-9; k++) ticks.push(roundTo(first + k * step, step));
  return { lo: first, hi: last, ticks };
}

/** Decade ticks 10^e covering [lo, hi] (lo > 0), thinned to at most ~`target` labels. */
export function logTicks(lo: number, hi: number, target = 8): { lo: number; hi: number; ticks: number[] } {
  let e0 = Math.floor(Math.log10(lo) + 1e-12);
  let e1 = Math.ceil(Math.log10(hi) - 1e-12);
  if (e1 <= e0) e1 = e0 + 1;
  const every = Math.max(1, Math.ceil((e1 - e0) / target));
  e0 = Math.floor(e0 / every) * every;
  e1 = Math.ceil(e1 / every) * every;
  const ticks: number[] = [];
  for (let e = e0; e <= e1; e += every) ticks.push(Math.pow(10, e));
  return { lo: Math.pow(10, e0), hi: Math.pow(10, e1), ticks };
}

function roundTo(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(digits, 15)));
}

/** Tick label: plain for moderate magnitudes, otherwise "1e-7" style. */
/** The axis titles, and a note on an empty plot, of a chart whose plot area is `box`. */
export function axisTitles(o: { readonly xLabel?: string; readonly yLabel?: string }, box: { left: number; top: number; pw: number; ph: number; xLabelY: number }, empty: boolean): string[] {
  const out: string[] = [];
  const cx = num(box.left + box.pw / 2);
  const cy = num(box.top + box.ph / 2);
  if (o.xLabel) out.push(`<text x="${cx}" y="${box.xLabelY}" text-anchor="middle" font-size="13">${escapeXml(o.xLabel)}</text>`);
  if (o.yLabel) out.push(`<text x="16" y="${cy}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${cy})">${escapeXml(o.yLabel)}</text>`);
  if (empty) out.push(`<text x="${cx}" y="${cy}" text-anchor="middle" fill="#999999">no data to plot</text>`);
  return out;
}

export function formatTick(v: number, log: boolean): string {
  if (v === 0) return '0';
  if (log) {
    const e = Math.round(Math.log10(v));
    return e >= -2 && e <= 3 ? String(Number(Math.pow(10, e).toPrecision(1))) : `1e${e}`;
  }
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e').replace(/\.0e/, 'e');
  return String(Number(v.toPrecision(6)));
}

export function lineChart(series: readonly Series[], o: ChartOptions = {}): string {
  const W = o.width ?? 720;
  const H = o.height ?? 440;
  const log = o.logY ?? false;
  const cats = o.xCategories;
  // long category labels are slanted, with room below the axis for them
  const slant = !!cats && cats.length * 7 * Math.max(0, ...cats.map((c) => c.length)) > W - 92;
  const m = { left: 72, right: 20, top: o.title ? 40 : 20, bottom: slant ? 40 + 6 * Math.max(...cats!.map((c) => c.length)) : 52 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  const drawable = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!log || y > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) for (const [x, y] of s.points) if (drawable(x, y)) (xs.push(x), ys.push(y));
  for (const s of series) for (const [x, lo, hi] of s.band ?? []) for (const y of [lo, hi]) if (drawable(x, y)) (xs.push(x), ys.push(y));
  const empty = xs.length === 0;
  const xr = cats ? { lo: -0.5, hi: Math.max(1, cats.length) - 0.5, ticks: cats.map((_, i) => i) } : linearTicks(empty ? 0 : Math.min(...xs), empty ? 1 : Math.max(...xs));
  const yr = log ? logTicks(empty ? 1 : Math.min(...ys), empty ? 10 : Math.max(...ys)) : linearTicks(empty ? 0 : Math.min(...ys), empty ? 1 : Math.max(...ys));
  const fy = (y: number) => (log ? Math.log10(y) : y);
  const px = (x: number) => m.left + ((x - xr.lo) / (xr.hi - xr.lo)) * pw;
  const py = (y: number) => m.top + ph - ((fy(y) - fy(yr.lo)) / (fy(yr.hi) - fy(yr.lo))) * ph;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  if (o.title) out.push(`<text x="${num(W / 2)}" y="24" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);

  // grid and ticks
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of yr.ticks) out.push(`<line x1="${m.left}" y1="${num(py(t))}" x2="${m.left + pw}" y2="${num(py(t))}"/>`);
  for (const t of xr.ticks) out.push(`<line x1="${num(px(t))}" y1="${m.top}" x2="${num(px(t))}" y2="${m.top + ph}"/>`);
  out.push('</g>');
  out.push('<g class="axes" stroke="#333333" stroke-width="1">');
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/>`);
  for (const t of yr.ticks) out.push(`<line x1="${m.left - 5}" y1="${num(py(t))}" x2="${m.left}" y2="${num(py(t))}"/>`);
  for (const t of xr.ticks) out.push(`<line x1="${num(px(t))}" y1="${m.top + ph}" x2="${num(px(t))}" y2="${m.top + ph + 5}"/>`);
  out.push('</g>');
  out.push('<g class="tick-labels" fill="#333333">');
  for (const t of yr.ticks) out.push(`<text x="${m.left - 8}" y="${num(py(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t, log))}</text>`);
  for (const t of xr.ticks) {
    const label = escapeXml(cats ? cats[t] : formatTick(t, false));
    if (slant) out.push(`<text x="${num(px(t))}" y="${m.top + ph + 14}" text-anchor="end" transform="rotate(-35 ${num(px(t))} ${m.top + ph + 14})">${label}</text>`);
    else out.push(`<text x="${num(px(t))}" y="${m.top + ph + 19}" text-anchor="middle">${label}</text>`);
  }
  out.push('</g>');
  out.push(...axisTitles(o, { left: m.left, top: m.top, pw, ph, xLabelY: H - 10 }, empty));

  // bands first, under every line: one closed path each (low edge forward, high edge back)
  series.forEach((s, i) => {
    const pts = (s.band ?? []).filter(([x, lo, hi]) => drawable(x, lo) && drawable(x, hi));
    if (pts.length < 2) return;
    const d = [...pts.map(([x, lo]) => [x, lo]), ...[...pts].reverse().map(([x, , hi]) => [x, hi])].map(([x, y], k) => `${k ? 'L' : 'M'}${num(px(x))} ${num(py(y))}`).join(' ');
    out.push(`<path class="band" data-name="${escapeXml(s.name)}" d="${d} Z" fill="${escapeXml(s.color ?? PALETTE[i % PALETTE.length])}" fill-opacity="0.18" stroke="none"/>`);
  });

  // series: one path each, broken at points that cannot be drawn (or dots)
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (s.markers) {
      out.push(`<g class="markers" data-name="${escapeXml(s.name)}" fill="${escapeXml(color)}" fill-opacity="0.8">`);
      for (const [x, y] of s.points) if (drawable(x, y)) out.push(`<circle cx="${num(px(x))}" cy="${num(py(y))}" r="3.5"/>`);
      out.push('</g>');
      return;
    }
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (!drawable(x, y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${num(px(x))} ${num(py(y))} `;
      pen = true;
    }
    const look = `${s.faint ? ' stroke-width="1" stroke-opacity="0.3"' : ' stroke-width="1.8"'}${s.dashed ? ' stroke-dasharray="6 4"' : ''}`;
    if (d) out.push(`<path class="series" data-name="${escapeXml(s.name)}" d="${d.trim()}" fill="none" stroke="${escapeXml(color)}"${look} stroke-linejoin="round"/>`);
  });

  // legend: a corner of the plot, by default the one hiding the fewest points
  // faint series (raw values under a smoothed curve) are left out of it
  const listed = series.map((s, i) => ({ s, i })).filter(({ s }) => !s.faint);
  if (listed.length && o.legend !== 'none') {
    const rowH = 18;
    const longest = Math.max(...listed.map(({ s }) => s.name.length));
    const lw = 34 + 7 * longest;
    const lh = listed.length * rowH + 8;
    const corners = {
      'top-right': [m.left + pw - lw - 8, m.top + 8],
      'top-left': [m.left + 8, m.top + 8],
      'bottom-right': [m.left + pw - lw - 8, m.top + ph - lh - 8],
      'bottom-left': [m.left + 8, m.top + ph - lh - 8],
    } as const;
    type Corner = keyof typeof corners;
    let corner: Corner = 'top-right';
    if (o.legend && o.legend !== 'auto') corner = o.legend;
    else {
      const hidden = (c: Corner) => {
        const [x0, y0] = corners[c];
        let k = 0;
        for (const s of series) for (const [x, y] of s.points) if (drawable(x, y) && px(x) >= x0 - 4 && px(x) <= x0 + lw + 4 && py(y) >= y0 - 4 && py(y) <= y0 + lh + 4) k++;
        return k;
      };
      let best = Infinity;
      for (const c of Object.keys(corners) as Corner[]) {
        const k = hidden(c);
        if (k < best) [best, corner] = [k, c];
      }
    }
    const [lx, ly] = corners[corner];
    out.push('<g class="legend">');
    out.push(`<rect x="${num(lx)}" y="${num(ly)}" width="${num(lw)}" height="${lh}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
    listed.forEach(({ s, i }, row) => {
      const y = ly + 4 + rowH * row + rowH / 2;
      const color = s.color ?? PALETTE[i % PALETTE.length];
      if (s.markers) out.push(`<circle cx="${num(lx + 16)}" cy="${num(y)}" r="3.5" fill="${escapeXml(color)}"/>`);
      else out.push(`<line x1="${num(lx + 6)}" y1="${num(y)}" x2="${num(lx + 26)}" y2="${num(y)}" stroke="${escapeXml(color)}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      out.push(`<text x="${num(lx + 30)}" y="${num(y + 4)}">${escapeXml(s.name)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
