// Heads (SPEC.md §5.2, §5.6, §6.1): sizes that are products of sizes, the
// block-diagonal product `A @ v` of a stack of matrices, `dense(…, heads = N)`,
// `outer(a, b, heads = N)`, the transpose of a stack, and the per-block
// initialisers. Values are checked against loops written here, gradients
// against float64 finite differences; the GPU side is test/gpu/heads.test.ts.

import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { dimAdd, dimConst, dimDivExact, dimEq, dimKey, dimMul, dimSym, evalDim, symbolOf } from '../../compiler/ir/dims.js';
import { printGraph } from '../../compiler/ir/print.js';
import { initialize } from '../../compiler/numeric/initializers.js';
import { Rng } from '../../compiler/numeric/random.js';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import { gradcheck } from '../../compiler/tools/interp/gradcheck.js';

const src = (...lines: string[]) => lines.join('\n') + '\n';

function graph(text: string) {
  const r = checkSource('t.cell', text);
  expect(r.diagnostics).toEqual([]);
  return r.graphs[0];
}

const values = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

describe('sizes are integer polynomials of the symbols', () => {
  const [NH, DH, I] = ['NH', 'DH', 'I'].map(dimSym);

  it('multiplies out, in one canonical spelling', () => {
    expect(dimKey(dimMul(NH, DH))).toBe('DH*NH');
    expect(dimEq(dimMul(NH, DH), dimMul(DH, NH))).toBe(true);
    expect(dimKey(dimMul(dimAdd(NH, dimConst(1)), dimAdd(DH, dimConst(2))))).toBe('DH+DH*NH+2*NH+2');
    expect(dimKey(dimMul(NH, NH))).toBe('NH*NH');
    expect(evalDim(dimAdd(dimMul(dimScale2(NH), DH), I), { NH: 3, DH: 5, I: 7 })).toBe(37);
    expect(symbolOf(NH)).toBe('NH');
    expect(symbolOf(dimMul(NH, DH))).toBeUndefined();
  });

  it('divides exactly by a monomial, and only then', () => {
    expect(dimKey(dimDivExact(dimMul(NH, DH), NH)!)).toBe('DH');
    expect(dimKey(dimDivExact(dimAdd(dimMul(NH, DH), NH), NH)!)).toBe('DH+1');
    expect(dimKey(dimDivExact(dimScale2(DH), dimConst(2))!)).toBe('DH');
    expect(dimDivExact(I, NH)).toBeUndefined();
    expect(dimDivExact(dimAdd(dimMul(NH, DH), dimConst(1)), NH)).toBeUndefined();
    expect(dimKey(dimDivExact(dimAdd(NH, dimMul(NH, DH)), NH)!)).toBe('DH+1');
    expect(dimKey(dimDivExact(NH, NH)!)).toBe('1');
    expect(dimDivExact(dimAdd(NH, dimConst(2)), NH)).toBeUndefined();
  });

  it('a derived product size is the product in every shape', () => {
    const g = graph(src('cell A(x[I]) {', '  size NH = 2', '  size DH = 3', '  size H = DH * NH', '  param W[NH*DH]', '  state h[H] = 0', "  h' = h + W + dense(x, out = NH * DH)", "  output h'", '}'));
    expect(printGraph(g)).toMatch(/W: f32\[DH\*NH\]/);
    expect(g.sizes.map((s) => s.name)).toEqual(['NH', 'DH', 'I']);
  });
});

function dimScale2(d: ReturnType<typeof dimSym>) {
  return dimMul(dimConst(2), d);
}

const HEADS = (body: string[]) => src('cell A(x[I]) {', '  size I = 3', '  size NH = 2', '  size DH = 3', '  size H = NH * DH', ...body, '}');

