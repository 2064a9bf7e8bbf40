// JSON lines → a data set: one sequence per non-blank line, either
//   [v0, v1, …]                 one feature per step,
//   [[v, …], [v, …], …]         F features per step, or
//   {"x": <one of the above>, "label": k}  or  {"x": …, "labels": [k0, k1, …]}
// (a class per sequence for classification, per step for sequence labelling).

import { classIndex, DataError, type Dataset, type Sequence } from './dataset.js';

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function stepsOf(x: unknown, at: string): { values: Float64Array; steps: number; F: number } {
  if (!Array.isArray(x) || x.length === 0) throw new DataError(`${at}: the sequence must be a non-empty array of numbers or of arrays of numbers, got ${describe(x)}`);
  const nested = Array.isArray(x[0]);
  const F = nested ? (x[0] as unknown[]).length : 1;
  if (F === 0) throw new DataError(`${at}, step 0: the step has no values`);
  const values = new Float64Array(x.length * F);
  x.forEach((step, t) => {
    const row: unknown[] = nested ? step : [step];
    if (!Array.isArray(row)) throw new DataError(`${at}, step ${t}: expected an array of ${F} numbers like step 0, got ${describe(step)}`);
    if (row.length !== F) throw new DataError(`${at}, step ${t}: the step has ${row.length} value(s), step 0 has ${F}`);
    row.forEach((v, f) => {
      if (typeof v !== 'number') throw new DataError(`${at}, step ${t}${nested ? `, value ${f}` : ''}: ${describe(v)} is not a number${v === null ? ' (fill in missing values before training)' : ''}`);
      values[t * F + f] = v;
    });
  });
  return { values, steps: x.length, F };
}

export function parseJsonl(text: string, source: string): Dataset {
  const sequences: Sequence[] = [];
  let F = 0;
  let firstLine = 0;
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, k) => {
      if (raw.trim() === '') return;
      const at = `${source}, line ${k + 1}`;
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch (e) {
        const special = /\b(NaN|Infinity)\b/.exec(raw)?.[1];
        if (special) throw new DataError(`${at}: ${special} is not a JSON number (fill in missing values before training)`);
        const why = (e as Error).message.replace(/ in JSON at position \d+.*$/, '');
        throw new DataError(`${at}: not valid JSON (${why.charAt(0).toLowerCase()}${why.slice(1)})`);
      }
      const obj = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      if (obj && !('x' in obj)) throw new DataError(`${at}: the object has no "x" (the sequence); its keys are ${Object.keys(obj).map((s) => `"${s}"`).join(', ') || 'none'}`);
      const s = stepsOf(obj ? obj.x : v, at);
      if (sequences.length === 0) {
        F = s.F;
        firstLine = k + 1;
      } else if (s.F !== F) throw new DataError(`${at}: the sequence has ${s.F} feature(s) per step, line ${firstLine} has ${F}`);
      let label: number | undefined;
      let labels: Int32Array | undefined;
      if (obj && 'label' in obj) {
        const c = classIndex(obj.label);
        if (typeof c === 'string') throw new DataError(`${at}: ${c}`);
        label = c;
      }
      if (obj && 'labels' in obj) {
        const l = obj.labels;
        if (!Array.isArray(l) || l.length !== s.steps) throw new DataError(`${at}: "labels" must be an array of ${s.steps} class indices (one per step), got ${describe(l)}`);
        labels = new Int32Array(s.steps);
        l.forEach((x, t) => {
          const c = classIndex(x);
          if (typeof c === 'string') throw new DataError(`${at}, step ${t}: ${c}`);
          labels![t] = c;
        });
      }
      sequences.push({ values: s.values, steps: s.steps, where: `line ${k + 1}`, ...(label !== undefined ? { label } : {}), ...(labels ? { labels } : {}) });
    });
  if (sequences.length === 0) throw new DataError(`${source} is empty (no sequences)`);
  return { source, features: F, sequences };
}
