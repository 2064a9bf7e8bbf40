// outer(a, b), learned initial states (`state h[H] = h0`) and initialiser
// expressions (`init log(uniform(1, T_max - 1))`): what the front end accepts,
// the IR it builds, and the located diagnostics for the rest; also single
// indices (h[0]) and dense(out = 4*H).
// (Gradients: test/autodiff/gradcheck.test.ts on mlstm.cell and lstm_h0.cell;
// the float64 interpreter here; the GPU: test/gpu.)

import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { printGraph, printInit } from '../../compiler/ir/print.js';
import { compile } from '../../compiler/index.js';
import { initialize } from '../../compiler/numeric/initializers.js';
import { Rng } from '../../compiler/numeric/random.js';
import { CellInterpreter } from '../../compiler/tools/interp/scan.js';
import { gradcheck } from '../../compiler/tools/interp/gradcheck.js';

const src = (...lines: string[]) => lines.join('\n') + '\n';

function diags(text: string): string[] {
  const r = checkSource('t.cell', text);
  return r.diagnostics.map((d) => {
    const { line, col } = r.file.position(d.span!.start);
    return `${d.code}@${line}:${col} ${d.message}`;
  });
}

function graph(text: string) {
  const r = checkSource('t.cell', text);
  expect(r.diagnostics).toEqual([]);
  return r.graphs[0];
}

describe('outer(a, b)', () => {
  const cell = (expr: string) => src('cell A(x[I]) {', '  size I = 3', '  size H = 2', '  state C[H, I] = 0', `  C' = ${expr}`, "  output C'", '}');

  it('is the matrix a_i·b_j, batched, lowered to the outer op', () => {
    const g = graph(cell('C + outer(dense(x, out = H), x)'));
    expect(printGraph(g)).toMatch(/f32\[B,H,I\] = outer %\d+, %0/);
    const it = new CellInterpreter(g, { I: 3, H: 2 }, 1);
    const x = Float64Array.from([1, 2, 3]);
    const W = Float64Array.from([1, 0, 0, 0, 1, 0]); // a = (x_0, x_1)
    const tape = it.forward(new Map([['C.W_x', W], ['C.b', Float64Array.from([0.5, 0])]]), new Map([['x', [x]]]), it.initialStates(), 1);
    expect([...tape.states.get('C')![1]]).toEqual([1.5, 3, 4.5, 2, 4, 6]);
  });

  it('takes two vectors: a matrix or a scalar argument is E203 at that argument', () => {
    expect(diags(cell('outer(C, x)'))).toEqual(["E203@5:14 outer(a, b) takes two vectors, argument 1 is f32[H, I]"]);
    expect(diags(cell('outer(x, sum(x))'))[0]).toMatch(/^E203@5:17 outer\(a, b\) takes two vectors, argument 2/);
    expect(diags(cell('outer(x)'))[0]).toMatch(/^E302@5:8 outer takes 2 argument\(s\), got 1/);
  });
});

