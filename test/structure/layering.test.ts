// The architecture, checked from the source files (pure: no GPU):
//   - compiler/ never imports runtime/ or WebGPU (the compiler runs anywhere);
//   - runtime/ uses the compiler only through its public entry points
//     (compiler/index.ts "cellc/compiler", compiler/tools/index.ts "cellc/tools",
//     compiler/bindings/index.ts "cellc/bindings");
//   - no import cycles among the project's modules; source files stay small;
//   - the runtime spells no WGSL of its own: every shader it runs comes from
//     an artifact's kernel records (the GPU side of this is in
//     test/gpu/kernelAbi.test.ts).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PUBLIC_ENTRIES = ['compiler/index.ts', 'compiler/tools/index.ts', 'compiler/bindings/index.ts'];

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(join(ROOT, p)).isDirectory() ? filesUnder(p) : /\.(ts|mjs)$/.test(p) ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic import()s. */
function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

/** A relative specifier resolved to a project path (`x.js` → `x.ts` where that exists). */
function resolve(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const p = relative(ROOT, join(ROOT, dirname(file), spec)).replace(/\\/g, '/');
  const ts = p.replace(/\.js$/, '.ts');
  try {
    statSync(join(ROOT, ts));
    return ts;
  } catch {
    return p;
  }
}

describe('layering', () => {
  it('nothing under compiler/ imports runtime/ or webgpu', () => {
    const files = filesUnder('compiler');
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const f of files) {
      for (const s of imports(f)) {
        const r = resolve(f, s) ?? s;
        if (/^runtime(\/|$)/.test(r) || /^(webgpu|@webgpu\/)/.test(s)) offenders.push(`${f}: ${s}`);
      }
      if (/<reference\s+types=["']@webgpu\//.test(readFileSync(join(ROOT, f), 'utf8'))) offenders.push(`${f}: references @webgpu/types`);
    }
    expect(offenders).toEqual([]);
  });

  it('runtime/ imports the compiler only through its public entry points', () => {
    const files = filesUnder('runtime');
    expect(files.length).toBeGreaterThan(20);
    const intoCompiler: string[] = [];
    const offenders: string[] = [];
    for (const f of files) {
      for (const s of imports(f)) {
        const r = resolve(f, s);
        if (!r?.startsWith('compiler/')) continue;
        intoCompiler.push(r);
        if (!PUBLIC_ENTRIES.includes(r)) offenders.push(`${f}: ${s}`);
      }
    }
    expect(intoCompiler.length).toBeGreaterThan(10); // the check sees the imports it polices
    expect(offenders).toEqual([]);
  });

  it('the checker recognises an internal import (so the pass above means something)', () => {
    expect(resolve('runtime/core/cellRuntime.ts', '../../compiler/artifact/layout.js')).toBe('compiler/artifact/layout.ts');
    expect(PUBLIC_ENTRIES).not.toContain('compiler/artifact/layout.ts');
  });

  it('no import cycles among compiler/ and runtime/ modules', () => {
    const files = [...filesUnder('compiler'), ...filesUnder('runtime')];
    const edges = new Map(files.map((f) => [f, imports(f).map((s) => resolve(f, s)).filter((r): r is string => !!r && files.includes(r))]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    // iterative depth-first search: a back edge to an open module closes a cycle
    for (const start of files) {
      if (state.has(start)) continue;
      const work: { f: string; i: number }[] = [{ f: start, i: 0 }];
      state.set(start, 'open');
      stack.push(start);
      while (work.length) {
        const top = work[work.length - 1];
        const next = edges.get(top.f)![top.i++];
        if (next === undefined) {
          state.set(top.f, 'done');
          stack.pop();
          work.pop();
        } else if (state.get(next) === 'open') {
          cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
        } else if (!state.has(next)) {
          state.set(next, 'open');
          stack.push(next);
          work.push({ f: next, i: 0 });
        }
      }
    }
    expect(cycles).toEqual([]);
  });

  it('the runtime spells no WGSL: no compute entry points or bindings in runtime/ sources', () => {
    const offenders = filesUnder('runtime').filter((f) => /@compute|@group\(\s*\d+\s*\)\s*@binding|var<storage/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('source files stay small: none under compiler/ or runtime/ over 450 lines (one job per file)', () => {
    const long = [...filesUnder('compiler'), ...filesUnder('runtime')]
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length }))
      .filter((x) => x.lines > 450)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });
});
