// Shared by the training tests: one GPU device per test file, the example
// cells, temporary folders, and the CLI runner.
//
// Without a WebGPU adapter a GPU test FAILS when CI is set (never a skip
// there); elsewhere it is skipped with the reason, so a developer without a
// Vulkan driver can still run the CPU tests.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';
import { expect } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { overrideSizes, parseSizeSettings } from '../../compiler/ir/sizeBinding.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { main } from '../../runtime/cli/main.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An example cell with size overrides (e.g. ['H=8']). */
export function exampleCell(file: string, settings: readonly string[] = []): Graph {
  const r = checkSource(file, readFileSync(join(ROOT, 'dsl-examples', file), 'utf8'));
  expect(r.diagnostics).toEqual([]);
  const ds: Diagnostic[] = [];
  const g = overrideSizes(r.graphs[0], parseSizeSettings(settings, ds), ds);
  expect(ds).toEqual([]);
  return g;
}

export { acquireTestDevice, deviceOrSkip, inCI, type TestDevice } from '../gpu/helpers.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `cellc ARGS` as a user runs it (a child process; GPU commands get their own device). */
export function cellc(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'runtime/cli/cellc.mjs'), ...args], { cwd, env: { ...process.env, CELLC_DEBUG: '', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** main(ARGS) in this process with stdout and stderr captured (for commands that need no GPU). */
export async function inProcess(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** No stack trace and no internal-error line in what the user sees. */
export function expectNoStack(r: Run): void {
  expect(r.stderr).not.toMatch(/\n\s+at |internal error|bug in cellc/);
}

export const silentProgress = {
  start() {},
  update() {},
  stop() {},
  log() {},
};
