// Scheduling and fusion of a step function (the schedule stage, SPEC.md §12).
//
// 1. Regions. Every non-leaf node falls in one region:
//      const — depends on parameters only: computed once per call (prelude)
//      pre   — depends on per-step values but not on the carry: computed for
//              all T·B rows before the loop (time-parallel hoisting)
//      loop  — depends on the carry and feeds a carry result: per step
//      post  — depends on the carry but feeds no carry result: computed for
//              all T·B rows after the loop (e.g. ∂x_t = g_t·W)
// 2. Materialisation. A node is written to memory when it is a result, when
//    a later region reads it and it is expensive (matmul, reduction), when an
//    expensive node — or one that draws a random mask — is read at another
//    element's index (a matrix product's operand, a reduction's input, a
//    broadcast) directly or through cheap nodes, when it is a GEMM or a GEMM
//    operand, or when a parameter gradient term reads it. Everything else is recomputed in registers
//    where it is used: elementwise gate math fuses into its consumers.
//    A rank-1 slice reads its operand at its own element plus the slice's
//    start: matrix-vector products under it are evaluated there, not stored.
// 3. Levels. Inside a region, a node that reads a materialised node of the
//    same region at another element's index must wait for a grid-wide
//    barrier: it goes one level up. One fused kernel per (region, level).
// 4. GEMMs. In the pre and post regions, products of a weight matrix and a
//    per-row vector run as tiled GEMMs over all T·B rows; products that share
//    the right operand are stacked into one GEMM (their weights are laid out
//    contiguously, their results are column blocks of one tensor).
//    Parameter gradients are GEMMs (Σ_rows a ⊗ b) or column sums after the loop.

import type { Node } from '../ir/graph.js';
import type { Op } from '../ir/ops.js';
import { isElementwise, isExpensiveOp, isLeaf } from '../ir/opInfo.js';
import { assert } from '../util/assert.js';
import { termOperands, type GradTerm, type Role, type StepFunction, type TensorUse } from './stepFunction.js';
import { tensorId, type TensorId } from '../artifact/layout.js';

export type Region = 'const' | 'pre' | 'loop' | 'post';
export const REGIONS: readonly Region[] = ['const', 'pre', 'loop', 'post'];

/** Where a materialised node is stored: a tensor, and a column block in it for stacked GEMM results. */
export interface Store extends TensorUse {
  readonly col: number;
}

export interface FusedKernel {
  readonly kind: 'fused';
  readonly name: string;
  readonly region: Region;
  readonly level: number;
  /** Nodes this kernel writes, in topological order. */
  readonly outputs: readonly number[];
}

export interface GemmStage {
  readonly kind: 'gemm';
  readonly name: string;
  readonly region: Region;
  readonly level: number;
  /** The stacked products (each `matmul(W, v)` or `matmul(v, W)` with the same v). */
  readonly matmuls: readonly number[];
  /** The shared per-row operand. */
  readonly vector: number;
  /** true: W @ v (W stored [M,K], used transposed); false: v @ W (W stored [K,N]). */
  readonly weightLeft: boolean;
}

export type Stage = FusedKernel | GemmStage;

export interface Schedule {
  readonly fn: StepFunction;
  readonly region: ReadonlyMap<number, Region>;
  /** Materialised nodes → where they are stored (leaves: their bound tensor). */
  readonly stores: ReadonlyMap<number, readonly Store[]>;
  readonly stages: Readonly<Record<Region, readonly Stage[]>>;
  /** Parameter names that must be contiguous, in this order (stacked GEMM weights). */
  readonly paramGroups: readonly (readonly string[])[];
  readonly gradTerms: readonly GradTerm[];
  /** Temporary tensors the schedule introduced: name → kind and width. */
  readonly temporaries: ReadonlyMap<TensorId, { kind: 'const' | 'row' | 'seq'; width: number; node: number }>;
  /** Result tensors that live inside a stacked GEMM output instead of a tensor of their own. */
  readonly aliases: ReadonlyMap<TensorId, Store>;
}

