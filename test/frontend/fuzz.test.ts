// Deterministic fuzzing of the front end: thousands of token- and byte-level
// mutations of the dsl-examples sources go through checkSource. Every mutant
// must come back (no exception of any kind, no hang) with either diagnostics
// or graphs, and every diagnostic must format. The PRNG is seeded, so a
// failure names a mutant that reproduces on every run.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { DIAGNOSTIC_CODES, formatDiagnostic } from '../../compiler/diagnostics.js';
import { printGraph } from '../../compiler/ir/print.js';
import { graphToDot } from '../../compiler/ir/dot.js';
import { MAX_NESTING } from '../../compiler/syntax/parser.js';
import { cellLexer } from '../../compiler/syntax/tokens.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../dsl-examples/', import.meta.url));

/**
 * Extra seeds for the parts of the language the examples do not use: index
 * inputs, gather/onehot, slices, select, softmax/layernorm, concat, transpose,
 * rank-2 states, derived sizes, several cells in a file, `output y = …`, `;`.
 */
const EXTRA_SEEDS = [
  {
    name: 'rich.cell (inline)',
    text: `cell Rich(x[I], o: index(V), m[I, K]) {
  size I = 8
  size H = 16
  size K = 3
  size V = 10
  size G = 2*H + I
  param E[V, H] init normal(0.1)
  param A[H, G] init uniform(-0.5, 0.5)
  param S[H, H] init identity(0.5)
  param q[K] init ones
  param P[H, V]
  state h[H] = 0
  state M[H, K] = -1
  e = gather(E, o) + P @ onehot(o, V)
  z = concat(h, e, x, axis = 0)
  a = A @ z
  s = select(a > 0, a, 0.5 * a)
  w = softmax(transpose(M) @ h, axis = -1)
  n = layernorm(s + S @ h, eps = 1e-3)
  h' = maximum(n, minimum(s, 1)) * mean(w) + sum(M * q, axis = 1) / 2
  M' = M[:, 0:K] * sigmoid(q)
  output y = logsumexp(h') - max(h', axis = 0) + sqrt(abs(concat(h', h')[H:2*H]))[0:1]
  output h'
}
`,
  },
  {
    name: 'two-cells.cell (inline)',
    text: `cell Two(x) {
  state s = 1.5
  s' = tanh(x * s) ; output s'
}
cell Three(t: index(N), v[N]) {
  size N = 5
  state p[N] = 0
  p' = softplus(onehot(t) - v) + exp(-p) * rsqrt(square(p) + 1) + log(relu(v) + 1)
  output p
  output z = select(p' > v, p', v) + onehot(argmax(v), N)
}
`,
  },
];

const examples = [
  ...readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.cell'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(EXAMPLES_DIR, f), 'utf8') })),
  ...EXTRA_SEEDS,
];

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Tokens the mutator may insert: the language's whole lexical vocabulary, plus near-misses. */
const VOCAB = [
  'cell', 'size', 'param', 'state', 'output', 'init', 'index',
  'h', "h'", 'c', "c'", 'x', "x'", 'W', 'H', 'I', 'B', 'T', 'V', 'zz', "zz'",
  '0', '1', '2', '0.5', '1e-5', '.5', '1e999', '-1', '128', '4294967296',
  '(', ')', '{', '}', '[', ']', ',', ';', ':', '=', '==', '!=', '<', '<=', '>', '>=',
  '+', '-', '*', '/', '@', "'", '#', '\n', '$', '`', '"', '\\', '?', '!', '%', '&', '|', '^', '~',
  'tanh', 'sigmoid', 'relu', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'softplus', 'square', 'silu',
  'maximum', 'minimum', 'select', 'sum', 'mean', 'max', 'logsumexp', 'argmax', 'softmax',
  'layernorm', 'concat', 'transpose', 'onehot', 'gather', 'dense', 'tanhh',
  'out', 'bias', 'axis', 'eps', 'false', 'glorot', 'orthogonal', 'identity', 'zeros', 'ones', 'uniform', 'normal',
  'dense(x, h)', 'x[0:H]', 'h[:, 0:1]', 'index(V)', 'o: index(V)', 'size H = 4', 'state q[H] = 0', 'output h',
];

