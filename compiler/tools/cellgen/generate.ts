// generateCell(seed): one random, well-typed cell (SPEC §3–§6) as a GenCell;
// renderCell (ast.ts) gives its source text. The same seed gives the same
// cell everywhere (pure TypeScript: no Node API, no GPU).
//
// Shape of a generated cell: sizes I, K (symbols), H = K + c (derived, so
// slices like h[0:K] are valid for every K), sometimes N and an index range
// V; all small, pairwise distinct and not multiples of 4. An input x[I],
// sometimes a scalar u, a matrix m[K, I] and an index o: index(V); 1–3
// states (scalars, vectors, matrices); locals, next states and outputs in an
// interleaved order, so later equations read locals and primed states of the
// same step (several dependency levels). A fifth of the cells run in reverse.

import { renderCell, sizeForms, type Expr, type GenCell, type SizeDecl, type StateDecl, type Stmt, type VType } from './ast.js';
import { lin, linAdd, sym, type Lin } from './dims.js';
import { batchedOf, ExprGen, type EnvVar, type GenScope } from './exprgen.js';
import { GenRng } from './rng.js';

export interface GenOptions {
  /** Productions per expression, at most (default 3). */
  readonly depth?: number;
  /** Sizes from 3, 5, 6, 7 only (shaders compile faster; the default pool goes to 13). */
  readonly small?: boolean;
  /**
   * Make every output and next state read an input or a state (default
   * false: parameter-only and constant results are generated too; the GPU
   * once left them unwritten, and test/fixtures/cells/constant_outputs.cell
   * pins the fix).
   */
  readonly batchedResults?: boolean;
  /**
   * Next states diagonal-affine in their own previous value, with
   * coefficient and offset read from the inputs and, sometimes, earlier
   * states (never the state itself): cells the scan schedule runs. A `delay`
   * in them still makes a state that does not scan.
   */
  readonly scannable?: boolean;
  /** Random masks too: dropout (per step or per sequence) and zoneout of generated operands (default false). */
  readonly masks?: boolean;
  /**
   * Heads too (default false): sizes NH, DH and D = NH * DH, a first state h[D] (others may be
   * [NH, DH] or a stack [NH, DH, DH]), and the per-head products: `A @ v` with A [NH, DH, DH],
   * `dense(…, heads = NH)`, `outer(a, b, heads = NH)`, the transpose of a stack of matrices, and
   * `reshape` between [D], [NH, DH] and (per-head scalars) [NH] → [NH, 1].
   */
  readonly heads?: boolean;
}

/** e + 0·mean(x): the same values, batched (x is always an input). */
function withBatched(e: Expr, vars: readonly EnvVar[]): Expr {
  const x = vars.find((v) => v.name === 'x')!;
  const mx: Expr = { k: 'call', fn: 'mean', args: [{ k: 'name', name: 'x', t: x.t }], kw: [], t: { shape: [], batched: true } };
  const zero: Expr = { k: 'bin', op: '*', a: { k: 'num', v: 0.01, t: { shape: [], batched: false } }, b: mx, t: { shape: [], batched: true } };
  return { k: 'bin', op: '+', a: e, b: zero, t: { shape: e.t!.shape, batched: true } };
}

const POOL = [3, 5, 6, 7, 9, 10, 11, 13];
const SMALL = [3, 5, 6, 7];

function chooseSizes(rng: GenRng, pool: readonly number[], heads: boolean): SizeDecl[] {
  for (;;) {
    const K = rng.pick([3, 5, 6]);
    const c = rng.pick(pool === SMALL ? [2, 4] : [2, 4, 5]);
    const I = rng.pick(pool);
    const vals = [K, K + c, I];
    const extra = rng.chance(0.3) ? rng.pick(pool) : undefined;
    const V = rng.chance(0.35) ? rng.pick(pool) : undefined;
    const [NH, DH] = heads ? [rng.pick([2, 3]), rng.pick([3, 5])] : [];
    const all = [...vals, ...(extra ? [extra] : []), ...(V ? [V] : [])];
    if (new Set(all).size !== all.length || all.some((v) => v % 4 === 0 || v > 13 || v === 1)) continue;
    const withHeads = heads ? [...all, NH!, DH!, NH! * DH!] : all;
    if (new Set(withHeads).size !== withHeads.length) continue;
    const s: SizeDecl[] = [{ name: 'I', value: I }, { name: 'K', value: K }, { name: 'H', derived: linAdd(sym('K'), lin(c)) }];
    if (extra) s.push({ name: 'N', value: extra });
    if (V) s.push({ name: 'V', value: V });
    if (heads) s.push({ name: 'NH', value: NH }, { name: 'DH', value: DH }, { name: 'D', product: ['NH', 'DH'] });
    return s;
  }
}

