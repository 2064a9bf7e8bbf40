// What a hostile source may and may not do to the compiler: it comes back
// with an artifact or with diagnostics, never an exception; every diagnostic
// about the text is located (FILE:LINE:COL); and it comes back in time.

import { compile, type CompileResult } from '../../../../compiler/index.js';

/** Per-case limit on the compiler's CPU time for one source (wall time on a loaded machine says little; a hang is far beyond it). */
export const SOURCE_LIMIT_MS = 10_000;

export interface Verdict {
  readonly problem?: string;
  readonly ms: number;
  readonly outcome: 'artifact' | 'diagnostics' | 'failure';
}

const PATH = 'hostile.cell';
/** Diagnostics about sizes the caller must give are about the command line, not the text: they may lack a place. */
const UNLOCATED_OK = new Set(['E401', 'E402']);

function problemsOf(r: CompileResult, byName: boolean): string | undefined {
  if (!('diagnostics' in r)) return undefined;
  if (!r.diagnostics.length) return 'no artifact and no diagnostics';
  for (const d of r.diagnostics) {
    // asking for a cell by name (as --cell does) that the file lacks is about the option, not the text
    const aboutOption = byName && d.code === 'E101' && /no cell named/.test(d.message);
    if (!d.span && !UNLOCATED_OK.has(d.code) && !aboutOption) return `${d.code} has no source location: ${d.message}`;
  }
  if (r.diagnostics.some((d) => d.span) && !new RegExp(`^${PATH.replace('.', '\\.')}:\\d+:\\d+: error E\\d{3}: `, 'm').test(r.formatted)) {
    return `diagnostics not printed as FILE:LINE:COL: ${JSON.stringify(r.formatted.slice(0, 200))}`;
  }
  return undefined;
}

/** Compiles `text` (every cell of it, at its default sizes) and judges what came back. */
export function judgeSource(text: string): Verdict {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage().user;
  try {
    let r = compile(text, { path: PATH });
    const results = [r];
    // several cells: compile each by name (the first answer is E101 'which cell?')
    if ('diagnostics' in r && r.diagnostics.length === 1 && /several cells|which cell|--cell/i.test(r.diagnostics[0].message)) {
      results.length = 0;
      for (const m of text.matchAll(/\bcell\s+([A-Za-z_]\w*)/g)) results.push((r = compile(text, { path: PATH, cell: m[1] })));
    }
    const ms = performance.now() - t0;
    const cpuMs = (process.cpuUsage().user - cpu0) / 1000;
    for (const x of results) {
      const p = problemsOf(x, x !== results[0] || results.length > 1);
      if (p) return { problem: p, ms, outcome: 'failure' };
    }
    if (cpuMs > SOURCE_LIMIT_MS) return { problem: `took ${cpuMs.toFixed(0)} ms of CPU (limit ${SOURCE_LIMIT_MS} ms)`, ms, outcome: 'failure' };
    return { ms, outcome: results.every((x) => !('diagnostics' in x)) ? 'artifact' : 'diagnostics' };
  } catch (e) {
    return { problem: `threw ${(e as Error)?.stack?.split('\n').slice(0, 4).join(' | ') ?? String(e)}`, ms: performance.now() - t0, outcome: 'failure' };
  }
}