/** Characters for random byte spans: ASCII, punctuation, control chars, non-ASCII, astral, lone surrogates. */
const CHARS = [
  ...'abcxyzHIW_019.\'"`$#@()[]{}<>=!+-*/:;, \t\n\r',
  '\0', '\x01', '\x07', '\x08', '\x0b', '\x0c', '\x1b', '\x7f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff',
  'é', 'ß', 'λ', 'σ', '⊙', '×', '→', '中', '∑', '😀', '\ud800', '\udfff', '\u200b', '\u0301',
];

interface Tok {
  start: number;
  end: number;
}

function tokensOf(text: string): Tok[] {
  return cellLexer.tokenize(text).tokens.map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length }));
}

const MUTATIONS = ['delete', 'duplicate', 'swap', 'insert', 'bytes', 'truncate'] as const;
type Mutation = (typeof MUTATIONS)[number];

function mutate(text: string, kind: Mutation, rng: Rng): string {
  const toks = tokensOf(text);
  if (toks.length < 2 && kind !== 'bytes' && kind !== 'truncate') kind = 'bytes';
  switch (kind) {
    case 'delete': {
      const t = pick(rng, toks);
      return text.slice(0, t.start) + text.slice(t.end);
    }
    case 'duplicate': {
      const t = pick(rng, toks);
      return text.slice(0, t.end) + ' ' + text.slice(t.start, t.end) + text.slice(t.end);
    }
    case 'swap': {
      const i = int(rng, toks.length - 1);
      const a = toks[i];
      const b = toks[i + 1];
      return text.slice(0, a.start) + text.slice(b.start, b.end) + text.slice(a.end, b.start) + text.slice(a.start, a.end) + text.slice(b.end);
    }
    case 'insert': {
      const t = pick(rng, toks);
      const at = rng() < 0.5 ? t.start : t.end;
      const sep = rng() < 0.7 ? ' ' : '';
      return text.slice(0, at) + sep + pick(rng, VOCAB) + sep + text.slice(at);
    }
    case 'bytes': {
      const start = int(rng, text.length + 1);
      const len = int(rng, 8);
      let junk = '';
      for (let n = 1 + int(rng, 6); n > 0; n--) junk += pick(rng, CHARS);
      return text.slice(0, start) + junk + text.slice(Math.min(text.length, start + len));
    }
    case 'truncate':
      return text.slice(0, int(rng, text.length + 1));
  }
}

interface Failure {
  readonly what: string;
  readonly source: string;
}

/** Runs one source through the front end and every formatting path; returns a failure or undefined. */
function exercise(source: string, label: string): { failure?: Failure; ms: number; outcome: 'graphs' | 'diagnostics' } {
  const t0 = performance.now();
  let outcome: 'graphs' | 'diagnostics' = 'diagnostics';
  try {
    const r = checkSource('fuzz.cell', source);
    const ms = performance.now() - t0;
    const fail = (what: string) => ({ failure: { what: `${label}: ${what}`, source }, ms, outcome });
    if (r.diagnostics.length === 0 && r.graphs.length === 0) return fail('neither diagnostics nor graphs');
    if (r.diagnostics.length > 0 && r.graphs.length > 0) return fail('both diagnostics and graphs');
    for (const d of r.diagnostics) {
      if (!(d.code in DIAGNOSTIC_CODES)) return fail(`unknown diagnostic code ${d.code}`);
      if (typeof d.message !== 'string' || d.message.length === 0) return fail(`empty message for ${d.code}`);
      if (d.span && !(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= source.length + 1)) {
        return fail(`${d.code} span ${d.span.start}..${d.span.end} is outside the text (length ${source.length})`);
      }
      const shown = formatDiagnostic(d, r.file);
      if (!/^fuzz\.cell:\d+:\d+: error E\d{3}: /.test(shown)) return fail(`badly formatted diagnostic: ${JSON.stringify(shown.slice(0, 200))}`);
      formatDiagnostic(d, undefined);
    }
    for (const g of r.graphs) {
      printGraph(g);
      graphToDot(g);
    }
    outcome = r.graphs.length ? 'graphs' : 'diagnostics';
    return { ms, outcome };
  } catch (e) {
    const ms = performance.now() - t0;
    return { failure: { what: `${label}: threw ${(e as Error)?.stack ?? String(e)}`, source }, ms, outcome };
  }
}

