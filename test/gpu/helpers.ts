// Shared by the GPU test files: one device per file on the real adapter, a
// cell bound to sizes, the comparison verdict, and a scope-aware scan of
// generated WGSL for shadowed declarations.
//
// Without an adapter, a test fails in CI (CI=true) and skips elsewhere with the
// reason, so a developer without a Vulkan driver can still run the suite.

import { expect, type TestContext } from 'vitest';
import { bindSizes, check, type Bound } from '../../compiler/index.js';
import type { Comparison } from '../../runtime/apps/compare/gpuVsReference.js';
import { acquireDevice, type GpuContext } from '../../runtime/core/device.js';
import { GpuUnavailableError } from '../../runtime/core/errors.js';

export const inCI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

export interface TestDevice {
  ctx: GpuContext | null;
  reason: string;
}

/** Acquires the file's device; outside CI a missing adapter yields ctx = null and the reason. */
export async function acquireTestDevice(label: string): Promise<TestDevice> {
  try {
    return { ctx: await acquireDevice({ label }), reason: '' };
  } catch (e) {
    if (e instanceof GpuUnavailableError && !inCI) return { ctx: null, reason: e.message };
    throw e; // in CI a missing adapter is a failure, never a skip
  }
}

/** The device, or skips the test (outside CI only) saying why there is none. */
export function deviceOrSkip(t: TestContext, d: TestDevice): GpuContext {
  if (d.ctx) return d.ctx;
  if (inCI) throw new Error(`no WebGPU device in CI: ${d.reason}`);
  return t.skip(`no WebGPU adapter: ${d.reason}`);
}

/** The first cell of `source`, checked and bound to `sizes` (failing the test on a diagnostic). */
export function boundCell(source: string, path: string, sizes: Record<string, number> = {}): Bound {
  const r = check(source, path);
  expect(r.diagnostics).toEqual([]);
  const b = bindSizes(r.graphs[0], sizes);
  if ('diagnostics' in b) throw new Error(b.diagnostics.map((d) => d.message).join('\n'));
  return b;
}

/** Every tensor within 1e-4 of its scale, or below 1e-6 absolute (≈ 0 in float64: float32 roundoff). */
export function expectCloseRows(rows: readonly Comparison[], what: string): void {
  expect(rows.length, what).toBeGreaterThan(0);
  const bad = rows.filter((r) => !(r.maxRel < 1e-4 || r.maxAbs < 1e-6));
  expect(bad.map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)} abs ${r.maxAbs.toExponential(2)}`), what).toEqual([]);
}

/** Deterministic uniform values in [-1, 1) (mulberry32). */
export function randomF32(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** Every `let`/`var` that declares a name already visible in an enclosing (or the same) scope. */
export function shadowedDeclarations(wgsl: string): string[] {
  const scopes: Set<string>[] = [new Set()];
  const pending: string[] = []; // `for (var q …)` declares q in the scope its `{` opens
  const problems: string[] = [];
  const visible = (name: string) => scopes.some((s) => s.has(name));
  const tokens = wgsl.replace(/\/\/[^\n]*/g, '').matchAll(/\bfor\s*\(\s*var\s+([A-Za-z_]\w*)|\b(?:let|var)(?:<[^>]*>)?\s+([A-Za-z_]\w*)|[{}]/g);
  for (const m of tokens) {
    if (m[0] === '{') {
      scopes.push(new Set(pending.splice(0)));
    } else if (m[0] === '}') {
      scopes.pop();
    } else {
      const name = m[1] ?? m[2];
      if (visible(name) || pending.includes(name)) problems.push(name);
      if (m[1]) pending.push(name);
      else scopes[scopes.length - 1].add(name);
    }
  }
  return problems;
}
