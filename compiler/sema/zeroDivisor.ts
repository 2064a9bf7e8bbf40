// A division whose denominator is 0 for every input: a literal 0, e − e, −0,
// 0·e. Its value is ±Inf or NaN, and a GPU driver may fold such a division
// at compile time to an arbitrary finite value (WGSL lets an implementation
// assume that no infinity or NaN occurs), so it is refused (E207) rather than
// run.

import type { GraphBuilder } from '../ir/graph.js';
import type { OpAttrs } from '../ir/ops.js';

/** Is node `id` 0 whatever the inputs (for finite inputs: e − e)? An explicit stack, no recursion. */
export function alwaysZero(b: GraphBuilder, id: number): boolean {
  const todo = [id];
  let steps = 0;
  while (todo.length) {
    if (++steps > 64) return false; // a short proof or none
    const n = b.node(todo.pop()!);
    switch (n.op) {
      case 'const':
        if ((n.attrs as OpAttrs['const']).value !== 0) return false;
        break;
      case 'sub':
        if (n.args[0] !== n.args[1]) return false;
        break;
      case 'neg':
      case 'broadcast':
        todo.push(n.args[0]);
        break;
      case 'mul': {
        // one zero factor is enough: try the cheaper proof (a literal) first
        const [p, q] = n.args.map((a) => b.node(a));
        const lit = [p, q].find((x) => x.op === 'const');
        if (lit) todo.push(lit.id);
        else todo.push(n.args[0]);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}
