// The artifact as data and the public compiler API (pure: no GPU):
//   - golden WGSL: every kernel of LSTM and GRU at I=3, H=4 as `cellc emit`
//     prints it (test/golden/wgsl/*.wgsl; UPDATE_GOLDEN=1 rewrites them);
//   - every example's artifact survives JSON.stringify / JSON.parse unchanged;
//   - compile(): artifacts or diagnostics (E401 bad size, E402 free size,
//     E101 cell selection, syntax errors), never a throw for user errors;
//   - the package entries ("cellc", "cellc/compiler") export the API.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wgslListing } from '../../compiler/artifact/inspect.js';
import { check, compile, type Artifact } from '../../compiler/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort();
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const source = (file: string) => readFileSync(join(ROOT, 'dsl-examples', file), 'utf8');

function artifactOf(file: string, sizes?: Record<string, number>): Artifact {
  const r = compile(source(file), { path: file, ...(sizes ? { sizes } : {}) });
  if ('diagnostics' in r) throw new Error(r.formatted);
  return r.artifact;
}

describe('golden WGSL', () => {
  for (const name of ['lstm', 'gru']) {
    it(`${name}.cell at I=3, H=4 (every kernel, with headers, and the GEMM descriptors)`, () => {
      const actual = wgslListing(artifactOf(`${name}.cell`, { I: 3, H: 4 }));
      const path = join(ROOT, 'test/golden/wgsl', `${name}.wgsl`);
      if (UPDATE) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, actual);
        return;
      }
      expect(existsSync(path), `${path} is missing; run UPDATE_GOLDEN=1 npx vitest run test/gpu/artifact.test.ts`).toBe(true);
      expect(actual).toBe(readFileSync(path, 'utf8'));
    });
  }

  it('the listing has every kernel that runs, GEMMs included, each with a header, its bindings and its WGSL', () => {
    const a = artifactOf('lstm.cell', { I: 3, H: 4 });
    const text = wgslListing(a);
    expect(text.match(/^\/\/ ===== kernel /gm)).toHaveLength(a.kernels.length);
    const planned = [a.forward, a.backward].flatMap((p) => [...p.prelude, ...p.before, ...p.step, ...p.after]).concat(a.backward.grads);
    expect(new Set(planned)).toEqual(new Set(a.kernels.map((k) => k.name)));
    expect(a.kernels.filter((k) => k.role === 'gemm').length).toBeGreaterThan(0);
    for (const k of a.kernels) {
      expect(text).toContain(`// ===== kernel ${k.name} (${k.role})`);
      expect(text).toContain(k.wgsl.trimEnd());
      for (const b of k.bindings) expect(text).toContain(`@group(${b.group}) @binding(${b.binding}) ${b.name}: ${b.kind}`);
    }
  });
});

describe('the artifact is plain JSON-serialisable data', () => {
  const cells = EXAMPLES.flatMap((file) => check(source(file), file).graphs.map((g) => ({ file, cell: g.name, sizes: g.sizes.map((s) => s.name) })));
  it.each(cells)('$file $cell', ({ file, cell, sizes }) => {
    // the defaults, and small distinct values not multiples of the 64-thread workgroup or the 4-row block
    for (const values of [undefined, [3, 65, 5, 6]]) {
      const r = compile(source(file), { path: file, cell, ...(values ? { sizes: Object.fromEntries(sizes.map((n, i) => [n, values[i]])) } : {}) });
      if ('diagnostics' in r) throw new Error(r.formatted);
      // toStrictEqual: an undefined property, NaN/Infinity (→ null) or a class instance would differ
      expect(JSON.parse(JSON.stringify(r.artifact))).toStrictEqual(r.artifact);
    }
  });
});

