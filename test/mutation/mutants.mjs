// The planted bugs of the mutation pass (`npm run mutate`, run.mjs): each is
// one or two exact search/replace edits of production source, realistic
// mistakes (off-by-one, wrong sign, swapped operands, missing term, wrong
// index, dropped barrier, wrong clamp), and the test files that should catch
// it — chosen to be fast, so the pass runs in minutes. A mutant whose search
// text is not found exactly once is reported as stale, not as caught.

const FE = 'test/frontend/semantics.test.ts';
const DIAG = 'test/frontend/diagnostics.test.ts';
const GRAD = 'test/autodiff/gradcheck.test.ts';
const HAND = 'test/autodiff/handDerived.test.ts';
const HAZ = 'test/structure/kernelHazards.test.ts';
const CELLS = 'test/gpu/cells.test.ts';
const LARGE = 'test/gpu/largeValues.test.ts';
const PATHS = 'test/gpu/gradPaths.test.ts';
const PAD = 'test/gpu/gemmPadding.test.ts';
const OPT = 'test/train/optimizers.test.ts';
const FUZZ = 'test/fuzz/generatedCells.test.ts';

const VJP = 'compiler/autodiff/vjpRules.ts';
const BUILTINS = 'compiler/sema/builtins.ts';
const SCHED = 'compiler/schedule/schedule.ts';
const FUSED = 'compiler/backend/webgpu/fusedKernel.ts';
const REDUCTION = 'compiler/backend/webgpu/reduction.ts';
const OPS = 'compiler/backend/webgpu/wgslOps.ts';
const UPDATE = 'compiler/backend/webgpu/optimizer.ts';
const TRAINER = 'runtime/apps/train/trainer.ts';

