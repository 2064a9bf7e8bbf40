// Every kernel the compiler emits fits WebGPU's default limits on what one
// dispatch binds, whatever the width of the cell: at most 8 storage buffers
// per shader stage (maxStorageBuffersPerShaderStage), and no GEMM that writes
// a buffer it reads. GEMM results share arenas (compiler/schedule/gemmArenas.ts)
// unless one GEMM reads the other's result; a cell with 18 gates at one level
// (test/fixtures/cells/wide_gates.cell) used to bind one buffer per GEMM
// result in one kernel — 20 where lavapipe allows 16 — and fail to create its
// pipeline. Checked on the examples, the fixtures and generated cells, on
// every schedule that takes them.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindSizes, check, compileBound, type Artifact, type Graph } from '../../compiler/index.js';
import { GRAD_KERNEL_PARAMS } from '../../compiler/backend/webgpu/assemble.js';
import { generateCell, renderCell } from '../../compiler/tools/index.js';

const ROOT = join(__dirname, '../..');
const WEBGPU_DEFAULT_STORAGE_BUFFERS = 8;
const SCHEDULES = ['sequential', 'scan', 'step-fused', 'persistent'] as const;

function cellsOf(dir: string): { label: string; graph: Graph }[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.cell'))
    .flatMap((f) => check(readFileSync(join(ROOT, dir, f), 'utf8'), f).graphs.map((graph) => ({ label: `${dir}/${f} ${graph.name}`, graph })));
}

/** The artifact of every schedule that takes the cell (a schedule that does not apply is skipped). */
function artifacts(graph: Graph): { schedule: string; artifact: Artifact }[] {
  const b = bindSizes(graph);
  if ('diagnostics' in b) return [];
  const out: { schedule: string; artifact: Artifact }[] = [];
  for (const schedule of SCHEDULES) {
    try {
      out.push({ schedule, artifact: compileBound(b, { schedule }) });
    } catch (e) {
      if (!/schedule|scan|persistent|step-fused|row/i.test((e as Error).message)) throw e;
    }
  }
  return out;
}

function problems(label: string, a: Artifact): string[] {
  const out: string[] = [];
  for (const k of a.kernels) {
    const storage = k.bindings.filter((b) => b.kind !== 'uniform');
    if (storage.length > WEBGPU_DEFAULT_STORAGE_BUFFERS) out.push(`${label}: ${k.name} binds ${storage.length} storage buffers (${storage.map((b) => b.name).join(', ')})`);
    const arenas = storage.map((b) => (b.resource.kind === 'arena' ? b.resource.arena : `${b.resource.kind}:${b.name}`));
    const writes = storage.filter((b) => b.kind === 'storage').map((b) => (b.resource.kind === 'arena' ? b.resource.arena : `${b.resource.kind}:${b.name}`));
    for (const w of writes) if (arenas.filter((x) => x === w).length > 1) out.push(`${label}: ${k.name} binds ${w} writable and again`);
  }
  return out;
}

describe('binding limits', () => {
  const cells = [...cellsOf('dsl-examples'), ...cellsOf('test/fixtures/cells'), ...cellsOf('test/fixtures/schedules')];

  it('every kernel of every example and fixture, on every schedule, binds at most 8 storage buffers and never one buffer twice when it writes it', () => {
    const found: string[] = [];
    let kernels = 0;
    for (const c of cells) {
      for (const { schedule, artifact } of artifacts(c.graph)) {
        kernels += artifact.kernels.length;
        found.push(...problems(`${c.label} (${schedule})`, artifact));
      }
    }
    expect(kernels).toBeGreaterThan(1000);
    expect(found).toEqual([]);
  });

  it('the same for 150 generated cells', () => {
    const found: string[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const src = renderCell(generateCell(seed));
      for (const graph of check(src, `gen${seed}.cell`).graphs) for (const { schedule, artifact } of artifacts(graph)) found.push(...problems(`generated ${seed} (${schedule})`, artifact));
    }
    expect(found).toEqual([]);
  });

  it('the wide cell: its GEMM results share arenas, the chained GEMM W2 @ (W1 @ x) reads one arena and writes another, its small parameters span two gradient kernels', () => {
    const wide = cells.find((c) => c.label.includes('wide_gates'))!;
    const a = compileBound(bindSizes(wide.graph) as Exclude<ReturnType<typeof bindSizes>, { diagnostics: unknown }>);
    const gemmArenas = new Set(a.tensors.filter((t) => t.arena.startsWith('gemm')).map((t) => t.arena));
    const gemmResults = a.tensors.filter((t) => t.name.startsWith('t:')).length;
    expect(gemmResults).toBeGreaterThanOrEqual(20);
    expect(gemmArenas.size).toBeLessThanOrEqual(3);
    for (const k of a.kernels.filter((x) => x.role === 'gemm')) {
      const [A, B, C] = k.bindings.slice(0, 3).map((b) => (b.resource.kind === 'arena' ? b.resource.arena : b.name));
      expect(C === A || C === B, `${k.name} reads and writes ${C}`).toBe(false);
    }
    const chained = a.kernels.filter((k) => k.role === 'gemm' && k.bindings.slice(0, 2).some((b) => b.resource.kind === 'arena' && b.resource.arena.startsWith('gemm')) && (k.bindings[2].resource as { arena?: string }).arena?.startsWith('gemm'));
    expect(chained.length, 'a GEMM whose operand is another GEMM result').toBeGreaterThan(0);
    const smallGrads = a.kernels.filter((k) => k.name.startsWith('grads_small'));
    const params = wide.graph.params.length;
    expect(params).toBeGreaterThan(GRAD_KERNEL_PARAMS);
    expect(smallGrads.length).toBe(Math.ceil(params / GRAD_KERNEL_PARAMS));
  });
});
