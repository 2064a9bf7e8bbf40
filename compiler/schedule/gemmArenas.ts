// Which arena (GPU buffer) holds each GEMM result (`t:NAME`). WebGPU forbids
// binding one buffer as writable and as read-only storage in one dispatch, so
// a GEMM's result must not share a buffer with an operand it reads; nothing
// else stops results from sharing. Each result goes to the first arena
// (`gemm:0`, `gemm:1`, …) that holds none of its GEMM's operands and no result
// of a GEMM that reads it. Most cells need one: a kernel that reads the
// results of many GEMMs binds one buffer, not one per GEMM — a cell with
// sixteen gates at one level would otherwise bind more storage buffers than a
// device allows per shader stage (WebGPU's default is 8).

import type { ArenaName, TensorId } from '../artifact/layout.js';
import type { Schedule } from './schedule.js';

const isGemmResult = (t: TensorId) => t.startsWith('t:');

export function gemmArenas(schedules: readonly Schedule[]): ReadonlyMap<TensorId, ArenaName> {
  const order: TensorId[] = [];
  const conflicts = new Map<TensorId, Set<TensorId>>();
  const conflict = (a: TensorId, b: TensorId) => {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const s = conflicts.get(x) ?? new Set<TensorId>();
      s.add(y);
      conflicts.set(x, s);
    }
  };
  for (const s of schedules) {
    for (const name of s.temporaries.keys()) if (isGemmResult(name)) order.push(name);
    for (const stages of Object.values(s.stages)) {
      for (const st of stages) {
        if (st.kind !== 'gemm') continue;
        const result = `t:${st.name}` as TensorId;
        // every operand of its products: the shared vector and each weight
        const operands = new Set([st.vector, ...st.matmuls.flatMap((m) => s.fn.nodes[m].args)]);
        for (const id of operands) {
          for (const store of s.stores.get(id) ?? []) {
            const t = s.aliases.get(store.tensor)?.tensor ?? store.tensor;
            if (isGemmResult(t) && t !== result) conflict(result, t);
          }
        }
      }
    }
  }
  const arenaOf = new Map<TensorId, ArenaName>();
  const members: TensorId[][] = [];
  for (const t of order) {
    const against = conflicts.get(t) ?? new Set<TensorId>();
    let k = members.findIndex((m) => m.every((u) => !against.has(u)));
    if (k < 0) k = members.push([]) - 1;
    members[k].push(t);
    arenaOf.set(t, `gemm:${k}`);
  }
  return arenaOf;
}
