// The WGSL of one fused kernel (a schedule stage of kind 'fused'). All
// decisions — which nodes this kernel writes, where every value lives, which
// products share a k-loop — are made before; this file only spells them.
//
// Thread mapping: invocation (j, g) computes element j of every output whose
// size exceeds j, for rows g·R … g·R+R−1 (R rows per invocation, so a weight
// loaded once serves R examples). Rows are examples (loop kernels), all T·B
// (example, step) pairs (hoisted kernels), or one (parameter-only kernels).
// Products W·v evaluated at the thread's own element run first, in k-loops
// shared by all products of the same depth; everything elementwise is then
// recomputed in registers per row and only the outputs are stored.

import { dimKey, evalDim, numel, type Dim } from '../../ir/dims.js';
import type { Node } from '../../ir/graph.js';
import { isCompare, sizeAttrs } from '../../ir/opInfo.js';
import type { OpAttrs } from '../../ir/ops.js';
import type { FusedKernel, Schedule, Store } from '../../schedule/schedule.js';
import { readsLocally, rowSharedWeight } from '../../schedule/schedule.js';
import { assert, assertNever, CompilerBug } from '../../util/assert.js';
import type { KernelRecord } from '../../artifact/kernel.js';
import { arenaBindings, dimsBinding } from './kernelBindings.js';
import { lin, type ArenaName, type Layout } from '../../artifact/layout.js';
import { arenaVar, wgslAddress } from './wgslAddress.js';
import { gaussJordan } from './gaussJordan.js';
import { NameAllocator } from './names.js';
import { Scope } from './scope.js';
import { postOrder } from '../../util/postOrder.js';
import { isStructural, WGSL_OPS } from './wgslOps.js';
import { DIMS_DECL, DIMS_DECL_RANDOM, dimsPrologue } from './wgslDims.js';
import { maskAt, PHILOX_WGSL } from './wgslPhilox.js';
import { atOffset, broadcastIndex, f, operandIndex, sliceOffset, transposeIndex, u } from './wgslIndex.js';
import { concatValue } from './concat.js';
import { reduction } from './reduction.js';
import { headMatvecLoop, matmulLoop, sumtoLoop } from './productLoops.js';

export interface KernelInput {
  readonly schedule: Schedule;
  readonly layout: Layout;
  readonly stage: FusedKernel;
  readonly shape: (id: number) => readonly number[];
  readonly describe: (id: number) => string;
  readonly workgroupSize: number;
  readonly sizes: Readonly<Record<string, number>>;
}

export function renderFusedKernel(k: KernelInput): KernelRecord {
  return renderKernel(k, k.stage.name, [k.stage], undefined)!;
}

/**
 * One kernel for all loop-region stages of a pass (SPEC.md §12.4): a workgroup owns R batch rows
 * and every element of them (thread x covers elements x, x + W, x + 2W, …), and the stages run one
 * after the other with a storage barrier between them instead of a dispatch each — independent rows
 * need nothing from other workgroups. `persistent`: the kernel also loops over all T steps itself
 * (one dispatch per pass; backward in reverse time).
 */
export interface RowKernelInput extends Omit<KernelInput, 'stage'> {
  readonly name: string;
  readonly stages: readonly FusedKernel[];
  readonly persistent?: { readonly reverse: boolean };
}

export function renderRowKernel(k: RowKernelInput): KernelRecord {
  assert(k.stages.length > 0 && k.stages.every((s) => s.region === 'loop'), 'a row-owning kernel runs loop stages');
  return renderKernel({ ...k, stage: k.stages[0] }, k.name, k.stages, { persistent: k.persistent })!;
}

/**
 * The persistent kernel of a pass whose step is one level that reads every
 * value it carries at its own element (an elementwise recurrence: IndRNN, a
 * diagonal-Jacobian cell): each thread loops over all T steps for one element
 * of one row (no k-loop shares a weight between rows), with no barrier —
 * no thread reads what another writes. Undefined when the step reads a
 * carried value at another element (a product with h, a broadcast of it).
 */
