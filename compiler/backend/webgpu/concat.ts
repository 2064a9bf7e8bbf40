// The WGSL of a concatenation's element: an if-else chain over its operands,
// each read at the element's position inside it (fusedKernel.ts).

import { numel } from '../../ir/dims.js';
import { Scope } from './scope.js';
import { u } from './wgslIndex.js';

export interface ConcatInput {
  /** The element of the result (an index expression). */
  readonly idx: string;
  readonly shape: readonly number[];
  readonly axis: number;
  /** Each operand's length along the axis. */
  readonly lengths: readonly number[];
  readonly fresh: (prefix: string) => string;
  /** Operand p at index q, with its statements emitted in scope sc. */
  readonly load: (p: number, q: string, sc: Scope) => string;
}

export function concatValue(c: ConcatInput, s: Scope): string {
  const { idx, shape: sh, axis } = c;
  const inner = numel(sh.slice(axis + 1));
  const dim = sh[axis];
  const at = `((${idx} / ${u(inner)}) % ${u(dim)})`;
  const o = `(${idx} / ${u(dim * inner)})`;
  const i = `(${idx} % ${u(inner)})`;
  const out = c.fresh('cat');
  s.emit(`var ${out} = 0.0;`);
  let start = 0;
  c.lengths.forEach((len, p) => {
    s.emit(`${p === 0 ? '' : 'else '}if (${at} < ${u(start + len)}) {`);
    const sc = new Scope(s, s.indent + '  ');
    const v = c.load(p, `${o} * ${u(len * inner)} + (${at} - ${u(start)}) * ${u(inner)} + ${i}`, sc);
    sc.emit(`${out} = ${v};`);
    s.lines.push(...sc.lines);
    s.emit('}');
    start += len;
  });
  return out;
}
