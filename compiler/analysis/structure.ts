// Which carried values of a step function can run as a parallel scan over
// time, and why (SPEC §12.3). Per carried value (recurrence.ts gives its form
// relative to its own previous value), then through the dependency graph
// between carried values: a value is scannable when its update is
// diagonal-affine in its own previous value (or does not read it) and every
// other carried value it reads is scannable and does not, in turn, read it.
// Scannable values fall into phases: phase 0 reads no other carried value,
// phase k reads values of phases < k, whose whole trajectories are then known.

import { dimKey } from '../ir/dims.js';
import type { Node, Origins } from '../ir/graph.js';
import type { StepFunction } from '../schedule/stepFunction.js';
import { formsRelativeTo, type Expr, type Form } from './recurrence.js';

export type StructureKind = 'independent' | 'affine-diagonal' | 'affine-dense' | 'semiring-log' | 'semiring-max' | 'nonlinear';

export interface CarryStructure {
  /** The state's name (also for its cotangent in the backward pass). */
  readonly name: string;
  readonly kind: StructureKind;
  /** The structure of ∂s_t/∂s_{t−1}: block-diagonal with square blocks of `block` consecutive elements (heads). */
  readonly jacobian: Jacobian;
  readonly block?: string;
  /** Other carried values the update reads. */
  readonly reads: readonly string[];
  readonly scan: boolean;
  /** For a scannable value: 0 when it reads no other carried value, else 1 + the largest phase it reads. */
  readonly phase?: number;
  /** s_t = coef ⊙ s_{t−1} + off (affine-diagonal and independent values; independent: coef 0). */
  readonly coef?: Expr;
  readonly off?: Expr;
  /** One sentence for people: the finding and the reason. */
  readonly reason: string;
}

interface Carry {
  readonly name: string;
  readonly leaf: number;
  readonly result: number;
}

/** The carried values of a step function: results with role carry, paired with the carry leaf of the same tensor. */
export function carriesOf(fn: StepFunction): Carry[] {
  return fn.results.flatMap((r) => {
    if (r.role !== 'carry') return [];
    const leaf = fn.leaves.find((l) => l.role === 'carry' && l.use.tensor === r.use.tensor);
    return leaf ? [{ name: r.use.tensor.slice(r.use.tensor.indexOf(':') + 1), leaf: leaf.node, result: r.node }] : [];
  });
}

export function analyzeStep(fn: StepFunction): CarryStructure[] {
  const carries = carriesOf(fn);
  const name = (id: number) => exprText(id, fn.nodes, fn.origins);
  const leafName = new Map(fn.leaves.map((l) => [l.node, leafLabel(l.use.tensor, l.role)]));
  const local = carries.map((c) => {
    const forms = formsRelativeTo(fn.nodes, c.leaf, name);
    const f = forms[c.result];
    // s' = 0 · s + b does not read s
    if (f.k === 'affine' && typeof f.coef !== 'number' && f.coef.k === 'zero') forms[c.result] = { k: 'free' };
    const reads = carries.filter((o) => o !== c && reaches(fn.nodes, c.result, o.leaf)).map((o) => o.name);
    return { c, form: forms[c.result], reads };
  });
  const byName = new Map(local.map((l) => [l.c.name, l]));
  const phase = new Map<string, number | null>();
  const phaseOf = (n: string, stack: string[]): number | null => {
    if (phase.has(n)) return phase.get(n)!;
    const l = byName.get(n)!;
    if (stack.includes(n)) return null;
    const ok = l.form.k === 'free' || l.form.k === 'affine';
    let p: number | null = ok ? 0 : null;
    for (const r of l.reads) {
      const q = phaseOf(r, [...stack, n]);
      p = p === null || q === null ? null : Math.max(p, q + 1);
    }
    if (!stack.length || p !== null) phase.set(n, p);
    return p;
  };
  // every phase before any reason: a reason names the sequential values it reads
  for (const { c } of local) phaseOf(c.name, []);
  return local.map(({ c, form, reads }) => {
    const p = phase.get(c.name)!;
    const kind = kindOf(form);
    const s: CarryStructure = {
      name: c.name,
      kind,
      jacobian: jacobianOf(form),
      ...(blockOf(form) ? { block: dimKey(blockOf(form)!) } : {}),
      reads,
      scan: p !== null,
      ...(p !== null ? { phase: p } : {}),
      ...(form.k === 'affine' ? { coef: form.coef, off: form.off } : form.k === 'free' ? { coef: { k: 'zero' } as Expr, off: c.result as Expr } : {}),
      reason: '',
    };
    return { ...s, reason: reasonOf(s, form, byName, phase, fn, leafName) };
  });
}

function kindOf(f: Form): StructureKind {
  switch (f.k) {
    case 'free':
      return 'independent';
    case 'affine':
      return 'affine-diagonal';
    case 'affine-dense':
      return 'affine-dense';
    case 'semiring':
      return f.ring === 'log' ? 'semiring-log' : 'semiring-max';
    case 'nonlinear':
      return 'nonlinear';
  }
}

export type Jacobian = 'zero' | 'diagonal' | 'block-diagonal' | 'dense';
const blockOf = (f: Form) => ((f.k === 'affine-dense' || (f.k === 'nonlinear' && !f.diagonal)) && f.block) || undefined;
function jacobianOf(f: Form): Jacobian {
  if (f.k === 'free') return 'zero';
  if (f.k === 'affine' || (f.k === 'nonlinear' && f.diagonal)) return 'diagonal';
  return blockOf(f) ? 'block-diagonal' : 'dense';
}
const blockWords = (f: Form) => (blockOf(f) ? ` (blocks of ${dimKey(blockOf(f)!)})` : '');

