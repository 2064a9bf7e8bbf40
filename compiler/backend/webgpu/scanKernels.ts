// WGSL of a chunked parallel scan over time of a diagonal-affine recurrence,
//
//   u_{s+1} = a_s ⊙ u_s + b_s        s = 0 … T−1, independently per (example, element)
//
// with a and b known for all T·B rows (computed before, scan.ts). Forward,
// u_s is the state s_s and a_s, b_s are the rows of step s. Reverse (the
// adjoint recurrence ∂s_{t−1} = a_t ⊙ ∂s_t + b_t), u_s is ∂s_{T−s} and a_s, b_s
// are the rows of step T−1−s. Pairs compose as (a2, b2)∘(a1, b1) = (a2 a1, a2 b1 + b2).
// Three dispatches, C = CHUNK steps per chunk:
//
//   1 chunk prefix  one invocation per (lane, chunk): the running composition
//                   inside the chunk, stored per step in P (products) and Q (offsets):
//                   u_{s+1} = P_s u_start + Q_s
//   2 carries       one invocation per lane, sequential over the ⌈T/C⌉ chunks:
//                   u at every chunk end, from u_0
//   3 fix-up        one invocation per (step, lane): u_{s+1} = P_s u_start + Q_s for
//                   every step but the chunk ends (written by 2)

import { FOLD_WORKGROUPS, type KernelRecord } from '../../artifact/kernel.js';
import { lin, type ArenaName, type Layout, type TensorLayout, type TensorRef } from '../../artifact/layout.js';
import { assert } from '../../util/assert.js';
import { arenaBindings, dimsBinding } from './kernelBindings.js';
import { arenaVar, wgslAddress } from './wgslAddress.js';
import { DIMS_DECL, dimsPrologue } from './wgslDims.js';

/** Steps per chunk. */
export const CHUNK = 64;

export interface ScanKernelInput {
  /** Kernel name prefix. */
  readonly name: string;
  /** What is scanned, for comments (`h`, `∂h`). */
  readonly what: string;
  /** Elements per row of the scanned value. */
  readonly width: number;
  readonly a: TensorRef;
  readonly b: TensorRef;
  /** The scanned sequence (T+1 steps): s:NAME or ds:NAME. */
  readonly u: TensorRef;
  /** The prefix tensors (T steps, `width` per row). */
  readonly P: TensorRef;
  readonly Q: TensorRef;
  readonly reverse: boolean;
  readonly layout: Layout;
  readonly workgroupSize: number;
}

