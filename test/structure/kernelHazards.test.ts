// A static check of every schedule the compiler produces, for the examples and
// for generated cells: no kernel reads, at another element's index, a value
// that the same kernel writes (another invocation may not have written it
// yet: the read needs a grid-wide barrier, i.e. a later kernel), and no
// kernel reads a value whose writer is dispatched after it.
//
// The check works from the schedule's data only (stages, the nodes each fused
// kernel writes, the stores of materialised values) and its own notion of a
// local read: an elementwise op reading an operand of exactly its own shape.
// A value that is not materialised is recomputed in the reader's registers,
// so the reads it makes count as the reader's, and at another index when the
// reader reads it at another index; so does a cheap value (elementwise or an
// index remap) that the kernel both writes and reads at another index through
// index remaps only (a broadcast, reshape, slice, transpose, concat), since the
// kernel recomputes its own outputs where they are read. Lavapipe runs workgroups in an order that
// often hides a missing barrier (LSTM's numbers stayed right without one), so
// only a check like this one catches it for sure.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindSizes, check, failed, lower, schedule } from '../../compiler/index.js';
import type { Schedule } from '../../compiler/schedule/schedule.js';
import { generateCell, renderCell } from '../../compiler/tools/index.js';
import { EXAMPLE_CELLS, EXAMPLES_DIR } from '../autodiff/util.js';

/** The ops that compute element i from element i of each operand (SPEC §7.1), broadcasting aside. */
const ELEMENTWISE = new Set(['neg', 'exp', 'log', 'tanh', 'sigmoid', 'relu', 'sqrt', 'rsqrt', 'abs', 'softplus', 'square', 'recip', 'silu', 'add', 'sub', 'mul', 'div', 'max', 'min', 'lt', 'le', 'gt', 'ge', 'eq', 'ne', 'select']);

/** The ops that read one element of each operand per element, at another index. */
const INDEX_REMAPS = new Set(['broadcast', 'reshape', 'slice', 'transpose', 'concat']);

const sameShape = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((d, i) => JSON.stringify(d) === JSON.stringify(b[i]));

/** Every hazard of one schedule, as readable lines. */
export function hazards(s: Schedule, label: string): string[] {
  const nodes = s.fn.nodes;
  const out: string[] = [];
  const writer = new Map<number, { region: string; index: number; name: string }>();
  for (const [region, stages] of Object.entries(s.stages)) {
    stages.forEach((st, index) => {
      for (const id of st.kind === 'fused' ? st.outputs : st.matmuls) writer.set(id, { region, index, name: st.name });
    });
  }
  const recomputable = (id: number) => (ELEMENTWISE.has(nodes[id].op) || INDEX_REMAPS.has(nodes[id].op)) && !nodes[id].args.some((x) => nodes[x].op === 'mask');
  const local = (consumer: number, operand: number) => ELEMENTWISE.has(nodes[consumer].op) && sameShape(nodes[consumer].type.shape, nodes[operand].type.shape);
  for (const [region, stages] of Object.entries(s.stages)) {
    stages.forEach((st, index) => {
      // values the kernel computes (its outputs, and what it recomputes), each with how it is read: at its
      // own index (0), at another through index remaps only (1: one element each), or in a loop (2)
      const seen = new Map<number, number>();
      const visit = (id: number, far: number) => {
        if ((seen.get(id) ?? -1) >= far) return;
        seen.set(id, far);
        for (const a of nodes[id].args) {
          const farA = local(id, a) ? far : INDEX_REMAPS.has(nodes[id].op) && far < 2 ? 1 : 2;
          const w = writer.get(a);
          if (w && w.region === region) {
            if (w.index > index) out.push(`${label}: ${st.name} reads %${a} (${nodes[a].op}), written later by ${w.name}`);
            else if (w.index === index && farA > 0) {
              // a cheap value the kernel writes, read through index remaps, is recomputed there (schedule.ts
              // allows it; fusedKernel.ts computes its own outputs at any index): its operands are read there
              if (farA === 1 && recomputable(a)) visit(a, 1);
              else out.push(`${label}: ${st.name} reads %${a} (${nodes[a].op}) at another element's index, and writes it itself`);
            }
            continue;
          }
          if (s.region.get(a) === region && !s.stores.has(a)) visit(a, farA);
        }
      };
      if (st.kind === 'fused') for (const id of st.outputs) visit(id, 0);
      else {
        for (const id of st.matmuls) visit(id, 2); // a GEMM's operands are read by every workgroup
      }
    });
  }
  return out;
}

function schedulesOf(source: string, path: string, sizes: Record<string, number> = {}): { fwd: Schedule; bwd: Schedule }[] {
  const r = check(source, path);
  expect(r.diagnostics, path).toEqual([]);
  return r.graphs.map((g) => {
    const b = bindSizes(g, sizes);
    if (failed(b)) throw new Error(`${path}: ${b.diagnostics.map((d) => d.message).join('; ')}`);
    const sch = schedule(lower(b));
    return { fwd: sch.fwd, bwd: sch.bwd };
  });
}

describe('no kernel reads at another index what it writes itself, nor what a later kernel writes', () => {
  it.each(EXAMPLE_CELLS.map(([label, file]) => [label, file] as const))('%s', (_, file) => {
    const found: string[] = [];
    for (const { fwd, bwd } of schedulesOf(readFileSync(join(EXAMPLES_DIR, file), 'utf8'), file)) found.push(...hazards(fwd, `${file} forward`), ...hazards(bwd, `${file} backward`));
    expect(found).toEqual([]);
  });

  it('200 generated cells, forward and backward', () => {
    const found: string[] = [];
    let checked = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const src = renderCell(generateCell(seed, seed % 2 ? { depth: 2, small: true } : {}));
      if (check(src).diagnostics.length) continue; // the generator's rare ill-typed cells are counted in test/fuzz
      for (const { fwd, bwd } of schedulesOf(src, `seed${seed}.cell`)) found.push(...hazards(fwd, `seed ${seed} forward`), ...hazards(bwd, `seed ${seed} backward`));
      checked++;
    }
    expect(checked).toBeGreaterThan(190);
    expect(found.slice(0, 10)).toEqual([]);
  });

  it('finds the hazard when a kernel is asked to read its own output at another index', () => {
    // the check itself, on a schedule edited to drop the barriers: LSTM's backward loop
    // needs several levels; putting every loop output in one kernel must be reported
    const [{ bwd }] = schedulesOf(readFileSync(join(EXAMPLES_DIR, 'lstm.cell'), 'utf8'), 'lstm.cell', { I: 5, H: 7 });
    const loop = bwd.stages.loop.filter((st) => st.kind === 'fused');
    expect(loop.length).toBeGreaterThan(1);
    const merged = { kind: 'fused' as const, name: 'merged', region: 'loop' as const, level: 0, outputs: loop.flatMap((st) => (st.kind === 'fused' ? st.outputs : [])) };
    const edited: Schedule = { ...bwd, stages: { ...bwd.stages, loop: [merged] } };
    expect(hazards(edited, 'merged').length).toBeGreaterThan(0);
  });
});
