// Structure of a recurrence: for every carried value of a step function
// (a state in the forward pass, a state cotangent in the backward pass), how
// its new value depends on its previous one.
//
//   independent     s_t does not read s_{t-1} (it may read other carried values)
//   affine-diagonal s_t = a_t ⊙ s_{t-1} + b_t, elementwise, with a_t, b_t free of s
//   affine-dense    affine in s_{t-1}, but through a matrix product, a reduction or
//                   a re-indexing (a_t is a matrix)
//   semiring        a matrix-vector product over another semiring: logsumexp_i(s[i] + K[j,i])
//                   (log-sum-exp, the HMM forward algorithm) or max_i (max-plus, Viterbi),
//                   ⊗-multiplied by free terms
//   nonlinear       anything else; its Jacobian ∂s_t/∂s_{t-1} is diagonal when every
//                   path from s_{t-1} to s_t is elementwise, dense otherwise
//
// An affine-dense or nonlinear form whose every path is elementwise or a
// per-head product with square blocks (headmatvec of a free stack [N, P, P])
// has a block-diagonal Jacobian: blocks of P consecutive elements, the heads
// never mixing (xLSTM's sLSTM; the structure ParaRNN's Newton steps exploit).
//
// The other carried values count as known (free) here: a state whose update
// reads another state is scannable once that one is (see structure.ts, which
// combines the per-state forms through the dependency graph). The affine forms
// keep their coefficient and offset as expressions over existing nodes, so a
// schedule can materialise a_t and b_t (coefficients.ts).

import { dimEq, isConstDim, type Dim } from '../ir/dims.js';
import type { Node } from '../ir/graph.js';
import type { Op } from '../ir/ops.js';
import { isElementwise } from '../ir/opInfo.js';

/** An expression over nodes of the step function: a node id, 0, 1, or an elementwise op. */
export type Expr = number | { readonly k: 'zero' } | { readonly k: 'one' } | { readonly k: 'op'; readonly op: Op; readonly args: readonly Expr[] };

export const ZERO: Expr = { k: 'zero' };
export const ONE: Expr = { k: 'one' };
const isZero = (e: Expr) => typeof e !== 'number' && e.k === 'zero';
const isOne = (e: Expr) => typeof e !== 'number' && e.k === 'one';

const add = (a: Expr, b: Expr): Expr => (isZero(a) ? b : isZero(b) ? a : { k: 'op', op: 'add', args: [a, b] });
const sub = (a: Expr, b: Expr): Expr => (isZero(b) ? a : isZero(a) ? neg(b) : { k: 'op', op: 'sub', args: [a, b] });
const neg = (a: Expr): Expr => (isZero(a) ? a : { k: 'op', op: 'neg', args: [a] });
const mul = (a: Expr, b: Expr): Expr => (isZero(a) || isZero(b) ? ZERO : isOne(a) ? b : isOne(b) ? a : { k: 'op', op: 'mul', args: [a, b] });
const div = (a: Expr, b: Expr): Expr => (isZero(a) ? a : { k: 'op', op: 'div', args: [a, b] });
const select = (c: Expr, a: Expr, b: Expr): Expr => (isZero(a) && isZero(b) ? ZERO : { k: 'op', op: 'select', args: [c, a, b] });

export type Form =
  | { readonly k: 'free' }
  | { readonly k: 'affine'; readonly coef: Expr; readonly off: Expr }
  | { readonly k: 'affine-dense'; readonly why: string; readonly block?: Dim }
  | { readonly k: 'semiring'; readonly ring: 'log' | 'max'; readonly why: string }
  | { readonly k: 'nonlinear'; readonly diagonal: boolean; readonly why: string; readonly block?: Dim };

/**
 * The structure of a form's Jacobian in s_{t-1}: none (free), diagonal, block-diagonal with square
 * blocks of `Dim` consecutive elements, or dense.
 */
