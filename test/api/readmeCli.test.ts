// The README's command-line examples cannot rot: every `npx cellc …` (or
// `$ npm run demo`) line of its plain code blocks is run, in README order, in a
// scratch folder that holds the examples (dsl-examples/), so what they write
// stays out of the repository. Where the README shows output after a `$ `
// command, every shown line must appear, in order, in what the command prints
// (stdout and stderr together), compared modulo numbers (timings, losses,
// sizes vary) and spacing; `…` stands for anything. Examples without shown
// output must exit 0 (or 1 where they are shown to fail); their training
// budgets (--steps) are cut to a few steps. `bench` times one run after one
// warm-up (its output differs only in numbers).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inCI, root } from './helpers.js';

export interface CliExample {
  /** 1-based line of the command in README.md. */
  readonly line: number;
  readonly args: string[];
  /** The output the README shows under a `$ ` command. */
  readonly shown?: string[];
}

/** Words of a shell command line: blanks separate, double or single quotes group. */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** cellc arguments of a README command, or undefined when it is not one. */
function cellcArgs(command: string): string[] | undefined {
  const w = words(command.replace(/\s+#\s.*$/, ''));
  if (w[0] === 'npx' && w[1] === 'cellc') return w.slice(2);
  if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'demo') return ['demo', ...w.slice(4)];
  if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'cellc' && w[3] === '--') return w.slice(4);
  return undefined;
}

export function cliExamples(readme: string): CliExample[] {
  const lines = readme.split('\n');
  const out: CliExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const lang = open[2];
    let j = i + 1;
    const body: { text: string; line: number }[] = [];
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push({ text: lines[j].slice(indent), line: j + 1 });
    i = j;
    if (lang !== '' && lang !== 'sh') continue;
    for (let k = 0; k < body.length; k++) {
      const { text, line } = body[k];
      if (text.startsWith('$ ')) {
        const args = cellcArgs(text.slice(2));
        const shown: string[] = [];
        while (k + 1 < body.length && !body[k + 1].text.startsWith('$ ')) shown.push(body[++k].text);
        if (args) out.push({ line, args, shown });
      } else {
        const args = /^npx cellc /.test(text) ? cellcArgs(text) : undefined;
        if (args) out.push({ line, args });
      }
    }
  }
  return out;
}

/** A line compared modulo numbers and spacing. */
const norm = (s: string) => s.replace(/[-+]?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#').replace(/\bnever\b/g, '#').replace(/\s+/g, ' ').trim();

/** Lines of the README that depend on the machine: any printed line of the same kind matches. */
const machineLine = /^\s*(adapter|device):/;

/** Whether every shown line appears in `printed`, in order; `…` inside a line stands for any text, a line of `…` for any lines. */
export function shownIn(shown: readonly string[], printed: readonly string[]): { ok: boolean; missing?: string } {
  let p = 0;
  for (const s of shown) {
    if (s.trim() === '…' || !s.trim()) continue;
    const parts = norm(s).split('…').map((x) => x.trim()).filter(Boolean);
    const kind = machineLine.exec(s)?.[1];
    const matches = (line: string) => {
      if (kind) return new RegExp(`^\\s*${kind}:`).test(line);
      const n = norm(line);
      let at = 0;
      for (const part of parts) {
        const f = n.indexOf(part, at);
        if (f < 0) return false;
        at = f + part.length;
      }
      return true;
    };
    while (p < printed.length && !matches(printed[p])) p++;
    if (p === printed.length) return { ok: false, missing: s };
    p++;
  }
  return { ok: true };
}

const cwd = mkdtempSync(join(tmpdir(), 'cellc-readme-cli-'));
symlinkSync(join(root, 'dsl-examples'), join(cwd, 'dsl-examples'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** A few steps instead of the README's budget, for examples whose output is not shown. */
const FEW_STEPS = 6;

function cellc(args: readonly string[]): Promise<{ code: number | null; printed: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'runtime/apps/cli/cellc.mjs'), ...args], {
      cwd,
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', NO_COLOR: '1', CELLC_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (printed += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (printed += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, printed }));
  });
}

/** Commands that write no files run once however often the README shows them (bench and run --compare appear twice). */
const PURE = new Set(['check', 'graph', 'plan', 'emit', 'run', 'bench', 'gradcheck']);
const ran = new Map<string, Promise<{ code: number | null; printed: string }>>();
function once(args: readonly string[]): Promise<{ code: number | null; printed: string }> {
  if (!PURE.has(args[0]) || args.includes('-o') || args.includes('--out')) return cellc(args);
  const key = JSON.stringify(args);
  if (!ran.has(key)) ran.set(key, cellc(args));
  return ran.get(key)!;
}

const examples = cliExamples(readFileSync(join(root, 'README.md'), 'utf8'));

describe('README: command-line examples', () => {
  it('finds them (and the comparison catches a changed line)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
    expect(examples.filter((e) => e.shown?.length).length).toBeGreaterThanOrEqual(6);
    expect(shownIn(['run LSTM: sizes I=5, H=17; B=3, T=15; seed 1', '…', '  forward … 12 dispatches'], ['noise', 'run LSTM: sizes I=6, H=9; B=2, T=4; seed 7', 'x', '  forward: 9 dispatches']).ok).toBe(true);
    expect(shownIn(['run LSTM: sizes I=5'], ['run GRU: sizes I=5']).ok).toBe(false);
    expect(shownIn(['a', 'b'], ['b', 'a']).ok).toBe(false);
  });

  it.for(examples.map((e) => [`README.md:${e.line}: cellc ${e.args.join(' ')}`, e] as const))('%s', { timeout: 900_000 }, async ([, e], t) => {
    const args = e.shown ? [...e.args] : e.args.map((a, i) => (e.args[i - 1] === '--steps' && Number(a) > FEW_STEPS ? String(FEW_STEPS) : a));
    if (args[0] === 'bench') args.push('--runs', '1', '--warmup', '1');
    const r = await once(args);
    if (/No WebGPU adapter/.test(r.printed) && !e.shown?.some((l) => /No WebGPU adapter/.test(l))) {
      if (inCI) throw new Error(`no WebGPU device in CI: ${r.printed}`);
      return t.skip('no WebGPU adapter');
    }
    const expectsFailure = !!e.shown?.some((l) => /^\s*cellc: |error\(s\)$|\sFAIL$/.test(l));
    expect(r.code, r.printed).toBe(expectsFailure ? 1 : 0);
    if (e.shown) {
      const m = shownIn(e.shown, r.printed.split('\n'));
      expect(m.ok, `README.md:${e.line}: this shown line is not in the output:\n  ${m.missing}\noutput:\n${r.printed}`).toBe(true);
    }
  });
});
