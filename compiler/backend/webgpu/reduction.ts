// The WGSL of a reduction over one axis (sum, max, argmax, log-sum-exp) at
// element idx of its result, as a loop over the axis in the kernel's scope.
// NaN propagates through max as in the interpreter (wgslOps.ts nanMax).

import { numel } from '../../ir/dims.js';
import { Scope } from './scope.js';
import { nanMax } from './wgslOps.js';
import { u } from './wgslIndex.js';

export interface ReductionInput {
  readonly op: 'sum' | 'rmax' | 'argmax' | 'logsumexp';
  readonly axis: number;
  /** The operand's shape. */
  readonly shape: readonly number[];
  /** The result element's index expression. */
  readonly idx: string;
  readonly fresh: (hint: string) => string;
  /** The operand's value at index q, computed in scope sc. */
  readonly load: (q: string, sc: Scope) => string;
}

/** Emits the loop(s) into s and returns the accumulator's name. */
export function reduction(o: ReductionInput, s: Scope): string {
  const { idx, fresh } = o;
  const inner = numel(o.shape.slice(o.axis + 1));
  const len = o.shape[o.axis];
  const base = `(${idx} / ${u(inner)}) * ${u(len * inner)} + (${idx} % ${u(inner)})`;
  const at = (q: string) => `${base} + ${q} * ${u(inner)}`;
  const acc = fresh('red');
  const loop = (body: (x: string, sc: Scope, q: string) => void) => {
    const q = fresh('q');
    s.emit(`for (var ${q} = 0u; ${q} < ${u(len)}; ${q}++) {`);
    const sc = new Scope(s, s.indent + '  ');
    body(o.load(at(q), sc), sc, q);
    s.lines.push(...sc.lines);
    s.emit('}');
  };
  if (o.op === 'sum') {
    s.emit(`var ${acc} = 0.0;`);
    loop((x, sc) => sc.emit(`${acc} += ${x};`));
  } else if (o.op === 'rmax') {
    s.emit(`var ${acc} = -3.4028234e38;`);
    loop((x, sc) => sc.emit(`${acc} = ${nanMax('max', acc, x)};`));
  } else if (o.op === 'argmax') {
    const best = fresh('best');
    s.emit(`var ${best} = -3.4028234e38;`);
    s.emit(`var ${acc} = 0.0;`);
    loop((x, sc, q) => sc.emit(`if (${x} > ${best}) { ${best} = ${x}; ${acc} = f32(${q}); }`));
  } else {
    const m = fresh('m');
    s.emit(`var ${m} = -3.4028234e38;`);
    loop((x, sc) => sc.emit(`${m} = ${nanMax('max', m, x)};`));
    s.emit(`var ${acc} = 0.0;`);
    loop((x, sc) => sc.emit(`${acc} += exp(${x} - ${m});`));
    s.emit(`${acc} = ${m} + log(${acc});`);
  }
  return acc;
}