export function renderLaneKernel(k: RowKernelInput & { readonly persistent: { readonly reverse: boolean } }): KernelRecord | undefined {
  assert(k.stages.length === 1 && k.stages[0].region === 'loop', 'a lane kernel runs one loop stage');
  return renderKernel({ ...k, stage: k.stages[0] }, k.name, k.stages, { persistent: k.persistent, lanes: true });
}

function renderKernel(k: KernelInput, kernelName: string, stages: readonly FusedKernel[], rowOwned: { persistent?: { readonly reverse: boolean }; lanes?: true } | undefined): KernelRecord | undefined {
  const { schedule, layout } = k;
  const stage = stages[0];
  const nodes = schedule.fn.nodes;
  let outputs = new Set(stage.outputs);
  const arenas = new Set<ArenaName>();
  const offsets = new Set<string>();
  const written = new Set<ArenaName>();
  let [usesStep, usesRandom] = [false, false]; // the kernel reads the step t; it draws random masks
  // every identifier the kernel declares comes from one allocator (no shadowing)
  const names = new NameAllocator(['main', 'gid', 'dims', 'Dims', 'B', 'T', 'j', 'row0', 'row', 'r', 't', 'tt', ...[...layout.tensors.values()].map((t) => t.symbol), ...[...new Set([...layout.tensors.values()].map((t) => arenaVar(t.arena)))]]);
  const fresh = (p: string) => names.fresh(p);
  const rows = stage.region === 'loop' ? 'B' : stage.region === 'const' ? '1' : 'TB';
  const persistent = rowOwned?.persistent;
  const lanes = rowOwned?.lanes === true;
  // rows per thread: 4 share each weight a k-loop loads; a lane kernel has no k-loop over a carried value, and one row a thread runs more threads
  const R = stage.region === 'const' || lanes ? 1 : 4;
  // lanes: the tensors the kernel writes, and whether it reads one at an element other than its own
  const carried = new Set(stages.flatMap((st) => st.outputs.flatMap((id) => schedule.stores.get(id)!.map((x) => x.tensor))));
  let readsAcross = false;
  const rowsExpr = rows === 'B' ? 'B' : rows === 'TB' ? '(T * B)' : '1u';

  const computedHere = (id: number) => outputs.has(id) || (!schedule.stores.has(id) && nodes[id].op !== 'input' && nodes[id].op !== 'state' && nodes[id].op !== 'param');

  const storeAddr = (st: Store, id: number, idx: string): string => {
    const t = layout.tensors.get(st.tensor);
    assert(t, `no layout for tensor ${st.tensor}`);
    arenas.add(t.arena);
    offsets.add(t.symbol);
    // per-step kernels address sequences at the step t; kernels over all T·B rows at step 0 with row = t·B + b
    const perStep = rows === 'B' && t.kind === 'seq';
    if (perStep && !persistent) usesStep = true;
    return `${arenaVar(t.arena)}[${wgslAddress(t, st, { time: perStep ? (persistent ? 't' : 'dims.t') : undefined, idx })}]`;
  };

  const load = (id: number, idx: string) => {
    const st = schedule.stores.get(id)!;
    if (lanes && idx !== 'j' && carried.has(st[0].tensor)) readsAcross = true;
    const v = storeAddr(st[0], id, idx);
    return nodes[id].type.dtype === 'bool' ? `(${v} != 0.0)` : v;
  };

  // `${node}@${index}` → accumulator array name (valid at that index, row r); the index is the
  // thread's element j, or j plus the start of the rank-1 slices it is read through (a stacked
  // gate product p = U·h read as p[2H:3H])
  const fastMatvec = new Map<string, string>();

  function value(id: number, idx: string, s: Scope): string {
    const n = nodes[id];
    if (n.op === 'const') return f((n.attrs as OpAttrs['const']).value);
    if (n.op === 'dim') return f(sizeOf(id, 'dim'));
    const fast = fastMatvec.get(`${id}@${idx}`);
    if (fast) return `${fast}[r]`;
    if (!computedHere(id)) return load(id, idx);
    const key = `${id}@${idx}`;
    const hit = s.get(key);
    if (hit) return hit;
    // the operands of an elementwise chain first, without recursion (a chain of
    // thousands of ops would overflow the stack); the text is what the
    // recursive order gives: every operand's lines before their user's
    postOrder<[number, string]>([id, idx], pendingOperands(s), ([c, at]) => {
      if (c !== id) value(c, at, s);
    });
    const expr = compute(n, idx, s);
    // a value with a source name is declared under it (`let f = …`, `let c_p = …`, `let d_f = …`)
    const name = fresh(schedule.fn.origins.get(id)?.name ?? 'v');
    s.emit(`let ${name} = ${expr};`);
    s.set(key, name);
    return name;
  }

  /** The operands an elementwise op's spelling fetches, in its order, that are not computed yet. */
  const pendingOperands = (s: Scope) => ([id, at]: [number, string]): [number, string][] => {
    const n = nodes[id];
    const spelling = WGSL_OPS[n.op];
    if (spelling.kind !== 'expr') return [];
    const idx = operandIndex(at);
    const order: number[] = [];
    spelling.spell((i) => (order.includes(i) || order.push(i), ''));
    return order
      .map((i) => n.args[i])
      .filter((a) => {
        const op = nodes[a].op;
        return op !== 'const' && op !== 'dim' && !fastMatvec.has(`${a}@${idx}`) && computedHere(a) && !s.get(`${a}@${idx}`);
      })
      .map((a) => [a, idx]);
  };

  function compute(n: Node, at: string, s: Scope): string {
    const idx = operandIndex(at);
    const arg = (i: number, where = idx) => value(n.args[i], where, s);
    const sh = k.shape(n.id);
    const spelling = WGSL_OPS[n.op];
    if (spelling.kind === 'expr') return spelling.spell((i) => arg(i));
    const loopInput = { idx, fresh, load: (i: number, q: string, sc: Scope) => value(n.args[i], q, sc) };
    const op = n.op;
    if (op === 'mask') {
      // drawn at the row's example and step (per-step kernels: step t; over all T·B rows: row = t·B + b)
      usesRandom = true;
      usesStep ||= rows === 'B' && !persistent;
      return maskAt(n.attrs as OpAttrs['mask'], idx, rows === 'B' ? (persistent ? 't' : 'dims.t') : undefined);
    }
    if (!isStructural(op)) throw new CompilerBug(`leaf ${op} computed in a kernel`);
    switch (op) {
      case 'matmul':
        return matmulLoop(loopInput, s, k.shape(n.args[0]), k.shape(n.args[1]));
      case 'headmatvec': {
        const [, P, Q] = k.shape(n.args[0]);
        return headMatvecLoop(loopInput, s, P, Q);
      }
      case 'headouter': {
        // out[n, p, q] = a[n·P + p] · b[n·Q + q], idx = (n·P + p)·Q + q
        const [, P, Q] = sh;
        return `(${arg(0, `(${idx} / ${u(Q)})`)}) * (${arg(1, `(${idx} / ${u(P * Q)}) * ${u(Q)} + (${idx} % ${u(Q)})`)})`;
      }
      case 'outer': {
        const N = sh[1];
        return `(${arg(0, `(${idx} / ${u(N)})`)}) * (${arg(1, `(${idx} % ${u(N)})`)})`;
      }
      case 'reshape':
        return arg(0); // the same row-major element
      case 'transpose':
        return arg(0, transposeIndex(idx, sh));
      case 'sum':
      case 'rmax':
      case 'logsumexp':
      case 'argmax':
        return reduction({ op, axis: (n.attrs as OpAttrs['sum']).axis, shape: k.shape(n.args[0]), idx, fresh, load: (q, sc) => value(n.args[0], q, sc) }, s);
      case 'broadcast': {
        const a = n.attrs as OpAttrs['broadcast'];
        return arg(0, broadcastIndex(idx, k.shape(n.args[0]), sh, a.axes));
      }
      case 'sumto':
        return sumtoLoop(loopInput, s, k.shape(n.args[0]), sh, (n.attrs as OpAttrs['sumto']).axes);
      case 'concat':
        return concatValue({ idx, shape: sh, axis: (n.attrs as OpAttrs['concat']).axis, lengths: n.args.map((a) => k.shape(a)[(n.attrs as OpAttrs['concat']).axis]), fresh, load: (p, q, sc) => value(n.args[p], q, sc) }, s);
      case 'slice': {
        const a = n.attrs as OpAttrs['slice'];
        const xs = k.shape(n.args[0]);
        const inner = numel(sh.slice(a.axis + 1));
        const dimOut = sh[a.axis];
        const start = sizeOf(n.id, 'start');
        // a vector's element idx (< its length) is element idx + start of the sliced vector
        const off = sliceOffset(at);
        if (sh.length === 1 && off !== undefined) return arg(0, atOffset(off + start));
        return arg(0, `(${idx} / ${u(dimOut * inner)}) * ${u(xs[a.axis] * inner)} + (((${idx} / ${u(inner)}) % ${u(dimOut)}) + ${u(start)}) * ${u(inner)} + (${idx} % ${u(inner)})`);
      }
      case 'gather': {
        // an index outside the table (an argmax over a longer axis) gives a zero row, as in the interpreter
        const D = sh[0];
        const V = k.shape(n.args[0])[0];
        const row = arg(1, '0u');
        return `select(0.0, ${arg(0, `u32(${row}) * ${u(D)} + ${idx}`)}, u32(${row}) < ${u(V)})`;
      }
      case 'onehot': {
        if (k.shape(n.args[0]).length === 0) return `select(0.0, 1.0, u32(${arg(0, '0u')}) == ${idx})`;
        const depth = sh[sh.length - 1]; // a vector of indices: row i is onehot(index[i])
        return `select(0.0, 1.0, u32(${arg(0, `(${idx} / ${u(depth)})`)}) == (${idx} % ${u(depth)}))`;
      }
      case 'eye': {
        const m = sh[0];
        return `select(0.0, 1.0, (${idx} / ${u(m)}) == (${idx} % ${u(m)}))`;
      }
      case 'inv':
      case 'logdet':
        return gaussJordan({ op, size: k.shape(n.args[0])[0], idx, load: (q, sc) => value(n.args[0], q, sc), fresh }, s);
      default:
        return assertNever(op, 'op');
    }
  }

  // Every size attribute (ir/opInfo.ts: a slice's start, a dim's size, …) resolved
  // with the concrete sizes; shapes come from k.shape instead.
  const sizeValues = new Map<string, number>(); // `${node}.${attribute}` → value
  for (const n of nodes) {
    for (const { key, kind } of sizeAttrs(n.op)) {
      if (kind !== 'dim') continue;
      const v = evalDim((n.attrs as Readonly<Record<string, Dim>>)[key], k.sizes);
      assert(v !== undefined, 'size without a value');
      sizeValues.set(`${n.id}.${key}`, v);
    }
  }
  const sizeOf = (id: number, key: 'start' | 'dim') => sizeValues.get(`${id}.${key}`)!;

  /** Outputs grouped into blocks of equal element count, widest first. */
  const blocksOf = (st: FusedKernel) => {
    const blocks = new Map<number, number[]>();
    for (const id of st.outputs) {
      const n = numel(k.shape(id));
      blocks.set(n, [...(blocks.get(n) ?? []), id]);
    }
    return [...blocks.entries()].sort((a, b) => b[0] - a[0]);
  };
  /** The statements computing stage `st`'s outputs at element j of rows row0 … row0 + R − 1. */
  const emitStage = (st: FusedKernel, body: Scope) => {
  outputs = new Set(st.outputs);
  for (const [count, outs] of blocksOf(st)) {
    body.emit(`if (j < ${u(count)}) {`);
    const blk = new Scope(body, body.indent + '  ');
    // products evaluated at the thread's own element (or at it plus a rank-1 slice's start): shared k-loops
    const local = new Map<string, [number, number]>(); // `${node}@${index}` → [node, offset]
    const todo: [number, number][] = outs.map((id): [number, number] => [id, 0]).reverse(); // pre-order with a stack (chains can be thousands long)
    while (todo.length) {
      const [id, off] = todo.pop()!;
      const key = `${id}@${atOffset(off)}`;
      if (local.has(key) || !computedHere(id)) continue;
      local.set(key, [id, off]);
      const n = nodes[id];
      if (n.op === 'slice' && n.type.shape.length === 1) {
        todo.push([n.args[0], off + sizeOf(id, 'start')]);
        continue;
      }
      const args = n.args.filter((a) => readsLocally(n, nodes[a]));
      for (let i = args.length - 1; i >= 0; i--) todo.push([args[i], off]);
    }
    // matrix-vector and per-head products whose weight is in memory
    const matvecs = [...local.values()].filter(([id]) => {
      const w = rowSharedWeight(nodes[id], nodes);
      return w !== undefined && schedule.stores.has(w);
    });
    const byDepth = new Map<number, [number, number][]>();
    for (const [id, off] of matvecs) {
      const n = nodes[id];
      // the summed length: a stack's block width Q, else the vector's length
      const depth = n.op === 'headmatvec' ? k.shape(n.args[0])[2] : k.shape(n.args[nodes[n.args[0]].type.batched ? 0 : 1])[0];
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), [id, off]]);
    }
    for (const [K, ids] of byDepth) {
      for (const [id, off] of ids) {
        const acc = fresh('mv');
        fastMatvec.set(`${id}@${atOffset(off)}`, acc);
        blk.emit(`var ${acc} = array<f32, ${R}>();`);
      }
      const kk = fresh('kk');
      blk.emit(`for (var ${kk} = 0u; ${kk} < ${u(K)}; ${kk}++) {`);
      const kl = new Scope(blk, blk.indent + '  ');
      const weights = ids.map(([id, off]) => {
        const n = nodes[id];
        const weightLeft = !nodes[n.args[0]].type.batched;
        const W = weightLeft ? n.args[0] : n.args[1];
        const N = k.shape(id)[0];
        const w = fresh('w');
        const el = atOffset(off);
        kl.emit(`let ${w} = ${load(W, weightLeft ? `${el} * ${u(K)} + ${kk}` : `${kk} * ${u(N)} + ${el}`)};`);
        // a per-head product reads its head's piece of the vector: element (el / P)·Q + kk
        const at = n.op === 'headmatvec' ? `(${el} / ${u(k.shape(W)[1])}) * ${u(K)} + ${kk}` : kk;
        return { key: `${id}@${el}`, w, vector: weightLeft ? n.args[1] : n.args[0], at };
      });
      kl.emit(`for (var r = 0u; r < ${u(R)}; r++) {`);
      kl.emit(`  let row = row0 + r;`);
      kl.emit(`  if (row >= ${rowsExpr}) { break; }`);
      const rl = new Scope(kl, kl.indent + '  ');
      for (const { key, w, vector, at } of weights) rl.emit(`${fastMatvec.get(key)}[r] += ${w} * ${value(vector, at, rl)};`);
      kl.lines.push(...rl.lines);
      kl.emit('}');
      blk.lines.push(...kl.lines);
      blk.emit('}');
    }
    blk.emit(`for (var r = 0u; r < ${u(R)}; r++) {`);
    blk.emit(`  let row = row0 + r;`);
    blk.emit(`  if (row >= ${rowsExpr}) { break; }`);
    const rowScope = new Scope(blk, blk.indent + '  ');
    for (const id of outs) {
      const v = value(id, 'j', rowScope);
      const stored = nodes[id].type.dtype === 'bool' || isCompare(nodes[id].op) ? `select(0.0, 1.0, ${v})` : v;
      rowScope.emit(`// ${k.describe(id)}`);
      for (const st of schedule.stores.get(id)!) {
        written.add(layout.tensors.get(st.tensor)!.arena);
        rowScope.emit(`${storeAddr(st, id, 'j')} = ${stored};`);
      }
    }
    blk.lines.push(...rowScope.lines);
    blk.emit('}');
    body.lines.push(...blk.lines);
    body.emit('}');
    fastMatvec.clear();
  }
  };

  const widestOf = (st: FusedKernel) => {
    const [[elements, outs]] = blocksOf(st);
    // the element count in the cell's size symbols (`4·H`), never guessed from a value
    const shape = nodes[outs[0]].type.shape;
    const text = shape.length ? shape.map((d) => (d.terms.length && d.c === 0 && d.terms.length === 1 ? dimKey(d) : `(${dimKey(d)})`).replace(/^\((\d+)\)$/, '$1')).join('·') : '1';
    return { elements, text };
  };
  const W = k.workgroupSize;
  const body = new Scope(undefined, '  ');
  if (!rowOwned) emitStage(stage, body);
  else if (lanes) {
    body.emit(`for (var tt = 0u; tt < T; tt++) {`);
    const steps = new Scope(body, '    ');
    steps.emit(persistent!.reverse ? 'let t = T - 1u - tt;' : 'let t = tt;');
    emitStage(stage, steps);
    body.lines.push(...steps.lines);
    body.emit('}');
    if (readsAcross) return undefined;
  } else {
    // every thread of the workgroup reaches each barrier: the element loops end before it
    let steps = body;
    if (persistent) {
      body.emit(`for (var tt = 0u; tt < T; tt++) {`);
      steps = new Scope(body, '    ');
      steps.emit(persistent.reverse ? 'let t = T - 1u - tt;' : 'let t = tt;');
    }
    stages.forEach((st, i) => {
      steps.emit(`// level ${st.level}`);
      steps.emit(`for (var j = gid.x; j < ${u(widestOf(st).elements)}; j += ${u(W)}) {`);
      const inner = new Scope(steps, steps.indent + '  ');
      emitStage(st, inner);
      steps.lines.push(...inner.lines);
      steps.emit('}');
      if (persistent || i < stages.length - 1) steps.emit('storageBarrier();');
    });
    if (persistent) {
      body.lines.push(...steps.lines);
      body.emit('}');
    }
  }

  const arenaList = [...arenas].sort();
  // arenas this kernel only reads are bound read-only (parameters, and GEMM results it consumes)
  const readOnly = new Set(arenaList.filter((a) => a === 'params' || (a.startsWith('gemm:') && !written.has(a))));
  const summary = stages.flatMap((st) => st.outputs.map((id) => k.describe(id))).join('; ');
  const used = [...layout.tensors.values()].filter((t) => offsets.has(t.symbol));
  const rowWide = rowOwned && !lanes;
  const what = lanes
    ? `all T steps${persistent!.reverse ? ' in reverse' : ''} of ${schedule.fn.name}, level ${stage.level}, one thread per element and row (each step reads only its own elements)`
    : rowOwned
    ? `${persistent ? `all T steps${persistent.reverse ? ' in reverse' : ''}` : 'one time step'} of ${schedule.fn.name}, levels ${stages.map((st) => st.level).join(', ')} in one workgroup per ${R} rows`
    : `${stage.region === 'loop' ? 'one time step' : stage.region === 'const' ? 'parameter-only values, once per call' : `all T·B rows, ${stage.region === 'pre' ? 'before' : 'after'} the time loop`} of ${schedule.fn.name}, level ${stage.level}`;
  const wgsl = [
    `// ${kernelName}: ${what}.`,
    `// Writes: ${summary}`,
    ...arenaList.map((a, i) => `@group(0) @binding(${i}) var<storage, ${readOnly.has(a) ? 'read' : 'read_write'}> ${arenaVar(a)}: array<f32>;`),
    ...(usesRandom ? [...DIMS_DECL_RANDOM, ...PHILOX_WGSL] : DIMS_DECL),
    '',
    `@compute @workgroup_size(${W})`,
    'fn main(@builtin(global_invocation_id) gid: vec3<u32>) {',
    ...dimsPrologue(used, layout),
    ...(rowWide ? [] : ['  let j = gid.x;']),
    `  let row0 = gid.y * ${u(R)};`,
    ...body.lines,
    '}',
    '',
  ].join('\n');
  const { elements, text } = rowWide ? { elements: W, text: String(W) } : widestOf(stage);
  return {
    name: kernelName,
    role: 'fused',
    wgsl,
    entryPoint: 'main',
    workgroupSize: [W, 1, 1],
    workgroupStorageBytes: 0,
    bindings: [...arenaBindings(arenaList, readOnly), dimsBinding(usesStep)],
    dispatch: { threads: [lin(elements), ROWS[rows], lin(1)], per: [W, R, 1], text: [text, rows === 'TB' ? 'T·B' : rows, '1'] },
    summary,
  };
}

/** Rows of a fused kernel: examples (per step), all T·B (example, step) pairs, or one. */
const ROWS = { B: lin(0, 1), TB: lin(0, 0, 1), '1': lin(1) } as const;