type Blocks = 'none' | 'diagonal' | Dim | 'dense';
function blocksOf(f: Form): Blocks {
  if (f.k === 'free') return 'none';
  if (f.k === 'affine' || (f.k === 'nonlinear' && f.diagonal)) return 'diagonal';
  return (f.k === 'affine-dense' || f.k === 'nonlinear') && f.block ? f.block : 'dense';
}
/** The structure of an elementwise op's Jacobian from its operands': blocks only where all agree. */
function joinBlocks(bs: readonly Blocks[]): Blocks {
  let out: Blocks = 'none';
  for (const b of bs) {
    if (b === 'none') continue;
    if (out === 'none' || out === 'diagonal') out = b;
    else if (b === 'dense' || out === 'dense') out = 'dense';
    else if (b !== 'diagonal' && !dimEq(out, b)) out = 'dense';
  }
  return out;
}
/** A per-head product of a free stack A[N, P, Q] with a vector of structure `v`: blocks of P when P = Q (and N > 1). */
function headBlocks(n: Node, nodes: readonly Node[], v: Blocks): Blocks {
  const [N, P, Q] = nodes[n.args[0]].type.shape;
  return !isConstDim(N, 1) && dimEq(P, Q) && (v === 'diagonal' || (typeof v === 'object' && dimEq(v, Q))) ? P : 'dense';
}
const withBlock = <F extends Form>(f: F, b: Blocks): F => (typeof b === 'object' ? { ...f, block: b } : f);

/** How a node is spelled in a reason: its source name, or its op. */
export type Namer = (id: number) => string;

const FREE: Form = { k: 'free' };

/**
 * The form of every node of `nodes` relative to the carried leaf `own`
 * (the node id of s_{t-1}); `nodes` are in topological order.
 */
export function formsRelativeTo(nodes: readonly Node[], own: number, name: Namer): Form[] {
  const forms: Form[] = [];
  const ctx = { nodes, own, name };
  for (const n of nodes) forms.push(n.id === own ? { k: 'affine', coef: ONE, off: ZERO } : formOf(n, forms, ctx));
  return forms;
}

interface Ctx {
  readonly nodes: readonly Node[];
  readonly own: number;
  readonly name: Namer;
}

function formOf(n: Node, forms: readonly Form[], ctx: Ctx): Form {
  const { name } = ctx;
  const args = n.args.map((a) => forms[a]);
  if (args.every((f) => f.k === 'free')) return FREE;
  const dep = args.map((f) => f.k !== 'free');
  // an elementwise op keeps its operands' structure; anything else (a product, a reduction, a re-indexing) mixes elements
  const nonlinear = (why: string, blocks: Blocks = isElementwise(n.op) ? joinBlocks(args.map(blocksOf)) : 'dense'): Form =>
    withBlock({ k: 'nonlinear', diagonal: blocks === 'diagonal' || blocks === 'none', why }, blocks);
  // something already outside the affine family stays there, whichever operand it is (semirings handled below)
  const bad = args.find((f) => f.k === 'nonlinear');
  if (bad && bad.k === 'nonlinear') return nonlinear(bad.why);
  const first = args.find((f) => f.k !== 'free' && f.k !== 'affine');
  if (first && first.k === 'semiring') return semiringStep(n, args, first) ?? nonlinear(`${first.why}, then ${opWords(n.op)} ${name(n.id)}`, 'dense');
  if (first && first.k === 'affine-dense') {
    if ((n.op === 'logsumexp' || n.op === 'rmax') && isSemiringProduct(ctx.nodes, n.id, ctx.own)) {
      return { k: 'semiring', ring: n.op === 'logsumexp' ? 'log' : 'max', why: `${n.op === 'logsumexp' ? 'log-sum-exp' : 'max'} ${name(n.id)} over it plus a matrix` };
    }
    if (linearOps.has(n.op) && linearIn(n.op, dep)) {
      const blocks = isElementwise(n.op) ? joinBlocks(args.map(blocksOf)) : n.op === 'headmatvec' && !dep[0] ? headBlocks(n, ctx.nodes, blocksOf(args[1])) : 'dense';
      return withBlock({ k: 'affine-dense', why: first.why }, blocks);
    }
    return nonlinear(`${first.why}, then ${opWords(n.op)} ${name(n.id)}`);
  }
  // every dependent operand is diagonal-affine
  const aff = (i: number) => args[i] as Extract<Form, { k: 'affine' }>;
  const free = (i: number): Expr => n.args[i];
  switch (n.op) {
    case 'add':
    case 'sub': {
      const [a, b] = [0, 1].map((i) => (dep[i] ? aff(i) : { coef: ZERO, off: free(i) }));
      const f = n.op === 'add' ? add : sub;
      return { k: 'affine', coef: f(a.coef, b.coef), off: f(a.off, b.off) };
    }
    case 'neg':
      return { k: 'affine', coef: neg(aff(0).coef), off: neg(aff(0).off) };
    case 'mul': {
      if (dep[0] && dep[1]) return nonlinear(`${name(n.id)} multiplies two values that depend on it`);
      const i = dep[0] ? 0 : 1;
      const other = ctx.nodes[n.args[1 - i]];
      const value = other.op === 'const' ? (other.attrs as { value: number }).value : undefined;
      const k = value === 0 ? ZERO : value === 1 ? ONE : free(1 - i);
      return { k: 'affine', coef: mul(aff(i).coef, k), off: mul(aff(i).off, k) };
    }
    case 'div':
      if (dep[1]) return nonlinear(`${name(n.id)} divides by a value that depends on it`);
      return { k: 'affine', coef: div(aff(0).coef, free(1)), off: div(aff(0).off, free(1)) };
    case 'select': {
      if (dep[0]) return nonlinear(`${name(n.id)} selects on a condition that depends on it`);
      const [a, b] = [1, 2].map((i) => (dep[i] ? aff(i) : { coef: ZERO, off: free(i) }));
      return { k: 'affine', coef: select(free(0), a.coef, b.coef), off: select(free(0), a.off, b.off) };
    }
    case 'matmul':
    case 'headmatvec':
      if (dep[0] && dep[1]) return nonlinear(`${name(n.id)} multiplies two matrices that depend on it`, 'dense');
      return withBlock(
        { k: 'affine-dense', why: `${n.op === 'matmul' ? 'matrix product' : 'per-head (block-diagonal) product'} ${name(n.id)}` },
        n.op === 'headmatvec' && !dep[0] ? headBlocks(n, ctx.nodes, 'diagonal') : 'dense',
      );
    case 'sum':
    case 'sumto':
    case 'broadcast':
    case 'transpose':
    case 'reshape':
    case 'concat':
    case 'slice':
      return { k: 'affine-dense', why: `${opWords(n.op)} ${name(n.id)}` };
    default:
      return nonlinear(`${opWords(n.op)} ${name(n.id)} of a value that depends on it`);
  }
}

