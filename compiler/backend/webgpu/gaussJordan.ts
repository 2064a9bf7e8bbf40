// WGSL of `inv` and `logdet` of a small square matrix, per element: the
// thread copies the operand into a private array and runs Gauss–Jordan
// elimination with partial pivoting (see the function's comment).

import { Scope } from './scope.js';

export interface GaussJordanInput {
  readonly op: 'inv' | 'logdet';
  /** n of the n×n operand. */
  readonly size: number;
  /** The output element this thread computes (its index expression). */
  readonly idx: string;
  /** The operand's element at index `q`, computed in scope `sc`. */
  readonly load: (q: string, sc: Scope) => string;
  readonly fresh: (hint: string) => string;
}

const u = (n: number) => `${n}u`;

/**
 * inv and logdet: the thread copies the whole (small) n×n operand into a
 * private array and runs Gauss–Jordan elimination with partial pivoting.
 * For inv it carries one right-hand side, the unit vector of its element's
 * column, and reads its row of the solution; for logdet it sums
 * log|pivot|. O(n³) per element, meant for the small matrices of filters
 * (a Kalman innovation covariance), which the scheduler materialises.
 */
export function gaussJordan(g: GaussJordanInput, s: Scope): string {
  const { idx, fresh } = g;
  const m = g.size;
  const a = fresh('ga');
  const rhs = fresh('gb');
  const out = fresh('gj');
  const q = fresh('gq');
  const kk = fresh('gk');
  const r = fresh('gr');
  const c = fresh('gc');
  const p = fresh('gp');
  const sw = fresh('sw');
  const swb = fresh('sw');
  const piv = fresh('piv');
  const fac = fresh('fac');
  const inv = g.op === 'inv';
  // explicit zero values: some drivers keep a loop-body array's contents from the previous row
  s.emit(`var ${a} = array<f32, ${m * m}>();`);
  s.emit(`for (var ${q} = 0u; ${q} < ${u(m * m)}; ${q}++) {`);
  const load = new Scope(s, s.indent + '  ');
  const v = g.load(q, load);
  load.emit(`${a}[${q}] = ${v};`);
  s.lines.push(...load.lines);
  s.emit('}');
  if (inv) {
    s.emit(`var ${rhs} = array<f32, ${m}>();`);
    s.emit(`${rhs}[${idx} % ${u(m)}] = 1.0;`);
  }
  s.emit(`var ${out} = 0.0;`);
  s.emit(`for (var ${kk} = 0u; ${kk} < ${u(m)}; ${kk}++) {`);
  s.emit(`  var ${p} = ${kk};`);
  s.emit(`  for (var ${r} = ${kk} + 1u; ${r} < ${u(m)}; ${r}++) { if (abs(${a}[${r} * ${u(m)} + ${kk}]) > abs(${a}[${p} * ${u(m)} + ${kk}])) { ${p} = ${r}; } }`);
  s.emit(`  if (${p} != ${kk}) {`);
  s.emit(`    for (var ${c} = 0u; ${c} < ${u(m)}; ${c}++) { let ${sw} = ${a}[${kk} * ${u(m)} + ${c}]; ${a}[${kk} * ${u(m)} + ${c}] = ${a}[${p} * ${u(m)} + ${c}]; ${a}[${p} * ${u(m)} + ${c}] = ${sw}; }`);
  if (inv) s.emit(`    let ${swb} = ${rhs}[${kk}]; ${rhs}[${kk}] = ${rhs}[${p}]; ${rhs}[${p}] = ${swb};`);
  s.emit('  }');
  s.emit(`  let ${piv} = ${a}[${kk} * ${u(m)} + ${kk}];`);
  if (!inv) s.emit(`  ${out} += log(abs(${piv}));`);
  s.emit(`  for (var ${c} = ${kk}; ${c} < ${u(m)}; ${c}++) { ${a}[${kk} * ${u(m)} + ${c}] /= ${piv}; }`);
  if (inv) s.emit(`  ${rhs}[${kk}] /= ${piv};`);
  s.emit(`  for (var ${r} = 0u; ${r} < ${u(m)}; ${r}++) {`);
  s.emit(`    if (${r} == ${kk}) { continue; }`);
  s.emit(`    let ${fac} = ${a}[${r} * ${u(m)} + ${kk}];`);
  s.emit(`    for (var ${c} = ${kk}; ${c} < ${u(m)}; ${c}++) { ${a}[${r} * ${u(m)} + ${c}] -= ${fac} * ${a}[${kk} * ${u(m)} + ${c}]; }`);
  if (inv) s.emit(`    ${rhs}[${r}] -= ${fac} * ${rhs}[${kk}];`);
  s.emit('  }');
  s.emit('}');
  if (inv) s.emit(`${out} = ${rhs}[${idx} / ${u(m)}];`);
  return out;
}
