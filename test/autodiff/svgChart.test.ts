// The SVG line chart (compiler/tools/report/svgChart.ts): well-formed, deterministic,
// log axis with decade ticks, gaps at undrawable points, legend, escaping.

import { describe, expect, it } from 'vitest';
import { formatTick, lineChart, linearTicks, logTicks } from '../../compiler/tools/report/svgChart.js';

/** A tiny XML well-formedness check: balanced tags, quoted attributes, no stray '<' or '&'. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    const text = svg.slice(last, m.index);
    if (/[<>]/.test(text) || /&(?!(amp|lt|gt|quot);)/.test(text)) return false;
    last = tag.lastIndex;
    if (m[4]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0 && !/[<>]/.test(svg.slice(last));
}

const decay = (q: number, n = 30) => Array.from({ length: n + 1 }, (_, t) => [t, Math.pow(q, n - t)] as const);

describe('lineChart', () => {
  it('renders several series as paths with axes, ticks, labels and a legend', () => {
    const svg = lineChart(
      [
        { name: 'rnn', points: decay(0.3) },
        { name: 'lstm <c>', points: decay(0.8) },
      ],
      { title: 'A & B', xLabel: 't', yLabel: 'norm', logY: true },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    expect(svg.match(/<path class="series"/g)).toHaveLength(2);
    expect(svg).toContain('>A &amp; B</text>');
    expect(svg).toContain('>lstm &lt;c&gt;</text>');
    expect(svg).toContain('>t</text>');
    expect(svg).toContain('>norm</text>');
    // 0.3^30 ≈ 2e-16 … 1: decade ticks, thinned
    expect(svg).toMatch(/>1e-16</);
    expect(svg).toContain('>1</text>');
    expect(lineChart([{ name: 'a', points: decay(0.5) }], { logY: true })).toBe(lineChart([{ name: 'a', points: decay(0.5) }], { logY: true }));
  });

  it('breaks a line at points it cannot draw (0 or NaN on a log axis) instead of bridging them', () => {
    const svg = lineChart([{ name: 's', points: [[0, 1], [1, 0.1], [2, 0], [3, 0.01], [4, NaN], [5, 1e-3], [6, 1e-4]] }], { logY: true });
    const d = /d="([^"]+)"/.exec(svg.slice(svg.indexOf('class="series"')))![1];
    expect(d.match(/M/g)).toHaveLength(3);
    expect(d.match(/L/g)).toHaveLength(2);
    expect(wellFormed(svg)).toBe(true);
  });

  it('draws empty axes with a note when nothing is drawable', () => {
    const svg = lineChart([{ name: 's', points: [[0, 0], [1, -1]] }], { logY: true });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('no data to plot');
    expect(svg).not.toContain('class="series"');
  });

  it('puts the legend in the emptiest corner', () => {
    const up = lineChart([{ name: 'up', points: Array.from({ length: 50 }, (_, i) => [i, i] as const) }]);
    const rect = /<g class="legend">\s*<rect x="([\d.]+)" y="([\d.]+)"/.exec(up)!;
    // a rising line fills the bottom-left and top-right corners: the legend goes top-left or bottom-right
    const [x, y] = [Number(rect[1]), Number(rect[2])];
    expect((x < 200 && y < 100) || (x > 400 && y > 200)).toBe(true);
  });
});

describe('ticks', () => {
  it('a faint series is thin and pale and left out of the legend; a dashed one is dashed in the plot and the legend', () => {
    const svg = lineChart([
      { name: 'raw', points: [[0, 1], [1, 2]], faint: true },
      { name: 'smoothed', points: [[0, 1.5], [1, 1.5]] },
      { name: 'held-out', points: [[0, 1], [1, 1]], dashed: true },
    ]);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toMatch(/<path class="series" data-name="raw" [^>]*stroke-width="1" stroke-opacity="0.3"/);
    expect(svg).toMatch(/<path class="series" data-name="held-out" [^>]*stroke-dasharray="6 4"/);
    const legend = svg.slice(svg.indexOf('<g class="legend">'));
    expect(legend).not.toContain('>raw<');
    expect(legend).toContain('>smoothed<');
    expect(legend).toMatch(/<line [^>]*stroke-dasharray="6 4"\/>\n<text [^>]*>held-out</);
  });

  it('linear ticks are 1/2/5 steps covering the range', () => {
    expect(linearTicks(0, 100).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(0, 7).ticks).toEqual([0, 2, 4, 6, 8]);
    expect(linearTicks(-0.3, 0.25).ticks).toEqual([-0.4, -0.2, 0, 0.2, 0.4]);
    expect(linearTicks(0.05, 0.93).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(5, 5).ticks.length).toBeGreaterThan(1);
  });

  it('log ticks are decades, thinned to a handful', () => {
    expect(logTicks(0.003, 20).ticks).toEqual([1e-3, 1e-2, 1e-1, 1, 10, 100]);
    const wide = logTicks(1e-18, 1).ticks;
    expect(wide.length).toBeLessThanOrEqual(10);
    expect(wide[0]).toBeLessThanOrEqual(1e-18);
    expect(wide.at(-1)).toBe(1);
    expect(formatTick(1e-7, true)).toBe('1e-7');
    expect(formatTick(0.01, true)).toBe('0.01');
    expect(formatTick(1000, true)).toBe('1000');
    expect(formatTick(2.5, false)).toBe('2.5');
  });
});

describe('lineChart: bands, dots and a categorical axis (the sweep charts)', () => {
  it('draws a band under its line, dots instead of a line, and category labels', () => {
    const band = lineChart([{ name: 'mean', points: [[0, 1], [1, 2]], band: [[0, 0.5, 1.5], [1, 1, 4]] }], { logY: false });
    expect(wellFormed(band)).toBe(true);
    expect(band.indexOf('class="band"')).toBeLessThan(band.indexOf('class="series"'));
    // the band widens the y axis to its high edge (4)
    expect(band).toMatch(/>4<\/text>/);
    const dots = lineChart([{ name: 'seed', points: [[0, 1], [1, 3], [1, 2]], markers: true }], { xCategories: ['LSTM', 'GRU <x>'] });
    expect(wellFormed(dots)).toBe(true);
    expect(dots.match(/<circle /g)).toHaveLength(3 + 1); // and one in the legend
    expect(dots).not.toContain('class="series"');
    expect(dots).toContain('>LSTM</text>');
    expect(dots).toContain('>GRU &lt;x&gt;</text>');
    expect(dots).not.toMatch(/>0\.5<\/text>/); // no numeric x ticks
    // the same chart without the new fields is unchanged by them
    expect(lineChart([{ name: 'a', points: [[0, 1], [1, 2]] }])).toBe(lineChart([{ name: 'a', points: [[0, 1], [1, 2]], band: [] }]));
  });
});