/** Ops that keep an affine-dense form affine (with the dependent operands where they may be). */
const linearOps = new Set<Op>(['add', 'sub', 'neg', 'mul', 'div', 'select', 'matmul', 'headmatvec', 'sum', 'sumto', 'broadcast', 'transpose', 'reshape', 'concat', 'slice']);
function linearIn(op: Op, dep: readonly boolean[]): boolean {
  if (op === 'mul' || op === 'matmul' || op === 'headmatvec') return !(dep[0] && dep[1]);
  if (op === 'div') return !dep[1];
  if (op === 'select') return !dep[0];
  return true;
}

/**
 * A semiring form through one more node: ⊗ with a free value (+ in both
 * semirings, − of a free value), ⊕ with a free value (max for max-plus).
 */
function semiringStep(n: Node, args: readonly Form[], s: Extract<Form, { k: 'semiring' }>): Form | undefined {
  const deps = args.filter((f) => f.k !== 'free');
  if (deps.length !== 1) return undefined;
  if (n.op === 'add' || (n.op === 'sub' && args[0].k === 'semiring')) return s;
  if (n.op === 'max' && s.ring === 'max') return s;
  return undefined;
}

/** A reduction of `broadcast(s) + K` (or of `broadcast(s)`): a semiring matrix-vector product. */
function isSemiringProduct(nodes: readonly Node[], id: number, own: number): boolean {
  const n = nodes[id];
  let x = nodes[n.args[0]];
  const isSpread = (m: Node) => m.op === 'broadcast' && m.args[0] === own;
  if (isSpread(x)) return true;
  if (x.op !== 'add') return false;
  const [a, b] = x.args.map((i) => nodes[i]);
  x = isSpread(a) ? b : isSpread(b) ? a : x;
  return x !== nodes[n.args[0]];
}

const OP_WORDS: Partial<Record<Op, string>> = {
  sum: 'the sum', sumto: 'the sum', broadcast: 'the broadcast', transpose: 'the transpose', reshape: 'the reshape', concat: 'the concatenation', slice: 'the slice',
  matmul: 'the matrix product', headmatvec: 'the per-head product', headouter: 'the per-head outer product', outer: 'the outer product', logsumexp: 'the log-sum-exp', rmax: 'the max', argmax: 'the argmax',
};
export const opWords = (op: Op): string => OP_WORDS[op] ?? op;