describe('learned initial states: state h[H] = h0', () => {
  const cell = (...body: string[]) => src('cell A(x[I]) {', '  size I = 3', '  size H = 4', ...body, "  h' = tanh(dense(x, h))", "  output h'", '}');

  it('names a parameter of the state\'s shape, declared before or after the state', () => {
    for (const body of [['  param h0[H] init 0', '  state h[H] = h0'], ['  state h[H] = h0', '  param h0[H] init 0']]) {
      const g = graph(cell(...body));
      expect(g.states.map((s) => [s.name, s.initParam])).toEqual([['h', 'h0']]);
      expect(printGraph(g)).toMatch(/= state h = h0 {2}# line \d/);
    }
  });

  it('starts every row from the parameter in the interpreter, and sends Σ_rows ∂L/∂s_0 to it', () => {
    const g = graph(cell('  param h0[H] init 0', '  state h[H] = h0'));
    const B = 2;
    const it = new CellInterpreter(g, { I: 3, H: 4 }, B);
    expect([...it.initialStates().keys()]).toEqual([]);
    const params = new Map([
      ['h0', Float64Array.from([0.1, -0.2, 0.3, 0.4])],
      ['h.W_x', Float64Array.from({ length: 12 }, (_, i) => Math.sin(i))],
      ['h.W_h', Float64Array.from({ length: 16 }, (_, i) => Math.cos(i))],
      ['h.b', new Float64Array(4)],
    ]);
    const inputs = new Map([['x', [Float64Array.from({ length: B * 3 }, (_, i) => i / 5)]]]);
    const tape = it.forward(params, inputs, new Map(), 1);
    expect([...tape.states.get('h')![0]]).toEqual([0.1, -0.2, 0.3, 0.4, 0.1, -0.2, 0.3, 0.4]);
    const d = new Map([['h', [Float64Array.from({ length: B * 4 }, (_, i) => 1 + i)]]]);
    const grads = it.backward(params, inputs, tape, d, new Map());
    const ds = grads.initialStates.get('h')!;
    expect([...grads.params.get('h0')!]).toEqual([0, 1, 2, 3].map((i) => ds[i] + ds[4 + i]));
    // a given s_0 is used instead, and h0 gets nothing from it
    const given = it.forward(params, inputs, new Map([['h', new Float64Array(B * 4)]]), 1);
    expect([...it.backward(params, inputs, given, d, new Map()).params.get('h0')!]).toEqual([0, 0, 0, 0]);
  });

  it('anything else is E306 at the initial value, saying what to write', () => {
    expect(diags(cell('  state h[H] = h0'))).toEqual([
      "E306@4:16 the initial value of a state must be a number or the name of a parameter of its shape; for a learned initial state declare e.g. 'param h0[H] init 0' and write 'state h[H] = h0'",
    ]);
    expect(diags(cell('  param W[H, H]', '  state h[H] = W'))).toEqual(['E306@5:16 parameter W has shape [H, H] but the state has shape [H]']);
    expect(diags(cell('  param h0[H]', '  state h[H] = h0 * 2'))[0]).toMatch(/^E306@5:16 the initial value of a state must be a number or the name of a parameter/);
    expect(diags(cell('  state g[H] = 0', '  state h[H] = g', "  g' = g"))[0]).toMatch(/^E306@5:16 .*\('g' is a state\)/);
    expect(diags(cell('  param h0[H]', '  state h[H] = inf'))[0]).toMatch(/^E306@5:16/);
  });

  it('matrix-valued states too', () => {
    const g = graph(src('cell M(x[I]) {', '  size I = 3', '  param C0[I, I] init identity', '  state C[I, I] = C0', "  C' = 0.5 * C + outer(x, x)", "  output y = C' @ x", '}'));
    expect(g.states[0].initParam).toBe('C0');
  });
});

describe('initialiser expressions: init log(uniform(1, T_max - 1)), init normal(0, 1 / sqrt(2 * H))', () => {
  const cell = (init: string, extra = '') =>
    src('cell A(x[I]) {', '  size I = 3', '  size H = 64', '  size T_max = 100', `  param W[H, H] init ${init}`, extra, '  state h[H] = 0', "  h' = tanh(W @ h + dense(x, out = H))", "  output h'", '}');
  const paramOf = (text: string, name = 'W') => graph(text).params.find((p) => p.name === name)!;

  it('are kept symbolic in the IR and bound to the sizes in the artifact', () => {
    const p = paramOf(cell('log(uniform(1, T_max - 1))'));
    expect(printInit(p.init)).toBe('log(uniform(1, T_max - 1))');
    const r = compile(cell('log(uniform(1, T_max - 1))'), { sizes: { T_max: 20 } });
    if ('diagnostics' in r) throw new Error(r.formatted);
    expect(printInit(r.artifact.params.find((q) => q.name === 'W')!.init)).toBe("log(uniform(1, 20 - 1))");
  });

  it('draw per element from the seeded stream, in the order written: the same seed gives the same values', () => {
    const p = paramOf(cell('log(uniform(1, T_max - 1))'));
    const sizes = { I: 3, H: 64, T_max: 100 };
    const a = initialize(p.init, [64, 64], new Rng(3), sizes);
    const rng = new Rng(3);
    expect([...a]).toEqual(Array.from({ length: 64 * 64 }, () => Math.log(rng.range(1, 99))));
    expect(initialize(p.init, [64, 64], new Rng(3), sizes)).toEqual(a);
    expect(initialize(p.init, [64, 64], new Rng(4), sizes)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(Math.log(99));
  });

  it('normal(mean, std) with a std computed from the sizes', () => {
    const p = paramOf(cell('normal(0.5, 1 / sqrt(2 * H))'));
    const a = initialize(p.init, [64, 64], new Rng(1), { H: 64 });
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(mean).toBeCloseTo(0.5, 1);
    expect(Math.abs(std / (1 / Math.sqrt(128)) - 1)).toBeLessThan(0.05);
    // literal arguments keep their own initialisers (and their streams)
    expect(paramOf(cell('normal(0, 0.1)')).init).toEqual({ kind: 'normal', std: 0.1 });
    expect(paramOf(cell('uniform(0.1)')).init).toEqual({ kind: 'uniform', lo: -0.1, hi: 0.1 });
  });

  it('a dense bias takes one too', () => {
    const g = graph(src('cell A(x[I]) {', '  size I = 3', '  size L = 9', '  state h[I] = 0', "  h' = sigmoid(dense(x, h, bias = log(uniform(1, L - 1))))", "  output h'", '}'));
    expect(printInit(g.params.find((p) => p.name === 'h.b')!.init)).toBe('log(uniform(1, L - 1))');
  });

  it('unknown names and functions are E306 where they are written; a draw that is empty at the bound sizes is E306 when binding', () => {
    expect(diags(cell('log(uniform(1, K))'))).toEqual([expect.stringMatching(/^E306@5:37 unknown name 'K' in an initialiser \(not a size of the cell\); an initialiser expression uses numbers, sizes/)]);
    expect(diags(cell('2 * logg(H)'))).toEqual([expect.stringMatching(/^E306@5:26 unknown function 'logg' in an initialiser/)]);
    expect(diags(cell('glorot * 2'))).toEqual([expect.stringMatching(/^E306@5:22 'glorot' is an initialiser of its own/)]);
    expect(diags(cell('H @ H'))[0]).toMatch(/^E306@5:22 '@' cannot appear in an initialiser/);
    expect(diags(cell('normal(0, -1)'))[0]).toMatch(/^E306@5:22 normal\(mean, std\) needs std > 0, got -1/);
    const r = compile(cell('log(uniform(1, T_max - 1))'), { sizes: { T_max: 2 } });
    expect('diagnostics' in r && r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^E306 parameter W: initialiser uniform\(1, T_max - 1\): needs lo < hi, got 1 and 1/)]);
  });
});

