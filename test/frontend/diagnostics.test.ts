// Malformed programs and the exact diagnostics the front end gives them:
// the code, and the 1-based line:col of the span start (file.position), for
// the first diagnostic or for every one of them.
//
// Sources are written with `src(...)`: argument k is line k, so line numbers
// can be read off the call. Columns count from 1; the two-space indent of a
// body line puts its first token at column 3.

import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { DIAGNOSTIC_CODES, formatDiagnostic, type Diagnostic } from '../../compiler/diagnostics.js';
import { overrideSizes, parseSizeSettings, sizeValues } from '../../compiler/ir/sizeBinding.js';

const src = (...lines: string[]) => lines.join('\n') + '\n';

/** `CODE@LINE:COL` for every diagnostic, in reporting order. */
function where(text: string): string[] {
  const r = checkSource('t.cell', text);
  return r.diagnostics.map((d) => {
    if (!d.span) return `${d.code}@-`;
    const { line, col } = r.file.position(d.span.start);
    return `${d.code}@${line}:${col}`;
  });
}

function diagnostics(text: string): Diagnostic[] {
  return [...checkSource('t.cell', text).diagnostics];
}

interface Case {
  /** What is wrong. */
  readonly name: string;
  readonly text: string;
  /** Every diagnostic, exactly; or with `firstOnly`, just the first. */
  readonly expect: readonly string[];
  readonly firstOnly?: boolean;
  /** Regexes the message of the first diagnostic must match. */
  readonly message?: readonly RegExp[];
}

// A well-formed cell the cases below break one piece at a time.
const OK = src(
  'cell A(x[I]) {', //            1
  '  size I = 4', //              2
  '  size H = 8', //              3
  '  state h[H] = 0', //          4
  '  h\' = tanh(dense(x, h))', // 5
  "  output h'", //               6
  '}',
);