function reasonOf(s: CarryStructure, form: Form, byName: ReadonlyMap<string, { form: Form; reads: readonly string[] }>, phase: ReadonlyMap<string, number | null>, fn: StepFunction, leafName: ReadonlyMap<number, string>): string {
  const n = s.name;
  const finding = (() => {
    switch (form.k) {
      case 'free':
        return `does not read its previous value`;
      case 'affine': {
        const coef = typeof form.coef === 'number' || form.coef.k === 'op' ? exprText(form.coef, fn.nodes, fn.origins) : form.coef.k === 'one' ? '1' : '0';
        return `affine in ${n}, coefficient ${coef} ${dependsWords(exprLeaves(form.coef, fn.nodes), leafName)}`;
      }
      case 'affine-dense':
        return `affine in ${n} but not elementwise (${form.why}): the coefficient is a ${blockOf(form) ? 'block-diagonal ' : ''}matrix${blockWords(form)}`;
      case 'semiring':
        return `linear over the ${form.ring === 'log' ? 'log-sum-exp' : 'max-plus'} semiring (${form.why})`;
      case 'nonlinear':
        return `not affine in ${n} (${form.why}); Jacobian ∂${n}_t/∂${n}_t−1 ${jacobianOf(form)}${blockWords(form)}`;
    }
  })();
  const reads = s.reads.length ? `; reads ${s.reads.join(', ')}` : '';
  if (s.scan) return `${finding}${reads}: parallel scan${s.phase ? ` (phase ${s.phase}, after ${s.reads.join(', ')})` : ''}`;
  if (form.k !== 'free' && form.k !== 'affine') return `${finding}${reads}: sequential`;
  const blocking = s.reads.filter((r) => phase.get(r) === null || byName.get(r)!.reads.includes(n));
  return `${finding}${reads}: sequential, because ${blocking.map((b) => (byName.get(b)!.reads.includes(n) ? `${b} also reads ${n}` : `${b} is sequential`)).join(' and ')}`;
}

function dependsWords(leaves: ReadonlySet<number>, leafName: ReadonlyMap<number, string>): string {
  // parameters first, then the leaves in node order (declaration order): the words do not depend on the walk
  // a leaf bound to no tensor is a random mask (the only unbound leaf besides literals)
  const inOrder = [...new Set([...leaves].sort((a, b) => a - b).map((l) => leafName.get(l) ?? 'random masks'))];
  const names = [...inOrder.filter((n) => n === 'parameters'), ...inOrder.filter((n) => n !== 'parameters')];
  if (!names.length) return 'is a constant';
  if (names.length === 1 && names[0] === 'parameters') return 'depends only on parameters';
  return `depends only on ${names.join(' and ')}`;
}

function leafLabel(tensor: string, role: string): string {
  const [kind, name] = [tensor.slice(0, tensor.indexOf(':')), tensor.slice(tensor.indexOf(':') + 1)];
  if (kind === 'p') return 'parameters';
  if (kind === 'x' || (kind === 's' && role === 'carry')) return name;
  if (kind === 'ds' || kind === 'dy') return `∂${name}`;
  return 'the forward pass';
}

/** The leaves an expression depends on (explicit stacks: an expression is as deep as the cell's chains). */
function exprLeaves(e: Expr, nodes: readonly Node[]): Set<number> {
  const out = new Set<number>();
  const seenNode = new Set<number>();
  const seenExpr = new Set<Expr>();
  const exprs: Expr[] = [e];
  const ids: number[] = [];
  while (exprs.length) {
    const x = exprs.pop()!;
    if (seenExpr.has(x)) continue;
    seenExpr.add(x);
    if (typeof x === 'number') ids.push(x);
    else if (x.k === 'op') exprs.push(...x.args);
  }
  while (ids.length) {
    const id = ids.pop()!;
    if (seenNode.has(id)) continue;
    seenNode.add(id);
    const n = nodes[id];
    if (!n.args.length) {
      if (n.op !== 'const' && n.op !== 'dim') out.add(id);
    } else ids.push(...n.args);
  }
  return out;
}

/** Does node `from` depend on node `to`? */
function reaches(nodes: readonly Node[], from: number, to: number): boolean {
  const seen = new Uint8Array(nodes.length);
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen[id]) continue;
    seen[id] = 1;
    stack.push(...nodes[id].args);
  }
  return false;
}

const INFIX: Record<string, string> = { add: '+', sub: '−', mul: '·', div: '/' };

/** An expression as a person writes it: source names where there are, `1 − z`, `f / (f + i)`. */
export function exprText(e: Expr, nodes: readonly Node[], origins: Origins, depth = 0): string {
  if (typeof e !== 'number') {
    if (e.k === 'zero') return '0';
    if (e.k === 'one') return '1';
    if (depth > 3) return '…';
    return opText(e.op, e.args.map((a) => exprText(a, nodes, origins, depth + 1)), depth);
  }
  const o = origins.get(e);
  if (o) return o.name;
  const n = nodes[e];
  if (n.op === 'const') return String((n.attrs as { value: number }).value);
  if (!n.args.length) return (n.attrs as { name?: string }).name ?? `%${e}`;
  if (depth > 3) return '…';
  return opText(n.op, n.args.map((a) => exprText(a, nodes, origins, depth + 1)), depth);
}

function opText(op: string, args: readonly string[], depth: number): string {
  const wrap = (s: string) => (depth > 0 ? `(${s})` : s);
  if (INFIX[op] && args.length === 2) return wrap(`${args[0]} ${INFIX[op]} ${args[1]}`);
  if (op === 'neg') return `−${args[0]}`;
  if (op === 'select') return `select(${args.join(', ')})`;
  return `${op}(${args.join(', ')})`;
}
