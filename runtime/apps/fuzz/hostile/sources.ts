// Malformed and extreme cell sources, from a seed: mutations of the shipped
// examples, token soup, extreme sizes and literals, deep nesting, long
// chains, binary bytes and odd encodings. Case i of seed s is the same on
// every run, so a failure is its own reproducer.

import { Rng } from '../../../../compiler/index.js';

export const SOURCE_FAMILIES = ['mutation', 'soup', 'extreme', 'nesting', 'chain', 'binary', 'encoding'] as const;
export type SourceFamily = (typeof SOURCE_FAMILIES)[number];

export interface SourceCase {
  readonly family: SourceFamily;
  readonly text: string;
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r.int(xs.length)];

/** The language's vocabulary and near-misses, for insertions and soup. */
const VOCAB = [
  'cell', 'size', 'param', 'state', 'output', 'init', 'index', 'h', "h'", 'x', "x'", 'W', 'H', 'I', 'B', 'T', 'V',
  '0', '1', '0.5', '1e-5', '.5', '1e999', '-1', '1e-999', '4294967296', '9007199254740993', '0x10', '1_000', 'NaN', 'Infinity',
  '(', ')', '{', '}', '[', ']', ',', ';', ':', '=', '==', '<', '>=', '+', '-', '*', '/', '@', "'", '#', '\n', '$', '"', '\\',
  'tanh', 'sigmoid', 'relu', 'exp', 'log', 'sqrt', 'softplus', 'maximum', 'select', 'sum', 'max', 'softmax', 'layernorm',
  'concat', 'transpose', 'onehot', 'gather', 'dense', 'delay', 'inv', 'logdet', 'eye', 'axis', 'eps', 'out', 'bias',
  'glorot', 'identity', 'uniform', 'normal', 'x[0:H]', 'h[:, 0:1]', 'o: index(V)', 'size H = 4', 'state q[H] = 0', 'output h',
];

const ODD_CHARS = ['\0', '\x01', '\x1b', '\x7f', '\u0085', '\u00a0', '\u2028', '\ufeff', 'é', 'λ', '⊙', '中', '😀', '\ud800', '\udfff', '\u200b', '\u0301', 'ｈ', '\r'];

function mutation(r: Rng, text: string): string {
  let t = text;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const at = r.int(t.length + 1);
    const len = r.int(12);
    switch (r.int(6)) {
      case 0: t = t.slice(0, at) + t.slice(at + len); break;
      case 1: t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at); break;
      case 2: t = t.slice(0, at) + ' ' + pick(r, VOCAB) + ' ' + t.slice(at); break;
      case 3: t = t.slice(0, at) + pick(r, ODD_CHARS) + t.slice(at); break;
      case 4: t = t.slice(0, at); break;
      default: {
        const lines = t.split('\n');
        const i = r.int(lines.length);
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        t = lines.join('\n');
      }
    }
  }
  return t;
}

function soup(r: Rng): string {
  const words = Array.from({ length: 1 + r.int(120) }, () => pick(r, VOCAB));
  const body = words.join(r.uniform() < 0.5 ? ' ' : '\n');
  return r.uniform() < 0.5 ? `cell A(x[I]) {\n  size I = 3\n  state h[I] = 0\n${body}\n}\n` : body;
}

const cellWith = (decls: string, body: string, inputs = 'x[I]') => `cell A(${inputs}) {\n  size I = 3\n${decls}\n  state h[H] = 0\n${body}\n  output h'\n}\n`;