const PER_CASE_MS = 2000;
/** Deeper local runs: CELLC_FUZZ_N=200000 CELLC_FUZZ_SEED=5 npx vitest run test/frontend/fuzz.test.ts */
const N = Number(process.env.CELLC_FUZZ_N ?? 6000);
const SEED = Number(process.env.CELLC_FUZZ_SEED ?? 0xc311c);

describe('front-end fuzzing', () => {
  it('the unmutated examples check clean (the fuzzer starts from valid programs)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    for (const ex of examples) {
      const r = checkSource(ex.name, ex.text);
      expect(r.diagnostics, ex.name).toEqual([]);
      expect(r.graphs.length, ex.name).toBeGreaterThan(0);
    }
  });

  it(`${N} single and stacked mutations never throw, hang, or come back empty`, () => {
    const rng = mulberry32(SEED);
    const failures: Failure[] = [];
    const perKind: Record<string, { n: number; graphs: number }> = {};
    let slowest = 0;
    let total = 0;
    for (let i = 0; i < N; i++) {
      const ex = examples[i % examples.length];
      // mostly one mutation, sometimes a stack of up to four
      const depth = rng() < 0.75 ? 1 : 2 + int(rng, 3);
      let src = ex.text;
      const kinds: Mutation[] = [];
      for (let k = 0; k < depth; k++) {
        const kind = pick(rng, MUTATIONS);
        kinds.push(kind);
        src = mutate(src, kind, rng);
      }
      const label = `mutant #${i} of ${ex.name} (${kinds.join('+')})`;
      const r = exercise(src, label);
      total++;
      // The parser instance is shared between calls: a second run must give the same answer.
      if (i % 20 === 0 && !r.failure) {
        const show = (x: ReturnType<typeof checkSource>) => JSON.stringify([x.diagnostics, x.graphs.map(printGraph)]);
        if (show(checkSource('fuzz.cell', src)) !== show(checkSource('fuzz.cell', src))) failures.push({ what: `${label}: not deterministic`, source: src });
      }
      slowest = Math.max(slowest, r.ms);
      if (r.ms > PER_CASE_MS) failures.push({ what: `mutant #${i} of ${ex.name} took ${r.ms.toFixed(0)} ms`, source: src });
      if (r.failure) failures.push(r.failure);
      const key = kinds.length === 1 ? kinds[0] : 'stacked';
      perKind[key] ??= { n: 0, graphs: 0 };
      perKind[key].n++;
      if (r.outcome === 'graphs') perKind[key].graphs++;
    }
    const report = failures.slice(0, 5).map((f) => `${f.what}\n----- source -----\n${f.source}\n------------------`).join('\n\n');
    expect(failures.length, report).toBe(0);
    expect(total).toBe(N);
    expect(slowest).toBeLessThan(PER_CASE_MS);
    // Sanity of the mutator itself: every kind ran, and most mutants are really broken.
    for (const k of MUTATIONS) expect(perKind[k]?.n ?? 0, k).toBeGreaterThan(N / 20);
    const valid = Object.values(perKind).reduce((s, v) => s + v.graphs, 0);
    expect(valid).toBeLessThan(N / 2);
  });

  it('random garbage files (pure noise, and noise after a valid prefix) are handled', () => {
    const rng = mulberry32(7);
    const failures: Failure[] = [];
    for (let i = 0; i < 400; i++) {
      let junk = '';
      const n = int(rng, 200);
      for (let k = 0; k < n; k++) junk += rng() < 0.5 ? pick(rng, CHARS) : String.fromCharCode(int(rng, 0x3000));
      const prefix = i % 2 ? examples[i % examples.length].text.slice(0, int(rng, 400)) : '';
      const r = exercise(prefix + junk, `garbage #${i}`);
      if (r.failure) failures.push(r.failure);
      if (r.ms > PER_CASE_MS) failures.push({ what: `garbage #${i} took ${r.ms.toFixed(0)} ms`, source: prefix + junk });
    }
    expect(failures.length, failures.slice(0, 3).map((f) => `${f.what}\n${JSON.stringify(f.source)}`).join('\n\n')).toBe(0);
  });

  it('pathological shapes: deep nesting, long files, many cells, many errors', () => {
    const cases: [string, string][] = [
      ['deep parentheses', `cell A(x[I]) { state h[I] = 0\n h' = ${'('.repeat(300)}x${')'.repeat(300)}\n output h' }`],
      ['deep unclosed parentheses', `cell A(x[I]) { state h[I] = 0\n h' = ${'('.repeat(300)}x\n output h' }`],
      ['deep negation', `cell A(x[I]) { state h[I] = 0\n h' = ${'-'.repeat(500)}x\n output h' }`],
      ['deep calls', `cell A(x[I]) { state h[I] = 0\n h' = ${'tanh('.repeat(200)}x${')'.repeat(200)}\n output h' }`],
      ['long sum', `cell A(x[I]) { state h[I] = 0\n h' = ${Array(2000).fill('x').join(' + ')}\n output h' }`],
      ['many statements', `cell A(x[I]) { state h[I] = 0\n${Array.from({ length: 1500 }, (_, k) => ` a${k} = tanh(x)`).join('\n')}\n h' = a1499\n output h' }`],
      ['many cells', Array.from({ length: 200 }, (_, k) => `cell C${k}(x[I]) { state h[I] = 0\n h' = x\n output h' }`).join('\n')],
      ['many duplicate cells', Array.from({ length: 200 }, () => `cell C(x[I]) { state h[I] = 0\n h' = x\n output h' }`).join('\n')],
      ['many syntax errors', Array.from({ length: 500 }, () => `cell A(x[I]) { h' = ( + 3 }`).join('\n')],
      ['many lexer errors', '$'.repeat(5000)],
      ['unclosed calls at the nesting limit', `cell A(x[I]) { state h[I] = 0\n h' = ${'tanh('.repeat(MAX_NESTING)}x\n output h' }`],
      ['unclosed negated parentheses at the nesting limit', `cell A(x[I]) { state h[I] = 0\n h' = ${'-('.repeat(MAX_NESTING / 2)}x\n output h' }`],
      ['unclosed slices at the nesting limit', `cell A(x[I]) { state h[I] = 0\n h' = x${'[('.repeat(MAX_NESTING / 2)}\n output h' }`],
      ['deep dims', `cell A(x[${'('.repeat(200)}I${')'.repeat(200)}]) { state h[I] = 0\n h' = x\n output h' }`],
      ['only whitespace and comments', '\n\n   # nothing\n\t\r\n'],
      ['a lone NUL', '\0'],
      ['CRLF line endings', examples[0].text.replace(/\n/g, '\r\n')],
    ];
    const failures: Failure[] = [];
    for (const [label, src] of cases) {
      const r = exercise(src, label);
      if (r.failure) failures.push(r.failure);
      if (r.ms > PER_CASE_MS) failures.push({ what: `${label} took ${r.ms.toFixed(0)} ms`, source: src.slice(0, 300) });
    }
    expect(failures.map((f) => f.what)).toEqual([]);
  });

  it('nesting up to MAX_NESTING compiles; one level deeper is one E002 at the offending bracket', () => {
    const ok = checkSource('t.cell', `cell A(x[I]) { state h[I] = 0\n h' = ${'tanh('.repeat(MAX_NESTING)}x${')'.repeat(MAX_NESTING)}\n output h' }`);
    expect(ok.diagnostics).toEqual([]);
    const deep = checkSource('t.cell', `cell A(x[I]) { state h[I] = 0\n h' = ${'tanh('.repeat(MAX_NESTING + 1)}x${')'.repeat(MAX_NESTING + 1)}\n output h' }`);
    expect(deep.diagnostics.map((d) => d.code)).toEqual(['E002']);
    expect(deep.file.position(deep.diagnostics[0].span!.start)).toEqual({ line: 2, col: 7 + 5 * MAX_NESTING + 4 });
    expect(deep.diagnostics[0].message).toMatch(/too deeply nested/);
    const negs = checkSource('t.cell', `cell A(x[I]) { state h[I] = 0\n h' = ${'-'.repeat(5000)}x\n output h' }`);
    expect(negs.diagnostics.map((d) => d.code)).toEqual(['E002']);
  });
});
