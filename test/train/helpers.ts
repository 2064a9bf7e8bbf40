// Shared by the training tests: one GPU device per test file, the example
// cells, temporary folders, and the CLI runner.
//
// Without a WebGPU adapter a GPU test FAILS when CI is set (never a skip
// there); elsewhere it is skipped with the reason, so a developer without a
// Vulkan driver can still run the CPU tests.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { overrideSizes, parseSizeSettings } from '../../compiler/ir/sizeBinding.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';

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

export { cellc, inProcess, type Run } from '../support/cli.js';
import type { Run } from '../support/cli.js';

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