describe('compile()', () => {
  const lstm = source('lstm.cell');

  it('compiles at the default sizes, or with overrides', () => {
    const r = compile(lstm);
    expect('artifact' in r && r.artifact.sizes).toEqual({ I: 64, H: 128 });
    const s = compile(lstm, { sizes: { H: 7 } });
    expect('artifact' in s && s.artifact.sizes).toEqual({ I: 64, H: 7 });
    expect('artifact' in s && s.artifact.cell).toBe('LSTM');
  });

  it('a free size without a value is E402; a bad or unknown override is E401', () => {
    const free = 'cell E(x[I]) {\n  size H = 4\n  state h[H] = 0\n  h\' = tanh(dense(x, h))\n  output h\'\n}\n';
    const r = compile(free, { path: 'e.cell' });
    expect('diagnostics' in r && r.diagnostics.map((d) => d.code)).toEqual(['E402']);
    expect('diagnostics' in r && r.formatted).toMatch(/error E402: size I of cell E has no value/);
    expect('artifact' in compile(free, { sizes: { I: 3 } })).toBe(true);
    const bad = compile(lstm, { sizes: { H: 0 } });
    expect('diagnostics' in bad && bad.diagnostics.map((d) => d.code)).toEqual(['E401']);
    const frac = compile(lstm, { sizes: { H: 2.5 } });
    expect('diagnostics' in frac && frac.diagnostics.map((d) => d.code)).toEqual(['E401']);
    const unknown = compile(lstm, { sizes: { Q: 3 } });
    expect('diagnostics' in unknown && unknown.formatted).toMatch(/E401: cell LSTM has no size symbol 'Q'/);
  });

  it('syntax and shape errors come back as diagnostics with source excerpts', () => {
    const r = compile('cell A(x[I]) {\n  h\' = = x\n}\n', { path: 'bad.cell' });
    expect('diagnostics' in r).toBe(true);
    if ('diagnostics' in r) {
      expect(r.diagnostics.length).toBeGreaterThan(0);
      expect(r.formatted).toMatch(/^bad\.cell:2:\d+: error E\d{3}: /);
    }
  });

  it('selects the cell: the only one, the one named, or asks for one', () => {
    const two = `${lstm}\ncell B(x[I]) {\n  size I = 2\n  state h[3] = 0\n  h' = tanh(dense(x, h))\n  output h'\n}\n`;
    const none = compile(two, { path: 'two.cell' });
    expect('diagnostics' in none && none.formatted).toMatch(/defines several cells \(LSTM, B\)/);
    const b = compile(two, { cell: 'B' });
    expect('artifact' in b && b.artifact.cell).toBe('B');
    const missing = compile(lstm, { cell: 'Nope' });
    expect('diagnostics' in missing && missing.formatted).toMatch(/has no cell named 'Nope' \(it has: LSTM\)/);
  });
});

describe('package entries', () => {
  it('"cellc/compiler" and "cellc" map to compiler/index.ts and runtime/index.ts, which export the API', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const source = (e: string | Record<string, string>) => (typeof e === 'string' ? e : e['cellc-source']);
    expect(source(pkg.exports['.'])).toBe('./runtime/index.ts');
    expect(source(pkg.exports['./compiler'])).toBe('./compiler/index.ts');
    const compilerEntry = await import('../../compiler/index.js');
    for (const name of ['compile', 'check', 'bindSizes', 'lower', 'schedule', 'generate', 'compileBound', 'dumpStage', 'printGraph', 'formatDiagnostic', 'wgslListing', 'formatPlan', 'evalDispatch'])
      expect(typeof (compilerEntry as Record<string, unknown>)[name], name).toBe('function');
    const main = await import('../../runtime/index.js');
    for (const name of ['compile', 'createRuntime', 'acquireDevice', 'CellRuntime', 'GpuContext', 'contextForDevice', 'BufferTooLargeError'])
      expect(typeof (main as Record<string, unknown>)[name], name).toBe('function');
  });

  it('createRuntime rejects something that is not an artifact before touching the device', async () => {
    const { createRuntime } = await import('../../runtime/index.js');
    await expect(createRuntime({} as GPUDevice, { format: 'nope' } as never, { B: 1, T: 1 })).rejects.toThrow(/not a cellc artifact/);
  });
});
