// How much memory the reference interpreter would take for a run, before it
// allocates anything: the forward tape keeps every node's value for each of
// the T steps (B rows each) and the backward pass about as much again, as
// float64 arrays, each a JavaScript object of its own. A size or a T that
// cannot fit is then a clear error naming the largest tensor, not a failed
// typed-array allocation or V8 running out of heap.

import { evalShape, numel } from '../../ir/dims.js';
import type { Graph } from '../../ir/graph.js';

/** What the CPU commands allow: well inside a default Node heap and a typical machine. */
export const CPU_LIMIT_BYTES = 4 * 2 ** 30;
/** Bytes a Float64Array object costs besides its data. */
const PER_ARRAY = 96;

export interface CpuFootprint {
  readonly bytes: number;
  /** The node with the most values per step. */
  readonly largest: { readonly name: string; readonly shape: readonly number[]; readonly values: number };
}

export function cpuFootprint(g: Graph, sizes: Readonly<Record<string, number>>, B: number, T: number): CpuFootprint {
  let perStep = 0;
  let once = 0; // parameters are held once (and their gradients once more), not per step
  let largest = { name: '', shape: [] as number[], values: -1 };
  for (const n of g.nodes) {
    let shape: number[];
    try {
      shape = evalShape(n.type.shape, sizes);
    } catch {
      continue; // an unbound size: the driver reports it
    }
    const values = numel(shape) * (n.type.batched ? B : 1);
    if (n.op === 'param') once += 2 * (8 * values + PER_ARRAY);
    else perStep += 8 * values + PER_ARRAY;
    if (values > largest.values) largest = { name: g.origins.get(n.id)?.name ?? `${n.op} #${n.id}`, shape, values };
  }
  return { bytes: once + 2 * perStep * (T + 1), largest };
}

/** An error sentence when the run would not fit in `limit` bytes, else undefined. */
export function cpuFootprintError(what: string, g: Graph, sizes: Readonly<Record<string, number>>, B: number, T: number, limit = CPU_LIMIT_BYTES): string | undefined {
  const f = cpuFootprint(g, sizes, B, T);
  if (f.bytes <= limit) return undefined;
  const gib = (b: number) => `${(b / 2 ** 30).toPrecision(3)} GiB`;
  return (
    `${what} runs on the CPU and would need about ${gib(f.bytes)} for T=${T}, B=${B} (more than the ${gib(limit)} it allows); ` +
    `the largest tensor is ${f.largest.name} [${f.largest.shape.join(', ')}] (${f.largest.values.toLocaleString('en-US')} values): use a smaller --T, --B or size (--set)`
  );
}