export function generateCell(seed: number, opts: GenOptions = {}): GenCell {
  const o = { batchedResults: false, ...opts };
  const rng = new GenRng(seed * 2654435761 + 12345);
  const depth = o.depth ?? 3;
  const sizes = chooseSizes(rng, o.small ? SMALL : POOL, !!o.heads);
  const forms = sizeForms(sizes);
  const dim = (n: string) => forms.get(n)!;
  const names = sizes.map((s) => s.name).filter((n) => n !== 'V');
  const hasV = forms.has('V');

  const inputs: GenCell['inputs'][number][] = [{ name: 'x', shape: [dim('I')] }];
  if (rng.chance(0.3)) inputs.push({ name: 'u', shape: [] });
  if (rng.chance(0.15)) inputs.push({ name: 'm', shape: [dim('K'), dim('I')] });
  if (hasV && rng.chance(0.8)) inputs.push({ name: 'o', index: 'V' });

  const shapeChoice = (): Lin[] => {
    const r = rng.weighted([[0, 1], [1, 5], [2, 2]]);
    return Array.from({ length: r }, () => dim(rng.pick(names)));
  };
  // with heads, the first state is a vector of heads, and others may be a head a row or a stack of per-head matrices
  const headShapes = o.heads ? [[dim('NH'), dim('DH')], [dim('NH'), dim('DH'), dim('DH')]] : [];
  const stateShape = (i: number): Lin[] => (!o.heads ? shapeChoice() : i === 0 ? [dim('D')] : rng.chance(0.4) ? rng.pick(headShapes) : shapeChoice());
  const states: StateDecl[] = Array.from({ length: rng.int(1, 3) }, (_, i) => ({ name: ['h', 'c', 'S'][i], shape: stateShape(i), init: rng.pick([0, 0, 0.1, -0.2, 0.5]) }));

  const vars: EnvVar[] = [];
  const t = (shape: readonly Lin[]): VType => ({ shape, batched: true });
  for (const x of inputs) if (x.shape) vars.push({ name: x.name, t: t(x.shape) });
  for (const s of states) vars.push({ name: s.name, t: t(s.shape) });
  const scope: GenScope = { vars, dims: forms, indexInputs: inputs.filter((x) => x.index).map((x) => ({ name: x.name, range: x.index! })), ...(o.masks ? { masks: true } : {}), ...(o.heads ? { heads: { NH: dim('NH'), DH: dim('DH'), D: dim('D') } } : {}) };
  const g = new ExprGen(rng, scope);

  // the work list: locals and next states in a random order, outputs last but one of them may come early
  type Item = { kind: 'let'; name: string; shape: Lin[] } | { kind: 'next'; s: StateDecl };
  const items: Item[] = [...Array.from({ length: rng.int(0, 4) }, (_, i) => ({ kind: 'let' as const, name: `a${i}`, shape: shapeChoice() })), ...states.map((s) => ({ kind: 'next' as const, s }))];
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  const stmts: Stmt[] = [];
  if (scope.indexInputs.length && rng.chance(0.7)) {
    // make sure the index input is used at least once, early, so later equations can read it
    const D = dim(rng.pick(names));
    const E = g.param([dim('V'), D]);
    const e: Expr = rng.chance(0.5) ? { k: 'call', fn: 'gather', args: [E, { k: 'name', name: 'o' }], kw: [], t: t([D]) } : { k: 'call', fn: 'onehot', args: [{ k: 'name', name: 'o' }], kw: [], t: t([dim('V')]) };
    stmts.push({ kind: 'let', name: 'e', e });
    vars.push({ name: 'e', t: e.t! });
  }
  for (const it of items) {
    if (it.kind === 'let') {
      const e = g.gen(it.shape, depth);
      stmts.push({ kind: 'let', name: it.name, e });
      vars.push({ name: it.name, t: e.t! });
    } else {
      const e0 = o.scannable ? affineNext(new ExprGen(rng, affineScope(scope, inputs, states, it.s, rng), `q${it.s.name}`), rng, it.s, depth) : nextState(g, rng, it.s, depth);
      const e = batchedOf(e0) || !o.batchedResults ? e0 : withBatched(e0, vars);
      stmts.push({ kind: 'next', name: it.s.name, e });
      // h' is typed by its expression: unbatched when that reads no input or state
      vars.push({ name: `${it.s.name}'`, t: { shape: it.s.shape, batched: batchedOf(e) } });
    }
  }
  const outs = rng.int(1, 3);
  const used = new Set<string>();
  for (let i = 0; i < outs; i++) {
    const r = rng.int(0, 2);
    const s = rng.pick(states);
    if (r === 0 && !used.has(s.name)) {
      used.add(s.name);
      stmts.push({ kind: 'out', name: s.name, ref: `${s.name}'` });
    } else if (r === 1 && stmts.some((x) => x.kind === 'let' && !used.has(x.name) && (!o.batchedResults || batchedOf(x.e)))) {
      const l = rng.pick(stmts.filter((x) => x.kind === 'let' && !used.has(x.name) && (!o.batchedResults || batchedOf(x.e))));
      used.add(l.name);
      stmts.push({ kind: 'out', name: l.name, ref: l.name });
    } else {
      const name = `y${i}`;
      used.add(name);
      const e = g.gen(shapeChoice(), depth);
      // outputs read an input or a state: an output of parameters only is a separate, known issue (see test/fuzz)
      stmts.push({ kind: 'out', name, e: batchedOf(e) || !o.batchedResults ? e : withBatched(e, vars) });
    }
  }
  return { name: `Gen${seed}`, reverse: rng.chance(0.2), sizes, inputs, states, stmts };
}