export interface ScheduleOptions {
  /** Concrete element count of a node's value (per row). */
  readonly numel: (node: number) => number;
  /** Prefix of temporary tensor names ('f' forward, 'b' backward). */
  readonly tag: string;
}

/**
 * A `sumto` (the adjoint of a broadcast: a layernorm's or a mean's backward) loops over its whole
 * operand for each element it writes; recomputed in every reader of a row it costs O(n²) a row, so
 * beyond this many operand elements it is materialised like a reduction.
 */
export const SUMTO_RECOMPUTE_MAX = 32;

/**
 * Worth materialising once rather than recomputing in each reader (the `expensive` column of
 * ir/opInfo.ts, and a sumto over more than SUMTO_RECOMPUTE_MAX elements).
 */
export const isExpensive = (n: Node, numel: (node: number) => number) => isExpensiveOp(n.op) || (n.op === 'sumto' && numel(n.args[0]) > SUMTO_RECOMPUTE_MAX);

/**
 * The weight operand of a batched matrix-vector product W·v or v·W (W unbatched, rank 2; v batched,
 * rank 1), or undefined when `n` is not one.
 */
export function matvecWeight(n: Node, nodes: readonly Node[]): number | undefined {
  if (n.op !== 'matmul' || !n.type.batched) return undefined;
  const [a, b] = n.args.map((x) => nodes[x]);
  if (!a.type.batched && a.type.shape.length === 2 && b.type.batched && b.type.shape.length === 1) return a.id;
  if (a.type.batched && a.type.shape.length === 1 && !b.type.batched && b.type.shape.length === 2) return b.id;
  return undefined;
}

/**
 * The weight operand of a product a fused kernel evaluates in a k-loop shared by its rows (each weight
 * element loaded once for R rows): a batched matrix-vector product (matvecWeight), or a per-head
 * product A·v of an unbatched stack A [N, P, Q] and a batched vector v.
 */
export function rowSharedWeight(n: Node, nodes: readonly Node[]): number | undefined {
  if (n.op !== 'headmatvec') return matvecWeight(n, nodes);
  const [a, v] = n.args.map((x) => nodes[x]);
  return !a.type.batched && v.type.batched ? a.id : undefined;
}

/** Ops whose every output element reads one element of each operand (at another index). */
const INDEX_REMAPS = new Set<Op>(['broadcast', 'reshape', 'slice', 'transpose', 'concat']);

/** Does `consumer` read operand k at its own element index (same shape, elementwise)? */
export function readsLocally(consumer: Node, operand: Node): boolean {
  return isElementwise(consumer.op) && operand.type.shape.length === consumer.type.shape.length;
}