describe('indexing and dense(out = …) with a size expression', () => {
  it('h[i] drops the axis (a scalar of a vector, a row or column of a matrix); gradients pass the float64 check', () => {
    const text = src(
      'cell A(x[I]) {',
      '  size K',
      '  size I = K + 2',
      '  size H = K + 3',
      '  param M[H, I] init glorot',
      '  state h[H] = 0.5',
      '  a = h[0] + h[H - 1] * M[1, 2]',
      '  r = M[2] + x',
      '  c = M[:, 0]',
      "  h' = tanh(dense(x, h)) * a + c * sum(r)",
      "  output h'",
      '}',
    );
    const g = graph(text);
    const types = printGraph(g);
    expect(types).toMatch(/%\d+: f32\[B\] = sum %\d+ \{axis=0\}/); // h[0]
    expect(types).toMatch(/r: f32\[B,K\+2\] = add/); // M[2] is a row [I]
    expect(types).toMatch(/c: f32\[K\+3\] = sum %\d+ \{axis=1\}/); // M[:, 0] a column [H]
    const r = gradcheck(g, { T: 4, B: 2, seed: 2, sizes: { K: 2 } });
    for (const t of r.tensors) expect(t.maxRel, `${t.kind} ${t.name}`).toBeLessThan(1e-6);
    expect(r.dot.rel).toBeLessThan(1e-6);
  });

  it('an index that can be outside the axis is E206 with the declaration that fixes it', () => {
    const cell = (e: string) => src('cell A(x[I]) {', '  size I = 3', '  state h[I] = 0', `  h' = h * ${e}`, "  output h'", '}');
    expect(diags(cell('h[2]'))).toEqual([
      "E206@4:14 index 2 can be outside 0 … I − 1 for some sizes (it must be for every size ≥ 1): at I = 2 the axis has no element 2; declare the size as larger than another, e.g. 'size K' and 'size I = K + 2'",
    ]);
    expect(diags(cell('h[I]'))[0]).toMatch(/^E206@4:14 index I can be outside 0 … I − 1/);
    expect(diags(cell('h[0]'))).toEqual([]);
  });

  it('dense(…, out = 4*H) takes a size expression; one not positive for every size is E304 saying so', () => {
    const ok = graph(src('cell A(x[I]) {', '  size I = 3', '  size H = 2', '  state h[H] = 0', '  z = dense(x, h, out = 4*H)', "  h' = tanh(z[0:H] + z[H:2*H])", "  output h'", '}'));
    expect(printGraph(ok)).toMatch(/z\.W_x: f32\[4\*H,I\]/);
    const bad = src('cell A(x[I]) {', '  size I = 3', '  state h[I] = 0', "  h' = dense(x, out = I - 3)", "  output h'", '}');
    expect(diags(bad)).toEqual([expect.stringMatching(/^E304@4:23 out must be a size: a size name, a positive integer or an expression of them \(out = H, out = 4\*H, out = H \+ 1, out = NH \* DH\); I-3 is not positive/)]);
    expect(diags(bad.replace('I - 3', 'tanh(I)'))[0]).toMatch(/^E304@4:23 out must be a size/);
  });
});
