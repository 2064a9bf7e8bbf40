// bench.svg: per cell, a grouped bar chart of ms per training step on a log
// axis — one group per size, one bar per implementation — stacked into one
// SVG (each panel a nested <svg>).

import { barChart } from '../../../../compiler/tools/index.js';
import type { Impl } from './jobs.js';
import { CELLS } from './options.js';
import type { Report } from './report.js';
import { implColumns, implLabel, sizeLabel } from './table.js';

const PANEL = { width: 760, height: 380 };

export function benchSvg(r: Report): string {
  const impls: Impl[] = implColumns(r.options.peers);
  const panels = r.options.cells.map((cell) =>
    barChart(
      r.options.grid.map(sizeLabel),
      impls.map((impl) => ({
        name: implLabel(impl, r.machine.torch_device),
        values: r.options.grid.map((s) => {
          const o = r.entries.find((e) => e.cell === cell && e.impl === impl && e.B === s.B && e.T === s.T && e.H === s.H)?.outcome;
          return o?.status === 'ok' ? o.train_ms : undefined;
        }),
      })),
      { title: `${CELLS[cell].label}: ms per training step (log scale; no bar: absent, failed or n/a)`, xLabel: 'B, T, H (I = H)', yLabel: 'ms', logY: true, ...PANEL },
    ),
  );
  const H = PANEL.height * panels.length;
  const nested = panels.map((p, i) => p.replace('<svg xmlns="http://www.w3.org/2000/svg"', `<svg y="${i * PANEL.height}"`));
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL.width}" height="${H}" viewBox="0 0 ${PANEL.width} ${H}">`, ...nested, '</svg>'].join('\n') + '\n';
}