describe('A @ v of a stack of matrices: the block-diagonal product', () => {
  it('lowers to headmatvec and computes head n with block n', () => {
    const g = graph(HEADS(['  param R[NH, DH, DH]', '  state h[H] = 0', "  h' = R @ h + x[0:1]", "  output h'"]));
    expect(printGraph(g)).toMatch(/R: f32\[NH,DH,DH\] = param R.*\n.*\n  %3: f32\[B,DH\*NH\] = headmatvec %1, %2/);
    const B = 2;
    const R = values(18, (i) => Math.sin(i + 1));
    const h0 = values(B * 6, (i) => Math.cos(i) - 0.2);
    const it = new CellInterpreter(g, { I: 3, NH: 2, DH: 3 }, B);
    const x = new Float64Array(B * 3);
    const tape = it.forward(new Map([['R', R]]), new Map([['x', [x]]]), new Map([['h', h0]]), 1);
    const got = tape.states.get('h')![1];
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < 2; n++) {
        for (let p = 0; p < 3; p++) {
          let s = 0;
          for (let q = 0; q < 3; q++) s += R[(n * 3 + p) * 3 + q] * h0[b * 6 + n * 3 + q];
          expect(got[b * 6 + n * 3 + p]).toBeCloseTo(s, 12);
        }
      }
    }
  });

  it('dense(…, heads = NH) makes one stack per argument, [NH, out/NH, len/NH], glorot per block', () => {
    const g = graph(HEADS(['  state h[H] = 0', '  state c[2 * H] = 0', "  h' = tanh(dense(h, c, out = H, heads = NH))", "  c' = concat(h', h')", "  output h'"]));
    const shapes = Object.fromEntries(g.params.map((p) => [p.name, printGraph(g).match(new RegExp(`${p.name.replace('.', '\\.')}: f32\\[([^\\]]*)\\]`))![1]]));
    expect(shapes).toEqual({ 'h.W_h': 'NH,DH,DH', 'h.W_c': 'NH,DH,2*DH', 'h.b': 'DH*NH' });
    expect(g.params.find((p) => p.name === 'h.W_h')!.init).toEqual({ kind: 'glorot' });
  });

  it('the transpose of a stack transposes each block', () => {
    const g = graph(HEADS(['  param R[NH, DH, DH]', '  state h[H] = 0', "  h' = transpose(R) @ h", "  output h'"]));
    const R = values(18, (i) => i);
    const h0 = values(6, (i) => (i === 1 ? 1 : 0)); // picks column 1 of block 0 of Rᵀ = row 1 of block 0 of R
    const it = new CellInterpreter(g, { I: 3, NH: 2, DH: 3 }, 1);
    const tape = it.forward(new Map([['R', R]]), new Map([['x', [new Float64Array(3)]]]), new Map([['h', h0]]), 1);
    expect([...tape.states.get('h')![1]]).toEqual([3, 4, 5, 0, 0, 0]);
  });

  it('outer(a, b, heads = NH) is the per-head outer product [NH, P, Q]', () => {
    const g = graph(HEADS(['  state C[NH, DH] = 0', '  state v[H] = 0', "  v' = v + 1", "  C' = sum(outer(v, concat(v, v), heads = NH), axis = 2)", "  output C'"]));
    expect(printGraph(g)).toMatch(/f32\[B,NH,DH,2\*DH\] = headouter %\d+, %\d+ \{shape=\[NH,DH,2\*DH\]\}/);
    const v0 = values(6, (i) => i + 1);
    const it = new CellInterpreter(g, { I: 3, NH: 2, DH: 3 }, 1);
    const tape = it.forward(new Map(), new Map([['x', [new Float64Array(3)]]]), new Map([['v', v0], ['C', new Float64Array(6)]]), 1);
    // C'[n, p] = v[n·3 + p] · Σ_q concat(v, v)[n·6 + q]: head 0 of concat(v, v) is v[0:6], head 1 v[0:6] too
    const total = v0.reduce((a, b) => a + b, 0);
    expect([...tape.states.get('C')![1]]).toEqual([...v0].map((x) => x * total));
  });

  it('gradients of every per-head op pass the float64 check (a parameter stack and a batched one)', () => {
    const g = graph(
      HEADS([
        '  param R[NH, DH, DH] init orthogonal',
        '  state h[H] = 0.1',
        '  state c[H] = 0',
        '  k = dense(x, out = H)',
        '  M = outer(tanh(k), h, heads = NH)',
        "  c' = 0.5 * c + tanh(M @ h + transpose(R) @ c)",
        "  h' = tanh(dense(x, out = H) + dense(h, c', out = H, heads = NH, bias = false) + R @ h)",
        "  output h'",
      ]),
    );
    const r = gradcheck(g, { T: 4, B: 2, seed: 3, sizes: { I: 3, NH: 2, DH: 3 } });
    for (const t of r.tensors) expect(t.maxRel, `${t.kind} ${t.name}`).toBeLessThan(1e-6);
    expect(r.dot.rel).toBeLessThan(1e-6);
  });
});

describe('matrix initialisers on a stack of matrices act per block', () => {
  const N = 3;
  const [P, Q] = [4, 6];
  const block = (a: Float64Array, n: number) => a.subarray(n * P * Q, (n + 1) * P * Q);

  it('glorot uses each block\'s fans', () => {
    const a = initialize({ kind: 'glorot' }, [N, P, Q], new Rng(1));
    const lim = Math.sqrt(6 / (P + Q));
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(lim);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.8 * lim);
  });

  it('orthogonal: every block has orthonormal rows, and the blocks differ', () => {
    const a = initialize({ kind: 'orthogonal' }, [N, P, Q], new Rng(2));
    for (let n = 0; n < N; n++) {
      const m = block(a, n);
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < P; j++) {
          let d = 0;
          for (let k = 0; k < Q; k++) d += m[i * Q + k] * m[j * Q + k];
          expect(d).toBeCloseTo(i === j ? 1 : 0, 10);
        }
      }
    }
    expect(block(a, 0)[0]).not.toBe(block(a, 1)[0]);
  });

  it('identity(s) puts s on the diagonal of every block', () => {
    const a = initialize({ kind: 'identity', scale: 0.5 }, [N, P, Q], new Rng(3));
    for (let n = 0; n < N; n++) for (let i = 0; i < P; i++) for (let k = 0; k < Q; k++) expect(block(a, n)[i * Q + k]).toBe(i === k ? 0.5 : 0);
  });
});
