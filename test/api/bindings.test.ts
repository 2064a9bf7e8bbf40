// `cellc emit --target ts`: for every file in dsl-examples/, the generated
// module type-checks (tsc --strict, one program, against the package's built
// declarations) and, run on the GPU at small sizes (B = 2, T = 3), gives the
// same outputs as the library API (compile + createRuntime) with the same
// parameters and inputs; for a few cells also the same gradients through the
// typed backward(). Also: the CLI writes the module with -o.
//
// The GPU part runs in a child process (tsx, importing 'cellc' like a
// consumer; one device), started in beforeAll so that it overlaps the type
// check. Its time is mostly lavapipe compiling every kernel of every cell.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateBindings } from '../../compiler/bindings/index.js';
import { checkSource } from '../../compiler/frontend.js';
import { main } from '../../runtime/apps/cli/main.js';
import type { CellReport, ManifestEntry } from './bindingsRunner.js';
import { CONSUMER_OPTIONS, inCI, noAdapter, requireBuild, root, runTsx, scratchDir, smallSizes, typeCheck, type RunResult } from './helpers.js';

const examples = readdirSync(join(root, 'dsl-examples'))
  .filter((f) => f.endsWith('.cell'))
  .sort();

// Gradients through the typed backward() too for: a plain RNN, and a reverse-time cell with two
// float inputs (input gradients in time order). LSTM gradients: the README's trainStep example.
const BACKWARD = new Set(['Elman', 'Backtrack']);

// On a fresh machine (empty Mesa shader cache) lavapipe compiles ~27 cells' kernels: allow for a slow, busy one.
const GPU_TIMEOUT = 540_000;

const scratch = scratchDir('bindings');
const manifest: ManifestEntry[] = [];
let generateMs = 0;
let gpuRun: Promise<RunResult> | undefined;

beforeAll(() => {
  const t0 = performance.now();
  for (const f of examples) {
    const file = `dsl-examples/${f}`;
    const source = readFileSync(join(root, file), 'utf8');
    const checked = checkSource(file, source);
    expect(checked.diagnostics, file).toEqual([]);
    const names = [...new Map(checked.graphs.flatMap((g) => g.sizes).map((s) => [s.name, s])).values()];
    const sizes = smallSizes(names);
    const r = generateBindings(source, { path: file, sizes });
    if ('diagnostics' in r) throw new Error(r.formatted);
    const module = join(scratch.dir, f.replace(/\.cell$/, '.ts'));
    writeFileSync(module, r.code);
    manifest.push({ file, module, sizes, cells: r.cells, backward: r.cells.filter((c) => BACKWARD.has(c)) });
  }
  generateMs = performance.now() - t0;
  if (!inject('cellcBuild').errors) {
    const manifestFile = join(scratch.dir, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    gpuRun = runTsx('test/api/bindingsRunner.ts', [manifestFile], GPU_TIMEOUT);
  }
});
afterAll(async () => {
  await gpuRun?.catch(() => undefined);
  scratch.remove();
});

describe('generated bindings for every dsl-examples file', () => {
  it('generates one module per file with a factory per cell', () => {
    expect(manifest.length).toBe(examples.length);
    const lstm = readFileSync(manifest.find((m) => m.file.endsWith('/lstm.cell'))!.module, 'utf8');
    expect(lstm).toMatch(/^export const H = 4;$/m);
    expect(lstm).toMatch(/^export const I = 3;$/m);
    expect(lstm).toContain("readonly 'i.W_x': readonly [4, 3];");
    expect(lstm).toContain('export function createLSTM(device: GPUDevice | GpuContext, shape: RuntimeShape): Promise<LSTMCell>');
    expect(lstm).toContain("from 'cellc';");
    // doc comments from the source: the header comment and the equations
    expect(lstm).toContain(' * LSTM (with forget gate), exactly the example from the language notes');
    expect(lstm).toContain(" * h' = o * tanh(c')");
    console.log(`generated ${manifest.length} modules (${manifest.reduce((n, m) => n + m.cells.length, 0)} cells) in ${(generateMs / 1000).toFixed(1)} s`);
  });

  it('type-checks with tsc --strict against the built package', () => {
    requireBuild();
    const t0 = performance.now();
    // no Node types: the package's declarations must do without them (browser consumers)
    const r = typeCheck(manifest.map((m) => m.module), { ...CONSUMER_OPTIONS, types: [], skipLibCheck: true });
    console.log(`tsc --strict over ${manifest.length} generated modules: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.all).toBe('');
  });

  it('runs: the same outputs and gradients as compile + createRuntime (B=2, T=3)', { timeout: GPU_TIMEOUT + 10_000 }, async (t) => {
    requireBuild();
    const r = await gpuRun!;
    if (r.code === 3 && noAdapter(r)) {
      if (inCI) throw new Error(`no WebGPU device in CI: ${r.stderr}`);
      return t.skip(`no WebGPU adapter: ${r.stderr.trim()}`);
    }
    expect(r.code, r.stderr).toBe(0);
    const reports = JSON.parse(r.stdout.trim().split('\n').pop()!) as CellReport[];
    console.log(`ran ${reports.length} cells through their bindings and the library in ${(r.ms / 1000).toFixed(1)} s`);
    expect(reports.map((x) => x.cell).sort()).toEqual(manifest.flatMap((m) => m.cells).sort());
    for (const x of reports) {
      expect(x.sameArtifact, `${x.file} ${x.cell}: embedded artifact`).toBe(true);
      expect(x.values, `${x.file} ${x.cell}: outputs`).toBeGreaterThan(0);
      expect(x.outputDiff, `${x.file} ${x.cell}: outputs`).toBeLessThanOrEqual(1e-6);
      if (BACKWARD.has(x.cell)) expect(x.gradDiff, `${x.file} ${x.cell}: gradients`).toBeLessThanOrEqual(1e-5);
    }
    expect(reports.filter((x) => BACKWARD.has(x.cell)).length).toBe(BACKWARD.size);
  });
});

describe('cellc emit --target ts', () => {
  it('writes the module with -o, applying --set and --cell', async () => {
    const out = join(scratch.dir, 'cli', 'backtrack.ts');
    const code = await main(['emit', join(root, 'dsl-examples', 'viterbi.cell'), '--target', 'ts', '--cell', 'Backtrack', '--set', 'S=5', '-o', out]);
    expect(code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('export function createBacktrack(');
    expect(text).not.toContain('createViterbi');
    expect(text).toMatch(/^export const S = 5;$/m);
    expect(text).toContain('--target ts --set S=5 --cell Backtrack');
  });

  it('reports diagnostics and bad targets as user errors', async () => {
    const bad = join(scratch.dir, 'bad.cell');
    writeFileSync(bad, 'cell C(x[I]) {\n  size I = 4\n  size H = 8\n  state h[H] = 0\n  h\' = tanh(h + x)\n  output h\'\n}\n');
    expect(await main(['emit', bad, '--target', 'ts'])).toBe(1);
    expect(await main(['emit', join(root, 'dsl-examples', 'lstm.cell'), '--target', 'ts', '--set', 'Q=3'])).toBe(1);
    expect(await main(['emit', join(root, 'dsl-examples', 'lstm.cell'), '--target', 'js'])).toBe(1);
  });
});
