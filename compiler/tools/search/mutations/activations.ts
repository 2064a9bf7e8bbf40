// swap-activation: an elementwise activation becomes another (sigmoid, tanh,
// relu, identity — identity removes it), or a bare `dense(…)` or a
// statement's whole value gets one (identity → tanh). Shapes are unchanged.

import type { Expr, GenCell } from '../../cellgen/ast.js';
import { rewriteAt, nodesOf, show, stmtLabel } from '../walk.js';
import type { Site } from './mutation.js';

/** Activations a swap starts from. */
const FROM = ['sigmoid', 'tanh', 'relu', 'softplus', 'silu'];
/** Activations a swap goes to. */
const TO = ['sigmoid', 'tanh', 'relu', 'identity'];

const isActivation = (e: Expr | undefined) => e?.k === 'call' && FROM.includes(e.fn) && e.args.length === 1;

export function activationSites(c: GenCell): Site[] {
  const sites: Site[] = [];
  for (const n of nodesOf(c)) {
    const st = c.stmts[n.stmt];
    const site = (from: string, to: string, after: Expr): Site => ({
      kind: 'swap-activation',
      apply: () => ({ cell: rewriteAt(c, n.stmt, n.at, () => after), description: `swap ${from}→${to} in ${stmtLabel(st)}: ${show(c, n.e)} → ${show(c, after)}` }),
    });
    if (n.e.k === 'call' && isActivation(n.e)) {
      for (const to of TO) if (to !== n.e.fn) sites.push(site(n.e.fn, to, to === 'identity' ? n.e.args[0] : { ...n.e, fn: to }));
      continue;
    }
    const bareDense = n.e.k === 'call' && n.e.fn === 'dense' && !isActivation(n.parent);
    const wholeValue = n.at.length === 0 && st.kind !== 'out' && (n.e.k === 'bin' || n.e.k === 'call' || n.e.k === 'neg');
    if (bareDense || wholeValue) for (const to of ['sigmoid', 'tanh', 'relu']) sites.push(site('identity', to, { k: 'call', fn: to, args: [n.e], kw: [] }));
  }
  return sites;
}