/** @type {{ id: string, area: 'front end' | 'autodiff' | 'schedule' | 'codegen' | 'optimizer', what: string, edits: { file: string, find: string, replace: string }[], tests: string[] }[]} */
export const MUTANTS = [
  // ---- front end: parser, elaboration, sugar, shape checks -----------------------------
  { id: 'fe-assoc-op', area: 'front end', what: "a left-associative chain takes every operator from the first ('x - h + x*h/x' → 'x - h - x*h*x')",
    edits: [{ file: 'compiler/syntax/buildAst.ts', find: "acc = { kind: 'binary', op: ops[i - 1].image as A.BinaryOp", replace: "acc = { kind: 'binary', op: ops[0].image as A.BinaryOp" }], tests: [FE] },
  { id: 'fe-assoc-right', area: 'front end', what: 'a chain of one level is built with its operands swapped (a - b → b - a)',
    edits: [{ file: 'compiler/syntax/buildAst.ts', find: 'as A.BinaryOp, lhs: acc, rhs: xs[i],', replace: 'as A.BinaryOp, lhs: xs[i], rhs: acc,' }], tests: [FE] },
  { id: 'fe-layernorm-var', area: 'front end', what: 'layernorm takes the variance of x instead of x − mean',
    edits: [{ file: BUILTINS, find: "const variance = mean(ctx, ctx.b.emit('square', [centered], {}), axis);", replace: "const variance = mean(ctx, ctx.b.emit('square', [x], {}), axis);" }], tests: [FE] },
  { id: 'fe-mean-dim', area: 'front end', what: 'mean divides by the first axis length instead of the reduced one',
    edits: [{ file: BUILTINS, find: "const n = ctx.b.emit('dim', [], { dim: s[axis] });", replace: "const n = ctx.b.emit('dim', [], { dim: s[0] });" }], tests: [FE] },
  { id: 'fe-logsoftmax-axis', area: 'front end', what: 'logsoftmax broadcasts its normaliser back along the last axis, whatever axis was given',
    edits: [{ file: BUILTINS, find: "      return ctx.b.emit('sub', [x, expandAxis(ctx, lse, s, axis)], {});", replace: "      return ctx.b.emit('sub', [x, expandAxis(ctx, lse, s, s.length - 1)], {});" }], tests: [FE] },
  { id: 'fe-softmax-sign', area: 'front end', what: 'softmax adds the log-normaliser instead of subtracting it',
    edits: [{ file: BUILTINS, find: "return ctx.b.emit('exp', [ctx.b.emit('sub', [x, expandAxis(ctx, lse, s, axis)], {})], {});", replace: "return ctx.b.emit('exp', [ctx.b.emit('add', [x, expandAxis(ctx, lse, s, axis)], {})], {});" }], tests: [FE] },
  { id: 'fe-compare-ge', area: 'front end', what: "'>=' lowers to gt",
    edits: [{ file: 'compiler/sema/elaborate.ts', find: "'>=': 'ge'", replace: "'>=': 'gt'" }], tests: [FE] },
  { id: 'fe-axis-zero', area: 'front end', what: 'axis normalisation treats axis = 0 as counting from the end (v <= 0)',
    edits: [{ file: BUILTINS, find: 'const a = v < 0 ? v + rank : v;', replace: 'const a = v <= 0 ? v + rank : v;' }], tests: [FE] },
  { id: 'fe-slice-end', area: 'front end', what: 'a slice lo:hi is lowered with end = hi − lo (its length) instead of hi',
    edits: [{ file: 'compiler/sema/elaborate.ts', find: "v = ctx.emit('slice', [v], { axis, start: lo, end: hi }, it.span, 'E206');", replace: "v = ctx.emit('slice', [v], { axis, start: lo, end: len }, it.span, 'E206');" }], tests: [FE] },
  { id: 'fe-slice-bound', area: 'front end', what: 'E206 no longer checks that a slice ends inside its axis',
    edits: [{ file: 'compiler/sema/elaborate.ts', find: ' || !dimNonNegative(dimAdd(shape[axis], hi, -1))) {', replace: ') {' }], tests: [DIAG] },
  { id: 'fe-broadcast-check', area: 'front end', what: 'broadcasting accepts two different dimensions (keeps the first)',
    edits: [{ file: 'compiler/sema/context.ts', find: 'else if (isConstDim(db, 1)) out.push(da);\n      else return undefined;', replace: 'else if (isConstDim(db, 1)) out.push(da);\n      else out.push(da);' }], tests: [DIAG] },
  { id: 'fe-matmul-check', area: 'front end', what: 'the matmul shape rule compares the inner dimension with itself',
    edits: [{ file: 'compiler/ir/ops.ts', find: 'if (!dimEq(k1, k2)) return `inner dimensions differ', replace: 'if (!dimEq(k1, k1)) return `inner dimensions differ' }], tests: [DIAG] },
  { id: 'fe-dense-bias', area: 'front end', what: 'dense creates its bias parameter but does not add it',
    edits: [{ file: BUILTINS, find: "return acc === undefined ? ctx.broadcastTo(bias, [out!]) : ctx.b.emit('add', [acc, bias], {});", replace: 'return acc === undefined ? ctx.broadcastTo(bias, [out!]) : acc;' }], tests: [FE] },
  { id: 'fe-delay-order', area: 'front end', what: 'delay shifts its register the wrong way (the new value goes last)',
    edits: [{ file: BUILTINS, find: "const shifted = ctx.b.emit('concat', [row, buf], { axis: 0 });", replace: "const shifted = ctx.b.emit('concat', [buf, row], { axis: 0 });" }], tests: [FE] },

  // ---- autodiff: VJP rules and cotangent summation ----------------------------------------
  { id: 'ad-tanh', area: 'autodiff', what: "tanh' = 1 − y instead of 1 − y²",
    edits: [{ file: VJP, find: "tanh: unary((b, _x, y) => e(b, 'sub', konst(b, 1, y), e(b, 'square', y))),", replace: "tanh: unary((b, _x, y) => e(b, 'sub', konst(b, 1, y), y))," }], tests: [GRAD] },
  { id: 'ad-sigmoid', area: 'autodiff', what: "sigmoid' = y(1 + y) (wrong sign)",
    edits: [{ file: VJP, find: "sigmoid: unary((b, _x, y) => e(b, 'mul', y, e(b, 'sub', konst(b, 1, y), y))),", replace: "sigmoid: unary((b, _x, y) => e(b, 'mul', y, e(b, 'add', konst(b, 1, y), y)))," }], tests: [GRAD] },
  { id: 'ad-div', area: 'autodiff', what: 'the divisor cotangent of a / b loses its minus sign',
    edits: [{ file: VJP, find: "e(b, 'neg', e(b, 'div', e(b, 'mul', g, y), x[1]))]", replace: "e(b, 'div', e(b, 'mul', g, y), x[1])]" }], tests: [GRAD] },
  { id: 'ad-rsqrt', area: 'autodiff', what: "rsqrt' = +½ y³ (wrong sign)",
    edits: [{ file: VJP, find: 'konst(b, -0.5, y)', replace: 'konst(b, 0.5, y)' }], tests: [GRAD, FUZZ] },
  { id: 'ad-softplus', area: 'autodiff', what: "softplus' = sigmoid(−x)",
    edits: [{ file: VJP, find: "softplus: unary((b, x) => e(b, 'sigmoid', x)),", replace: "softplus: unary((b, x) => e(b, 'sigmoid', e(b, 'neg', x)))," }], tests: [GRAD, FUZZ] },
  { id: 'ad-dot', area: 'autodiff', what: 'the dot product x @ y sends each operand its own value instead of the other one',
    edits: [{ file: VJP, find: "return [e(b, 'mul', gk, B), e(b, 'mul', gk, A)];", replace: "return [e(b, 'mul', gk, A), e(b, 'mul', gk, B)];" }], tests: [GRAD, FUZZ] },
  { id: 'ad-slice-pad', area: 'autodiff', what: "a slice's cotangent is padded at the end instead of the start (wrong offset)",
    edits: [{ file: VJP, find: '    pad(start);\n    parts.push(g);', replace: '    parts.push(g);\n    pad(start);' }], tests: [GRAD, FUZZ] },
  { id: 'ad-concat-offset', area: 'autodiff', what: 'every piece of a concat takes its cotangent from offset 0',
    edits: [{ file: VJP, find: '      start = end;\n      return piece;', replace: '      return piece;' }], tests: [GRAD, FUZZ] },
  { id: 'ad-fanout', area: 'autodiff', what: 'a value used twice keeps only the last cotangent (no summation)',
    edits: [{ file: 'compiler/autodiff/backward.ts', find: "ct.set(id, prev === undefined ? g : b.emit('add', [prev, g], {}));", replace: 'ct.set(id, g);' }], tests: [GRAD] },
  { id: 'ad-logdet', area: 'autodiff', what: '∂ logdet A = g·A⁻¹ (the transpose forgotten)',
    edits: [{ file: VJP, find: "e(b, 'transpose', e(b, 'inv', x[0])))]", replace: "e(b, 'inv', x[0]))]" }], tests: [GRAD, FUZZ] },

  // ---- schedule: regions, materialisation, levels (barriers) ------------------------------
  { id: 'sc-barrier', area: 'schedule', what: 'a value read at another index by its own region no longer waits a level (dropped grid barrier)',
    edits: [{ file: SCHED, find: 'if (must.has(id)) return level.get(id)! + 1;', replace: 'if (must.has(id)) return level.get(id)!;' }], tests: [HAZ] },
  { id: 'sc-stage-order', area: 'schedule', what: 'at one level, fused kernels are dispatched before the GEMMs whose results they read',
    edits: [{ file: SCHED, find: "a.level - b.level || (a.kind === 'gemm' ? -1 : 1)", replace: "a.level - b.level || (a.kind === 'gemm' ? 1 : -1)" }], tests: [HAZ] },
  { id: 'sc-read-later', area: 'schedule', what: 'a loop value a later region reads through recomputed values is kept for one step only',
    edits: [{ file: SCHED, find: "r !== 'loop' || usedLater(id) || readLater.has(id) || termOperand.has(id)", replace: "r !== 'loop' || usedLater(id) || termOperand.has(id)" }], tests: ['test/gpu/storage.test.ts'] },
  { id: 'sc-term-operand', area: 'schedule', what: 'a gradient-term operand computed in the loop is kept for one step only',
    edits: [{ file: SCHED, find: "r !== 'loop' || usedLater(id) || readLater.has(id) || termOperand.has(id)", replace: "r !== 'loop' || usedLater(id) || readLater.has(id)" }], tests: [CELLS, FUZZ] },
  { id: 'sc-backward-state', area: 'schedule', what: 'the backward step reads s_{t+1} where it needs s_t (shifted read off by one step)',
    edits: [{ file: 'compiler/schedule/stepFunction.ts', find: "return { node: l.node, role: 'step', use: at(tensorNames.state(l.name)) };", replace: "return { node: l.node, role: 'step', use: at(tensorNames.state(l.name), 1) };" }], tests: [LARGE] },

  // ---- code generation (WGSL) ------------------------------------------------------------------
  { id: 'cg-tanh-clamp', area: 'codegen', what: 'tanh clamps its argument at ±5 instead of ±15',
    edits: [{ file: OPS, find: 'tanh(clamp(${v}, -15.0, 15.0))', replace: 'tanh(clamp(${v}, -5.0, 5.0))' }], tests: [LARGE] },
  { id: 'cg-softplus-max', area: 'codegen', what: 'softplus loses its max(x, 0) term (log(1 + e^−|x|) alone)',
    edits: [{ file: OPS, find: 'select(max(${v}, 0.0) + select(log(1.0 + ${e})', replace: 'select(select(log(1.0 + ${e})' }], tests: [LARGE] },
  { id: 'cg-tanh-series', area: 'codegen', what: "tanh's series near 0 loses its x³ term",
    edits: [{ file: OPS, find: '(1.0 + ${s} * (-0.33333334 + ', replace: '(1.0 + ${s} * (0.0 * -0.33333334 + ' }], tests: ['test/gpu/nearZero.test.ts'] },
  { id: 'cg-silu-clamp', area: 'codegen', what: "silu's exponent loses its minus sign",
    edits: [{ file: OPS, find: '(1.0 + exp(-clamp(${v}, -80.0, 80.0)))', replace: '(1.0 + exp(clamp(${v}, -80.0, 80.0)))' }], tests: [LARGE] },
  { id: 'cg-lanes-across', area: 'codegen', what: 'a lane kernel is taken although its step reads a carried value at another element (U·h)',
    edits: [{ file: FUSED, find: "if (lanes && idx !== 'j' && carried.has(st[0].tensor)) readsAcross = true;", replace: "if (lanes && idx === 'never' && carried.has(st[0].tensor)) readsAcross = true;" }], tests: ['test/gpu/laneKernels.test.ts'] },
  { id: 'cg-select-order', area: 'codegen', what: "WGSL select gets the true and false values swapped",
    edits: [{ file: OPS, find: 'select(${x(2)}, ${x(1)}, ${x(0)})', replace: 'select(${x(1)}, ${x(2)}, ${x(0)})' }], tests: [LARGE] },
  { id: 'cg-lse-max', area: 'codegen', what: 'logsumexp forgets to add back the maximum it subtracted',
    edits: [{ file: REDUCTION, find: 's.emit(`${acc} = ${m} + log(${acc});`);', replace: 's.emit(`${acc} = log(${acc});`);' }], tests: [LARGE] },
  { id: 'cg-rmax-init', area: 'codegen', what: 'the max reduction starts from 0 instead of the lowest float',
    edits: [{ file: REDUCTION, find: "s.emit(`var ${acc} = -3.4028234e38;`);\n    loop((x, sc) => sc.emit(`${acc} = ${nanMax('max', acc, x)};`));", replace: "s.emit(`var ${acc} = 0.0;`);\n    loop((x, sc) => sc.emit(`${acc} = ${nanMax('max', acc, x)};`));" }], tests: [LARGE, FUZZ] },
  { id: 'cg-matmul-k', area: 'codegen', what: 'a matrix product computed inside an expression stops one term short (k + 1 < K)',
    edits: [{ file: FUSED, find: '        s.emit(`for (var ${kk} = 0u; ${kk} < ${u(K)}; ${kk}++) {`);', replace: '        s.emit(`for (var ${kk} = 0u; ${kk} + 1u < ${u(K)}; ${kk}++) {`);' }], tests: [LARGE, FUZZ] },
  { id: 'cg-matvec-k', area: 'codegen', what: "the loop's register-blocked matrix–vector product stops one term short",
    edits: [{ file: FUSED, find: '      blk.emit(`for (var ${kk} = 0u; ${kk} < ${u(K)}; ${kk}++) {`);', replace: '      blk.emit(`for (var ${kk} = 0u; ${kk} + 1u < ${u(K)}; ${kk}++) {`);' }], tests: [LARGE] },
  { id: 'cg-transpose-index', area: 'codegen', what: 'transpose reads the element at the swapped quotient/remainder (wrong index)',
    edits: [{ file: FUSED, find: 'return arg(0, `(${idx} % ${u(r)}) * ${u(c)} + (${idx} / ${u(r)})`);', replace: 'return arg(0, `(${idx} / ${u(r)}) * ${u(c)} + (${idx} % ${u(r)})`);' }], tests: [FUZZ] },
  { id: 'cg-concat-offset', area: 'codegen', what: 'concat reads each piece without subtracting its start',
    edits: [{ file: FUSED, find: '(${c} - ${u(start)}) * ${u(inner)} + ${i}', replace: '${c} * ${u(inner)} + ${i}' }], tests: [CELLS, FUZZ] },
  { id: 'cg-slice-start', area: 'codegen', what: "slice forgets its start offset",
    edits: [{ file: FUSED, find: '% ${u(dimOut)}) + ${u(start)}) * ${u(inner)}', replace: '% ${u(dimOut)})) * ${u(inner)}' }], tests: [CELLS, FUZZ] },
  { id: 'cg-shift', area: 'codegen', what: 'a shifted read (s_{t+1}) inside the loop addresses step t',
    edits: [{ file: 'compiler/backend/webgpu/wgslAddress.ts', find: 'terms.push(ref.shift ? `(${at.time} + 1u) * B * ${W}` : `${at.time} * B * ${W}`);', replace: 'terms.push(`${at.time} * B * ${W}`);' }], tests: [LARGE] },
  { id: 'cg-gemm-kbound', area: 'codegen', what: 'the GEMM fast path skips the K bound check for A',
    edits: [{ file: 'compiler/backend/webgpu/gemm.ts', find: "'    if (m0 + TILE_M <= params.M && k0 + TILE_K <= params.K) {',", replace: "'    if (m0 + TILE_M <= params.M) {'," }], tests: [PAD] },
  { id: 'cg-colsum-assign', area: 'codegen', what: 'a column-sum gradient kernel overwrites ∂W instead of adding to it',
    edits: [{ file: 'compiler/backend/webgpu/colsumKernel.ts', find: '[${wgslAddress(dstAt, o.target, { idx: \'n\' })}] += s;`', replace: '[${wgslAddress(dstAt, o.target, { idx: \'n\' })}] = s;`' }], tests: [PATHS] },
  { id: 'cg-grad-gemm-acc', area: 'codegen', what: 'a gradient GEMM overwrites ∂W instead of accumulating',
    edits: [{ file: 'compiler/backend/webgpu/assemble.ts', find: 'transA: true, transB: false, accumulate: true,', replace: 'transA: true, transB: false, accumulate: false,' }], tests: [PATHS] },
  { id: 'cg-grad-outer-index', area: 'codegen', what: "the small-gradient kernel's outer product swaps row and column index",
    edits: [{ file: 'compiler/backend/webgpu/gradKernel.ts', find: '`      s += ${at(t.a, `e / ${n}u`)} * ${at(t.b, `e % ${n}u`)};`', replace: '`      s += ${at(t.a, `e % ${n}u`)} * ${at(t.b, `e / ${n}u`)};`' }], tests: [LARGE] },

  // ---- optimizer and training schedule -------------------------------------------------------
  { id: 'op-sgd-momentum', area: 'optimizer', what: 'SGD steps along the gradient instead of its momentum',
    edits: [{ file: UPDATE, find: '    p -= hyper.lr * m;', replace: '    p -= hyper.lr * g;' }], tests: [OPT] },
  { id: 'op-warmup', area: 'optimizer', what: 'the warm-up starts at 0 (off by one step)',
    edits: [{ file: TRAINER, find: 'return (c.lr * (k + 1)) / c.warmup;', replace: 'return (c.lr * k) / c.warmup;' }], tests: [OPT] },
  { id: 'op-cosine-span', area: 'optimizer', what: 'cosine decay spans all steps instead of those after the warm-up',
    edits: [{ file: TRAINER, find: 'const span = Math.max(1, c.steps - c.warmup);', replace: 'const span = Math.max(1, c.steps);' }], tests: [OPT] },
  { id: 'op-bias-correction', area: 'optimizer', what: "Adam's second bias correction uses β₁",
    edits: [{ file: TRAINER, find: 'bc2: 1 - c.beta2 ** t,', replace: 'bc2: 1 - c.beta1 ** t,' }], tests: [OPT] },
  { id: 'op-adamw-lr', area: 'optimizer', what: "AdamW's decoupled decay is not scaled by the learning rate",
    edits: [{ file: UPDATE, find: 'p -= hyper.lr * hyper.weightDecay * params[i];', replace: 'p -= hyper.weightDecay * params[i];' }], tests: [OPT] },
  { id: 'op-adam-l2', area: 'optimizer', what: "Adam's L2 weight decay is dropped",
    edits: [{ file: UPDATE, find: '    if (hyper.kind == 1u) { g += hyper.weightDecay * p; }\n', replace: '' }], tests: [OPT] },
  { id: 'op-clip-off', area: 'optimizer', what: 'clip = 0 (off) is not special-cased: every step is scaled to norm 0',
    edits: [{ file: UPDATE, find: 'if (hyper.clip > 0.0 && norm > hyper.clip)', replace: 'if (norm > hyper.clip)' }], tests: [OPT] },
  { id: 'op-norm-reduce', area: 'optimizer', what: 'the gradient-norm reduction starts at stride 64 (drops lanes 128–255)',
    edits: [{ file: UPDATE, find: 'for (var s = 128u; s > 0u; s >>= 1u)', replace: 'for (var s = 64u; s > 0u; s >>= 1u)' }], tests: [OPT] },
];