const cases: Case[] = [
  // ---------------------------------------------------------------- E001 lexer
  {
    name: "E001: '$' in an expression (and no follow-on E002 for the '+' it leaves dangling)",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = $ + h", "  output h'", '}'),
    expect: ['E001@3:8'],
    message: [/unexpected character '\$'/],
  },
  {
    name: "E001: a lone quote ' before a name",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x + 'h", "  output h'", '}'),
    expect: ['E001@3:12'],
    message: [/unexpected character '''/],
  },
  {
    name: "E001: '!' that is not part of '!='",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = !x", "  output h'", '}'),
    expect: ['E001@3:8'],
  },
  {
    name: 'E001: a non-ASCII operator (×), and nothing for the `x h` it leaves',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x × h", "  output h'", '}'),
    expect: ['E001@3:10'],
    message: [/'×'/],
  },
  {
    name: 'E001: two stray characters on two lines are both reported',
    text: src('cell A(x[I]) {', '  state h[I] = 0 $', "  h' = x + h ?", "  output h'", '}'),
    expect: ['E001@2:18', 'E001@3:14'],
  },
  {
    name: 'E001: columns count a tab as one character',
    text: src('cell A(x[I]) {', '\tstate h[I] = 0', "\th' = x + h ~", "\toutput h'", '}'),
    expect: ['E001@3:13'],
  },

  // ---------------------------------------------------------------- E002 syntax
  {
    name: "E002: missing ')' is reported where the next statement starts",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanh(x + h", "  output h'", '}'),
    expect: ['E002@4:3'],
    message: [/expected '\)', found 'output'/],
  },
  {
    name: "E002: missing '}' at the end of the file",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x + h", "  output h'"),
    expect: ['E002@4:12'],
    message: [/expected '}', found the end of the file/],
  },
  {
    name: "E002: '+*' (an operator where an operand should be)",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x +* h", "  output h'", '}'),
    expect: ['E002@3:11'],
    message: [/expected an expression, found '\*'/],
  },
  {
    name: "E002: 'size = 3' (the keyword used as a name)",
    text: src('cell A(x[I]) {', '  size = 3', '  state h[I] = 0', "  h' = x", "  output h'", '}'),
    expect: ['E002@2:8'],
    message: [/expected a name, found '='/],
  },
  {
    name: 'E002: a statement starting with a number (one error; the next lines parse normally)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  3 = x', "  h' = x + h", "  output h'", '}'),
    expect: ['E002@3:3'],
    message: [/expected a statement .* or '}', found '3'/],
  },
  {
    name: 'E002: a statement at the top level, outside any cell',
    text: src("h' = x"),
    expect: ['E002@1:1'],
    message: [/expected a cell/],
  },
  {
    name: "E002: an unterminated call 'tanh(x,' at the closing brace",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanh(x,", '}'),
    expect: ['E002@4:1'],
    message: [/expected an argument, found '}'/],
  },
  {
    name: 'E002: a cell without a name',
    text: src('cell (x[I]) {', '  state h[I] = 0', "  h' = x", "  output h'", '}'),
    expect: ['E002@1:6'],
  },
  {
    name: 'E002: a cell without parentheses around its inputs',
    text: src('cell A x[I] {', '  state h[I] = 0', "  h' = x", "  output h'", '}'),
    expect: ['E002@1:8'],
    message: [/expected '\('/],
  },
  {
    name: "E002: 'index V' without parentheses",
    text: src('cell A(o: index V) {', '  state h[V] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E002@1:17'],
  },
  {
    name: 'E002: a trailing comma in a shape',
    text: src('cell A(x[I]) {', '  param W[I,]', '  state h[I] = 0', "  h' = W * x", "  output h'", '}'),
    expect: ['E002@2:13'],
  },
  {
    name: "E002: an equation without '='",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' x", "  output h'", '}'),
    expect: ['E002@3:6'],
  },
  {
    name: "E002: 'init' with no initialiser",
    text: src('cell A(x[I]) {', '  param W[I] init', '  state h[I] = 0', "  h' = W * x", "  output h'", '}'),
    expect: ['E002@3:3'],
  },
  {
    name: 'E002: an empty slice item h[,]',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h[,]", "  output h'", '}'),
    expect: ['E002@3:10'],
  },
  {
    name: 'E002: comparisons do not chain',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = select(h < x < h, h, x)", "  output h'", '}'),
    expect: ['E002@3:21'],
  },

  // ---------------------------------------------------------------- E1xx names
  {
    name: 'E101: an undefined name',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x + q", "  output h'", '}'),
    expect: ['E101@3:12'],
    message: [/undefined name 'q'/],
  },
  {
    name: 'E101: a function name used as a value',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x + tanh", "  output h'", '}'),
    expect: ['E101@3:12'],
    message: [/'tanh' is a function; call it/],
  },
  {
    name: 'E101: a local used before its definition',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  a = b + x', '  b = x', "  h' = a", "  output h'", '}'),
    expect: ['E101@3:7'],
  },
  {
    name: 'E101: the primed name of something never declared',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = q' + x", "  output h'", '}'),
    expect: ['E101@3:8'],
  },
  {
    name: 'E101: an output of an undefined name',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x", '  output y', '}'),
    expect: ['E101@4:10'],
  },
  {
    name: 'E102: a local defined twice',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  a = x', '  a = h', "  h' = a", "  output h'", '}'),
    expect: ['E102@4:3'],
    message: [/'a' is already defined \(as a local\)/],
  },
  {
    name: 'E102: a param declared twice',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  param W[I]', '  param W[I]', "  h' = W * h", "  output h'", '}'),
    expect: ['E102@4:9'],
  },
  {
    name: 'E102: a size declared twice',
    text: src('cell A(x[I]) {', '  size H = 3', '  size H = 4', '  state h[H] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E102@3:8'],
  },
  {
    name: 'E102: a local shadowing an input',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  x = h', "  h' = x", "  output h'", '}'),
    expect: ['E102@3:3'],
    message: [/already defined \(as an input\)/],
  },
  {
    name: 'E102: two inputs with one name (used to crash with a duplicate-leaf assertion)',
    text: src('cell A(x[I], x[I]) {', '  state h[I] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E102@1:14'],
  },
  {
    name: 'E102: a param with the name of a state',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  param h[I]', "  h' = x", "  output h'", '}'),
    expect: ['E102@3:9'],
    message: [/as a state/],
  },
  {
    name: 'E102: a local with the name of a size',
    text: src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', '  H = h', "  h' = h", "  output h'", '}'),
    expect: ['E102@4:3'],
    message: [/as a size/],
  },
  {
    name: 'E102: an output declared twice',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x", "  output h'", "  output h'", '}'),
    expect: ['E102@5:10'],
  },
  {
    name: "E102: h' defined twice",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x", "  h' = h", "  output h'", '}'),
    expect: ['E102@4:3'],
  },
  {
    name: "E103: h' read before it is defined",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  a = h' + x", "  h' = x", '  output a', '}'),
    expect: ['E103@3:7'],
  },
  {
    name: "E103: output h' before the equation for h'",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  output h'", "  h' = x", '}'),
    expect: ['E103@3:10'],
  },
  {
    name: 'E104: a state never updated (reported at its name)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  state c[I] = 0', "  h' = x", "  output h'", '}'),
    expect: ['E104@3:9'],
    message: [/state 'c' is never updated/],
  },
  {
    name: 'E105: the primed name of a local as a target',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  a = x', "  a' = x", "  h' = x", "  output h'", '}'),
    expect: ['E105@4:3'],
    message: [/'a' is a local/],
  },
  {
    name: "E105: reading x' of an input",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x' + h", "  output h'", '}'),
    expect: ['E105@3:8'],
    message: [/'x' is an input, not a state/],
  },
  {
    name: 'E105: a primed target with no state of that name',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  q' = x", "  h' = x", "  output h'", '}'),
    expect: ['E105@3:3'],
  },
  {
    name: 'E106: a state assigned without its prime (and no follow-on E104 for it)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  h = x', '  output h', '}'),
    expect: ['E106@3:3'],
    message: [/define its next value with h' =/],
  },
  {
    name: 'E107: an undefined size in a param shape',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  param W[K, I]', "  h' = W @ x", "  output h'", '}'),
    expect: ['E107@3:11'],
    message: [/undefined size 'K'/],
  },
  {
    name: 'E107: a derived size using a size declared after it',
    text: src('cell A(x[I]) {', '  size G = 2*H', '  size H = 4', '  state h[H] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E107@2:14'],
  },
  {
    name: 'E107: an undefined size in a slice bound',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + x[0:K]", "  output h'", '}'),
    expect: ['E107@3:16'],
  },
  {
    name: 'E108: size B',
    text: src('cell A(x[I]) {', '  size B = 3', '  state h[I] = 0', "  h' = x", "  output h'", '}'),
    expect: ['E108@2:8'],
  },
  {
    name: 'E108: size T',
    text: src('cell A(x[I]) {', '  size T', '  state h[I] = 0', "  h' = x", "  output h'", '}'),
    expect: ['E108@2:8'],
  },
  {
    name: 'E108: B written in an input shape (one diagnostic, no follow-on E107)',
    text: src('cell A(x[B]) {', '  state h[H] = 0', '  size H = 2', "  h' = h", "  output h'", '}'),
    expect: ['E108@1:10'],
  },
  {
    name: 'E109: a cell with no output (reported at the cell name)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x", '}'),
    expect: ['E109@1:6'],
  },
  {
    name: 'E109: a file with no cell at all (comments only)',
    text: src('# nothing to see', ''),
    expect: ['E109@1:1'],
  },
  {
    name: 'E109: an empty file',
    text: '',
    expect: ['E109@1:1'],
  },
  {
    name: 'E110: two cells with one name (reported at the second)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x + h", "  output h'", '}', 'cell A(y[J]) {', '  state h[J] = 0', "  h' = y * h", "  output h'", '}'),
    expect: ['E110@6:6'],
  },

  // ---------------------------------------------------------------- E2xx shapes and types
  {
    name: "E201: MUT1's raw tanh(x) added to an [H] value with I ≠ H names both shapes",
    text: src(
      'cell MUT1(x[I]) {',
      '  size I = 64',
      '  size H = 128',
      '  state h[H] = 0',
      '  z = sigmoid(dense(x, out = H))',
      '  r = sigmoid(dense(x, h))',
      "  h' = tanh(dense(r * h, out = H) + tanh(x)) * z + h * (1 - z)",
      "  output h'",
      '}',
    ),
    expect: ['E201@7:13'],
    message: [/\[H\]/, /\[I\]/, /do not broadcast/],
  },
  {
    name: 'E201: a state assigned a value of the wrong shape',
    text: src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', "  h' = tanh(x)", "  output h'", '}'),
    expect: ['E201@4:8'],
    message: [/state h has shape \[H\] but h' has shape \[I\]/],
  },
  {
    name: 'E201: maximum of [H] and [I]',
    text: src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', "  h' = maximum(h, x)", "  output h'", '}'),
    expect: ['E201@4:8'],
  },
  {
    name: 'E201: a gather table whose row count is not the index range',
    text: src('cell A(x[I], o: index(H)) {', '  size H = 4', '  param E[I, H]', '  state h[H] = 0', "  h' = h + gather(E, o)", "  output h'", '}'),
    expect: ['E201@5:19'],
  },
  {
    name: 'E202: matmul inner dimensions differ',
    text: src('cell A(x[I]) {', '  size H = 4', '  param W[H, H]', '  state h[H] = 0', "  h' = W @ x", "  output h'", '}'),
    expect: ['E202@5:8'],
    message: [/\[H, H\] @ \[I\]/],
  },
  {
    name: 'E203: transpose of a vector',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = transpose(h)", "  output h'", '}'),
    expect: ['E203@3:8'],
  },
  {
    name: 'E203: dense of a matrix',
    text: src('cell A(x[I]) {', '  size H = 4', '  param W[H, I]', '  state h[H] = 0', "  h' = dense(W, h)", "  output h'", '}'),
    expect: ['E203@5:14'],
    message: [/dense takes vectors, argument 1 has shape \[H, I\]/],
  },
  {
    name: 'E203: an input of rank 3',
    text: src('cell A(x[I, I, I]) {', '  state h[I] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E203@1:8'],
  },
  {
    name: 'E203: a state of rank 4',
    text: src('cell A(x[I]) {', '  state h[I] = 0', '  state C[I, I, I, I] = 0', "  h' = h", "  C' = C", "  output h'", '}'),
    expect: ['E203@3:3'],
    message: [/a state has at most three axes/],
  },
  {
    name: 'E201: reshape to another element count',
    text: src('cell A(x[I]) {', '  size NH = 2', '  state h[I] = 0', "  h' = h + sum(reshape(x, NH, I), axis = 0)", "  output h'", '}'),
    expect: ['E201@4:16'],
    message: [/cannot reshape f32\[I\] \(I elements\) to \[NH, I\] \(I\*NH elements\)/],
  },
  {
    name: 'E304: reshape to a size that is not a size',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + reshape(x, 0.5 * I)", "  output h'", '}'),
    expect: ['E304@3:23'],
    message: [/each size after x must be a size name, a positive integer or an expression of them/],
  },
  {
    name: 'E203: a reduction of a scalar',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + sum(sum(h))", "  output h'", '}'),
    expect: ['E203@3:16'],
  },
  {
    name: 'E203: @ with a scalar operand',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + 2 @ h", "  output h'", '}'),
    expect: ['E203@3:12'],
  },
  {
    name: 'E204: a comparison result used in arithmetic',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = (h < 0) + h", "  output h'", '}'),
    expect: ['E204@3:9'],
    message: [/got bool/],
  },
  {
    name: 'E204: select with a float condition',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = select(h, h, x)", "  output h'", '}'),
    expect: ['E204@3:15'],
    message: [/condition of select must be a comparison/],
  },
  {
    name: 'E204: an index input used as a float',
    text: src('cell A(x[I], o: index(V)) {', '  state h[I] = 0', "  h' = h + o", "  output h'", '}'),
    expect: ['E204@3:12'],
    message: [/got i32/],
  },
  {
    name: 'E204: onehot of a float',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = onehot(h)", "  output h'", '}'),
    expect: ['E204@3:15'],
  },
  {
    name: 'E204: gather with a float index',
    text: src('cell A(x[I], o: index(V)) {', '  param E[V, I]', '  state h[I] = 0', "  h' = gather(E, h)", "  output h'", '}'),
    expect: ['E204@4:18'],
  },
  {
    name: 'E205: axis out of range for a vector',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + sum(x, axis = 1)", "  output h'", '}'),
    expect: ['E205@3:26'],
  },
  {
    name: 'E205: a negative axis out of range',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = softmax(h, axis = -2)", "  output h'", '}'),
    expect: ['E205@3:26'],
  },
  {
    name: 'E205: concat along a missing axis',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = concat(h, h, axis = 5)[0:I]", "  output h'", '}'),
    expect: ['E205@3:28'],
  },
  {
    name: 'E206: a reversed slice range',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + x[3:1]", "  output h'", '}'),
    expect: ['E206@3:14'],
  },
  {
    name: 'E206: a slice range past the end of the axis',
    text: src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', "  h' = h + x[0:H]", "  output h'", '}'),
    expect: ['E206@4:14'],
    message: [/^range 0:H can end past the axis length I for some sizes \(H ≤ I must hold for every size ≥ 1\)$/],
  },
  {
    name: 'E206: a range that is empty for the smallest size says so and shows the fix',
    text: src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', "  h' = tanh(h + sum(x))", '  output y = h[1:H]', '}'),
    expect: ['E206@5:16'],
    message: [/^range 1:H is empty when H = 1 \(its length H-1 must be at least 1 for every size ≥ 1\); declare the size as one more than another, e\.g\. 'size K' and 'size H = K \+ 1'$/],
  },
  {
    name: 'E206: more slices than axes',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h[0:I, 0:1]", "  output h'", '}'),
    expect: ['E206@3:8'],
  },
  {
    name: 'E206: an index (no colon) in a slice',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h[2]", "  output h'", '}'),
    expect: ['E206@3:10'],
  },
  {
    name: 'E206: an empty slice h[]',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h[]", "  output h'", '}'),
    expect: ['E206@3:8'],
  },

  // ---------------------------------------------------------------- E3xx calls
  {
    name: "E301: unknown function 'tanhh'",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanhh(h)", "  output h'", '}'),
    expect: ['E301@3:8'],
    message: [/unknown function 'tanhh'/],
  },
  {
    name: 'E301: a value called like a function',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h(x)", "  output h'", '}'),
    expect: ['E301@3:8'],
    message: [/is a value, not a function/],
  },
  {
    name: 'E302: tanh(x, h)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanh(x, h)", "  output h'", '}'),
    expect: ['E302@3:8'],
    message: [/tanh takes 1 argument\(s\), got 2/],
  },
  {
    name: 'E302: select(a, b)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = select(h < 0, h)", "  output h'", '}'),
    expect: ['E302@3:8'],
  },
  {
    name: 'E302: concat of one value',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + concat(x)", "  output h'", '}'),
    expect: ['E302@3:12'],
  },
  {
    name: 'E302: onehot of an index with no known range',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + onehot(argmax(h))", "  output h'", '}'),
    expect: ['E302@3:12'],
  },
  {
    name: "E303: unknown keyword 'bais'",
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x, h, bais = 1)", "  output h'", '}'),
    expect: ['E303@3:20'],
    message: [/no keyword argument 'bais'/],
  },
  {
    name: 'E303: a repeated keyword (reported at the second)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x, h, bias = 1, bias = 0)", "  output h'", '}'),
    expect: ['E303@3:30'],
  },
  {
    name: 'E303: a keyword for a function that takes none',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanh(h, axis = 0)", "  output h'", '}'),
    expect: ['E303@3:16'],
  },
  {
    name: 'E304: axis = 1.5',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + sum(x, axis = 1.5)", "  output h'", '}'),
    expect: ['E304@3:26'],
  },
  {
    name: 'E304: out = -1',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x, out = -1)", "  output h'", '}'),
    expect: ['E304@3:23'],
  },
  {
    name: 'E304: layernorm eps = 0',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = layernorm(h, eps = 0)", "  output h'", '}'),
    expect: ['E304@3:27'],
  },
  {
    name: 'E304: onehot depth that is not a size name',
    text: src('cell A(x[I], o: index(I)) {', '  state h[I] = 0', "  h' = onehot(o, 3)", "  output h'", '}'),
    expect: ['E304@3:18'],
  },
  {
    name: 'E304: dropout probability 1 (it would divide by 0)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + dropout(x, 1)", "  output h'", '}'),
    expect: ['E304@3:23'],
  },
  {
    name: 'E304: dropout probability that is not a number literal',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + dropout(x, h)", "  output h'", '}'),
    expect: ['E304@3:23'],
  },
  {
    name: 'E304: zoneout per = batch',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = zoneout(h, tanh(x), 0.1, per = batch)", "  output h'", '}'),
    expect: ['E304@3:39'],
  },
  {
    name: 'E201: zoneout of values of different shapes',
    text: src('cell A(x[I]) {', '  size H = 3', '  state h[H] = 0', "  h' = zoneout(h, x, 0.1)", "  output h'", '}'),
    expect: ['E201@4:8'],
  },
  {
    name: 'E303: dropout with an unknown keyword',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + dropout(x, 0.1, mode = sequence)", "  output h'", '}'),
    expect: ['E303@3:28'],
  },
  {
    name: 'E305: dense with no state argument and no out',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x)", "  output h'", '}'),
    expect: ['E305@3:8'],
  },
  {
    name: 'E306: an unknown initialiser',
    text: src('cell A(x[I]) {', '  param W[I] init xavier', '  state h[I] = 0', "  h' = W * h", "  output h'", '}'),
    expect: ['E306@2:19'],
    message: [/unknown initialiser 'xavier'/],
  },
  {
    name: 'E306: glorot on a vector',
    text: src('cell A(x[I]) {', '  param W[I] init glorot', '  state h[I] = 0', "  h' = W * h", "  output h'", '}'),
    expect: ['E306@2:19'],
  },
  {
    name: 'E306: uniform(1, 0)',
    text: src('cell A(x[I]) {', '  param W[I] init uniform(1, 0)', '  state h[I] = 0', "  h' = W * h", "  output h'", '}'),
    expect: ['E306@2:19'],
    message: [/lo < hi/],
  },
  {
    name: 'E306: a state initial value that is not a number',
    text: src('cell A(x[I]) {', '  state h[I] = zeros', "  h' = h", "  output h'", '}'),
    expect: ['E306@2:16'],
  },
  {
    name: 'E306: normal with a negative std, identity on a vector, uniform of a name',
    text: src(
      'cell A(x[I]) {',
      '  param P[I] init normal(-1)',
      '  param Q[I] init identity',
      '  param R[I] init uniform(h, 2)',
      '  state h[I] = 0',
      "  h' = P * Q * R * h",
      "  output h'",
      '}',
    ),
    expect: ['E306@2:19', 'E306@3:19', 'E306@4:27'], // uniform(h, 2): at h, not a size
  },
  {
    name: 'E306: a dense bias initialiser that is not for vectors',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x, h, bias = glorot)", "  output h'", '}'),
    expect: ['E306@3:27'],
  },

  {
    name: 'E306: a state initial value that overflows to Infinity',
    text: src('cell A(x[I]) {', '  state h[I] = 1e999', "  h' = h", "  output h'", '}'),
    expect: ['E306@2:16'],
    message: [/finite/],
  },
  {
    name: 'E306: a param initial value that overflows to -Infinity',
    text: src('cell A(x[I]) {', '  param W[I] init -1e999', '  state h[I] = 0', "  h' = W * h", "  output h'", '}'),
    expect: ['E306@2:19'],
  },

  // ---------------------------------------------------------------- E4xx sizes
  {
    name: 'E401: a size default of 0 in the source',
    text: src('cell A(x[I]) {', '  size H = 0', '  state h[H] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E401@2:12'],
  },
  {
    name: 'E401: a size default that is not an integer',
    text: src('cell A(x[I]) {', '  size H = 2.5', '  state h[H] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E401@2:12'],
  },
  {
    name: 'E401: a size default too large to be exact (1e30)',
    text: src('cell A(x[I]) {', '  size H = 1e30', '  state h[H] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E401@2:12'],
  },
  {
    name: 'E304: dense(…, heads = NH) of an argument that is not NH heads (with the fix)',
    text: src('cell A(x[I]) {', '  size NH = 2', '  size DH = 3', '  size H = NH * DH', '  state h[H] = 0', "  h' = tanh(dense(x, h, out = H, heads = NH))", "  output h'", '}'),
    expect: ['E304@6:19'],
    message: [/argument 1 has I elements, which is not NH heads of a size; declare it as a product, e\.g\. 'size D' and 'size I = NH \* D', or give the heads only to the arguments that have them/],
  },
  {
    name: 'E304: dense(…, heads = NH) with an output size that is not NH heads',
    text: src('cell A(x[I]) {', '  size NH = 2', '  size DH = 3', '  state h[NH * DH] = 0', "  h' = h + dense(h, out = DH + 1, heads = NH)", "  output h'", '}'),
    expect: ['E304@5:27'],
    message: [/the output size has DH\+1 elements, which is not NH heads of a size/],
  },
  {
    name: 'E304: heads that is not a size',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + dense(h, out = I, heads = 0.5)", "  output h'", '}'),
    expect: ['E304@3:38'],
  },
  {
    name: 'E202: a stack of matrices @ a vector that is not its heads',
    text: src('cell A(x[I]) {', '  size NH = 2', '  size DH = 3', '  param R[NH, DH, DH]', '  state h[NH*DH] = 0', "  h' = tanh(R @ x) + h", "  output h'", '}'),
    expect: ['E202@6:13'],
    message: [/must have DH\*NH elements \(NH heads of DH\), got \[I\]/],
  },
  {
    name: 'E203: a stack of matrices @ a matrix',
    text: src('cell A(x[I]) {', '  size NH = 2', '  param R[NH, I, I]', '  state h[I, I] = 0', "  h' = R @ h", "  output h'", '}'),
    expect: ['E203@5:8'],
  },
  {
    name: 'E304: outer(a, b, heads = NH) of a vector that is not NH heads',
    text: src('cell A(x[I]) {', '  size NH = 2', '  state h[NH * I] = 0', "  h' = h + sum(outer(x, h, heads = NH), axis = 0)[0]", "  output h'", '}'),
    expect: ['E304@4:22'],
  },
  {
    name: 'E403: a dimension that can be zero',
    text: src('cell A(x[I]) {', '  size H = 4', '  state h[H-H] = 0', "  h' = h", "  output h'", '}'),
    expect: ['E403@3:11'],
  },
  {
    name: 'E403: a fractional slice bound',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h + x[0.5:1]", "  output h'", '}'),
    expect: ['E403@3:14'],
  },
  {
    name: 'E403: an index input with an empty range, index(0)',
    text: src('cell A(x[I], o: index(0)) {', '  state h[I] = 0', "  h' = h + x", "  output h'", '}'),
    expect: ['E403@1:23'],
  },
  {
    name: 'E207: a denominator that is 0 for every input (a literal, e - e, -0, 0 * e)',
    text: src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h / 0 + x / (x - x) + h / -0 + x / (0 * h)", "  output h'", '}'),
    expect: ['E207@3:12', 'E207@3:21', 'E207@3:34', 'E207@3:44'],
    message: [/'\/' divides by a value that is 0 for every input: the result would be ±Inf or NaN/],
  },
  {
    // elaboration and the IR walks recurse on operands: a sum of 5,000 terms is refused with the bound, not a stack overflow
    name: 'E003: an expression nested more than 500 levels deep',
    text: src('cell A(x[I]) {', '  state h[I] = 0', `  h' = h${' + x'.repeat(5000)}`, "  output h'", '}'),
    expect: ['E003@3:8'],
    message: [/nested more than 500 levels deep .*split it into named steps/],
  },
];

describe('diagnostics of malformed programs', () => {
  it('the base program is valid', () => {
    expect(where(OK)).toEqual([]);
  });

  it('has at least 40 cases, covering every source-level code', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const covered = new Set(cases.flatMap((c) => c.expect.map((e) => e.slice(0, 4))));
    // the front end's codes (E0xx-E4xx); E402 only arises from size binding (tested below)
    const sourceCodes = Object.keys(DIAGNOSTIC_CODES).filter((c) => /^E[0-4]/.test(c) && c !== 'E402');
    expect(sourceCodes.filter((c) => !covered.has(c))).toEqual([]);
  });

  it.each(cases)('$name', (c) => {
    const got = where(c.text);
    if (c.firstOnly) {
      expect(got.length).toBeGreaterThan(0);
      expect(got[0]).toBe(c.expect[0]);
    } else {
      expect(got).toEqual(c.expect);
    }
    const first = diagnostics(c.text)[0];
    for (const re of c.message ?? []) expect(first.message).toMatch(re);
    // Every diagnostic formats with the same line:col the test saw.
    const r = checkSource('t.cell', c.text);
    for (const d of r.diagnostics) {
      const { line, col } = r.file.position(d.span!.start);
      expect(formatDiagnostic(d, r.file).split('\n')[0]).toBe(`t.cell:${line}:${col}: error ${d.code}: ${d.message}`);
    }
    expect(r.graphs).toEqual([]);
  });
});

describe('error recovery: several errors in one run', () => {
  it('two independent syntax errors on different lines are both reported', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', '  a = x +* h', '  b = tanh(x, )', "  h' = a", "  output h'", '}');
    expect(where(text)).toEqual(['E002@3:10', 'E002@4:15']);
  });

  it('three syntax errors on three lines, with valid statements between them', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', '  a = x +* h', '  b = tanh(a)', '  c = 3 = 4', '  d = b', '  param = 1', "  h' = d", "  output h'", '}');
    expect(where(text)).toEqual(['E002@3:10', 'E002@5:9', 'E002@7:9']);
  });

  it('a broken statement is one error: the rest of its line is not read as new statements', () => {
    // (the second x reads as the target of a new equation, so the error is at the h that follows it)
    const text = src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x x h", "  output h'", '}');
    expect(where(text)).toEqual(['E002@3:12']);
  });

  it("an unclosed '(' is reported once, at the first token that cannot continue the expression", () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', "  h' = (x + h", "  output h'", '}');
    expect(where(text)).toEqual(['E002@4:3']);
    expect(diagnostics(text)[0].message).toBe("expected ')', found 'output'");
  });

  it('syntax errors in two cells are both reported', () => {
    const text = src('cell A(x[I]) {', "  h' = ( + 3", '}', 'cell B(x[I]) {', '  y = 3 +* 2', '}');
    // the unclosed '(' of line 2 is reported again at the '}' that ends cell A
    expect(where(text)).toEqual(['E002@2:10', 'E002@3:1', 'E002@5:10']);
  });

  it('three semantic errors in one cell are all reported, in source order', () => {
    const text = src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', '  a = q + 1', '  b = tanhh(h)', "  h' = x", "  output h'", '}');
    expect(where(text)).toEqual(['E101@4:7', 'E301@5:7', 'E201@6:8']);
  });

  it('semantic errors in two cells of one file are all reported', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', "  h' = q", "  output h'", '}', 'cell B(x[I]) {', '  state h[I] = 0', "  h' = tanhh(x)", "  output h'", '}');
    expect(where(text)).toEqual(['E101@3:8', 'E301@8:8']);
  });

  it('declaration errors and equation errors are reported together', () => {
    const text = src('cell A(x[I]) {', '  size B = 2', '  param W[K]', '  state h[I] = 0', '  state c[I] = 0', "  h' = x + nope", '}');
    expect(where(text)).toEqual(['E109@1:6', 'E108@2:8', 'E107@3:11', 'E104@5:9', 'E101@6:12']);
  });

  it('diagnostics come back sorted by position', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', '  state c[I] = 0', "  h' = q", '}');
    const got = diagnostics(text).map((d) => d.span!.start);
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(where(text)).toEqual(['E109@1:6', 'E104@3:9', 'E101@4:8']);
  });
});

describe('no follow-on errors for poisoned values', () => {
  it("`a = foo(x)` then `h' = a + h` gives exactly one diagnostic", () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', '  a = foo(x)', "  h' = a + h", "  output h'", '}');
    expect(where(text)).toEqual(['E301@3:7']);
  });

  it('an undefined name flowing through several locals is reported once', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', '  a = q', '  b = a * 2', '  c = tanh(dense(b, h))', "  h' = c + h", "  output h'", '}');
    expect(where(text)).toEqual(['E101@3:7']);
  });

  it('a shape error is not reported again by the expressions that use the result', () => {
    const text = src('cell A(x[I]) {', '  size H = 4', '  state h[H] = 0', '  a = h + x', '  b = sigmoid(a) * h', "  h' = b @ x", "  output h'", '}');
    expect(where(text)).toEqual(['E201@4:7']);
  });

  it('a state with a bad shape: one E107, no crash and nothing about its update', () => {
    const text = src('cell A(x[I]) {', '  state h[K] = 0', "  h' = h + x", "  output h'", '}');
    expect(where(text)).toEqual(['E107@2:11']);
  });

  it('a param with a bad initialiser is poisoned, not reported again where it is used', () => {
    const text = src('cell A(x[I]) {', '  param W[I, I] init xavier', '  state h[I] = 0', "  h' = W @ h + W @ x", "  output h'", '}');
    expect(where(text)).toEqual(['E306@2:22']);
  });

  it('a wrong-arity call is poisoned', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', '  a = tanh(x, h)', "  h' = sigmoid(a) * h + a", "  output h'", '}');
    expect(where(text)).toEqual(['E302@3:7']);
  });

  it('an output of a poisoned value adds nothing', () => {
    const text = src('cell A(x[I]) {', '  state h[I] = 0', "  h' = x", '  output y = nope * 2', "  output h'", '}');
    expect(where(text)).toEqual(['E101@4:14']);
  });
});

describe('valid corner cases stay valid', () => {
  it.each([
    ['a derived size may use a size declared only by the input list', src('cell A(x[I]) {', '  size G = 2*I', '  state h[G] = 0', "  h' = concat(x, x)", "  output h'", '}')],
    ['an output named like a state next to a dense call (parameters get distinct names)', src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x, h)", '  output h = dense(x, h)', '}')],
    ['a slice with open ends', src('cell A(x[I]) {', '  state h[I] = 0', "  h' = h[:] + x[0:]", "  output h'", '}')],
    ['statements separated by semicolons', src('cell A(x[I]) { state h[I] = 0; h\' = x; output h\' }')],
    ['no inputs at all', src('cell A() {', '  state h[4] = 0', "  h' = h", "  output h'", '}')],
  ])('%s', (_name, text) => {
    expect(where(text)).toEqual([]);
  });

  it('dense parameters of two statements with one target get distinct names', () => {
    const r = checkSource('t.cell', src('cell A(x[I]) {', '  state h[I] = 0', "  h' = dense(x, h)", '  output h = dense(x, h)', '}'));
    const names = r.graphs[0].params.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['h.W_x', 'h.W_h', 'h.b', 'h#2.W_x', 'h#2.W_h', 'h#2.b']);
  });
});

describe('formatDiagnostic', () => {
  it('prints FILE:LINE:COL, the source line and a caret line under the span', () => {
    const r = checkSource('dir/t.cell', src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanhh(h)", "  output h'", '}'));
    expect(formatDiagnostic(r.diagnostics[0], r.file)).toBe(
      ["dir/t.cell:3:8: error E301: unknown function 'tanhh'", '  |', "3 |   h' = tanhh(h)", '  |        ^^^^^'].join('\n'),
    );
  });

  it('widens the gutter for two-digit line numbers and replaces tabs by spaces', () => {
    const lines = ['cell A(x[I]) {', '  state h[I] = 0', ...Array(8).fill('  # filler'), "\th' = nope", "  output h'", '}'];
    const r = checkSource('t.cell', src(...lines));
    expect(formatDiagnostic(r.diagnostics[0], r.file)).toBe(
      ["t.cell:11:7: error E101: undefined name 'nope'", '   |', "11 |  h' = nope", '   |       ^^^^'].join('\n'),
    );
  });

  it('a span running past its line is underlined to the end of the line', () => {
    const r = checkSource('t.cell', src('cell A(x[I]) {', '  state h[I] = 0', "  h' = tanh(x,", '    h)', "  output h'", '}'));
    const shown = formatDiagnostic(r.diagnostics[0], r.file).split('\n');
    expect(shown[0]).toBe('t.cell:3:8: error E302: tanh takes 1 argument(s), got 2');
    expect(shown[3]).toBe('  |        ' + '^'.repeat('tanh(x,'.length));
  });

  it('a diagnostic at the end of the file points at the last character', () => {
    const r = checkSource('t.cell', 'cell A(x[I]) {');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E002']);
    expect(formatDiagnostic(r.diagnostics[0], r.file)).toBe(
      ["t.cell:1:14: error E002: expected '}', found the end of the file", '  |', '1 | cell A(x[I]) {', '  |              ^'].join('\n'),
    );
  });

  it('a diagnostic without a span (or without a file) is one line', () => {
    const d: Diagnostic = { code: 'E401', message: "--set expects NAME=VALUE, got 'H'" };
    const r = checkSource('t.cell', OK);
    expect(formatDiagnostic(d, r.file)).toBe("t.cell: error E401: --set expects NAME=VALUE, got 'H'");
    expect(formatDiagnostic(d, undefined)).toBe("error E401: --set expects NAME=VALUE, got 'H'");
  });
});

describe('size binding (E401, E402)', () => {
  const graphOf = (text: string) => {
    const r = checkSource('t.cell', text);
    expect(r.diagnostics).toEqual([]);
    return r.graphs[0];
  };
  const g = graphOf(OK);
  const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);

  it('parses good settings', () => {
    const ds: Diagnostic[] = [];
    expect(parseSizeSettings(['H=256', 'I=3', ' I=5 '], ds)).toEqual({ H: 256, I: 5 });
    expect(ds).toEqual([]);
  });

  it.each([
    ['zero', 'H=0', /positive integer, got '0'/],
    ['negative', 'H=-3', /positive integer/],
    ['non-integer', 'H=2.5', /positive integer, got '2.5'/],
    ['not a number', 'H=abc', /positive integer/],
    ['an empty value', 'H=', /positive integer/],
    ['exponent notation', 'H=1e3', /positive integer/],
    ['too large to be exact', 'H=99999999999999999999', /positive integer/],
    ['no =', 'H', /expects NAME=VALUE, got 'H'/],
    ['no name', '=3', /expects NAME=VALUE/],
    ['a name that is not an identifier', '2H=3', /expects NAME=VALUE/],
    ['spaces around =', 'H = 3', /expects NAME=VALUE/],
  ])('E401: %s (%s)', (_what, setting, re) => {
    const ds: Diagnostic[] = [];
    expect(parseSizeSettings([setting], ds)).toEqual({});
    expect(codes(ds)).toEqual(['E401']);
    expect(ds[0].message).toMatch(re);
    expect(ds[0].span).toBeUndefined();
  });

  it('reports every bad setting, and keeps the good ones', () => {
    const ds: Diagnostic[] = [];
    expect(parseSizeSettings(['H=0', 'I=7', 'Q'], ds)).toEqual({ I: 7 });
    expect(codes(ds)).toEqual(['E401', 'E401']);
  });

  it('E401: an unknown size name, listing the settable ones', () => {
    const ds: Diagnostic[] = [];
    overrideSizes(g, { Q: 1 }, ds);
    expect(codes(ds)).toEqual(['E401']);
    expect(ds[0].message).toMatch(/no size symbol 'Q'.*settable: I, H/);
  });

  it('E401: a derived size cannot be set', () => {
    const d = graphOf(src('cell A(x[I]) {', '  size H = 4', '  size G = 2*H', '  state h[G] = 0', "  h' = concat(h[0:H], h[H:G])", "  output h'", '}'));
    const ds: Diagnostic[] = [];
    overrideSizes(d, { G: 8 }, ds);
    expect(codes(ds)).toEqual(['E401']);
  });

  it('an override changes the value and nothing else', () => {
    const ds: Diagnostic[] = [];
    const o = overrideSizes(g, { H: 7 }, ds);
    expect(ds).toEqual([]);
    expect(sizeValues(o, ds)).toEqual({ I: 4, H: 7 });
    expect(sizeValues(g, ds)).toEqual({ I: 4, H: 8 });
  });

  it('E402: sizeValues on a free size, one diagnostic per free size', () => {
    const free = graphOf(src('cell A(x[I], y[J]) {', '  size H', '  state h[H] = 0', "  h' = h", "  output h'", '}'));
    const ds: Diagnostic[] = [];
    expect(sizeValues(free, ds)).toBeUndefined();
    expect(codes(ds)).toEqual(['E402', 'E402', 'E402']);
    expect(ds.map((d) => d.message.match(/size (\w+)/)![1])).toEqual(['H', 'I', 'J']);
    expect(ds[0].message).toMatch(/--set H=N/);
    const bound = overrideSizes(free, { H: 2, I: 3, J: 4 }, ds);
    const ds2: Diagnostic[] = [];
    expect(sizeValues(bound, ds2)).toEqual({ H: 2, I: 3, J: 4 });
    expect(ds2).toEqual([]);
  });
});