/** A bounded update, so that T steps of it stay O(1): tanh(e), a leaky mix, or a gated mix. */
function nextState(g: ExprGen, rng: GenRng, s: StateDecl, depth: number): Expr {
  const shape = s.shape;
  const T = { shape, batched: true };
  const self: Expr = { k: 'name', name: s.name, t: T };
  const tanh = g.unary('tanh', g.gen(shape, depth));
  switch (rng.int(0, 3)) {
    case 0:
      return tanh;
    case 1:
      return { k: 'bin', op: '+', a: { k: 'bin', op: '*', a: g.num(0.5), b: self, t: T }, b: { k: 'bin', op: '*', a: g.num(0.5), b: tanh, t: T }, t: T };
    case 2: {
      const gate = g.unary('sigmoid', g.gen(shape, depth - 1));
      return { k: 'bin', op: '+', a: { k: 'bin', op: '*', a: gate, b: self, t: T }, b: { k: 'bin', op: '*', a: { k: 'bin', op: '-', a: g.num(1), b: gate, t: T }, b: tanh, t: T }, t: T };
    }
    default:
      return g.unary(rng.pick(['sigmoid', 'tanh']), g.gen(shape, depth));
  }
}

/** What a scannable next state may read: the inputs and, by chance, the states declared before it. */
function affineScope(scope: GenScope, inputs: GenCell['inputs'], states: readonly StateDecl[], s: StateDecl, rng: GenRng): GenScope {
  const vars = scope.vars.filter((v) => inputs.some((x) => x.name === v.name && x.shape) || v.name === 'e');
  for (const o of states.slice(0, states.indexOf(s))) if (rng.chance(0.5)) vars.push({ name: o.name, t: { shape: o.shape, batched: true } });
  return { ...scope, vars };
}

/** s' = a ⊙ s + b with a, b free of s: a gated mix (minGRU), a constant decay, or a negative gate. */
function affineNext(g: ExprGen, rng: GenRng, s: StateDecl, depth: number): Expr {
  const T = { shape: s.shape, batched: true };
  const self: Expr = { k: 'name', name: s.name, t: T };
  const cand = g.unary('tanh', g.gen(s.shape, depth));
  const mul = (a: Expr, b: Expr): Expr => ({ k: 'bin', op: '*', a, b, t: T });
  const add = (a: Expr, b: Expr): Expr => ({ k: 'bin', op: '+', a, b, t: T });
  switch (rng.int(0, 2)) {
    case 0: {
      const gate = g.unary('sigmoid', g.gen(s.shape, depth - 1));
      return add(mul(gate, self), mul({ k: 'bin', op: '-', a: g.num(1), b: gate, t: T }, cand));
    }
    case 1:
      return add(mul(g.num(0.5), self), cand);
    default:
      return { k: 'bin', op: '-', a: cand, b: mul(g.unary('sigmoid', g.gen(s.shape, depth - 1)), self), t: T };
  }
}

/** The source text of cell `seed` and its size values. */
export function generateSource(seed: number, o: GenOptions = {}): { cell: GenCell; source: string } {
  const cell = generateCell(seed, o);
  return { cell, source: renderCell(cell) };
}