function extreme(r: Rng): string {
  const big = pick(r, ['0', '-1', '1.5', '4294967296', '9007199254740993', '1e9', '1e999', '99999999999999999999', '65536', '100000', '2147483648']);
  const lit = pick(r, ['1e999', '-1e999', '1e-999', '3.4028236e38', '0.0000000000000000000000000000000000000000000001', '9007199254740993', '1e308', '-0', '00000001', '1e', '1.e5']);
  const templates = [
    () => cellWith(`  size H = ${big}`, "  h' = tanh(h + x[0:1])"),
    () => cellWith('  size H = 4', `  h' = tanh(h * ${lit} + ${lit})`),
    () => cellWith(`  size H = 4\n  param W[H, ${big}]`, "  h' = tanh(h)"),
    () => cellWith('  size H = 4', `  h' = h[0:${big}]`),
    () => cellWith('  size H = 4', `  h' = delay(h, ${big})`),
    () => cellWith('  size H = 4', `  h' = softmax(h, axis = ${big})`),
    () => cellWith(`  size H = 4\n  param W[H, H] init uniform(${lit}, ${lit})`, "  h' = tanh(W @ h)"),
    () => cellWith(`  size H = 4\n  param W[H, H] init normal(${lit})`, "  h' = tanh(W @ h)"),
    () => cellWith('  size H = 4', `  h' = layernorm(h, eps = ${lit})`),
    () => cellWith('  size H = 4', `  h' = onehot(o, ${big}) + h`, 'x[I], o: index(V)'),
    () => cellWith(`  size H = 4\n${Array.from({ length: 1 + r.int(300) }, (_, i) => `  param p${i}[H]`).join('\n')}`, "  h' = tanh(h)"),
    () => cellWith(`  size H = 4\n${Array.from({ length: 1 + r.int(200) }, (_, i) => `  state s${i}[H] = 0\n  s${i}' = s${i}`).join('\n')}`, "  h' = tanh(h)"),
    () => `cell ${'A'.repeat(1 + r.int(5000))}(x) {\n  state h = 0\n  h' = h + x\n  output h'\n}\n`,
  ];
  return pick(r, templates)();
}

function nesting(r: Rng): string {
  const d = pick(r, [31, 32, 33, 100, 499, 500, 501, 2000, 20000]);
  const kinds = [
    () => `${'('.repeat(d)}h${')'.repeat(d)}`,
    () => `${'tanh('.repeat(d)}h${')'.repeat(d)}`,
    () => `${'-'.repeat(d)}h`,
    () => `h${' + h'.repeat(d)}`,
    () => `h${'[0:H]'.repeat(d)}`,
    () => `${'('.repeat(d)}h`,
    () => `h${')'.repeat(d)}`,
    () => `${'sum('.repeat(d)}h${', axis = 0)'.repeat(d)}`,
  ];
  return cellWith('  size H = 4', `  h' = ${pick(r, kinds)()}`);
}

function chain(r: Rng): string {
  const n = pick(r, [5, 10, 20, 40, 60, 100, 200, 400]);
  const lines = Array.from({ length: n }, (_, i) => (i === 0 ? '  a0 = h + 1' : `  a${i} = ${pick(r, ['tanh', 'relu', 'sigmoid', ''])}(a${i - 1} * 0.5) + h`));
  return cellWith('  size H = 4', `${lines.join('\n')}\n  h' = a${n - 1}`);
}

function binary(r: Rng, text: string): string {
  const bytes = Array.from({ length: 1 + r.int(400) }, () => String.fromCharCode(r.int(256)));
  return r.uniform() < 0.5 ? bytes.join('') : text.slice(0, r.int(text.length)) + bytes.join('') + text.slice(r.int(text.length));
}

function encoding(r: Rng, text: string): string {
  const ways = [
    () => '\ufeff' + text,
    () => '\ufeff\ufeff' + text,
    () => text.replace(/\n/g, '\r\n'),
    () => text.replace(/\n/g, '\r'),
    () => Buffer.from(text, 'utf16le').toString('latin1'),
    () => Buffer.from(text, 'utf16le').toString('utf8'),
    () => Buffer.from(text, 'latin1').toString('utf8').replace(/e/g, 'é'),
    () => text.replace(/ /g, '\0'),
    () => text.replace(/h/g, 'һ'), // a Cyrillic look-alike
    () => text.replace(/ /g, '\u00a0'),
    () => text + '\0'.repeat(1 + r.int(100)),
    () => text.replace(/'/g, '\u2019'),
  ];
  return pick(r, ways)();
}

/** Case `i` of the stream seeded by `seed`, from the given example texts. */
export function hostileSource(examples: readonly string[], seed: number, i: number): SourceCase {
  const r = new Rng((seed * 1000003 + i) >>> 0);
  const family = SOURCE_FAMILIES[i % SOURCE_FAMILIES.length];
  const base = pick(r, examples);
  const text = {
    mutation: () => mutation(r, base),
    soup: () => soup(r),
    extreme: () => extreme(r),
    nesting: () => nesting(r),
    chain: () => chain(r),
    binary: () => binary(r, base),
    encoding: () => encoding(r, base),
  }[family]();
  return { family, text };
}