export function renderScanKernels(k: ScanKernelInput): KernelRecord[] {
  const N = `${k.width}u`;
  const C = `${CHUNK}u`;
  const wg = k.workgroupSize;
  const tensor = (r: TensorRef): TensorLayout => {
    const t = k.layout.tensors.get(r.tensor);
    assert(t && t.kind === 'seq' && t.width >= k.width, `scan tensor ${r.tensor} missing or not a sequence`);
    return t;
  };
  const at = (r: TensorRef, time: string) => `${arenaVar(tensor(r).arena)}[${wgslAddress(tensor(r), r, { time, row: 'b', idx: 'i' })}]`;
  const coefTime = (s: string) => (k.reverse ? `(T - 1u - ${s})` : s);
  const uTime = (j: string) => (k.reverse ? `(T - ${j})` : j);
  const dir = k.reverse ? 'reverse' : 'forward';
  const record = (suffix: string, what: string, reads: readonly TensorRef[], writes: readonly TensorRef[], threads: ReturnType<typeof lin>, fold: boolean, body: readonly string[], text: string): KernelRecord => {
    const used = [...new Map([...reads, ...writes].map((r) => [r.tensor, tensor(r)])).values()];
    const arenas = [...new Set(used.map((t) => t.arena))].sort() as ArenaName[];
    const written = new Set(writes.map((r) => tensor(r).arena));
    const readOnly = new Set(arenas.filter((a) => !written.has(a)));
    const name = `${k.name}_${suffix}`;
    const wgsl = [
      `// ${name}: ${what} (${dir} scan of ${k.what} over time, ${CHUNK} steps per chunk).`,
      ...arenas.map((a, i) => `@group(0) @binding(${i}) var<storage, ${readOnly.has(a) ? 'read' : 'read_write'}> ${arenaVar(a)}: array<f32>;`),
      ...DIMS_DECL,
      '',
      `@compute @workgroup_size(${wg})`,
      'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
      ...dimsPrologue(used, k.layout),
      `  let id = gid.x${fold ? ` + gid.y * ${FOLD_WORKGROUPS * wg}u` : ''};`,
      `  let lanes = B * ${N};`,
      `  let chunks = (T + ${C} - 1u) / ${C};`,
      ...body,
      '}',
      '',
    ].join('\n');
    return {
      name,
      role: 'scan',
      wgsl,
      entryPoint: 'main',
      workgroupSize: [wg, 1, 1],
      workgroupStorageBytes: 0,
      bindings: [...arenaBindings(arenas, readOnly), dimsBinding(false)],
      dispatch: { threads: [threads, lin(1), lin(1)], per: [wg, 1, 1], ...(fold ? { fold: true } : {}), text: [text, '1', '1'] },
      summary: `${what}: ${dir} scan of ${k.what}`,
    };
  };
  const lane = ['  let b = lane / ' + N + ';', '  let i = lane % ' + N + ';'];
  const prefix = record(
    'chunks',
    'the composition of (a, b) inside each chunk',
    [k.a, k.b],
    [k.P, k.Q],
    // ≥ lanes · ⌈T/C⌉ invocations: B·W + B·W·T/C
    lin(0, k.width, k.width / CHUNK),
    true,
    [
      '  if (id >= lanes * chunks) { return; }',
      '  let lane = id % lanes;',
      ...lane,
      `  let start = (id / lanes) * ${C};`,
      `  let end = min(start + ${C}, T);`,
      '  var p = 1.0;',
      '  var q = 0.0;',
      '  for (var s = start; s < end; s++) {',
      `    let a = ${at(k.a, coefTime('s'))};`,
      `    q = a * q + ${at(k.b, coefTime('s'))};`,
      '    p = a * p;',
      `    ${at(k.P, 's')} = p;`,
      `    ${at(k.Q, 's')} = q;`,
      '  }',
    ],
    `B·${k.width}·⌈T/${CHUNK}⌉`,
  );
  const carries = record(
    'carries',
    'the value at every chunk end, chunk after chunk',
    [k.P, k.Q, k.u],
    [k.u],
    lin(0, k.width),
    false,
    [
      '  if (id >= lanes) { return; }',
      '  let lane = id;',
      ...lane,
      `  var v = ${at(k.u, uTime('0u'))};`,
      '  for (var c = 0u; c < chunks; c++) {',
      `    let last = min((c + 1u) * ${C}, T) - 1u;`,
      `    v = ${at(k.P, 'last')} * v + ${at(k.Q, 'last')};`,
      `    ${at(k.u, uTime('(last + 1u)'))} = v;`,
      '  }',
    ],
    `B·${k.width}`,
  );
  const fixup = record(
    'fixup',
    'every step inside the chunks from the value at the chunk start',
    [k.P, k.Q, k.u],
    [k.u],
    lin(0, 0, k.width),
    true,
    [
      '  if (id >= lanes * T) { return; }',
      '  let s = id / lanes;',
      '  let lane = id % lanes;',
      ...lane,
      `  let start = (s / ${C}) * ${C};`,
      `  if (s == min(start + ${C}, T) - 1u) { return; }`,
      `  ${at(k.u, uTime('(s + 1u)'))} = ${at(k.P, 's')} * ${at(k.u, uTime('start'))} + ${at(k.Q, 's')};`,
    ],
    `T·B·${k.width}`,
  );
  return [prefix, carries, fixup];
}
