// The generated code speaks the cell's language (pure: no GPU): a WGSL `let`
// holding a named value is declared under that name (sanitised: c' → c_p,
// ∂f → d_f), the comment above each store and the kernel header name the
// value and its source line, and the plan's summaries do the same. The printed
// graph and its DOT rendering show the names and lines too. Whether such
// kernels compile and compute the right thing with hostile names is checked on
// the GPU by test/fixtures/cells/reserved_names.cell (nestedLoops.test.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../compiler/artifact/inspect.js';
import { NameAllocator, sanitize } from '../../compiler/backend/webgpu/names.js';
import { compile, type Artifact } from '../../compiler/index.js';
import { checkSource } from '../../compiler/frontend.js';
import { graphToDot } from '../../compiler/ir/dot.js';
import { printGraph } from '../../compiler/ir/print.js';
import { printBackward } from '../../compiler/autodiff/printBackward.js';
import { buildBackward } from '../../compiler/autodiff/backward.js';
import { shadowedDeclarations } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const LSTM = read('dsl-examples/lstm.cell');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function artifactOf(text: string, path: string, sizes: Record<string, number>): Artifact {
  const r = compile(text, { path, sizes });
  if ('diagnostics' in r) throw new Error(r.formatted);
  return r.artifact;
}

describe('WGSL names from the source', () => {
  const a = artifactOf(LSTM, 'dsl-examples/lstm.cell', { I: 3, H: 4 });
  const kernel = (name: string) => a.kernels.find((k) => k.name === name)!.wgsl;
  const fwd = kernel('f_loop_level0');

  it('the forward step declares the gates, c′ and h′ under their names', () => {
    expect(fwd).toMatch(/^ *let f = 1\.0 \/ \(1\.0 \+ exp\(-\(v_\d+\)\)\);$/m);
    expect(fwd).toMatch(/^ *let i = 1\.0 \/ \(1\.0 \+ exp\(/m);
    expect(fwd).toMatch(/^ *let o = 1\.0 \/ \(1\.0 \+ exp\(/m);
    expect(fwd).toMatch(/^ *let g = select\(select\(tanh\(/m);
    expect(fwd).toMatch(/^ *let c_p = v_\d+ \+ v_\d+;$/m);
    expect(fwd).toMatch(/^ *let h_p = \(o\) \* \(v_\d+\);$/m);
    // values the source does not name keep the generic hint
    expect(fwd).toMatch(/^ *let v = /m);
  });

  it('the comments above the stores and the header carry the names and the source lines', () => {
    const c = lineOf(LSTM, "c' = f * c");
    const h = lineOf(LSTM, "h' = o * tanh");
    expect(c).toBe(24);
    expect(fwd).toContain(`      // %37 c': f32[B,H] = add %35, %36  (line ${c})\n      tape[`);
    expect(fwd).toContain(`// %39 h': f32[B,H] = mul o, %38  (line ${h})`);
    expect(fwd).toContain('// %14: f32[B,H] = matmul f.W_h, h\n');
    const header = fwd.split('\n').find((l) => l.startsWith('// Writes: '))!;
    expect(header).toContain(`%37 c': f32[B,H] = add %35, %36  (line ${c})`);
    expect(header).toContain('%6: f32[B,H] = matmul i.W_h, h');
  });

  it('every (line N) of every kernel points at a source line that defines the name', () => {
    const lines = LSTM.split('\n');
    let seen = 0;
    for (const k of a.kernels) {
      for (const m of k.wgsl.matchAll(/%\d+ (\S+): [^\n;]*? {2}\(line (\d+)\)/g)) {
        // ∂f, ∂next.h and ∂out.h are about f and h; i.W_x was made by the dense call of i
        const base = m[1].replace(/^∂(next\.|out\.)?/, '').replace(/'$/, '').split('.')[0];
        expect(lines[Number(m[2]) - 1], `${k.name}: ${m[0]}`).toMatch(new RegExp(`(^|[\\s(,])${base}'? *(=|\\[)`));
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(12);
  });

  it('the backward declares cotangents as d_NAME', () => {
    const b = kernel('b_loop_level0');
    for (const name of ['d_h_p', 'd_c_p', 'd_c', 'd_f', 'd_i', 'd_g', 'd_o']) expect(b, name).toMatch(new RegExp(`^ *let ${name} = `, 'm'));
    // recomputed primal values keep their forward names
    for (const name of ['f', 'i', 'g', 'o', 'c_p']) expect(b, name).toMatch(new RegExp(`^ *let ${name} = `, 'm'));
    expect(b).toContain("// %53 ∂c: f32[B,H] = mul ∂c', f  (line 19)");
  });

  it('no kernel declares a name twice where both are visible, and no let is a reserved word', () => {
    for (const k of a.kernels) expect(shadowedDeclarations(k.wgsl), k.name).toEqual([]);
    const clash = read('test/fixtures/cells/reserved_names.cell');
    const c = artifactOf(clash, 'reserved_names.cell', {});
    // (the kernels' own lets are there too: B, T, j, row0, row, the offsets o2, o3, …)
    const lets = c.kernels.flatMap((k) => [...k.wgsl.matchAll(/\blet (\w+) =/g)].map((m) => m[1]));
    for (const bad of ['let', 'for', 'match', 'type', 'self', 'exp', 'max', 'select', 'f32', 'vec3', 'tape', 'params', 'dims', 'main', 'gid']) expect(lets, bad).not.toContain(bad);
    for (const ok of ['let_1', 'for_1', 'match_1', 'self_1', 'exp_1', 'j_1', 'r_1', 'row0_1', 'tape_1', 'o4_1', 'v_1_1', 'v_a', 'v__b', 'd_let', 'd_match']) expect(lets, ok).toContain(ok);
    for (const k of c.kernels) expect(shadowedDeclarations(k.wgsl), k.name).toEqual([]);
  });

  it('summaries: kernels and GEMMs in `cellc plan` name what they compute', () => {
    const plan = formatPlan(a, { B: 8, T: 10 });
    expect(plan).toContain(': %4: f32[B,H] = matmul i.W_x, x; %12: f32[B,H] = matmul f.W_x, x;');
    expect(plan).toContain("%39 h': f32[B,H] = mul o, %38  (line 25)");
    expect(plan).toContain('%87 ∂x: f32[B,I] = add %78, %86  (line 15)');
    const big = artifactOf(LSTM, 'lstm.cell', { I: 64, H: 64 });
    const grads = big.kernels.filter((k) => k.role === 'gemm' && big.backward.grads.includes(k.name)).map((k) => k.summary);
    expect(grads.some((s) => s.endsWith(': ∂f.W_h += Σ_rows outer(∂f.b, h)'))).toBe(true);
  });
});

describe('the printed graph and its DOT show names and lines', () => {
  const g = checkSource('dsl-examples/lstm.cell', LSTM).graphs[0];

  it('printGraph: `%ID NAME: TYPE = …  # line N`, ids and operands unchanged', () => {
    const text = printGraph(g);
    expect(text).toContain('  %18 f: f32[B,H] = sigmoid %17  # line 21\n');
    expect(text).toContain("  %37 c': f32[B,H] = add %35, %36  # line 24\n");
    expect(text).toContain('  %11 f.W_x: f32[H,I] = param f.W_x init glorot  # line 21\n');
    expect(text).toContain('  %2 c: f32[B,H] = state c = 0  # line 19\n');
    expect(text).toContain('  %17: f32[B,H] = add %15, %16\n');
    // without the names and comments it is the nameless text form
    const bare = text.replace(/^( {2}%\d+) [^:]+:/gm, '$1:').replace(/ {2}# line \d+$/gm, '');
    expect(bare).toContain('  %18: f32[B,H] = sigmoid %17\n');
    expect(bare).not.toMatch(/line|c'/);
  });

  it('printBackward: derived names with the forward lines', () => {
    const text = printBackward(buildBackward(g));
    expect(text).toMatch(/^ {2}%\d+ ∂f: f32\[B,H\] = mul %\d+, %2 {2}# line 21$/m);
    expect(text).toMatch(/^ {2}%\d+ ∂next\.c: f32\[B,H\] = input dc' {2}\(leaf dnext c\) {2}# line 24$/m);
    expect(text).toMatch(/^ {2}%\d+ ∂h: f32\[B,H\] = add %\d+, %\d+ {2}# line 18$/m);
  });

  it('DOT labels: `%ID NAME = OP`, the type, then `line N`', () => {
    const dot = graphToDot(g);
    expect(dot).toContain('n18 [label="%18 f = sigmoid\\nf32[B,H]\\nline 21", shape=ellipse];');
    expect(dot).toContain('n37 [label="%37 c\' = add\\nf32[B,H]\\nline 24", shape=ellipse];');
    expect(dot).toContain('n11 [label="%11 param f.W_x\\nf32[H,I]\\nline 21"');
    expect(dot).toContain('n17 [label="%17 add\\nf32[B,H]", shape=ellipse];');
  });
});

describe('NameAllocator', () => {
  it('spells source names as WGSL identifiers', () => {
    expect(sanitize("c'")).toBe('c_p');
    expect(sanitize("∂c'")).toBe('d_c_p');
    expect(sanitize('f.W_x')).toBe('f_W_x');
    expect(sanitize('f#2.b')).toBe('f_2_b');
    expect(sanitize('_a')).toBe('v_a');
    expect(sanitize('__a')).toBe('v__a');
    expect(sanitize('2x')).toBe('v2x');
  });

  it('never hands out a keyword, a reserved word, a reserved name or a name twice', () => {
    const n = new NameAllocator(['row', 'tape']);
    expect(['f', 'f', 'x1', 'x1', 'match', 'self', 'row', 'tape', 'exp', 'v', 'v', 'v_1'].map((h) => n.fresh(h))).toEqual([
      'f', 'f_1', 'x1', 'x1_1', 'match_1', 'self_1', 'row_1', 'tape_1', 'exp_1', 'v', 'v_1', 'v_1_1',
    ]);
  });
});