export function scheduleStep(fn: StepFunction, opts: ScheduleOptions): Schedule {
  const nodes = fn.nodes;
  const expensive = (n: Node) => isExpensive(n, opts.numel);
  const leafRole = new Map<number, Role>(fn.leaves.map((l) => [l.node, l.role]));

  // 1. Regions.
  const dependsStep = new Uint8Array(nodes.length);
  const dependsCarry = new Uint8Array(nodes.length);
  for (const n of nodes) {
    const role = leafRole.get(n.id);
    // a random mask is a per-step value that no tensor holds (drawn where it is read)
    if (role === 'step' || n.op === 'mask') dependsStep[n.id] = 1;
    if (role === 'carry') dependsCarry[n.id] = 1;
    for (const a of n.args) {
      dependsStep[n.id] |= dependsStep[a];
      dependsCarry[n.id] |= dependsCarry[a];
    }
  }
  const feedsCarry = new Uint8Array(nodes.length);
  for (const r of fn.results) if (r.role === 'carry') feedsCarry[r.node] = 1;
  for (let i = nodes.length - 1; i >= 0; i--) if (feedsCarry[i]) for (const a of nodes[i].args) feedsCarry[a] = 1;
  const region = new Map<number, Region>();
  for (const n of nodes) {
    if (isLeaf(n.op)) continue; // bound to tensors, or spelled inline (literals, random masks)
    region.set(n.id, dependsCarry[n.id] ? (feedsCarry[n.id] ? 'loop' : 'post') : dependsStep[n.id] ? 'pre' : 'const');
  }
  // a per-step or carried result that depends on neither (an unbatched copy, stepFunction.ts) is written for every row
  for (const r of fn.results) if (region.get(r.node) === 'const') region.set(r.node, 'pre');
  const regionIndex = (id: number) => REGIONS.indexOf(region.get(id)!);

  // 2. Materialisation.
  const must = new Set<number>();
  for (const r of fn.results) must.add(r.node);
  for (const t of fn.gradTerms) for (const a of termOperands(t)) must.add(a);
  const isMatvec = (n: Node) => matvecWeight(n, nodes) !== undefined;
  // A carried result lives in its T+1-step sequence (s_0 … s_T): a carry-free one (∂h_t = ∂y_t·W when
  // nothing else reaches h) is computed by a fused kernel into it, not aliased to a GEMM output of T steps
  const carryResult = new Set(fn.results.filter((r) => r.role === 'carry').map((r) => r.node));
  const isGemm = (n: Node): boolean => {
    const r = region.get(n.id);
    return (r === 'pre' || r === 'post') && isMatvec(n) && !carryResult.has(n.id);
  };
  // a value that draws a random mask (a Philox call per element) is stored rather than redrawn at
  // every element of every reader that reads it elsewhere (a product's k-loop would draw it H times)
  const drawsMask = (n: Node) => n.args.some((a) => nodes[a].op === 'mask');
  const markNonLocal = (id: number) => {
    const n = nodes[id];
    if (region.get(id) === undefined) return; // leaves and literals
    if (expensive(n) || must.has(id) || drawsMask(n)) {
      must.add(id);
      return;
    }
    for (const a of n.args) markNonLocal(a);
  };
  // A rank-1 slice of a value of its own region reads it at its element plus the slice's start: the
  // kernel evaluates it there (fusedKernel.ts: shared k-loops at j + start), so matrix-vector products
  // under it need not be stored — the stacked gate product p = W·x + U·h + b of a user-written LSTM,
  // read as p[0:H] … p[3H:4H], fuses into one level like four separate products.
  const vectorSlice = (n: Node) => n.op === 'slice' && n.type.shape.length === 1;
  const markSliced = (id: number, reader: Region) => {
    const todo = [id]; // a stack, not recursion
    while (todo.length) {
      const c = todo.pop()!;
      const n = nodes[c];
      if (region.get(c) === undefined || must.has(c)) continue;
      if (region.get(c) !== reader) markNonLocal(c);
      else if (rowSharedWeight(n, nodes) !== undefined) continue; // its operands are handled as any product's
      else if (vectorSlice(n)) todo.push(n.args[0]);
      else if (isElementwise(n.op) && !expensive(n)) todo.push(...n.args.filter((a) => readsLocally(n, nodes[a])));
      else markNonLocal(c);
    }
  };
  for (const n of nodes) {
    if (!region.has(n.id)) continue;
    if (isGemm(n)) {
      must.add(n.id);
      for (const a of n.args) if (region.has(a)) must.add(a);
    }
    if (n.op === 'matmul' || n.op === 'outer' || n.op === 'headmatvec' || n.op === 'headouter') {
      // weight operands of products must be in memory
      for (const a of n.args) if (region.get(a) === 'const') must.add(a);
    }
    for (const a of n.args) {
      if (!region.has(a)) continue;
      const later = regionIndex(n.id) > regionIndex(a);
      if (later && expensive(nodes[a])) must.add(a);
      if (vectorSlice(n) && !later) markSliced(a, region.get(n.id)!);
      else if (!readsLocally(n, nodes[a])) markNonLocal(a);
      else if (later) {
        // cheap values from earlier regions are recomputed; their expensive inputs must be stored
        for (const b of nodes[a].args) if (region.has(b) && regionIndex(b) < regionIndex(n.id) && expensive(nodes[b])) must.add(b);
      }
    }
  }

  // 3. Levels (per region). nonLocalLevel(a): the level at which a value is readable at any index.
  // A reader that fetches one element of its operand per element of its own (a broadcast, reshape,
  // slice, transpose or concat) recomputes a stored value there when the value is cheap — no product,
  // reduction or mask on the way — instead of reading it after a level boundary (one more dispatch
  // a step): an mLSTM's per-head gates, broadcast over each head's block, stay in the step's kernel.
  // Readers that loop over their operand (products, reductions) read it from memory, complete.
  const level = new Map<number, number>();
  const recomputable = (n: Node) => !expensive(n) && !drawsMask(n) && !isLeaf(n.op) && (isElementwise(n.op) || INDEX_REMAPS.has(n.op));
  const nonLocalLevel = (id: number, reader: Region, remap: boolean): number => {
    if (!region.has(id)) return 0;
    if (region.get(id) !== reader) return 0; // earlier regions are complete
    const n = nodes[id];
    if (must.has(id) && !(remap && recomputable(n))) return level.get(id)! + 1;
    // recomputed at another index, n reads its operands there too — one element each, unless n loops
    // over them (a product computed in place): those must be complete. A stored value is recomputed
    // only by a reader of its own level (the same kernel); one of a later level loads it, complete.
    const one = remap && (isElementwise(n.op) || INDEX_REMAPS.has(n.op));
    let l = must.has(id) ? level.get(id)! : 0;
    for (const a of n.args) l = Math.max(l, nonLocalLevel(a, reader, one));
    return l;
  };
  for (const n of nodes) {
    const r = region.get(n.id);
    if (!r) continue;
    let l = 0;
    for (const a of n.args) {
      const sameRegion = region.get(a) === r;
      if (readsLocally(n, nodes[a])) l = Math.max(l, sameRegion ? level.get(a)! : 0);
      else l = Math.max(l, nonLocalLevel(a, r, INDEX_REMAPS.has(n.op)));
    }
    // a GEMM's operand is read by other workgroups: it must be complete
    if (isGemm(n)) for (const a of n.args) if (region.get(a) === r) l = Math.max(l, level.get(a)! + 1);
    level.set(n.id, l);
  }

  // 4. Stores, GEMM stacks and kernels.
  const stores = new Map<number, Store[]>();
  const temporaries = new Map<TensorId, { kind: 'const' | 'row' | 'seq'; width: number; node: number }>();
  const addStore = (id: number, st: Store) => stores.set(id, [...(stores.get(id) ?? []), st]);
  for (const l of fn.leaves) addStore(l.node, { ...l.use, col: l.use.col ?? 0 });
  for (const r of fn.results) if (region.has(r.node)) addStore(r.node, { ...r.use, col: 0 });
  const aliases = new Map<TensorId, Store>();
  const usedLater = (id: number) => nodes.some((c) => c.args.includes(id) && region.has(c.id) && region.get(c.id) !== region.get(id));
  // Materialised values a later region reads through values it recomputes
  // (a post-loop `neg(m)` of a loop matmul m reads m at every step): like a
  // direct use, they must be kept for every step.
  const readLater = new Set<number>();
  const seen = new Set<string>();
  const markRead = (from: number, reader: number) => {
    const todo = [from]; // a stack, not recursion: chains of values can be thousands long
    while (todo.length) {
      const id = todo.pop()!;
      if (!region.has(id) || regionIndex(id) >= reader || seen.has(`${id}:${reader}`)) continue;
      seen.add(`${id}:${reader}`);
      if (must.has(id)) readLater.add(id);
      else todo.push(...nodes[id].args);
    }
  };
  for (const n of nodes) if (region.has(n.id)) for (const a of n.args) markRead(a, regionIndex(n.id));
  const termOperand = new Set(fn.gradTerms.flatMap(termOperands));

  const stages: Record<Region, Stage[]> = { const: [], pre: [], loop: [], post: [] };
  const paramGroups: string[][] = [];
  const gemmNodes = new Set<number>();
  const paramOf = (id: number) => (nodes[id].op === 'param' ? (nodes[id].attrs as { name: string }).name : undefined);
  const placedParams = new Set<string>();
  for (const r of ['pre', 'post'] as const) {
    const candidates = nodes.filter((n) => region.get(n.id) === r && isGemm(n));
    const groups = new Map<string, Node[]>();
    for (const n of candidates) {
      const weightLeft = !nodes[n.args[0]].type.batched;
      const vector = weightLeft ? n.args[1] : n.args[0];
      const weight = weightLeft ? n.args[0] : n.args[1];
      const p = paramOf(weight);
      const key = weightLeft && p && !placedParams.has(p) ? `${vector}|${level.get(n.id)}|left` : `single${n.id}`;
      const list = groups.get(key) ?? [];
      list.push(n);
      groups.set(key, list);
      if (key.endsWith('left')) placedParams.add(p!);
    }
    for (const [key, list] of groups) {
      const weightLeft = !nodes[list[0].args[0]].type.batched;
      const vector = weightLeft ? list[0].args[1] : list[0].args[0];
      const name = `${opts.tag}_${r}_gemm${stages[r].filter((s) => s.kind === 'gemm').length}`;
      const stacked = key.endsWith('left') && list.length > 1;
      if (stacked) paramGroups.push(list.map((n) => paramOf(n.args[0])!));
      const width = list.reduce((s, n) => s + opts.numel(n.id), 0);
      const tensor = tensorId(`t:${name}`);
      temporaries.set(tensor, { kind: 'seq', width, node: list[0].id });
      let col = 0;
      for (const n of list) {
        const home: Store = { tensor, shift: 0, col };
        for (const r of fn.results) if (r.node === n.id) aliases.set(r.use.tensor, home);
        stores.set(n.id, [home]);
        col += opts.numel(n.id);
        gemmNodes.add(n.id);
      }
      stages[r].push({ kind: 'gemm', name, region: r, level: level.get(list[0].id)!, matmuls: list.map((n) => n.id), vector, weightLeft });
    }
  }
  for (const id of must) {
    if (!region.has(id) || stores.has(id)) continue;
    const r = region.get(id)!;
    const kind = r === 'const' ? 'const' : r !== 'loop' || usedLater(id) || readLater.has(id) || termOperand.has(id) ? 'seq' : 'row';
    const tensor = tensorId(`m:${opts.tag}${id}`);
    temporaries.set(tensor, { kind, width: opts.numel(id), node: id });
    addStore(id, { tensor, shift: 0, col: 0 });
  }
  for (const r of REGIONS) {
    const levels = new Map<number, number[]>();
    for (const id of must) {
      if (region.get(id) !== r || gemmNodes.has(id)) continue;
      const l = level.get(id)!;
      levels.set(l, [...(levels.get(l) ?? []), id]);
    }
    const fused: Stage[] = [...levels.entries()].map(([l, outs]) => ({
      kind: 'fused' as const,
      name: `${opts.tag}_${r}_level${l}`,
      region: r,
      level: l,
      outputs: outs.sort((a, b) => a - b),
    }));
    stages[r] = [...stages[r], ...fused].sort((a, b) => a.level - b.level || (a.kind === 'gemm' ? -1 : 1));
  }
  for (const id of must) assert(stores.has(id) || !region.has(id), `materialised node %${id} has no store`);

  return { fn, region, stores, stages, paramGroups, gradTerms: fn.gradTerms, temporaries, aliases };
}
