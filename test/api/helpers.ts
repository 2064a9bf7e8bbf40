// Shared by the tests in test/api: the built package, scratch folders inside
// the package (so that `import … from 'cellc'` resolves to dist/ by package
// self-reference, as it does for a consumer), one tsc program over many files,
// and running a TypeScript file with tsx in a child process.

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, inject } from 'vitest';
import { root } from './build.js';

export { root };

export const inCI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/** Fails the test (with tsc's output) when the globalSetup build of dist/ failed. */
export function requireBuild(): void {
  const b = inject('cellcBuild');
  expect(b, 'test/api/globalSetup.ts did not run').toBeDefined();
  expect(b.errors, 'tsc -p tsconfig.build.json failed').toBe('');
}

/** A fresh folder under dist/.test-tmp (inside the package scope, ignored by git). */
export function scratchDir(name: string): { dir: string; remove: () => void } {
  const dir = join(root, 'dist', '.test-tmp', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a consumer's tsconfig would say: strict, NodeNext, ES2022 + DOM; the package's declarations are checked too. */
export const CONSUMER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  // the package's declarations (and @webgpu/types, @types/node) are checked; TypeScript's own lib files are not
  skipLibCheck: false,
  skipDefaultLibCheck: true,
};

export interface TypeCheck {
  /** Diagnostics per file (paths relative to the repository), formatted one per line. */
  readonly byFile: ReadonlyMap<string, string[]>;
  /** Every diagnostic, formatted. */
  readonly all: string;
}

/** One tsc program over `files`; returns every diagnostic (syntactic, semantic, global, options). */
export function typeCheck(files: readonly string[], options: ts.CompilerOptions = CONSUMER_OPTIONS): TypeCheck {
  const program = ts.createProgram({ rootNames: [...files], options });
  const diags = ts.getPreEmitDiagnostics(program);
  const byFile = new Map<string, string[]>();
  const lines: string[] = [];
  for (const d of diags) {
    const file = d.file ? relative(root, d.file.fileName) : '<global>';
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = `${file}${pos ? `:${pos.line + 1}:${pos.character + 1}` : ''}: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    byFile.set(file, [...(byFile.get(file) ?? []), text]);
    lines.push(text);
  }
  return { byFile, all: lines.join('\n') };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a TypeScript file with tsx (node --import tsx) from the repository root. */
export function runTsx(file: string, args: readonly string[] = [], timeoutMs = 300_000): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: root,
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** The child found no WebGPU adapter (GpuUnavailableError). */
export const noAdapter = (r: RunResult) => /GpuUnavailableError|No WebGPU adapter/.test(r.stderr + r.stdout);

/** Small distinct sizes (3, 4, 5, … in declaration order), as gradcheck uses. */
export function smallSizes(sizes: readonly { name: string }[]): Record<string, number> {
  return Object.fromEntries(sizes.map((s, i) => [s.name, 3 + i]));
}

export const README_API_SECTION = '## Library API';

/** The ```ts blocks between the README's "## Library API" heading and the next level-2 heading. */
export function readmeExamples(readme: string): string[] {
  const start = readme.indexOf(`\n${README_API_SECTION}\n`);
  if (start < 0) return [];
  const rest = readme.slice(start + README_API_SECTION.length + 2);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}
