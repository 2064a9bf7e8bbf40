// Dimension text → linear form: the `out = 4*H` of a dense call, a slice
// bound `H:2*H`, a shape written in a declaration. The cellgen AST keeps these
// as source text (they print as written); the typing pass reads them back
// here with the cell's size forms (derived sizes substituted, SPEC §5.2).

import { lin, linAdd, linScale, type Lin } from '../cellgen/dims.js';

export class DimTextError extends Error {}

/** Parses `text` (numbers, size names, + − *, parentheses); a product needs a constant side. */
export function parseDim(text: string, forms: ReadonlyMap<string, Lin>): Lin {
  const toks = text.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|[-+*()]|\S/g) ?? [];
  let k = 0;
  const fail = (why: string): never => {
    throw new DimTextError(`'${text}' is not a dimension (${why})`);
  };
  const atom = (): Lin => {
    const t = toks[k++];
    if (t === undefined) return fail('it ends early');
    if (t === '(') {
      const v = sum();
      if (toks[k++] !== ')') fail('a parenthesis is not closed');
      return v;
    }
    if (t === '-') return linScale(atom(), -1);
    if (/^\d+$/.test(t)) return lin(Number(t));
    const f = forms.get(t);
    return f ?? fail(`'${t}' is not a size`);
  };
  const product = (): Lin => {
    let v = atom();
    while (toks[k] === '*') {
      k++;
      const w = atom();
      if (Object.keys(v.k).length && Object.keys(w.k).length) fail('a product of two sizes is not linear');
      v = Object.keys(v.k).length ? linScale(v, w.c) : linScale(w, v.c);
    }
    return v;
  };
  const sum = (): Lin => {
    let v = product();
    while (toks[k] === '+' || toks[k] === '-') {
      const op = toks[k++];
      v = linAdd(v, product(), op === '+' ? 1 : -1);
    }
    return v;
  };
  const v = sum();
  if (k !== toks.length) fail(`unexpected '${toks[k]}'`);
  return v;
}
