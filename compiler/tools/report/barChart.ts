// A small, dependency-free SVG grouped bar chart: one group of bars per
// category, one bar per series, an optional log-scale y axis, a legend. Pure
// and deterministic like lineChart (svgChart.ts), whose ticks, labels and
// palette it shares. Used by the peer benchmark (ms per training step of
// each implementation, one group per size).
//
//   barChart(['8, 20, 32', '16, 50, 128'], [{ name: 'cellc', values: [10.1, 257] }, …], { logY: true })
//
// A value that cannot be drawn (undefined, NaN, ±∞, ≤ 0 on a log axis)
// leaves its bar's slot empty.

import { axisTitles, escapeXml, formatTick, linearTicks, logTicks, num, PALETTE } from './svgChart.js';

export interface BarSeries {
  readonly name: string;
  /** One value per category; undefined: no bar. */
  readonly values: readonly (number | undefined)[];
  readonly color?: string;
}

export interface BarChartOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}


export function barChart(categories: readonly string[], series: readonly BarSeries[], o: BarChartOptions = {}): string {
  const W = o.width ?? 720;
  const legendH = 18 * Math.ceil(series.length / 3) + 8;
  const H = o.height ?? 400;
  const log = o.logY ?? false;
  const m = { left: 72, right: 20, top: (o.title ? 40 : 20) + legendH, bottom: o.xLabel ? 56 : 40 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  const drawable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && (!log || v > 0);
  const vs = series.flatMap((s) => s.values.filter(drawable));
  const empty = vs.length === 0;
  const yr = log ? logTicks(empty ? 1 : Math.min(...vs), empty ? 10 : Math.max(...vs)) : linearTicks(Math.min(0, ...(empty ? [0] : vs)), empty ? 1 : Math.max(...vs));
  const fy = (y: number) => (log ? Math.log10(y) : y);
  const py = (y: number) => m.top + ph - ((fy(y) - fy(yr.lo)) / (fy(yr.hi) - fy(yr.lo))) * ph;
  const groupW = pw / Math.max(1, categories.length);
  const barW = (groupW * 0.8) / Math.max(1, series.length);
  const barX = (g: number, s: number) => m.left + g * groupW + groupW * 0.1 + s * barW;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  if (o.title) out.push(`<text x="${num(W / 2)}" y="24" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);

  // legend: rows of three above the plot
  out.push('<g class="legend">');
  series.forEach((s, i) => {
    const x = m.left + (i % 3) * (pw / 3);
    const y = (o.title ? 40 : 20) + 18 * Math.floor(i / 3);
    out.push(`<rect x="${num(x)}" y="${num(y)}" width="12" height="12" fill="${escapeXml(s.color ?? PALETTE[i % PALETTE.length])}"/>`);
    out.push(`<text x="${num(x + 18)}" y="${num(y + 10)}">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');

  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of yr.ticks) out.push(`<line x1="${m.left}" y1="${num(py(t))}" x2="${m.left + pw}" y2="${num(py(t))}"/>`);
  out.push('</g>');
  out.push('<g class="axes" stroke="#333333" stroke-width="1">');
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}"/>`);
  for (const t of yr.ticks) out.push(`<line x1="${m.left - 5}" y1="${num(py(t))}" x2="${m.left}" y2="${num(py(t))}"/>`);
  out.push('</g>');
  out.push('<g class="tick-labels" fill="#333333">');
  for (const t of yr.ticks) out.push(`<text x="${m.left - 8}" y="${num(py(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t, log))}</text>`);
  categories.forEach((c, g) => out.push(`<text x="${num(m.left + (g + 0.5) * groupW)}" y="${m.top + ph + 18}" text-anchor="middle">${escapeXml(c)}</text>`));
  out.push('</g>');
  out.push(...axisTitles(o, { left: m.left, top: m.top, pw, ph, xLabelY: H - 12 }, empty));

  // bars grow from the bottom of the plot (log axis) or from 0
  const base = log ? m.top + ph : py(Math.max(yr.lo, Math.min(0, yr.hi)));
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    out.push(`<g class="bars" data-name="${escapeXml(s.name)}" fill="${escapeXml(color)}">`);
    categories.forEach((c, g) => {
      const v = s.values[g];
      if (!drawable(v)) return;
      const y = py(v);
      out.push(`<rect x="${num(barX(g, i))}" y="${num(Math.min(y, base))}" width="${num(barW * 0.92)}" height="${num(Math.abs(base - y))}"><title>${escapeXml(`${s.name}, ${c}: ${formatTick(v, false)}`)}</title></rect>`);
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
