// The recurrence analysis (compiler/analysis), pinned (pure: no GPU). For
// every cell of every example: per state, what its forward update is in its
// previous value (independent, affine-diagonal, affine-dense, a semiring
// product, nonlinear with a diagonal or dense Jacobian) and whether it scans
// (with its phase when it reads another scanned state); the same for the
// backward recurrence of its cotangent; and the schedule the driver picks.
// Then small cells for the rules the examples do not reach (semirings,
// phases, the coupling that stops a scan) and the wording `cellc plan` uses.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bindSizes, check, compileBound, formatPlan, type Artifact, type StateFinding } from '../../compiler/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = readdirSync(join(ROOT, 'dsl-examples')).filter((f) => f.endsWith('.cell')).sort();

function artifacts(source: string, path: string): Artifact[] {
  const r = check(source, path);
  expect(r.diagnostics).toEqual([]);
  return r.graphs.map((g) => {
    const b = bindSizes(g, {});
    if ('diagnostics' in b) throw new Error(path);
    return compileBound(b);
  });
}

const st = (x: StateFinding, d: string) => `${d}${x.name} ${x.kind}${x.kind === 'nonlinear' ? `/${x.jacobian}` : ''}${x.scan ? ` scan${x.phase ? x.phase : ''}` : ''}`;
const summary = (a: Artifact) => {
  const s = a.schedule!;
  return `${s.forward.map((x) => st(x, '')).join(', ')} | ${s.backward.map((x) => st(x, '∂')).join(', ')} → ${s.name}`;
};

const PINNED: Record<string, string> = {
  'ar.cell AR': 'x.delayP affine-dense | ∂x.delayP affine-dense → sequential',
  'elman.cell Elman': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'gru.cell GRU': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'gru_cudnn.cell GRU_cuDNN': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'gru_vdropout.cell GRUVariationalDropout': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'hmm_forward.cell HMMForward': 'prior nonlinear/dense, total affine-diagonal | ∂prior affine-dense, ∂total affine-diagonal scan → sequential',
  'indrnn.cell IndRNN': 'h nonlinear/diagonal | ∂h affine-diagonal scan → persistent',
  'irnn.cell IRNN': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'kalman.cell Kalman': 'm affine-dense, P nonlinear/dense, first independent scan | ∂m affine-dense, ∂P affine-dense, ∂first independent → sequential',
  'lru.cell LRU': 'h affine-diagonal scan | ∂h affine-diagonal scan → scan',
  'lstm_layernorm.cell LNLSTM': 'h nonlinear/dense, c affine-diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_h0.cell LSTMLearnedInit': 'h nonlinear/dense, c affine-diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm.cell LSTM': 'h nonlinear/dense, c affine-diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_cifg.cell LSTM_CIFG': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_fgr.cell LSTM_FGR': 'h nonlinear/dense, c nonlinear/diagonal, gi nonlinear/dense, gf nonlinear/dense, go nonlinear/dense | ∂h affine-dense, ∂c affine-diagonal, ∂gi affine-dense, ∂gf affine-dense, ∂go affine-dense → sequential',
  'lstm_nfg.cell LSTM_NFG': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_niaf.cell LSTM_NIAF': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_nig.cell LSTM_NIG': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_noaf.cell LSTM_NOAF': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_nog.cell LSTM_NOG': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_np.cell LSTM_NP': 'h nonlinear/dense, c affine-diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_peephole.cell LSTM_Peephole': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_zoneout.cell LSTMZoneout': 'h nonlinear/dense, c affine-diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'lstm_v.cell LSTM_V': 'h nonlinear/dense, c nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal → sequential',
  'mgu.cell MGU': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'mingru.cell MinGRU': 'h affine-diagonal scan | ∂h affine-diagonal scan → scan',
  'minlstm.cell MinLSTM': 'h affine-diagonal scan | ∂h affine-diagonal scan → scan',
  'mlstm.cell mLSTM': 'C affine-diagonal, n affine-diagonal, m nonlinear/diagonal | ∂C affine-diagonal scan, ∂n affine-diagonal scan, ∂m affine-diagonal scan1 → sequential',
  'mlstm_heads.cell mLSTMHeads': 'C affine-diagonal, n affine-diagonal, m nonlinear/diagonal | ∂C affine-diagonal scan, ∂n affine-diagonal scan, ∂m affine-diagonal scan1 → sequential',
  'mut1.cell MUT1': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'mut2.cell MUT2': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'mut3.cell MUT3': 'h nonlinear/dense | ∂h affine-dense → sequential',
  'slstm_heads.cell sLSTMHeads': 'h nonlinear/block-diagonal, c affine-diagonal, n affine-diagonal, m nonlinear/diagonal | ∂h affine-dense, ∂c affine-diagonal, ∂n affine-diagonal, ∂m affine-diagonal → sequential',
  'sru.cell SRU': 'c nonlinear/diagonal, h independent | ∂c affine-diagonal scan1, ∂h independent scan → persistent',
  'tdnn.cell TDNN': 'x.delay2 affine-dense | ∂x.delay2 affine-dense → sequential',
  'viterbi.cell Viterbi': 'delta nonlinear/dense, first independent scan | ∂delta affine-dense, ∂first independent → sequential',
  'viterbi.cell Backtrack': 'q affine-dense | ∂q affine-dense → sequential',
};

describe('the analysis of every example', () => {
  it('pins every cell of dsl-examples/', () => {
    const seen: string[] = [];
    for (const f of EXAMPLES) {
      for (const a of artifacts(readFileSync(join(ROOT, 'dsl-examples', f), 'utf8'), f)) {
        const key = `${f} ${a.cell}`;
        seen.push(key);
        expect(summary(a), key).toBe(PINNED[key]);
      }
    }
    expect(seen.sort()).toEqual(Object.keys(PINNED).sort());
  });

  it('the scan artifacts have no per-step kernels; the sequential ones keep theirs', () => {
    for (const f of ['mingru.cell', 'minlstm.cell', 'lru.cell', 'lstm.cell']) {
      const [a] = artifacts(readFileSync(join(ROOT, 'dsl-examples', f), 'utf8'), f);
      const scan = a.schedule!.name === 'scan';
      expect(a.forward.step.length === 0, f).toBe(scan);
      expect(a.backward.step.length === 0, f).toBe(scan);
    }
  });
});

const cell = (body: string, head = 'cell C(x[I])') => `${head} {\n  size I = 5\n  size H = 7\n${body}\n}\n`;
const one = (src: string) => artifacts(src, 'c.cell')[0];

describe('rules', () => {
  it('QRNN-like: affine in c with a gate of the input only scans; the plan says why in the cell\'s names', () => {
    const a = one(cell('  state c[H] = 0\n  f = sigmoid(dense(x, out = H))\n  z = tanh(dense(x, out = H))\n  c\' = f * c + (1 - f) * z\n  output c\''));
    expect(summary(a)).toBe('c affine-diagonal scan | ∂c affine-diagonal scan → scan');
    const plan = formatPlan(a, { B: 2, T: 10 });
    expect(plan).toContain('schedule: scan');
    expect(plan).toContain('c: affine in c, coefficient f depends only on parameters and x: parallel scan');
  });

  it('a product of the state with itself, a nonlinearity, a matrix product', () => {
    expect(summary(one(cell("  state h[H] = 0\n  h' = 0.5 * h * h + dense(x, out = H)\n  output h'")))).toBe('h nonlinear/diagonal | ∂h affine-diagonal scan → persistent');
    expect(summary(one(cell("  state h[H] = 0\n  param u[H] init 0.5\n  h' = tanh(u * h + dense(x, out = H))\n  output h'")))).toBe('h nonlinear/diagonal | ∂h affine-diagonal scan → persistent');
    expect(summary(one(cell("  state h[H] = 0\n  param W[H, H] init glorot\n  h' = W @ h + dense(x, out = H)\n  output h'")))).toBe('h affine-dense | ∂h affine-dense → sequential');
    // a nonlinear operand makes the result nonlinear whichever operand position it has (W @ h first, tanh(h) second)
    expect(summary(one(cell("  state h[H] = 0\n  param W[H, H] init glorot\n  h' = W @ h + tanh(h)\n  output h'")))).toBe('h nonlinear/dense | ∂h affine-dense → sequential');
  });

  it('phases: a state whose coefficients read another scanned state scans after it; a coupled pair does not', () => {
    const chained = one(cell("  state h[H] = 0\n  state c[H] = 0\n  h' = 0.9 * h + dense(x, out = H)\n  f = sigmoid(h)\n  c' = f * c + (1 - f) * tanh(h)\n  output c'"));
    expect(summary(chained)).toBe('h affine-diagonal scan, c affine-diagonal scan1 | ∂h affine-diagonal scan1, ∂c affine-diagonal scan → scan');
    expect(chained.schedule!.forward[1].reason).toContain('phase 1, after h');
    const coupled = one(cell("  state h[H] = 0\n  state c[H] = 0\n  h' = 0.5 * h + 0.5 * c + dense(x, out = H)\n  c' = 0.5 * c + 0.5 * h\n  output c'"));
    // a coupled pair does not scan, but it is elementwise: one thread per element loops over time
    expect(summary(coupled)).toBe('h affine-diagonal, c affine-diagonal | ∂h affine-diagonal, ∂c affine-diagonal → persistent');
    expect(coupled.schedule!.forward[0].reason).toContain('because c also reads h');
    // the state it reads is declared after it and is not scannable itself (the mLSTM's C and stabiliser m)
    const gated = one(cell("  state c[H] = 0\n  state m[H] = 0\n  m' = maximum(m, dense(x, out = H))\n  c' = exp(m - m') * c + dense(x, out = H)\n  output c'"));
    expect(summary(gated)).toBe('c affine-diagonal, m nonlinear/diagonal | ∂c affine-diagonal scan, ∂m affine-diagonal scan1 → persistent');
    expect(gated.schedule!.forward[0].reason).toMatch(/reads m: sequential, because m is sequential$/);
  });

  it('heads: a per-head product with square blocks keeps the Jacobian block-diagonal; anything that mixes heads makes it dense', () => {
    const heads = (body: string) => one(`cell C(x[I]) {\n  size I = 5\n  size NH = 3\n  size DH = 4\n  size H = NH * DH\n  state h[H] = 0\n${body}\n}\n`).schedule!;
    const s = heads("  param R[NH, DH, DH] init orthogonal\n  h' = tanh(R @ h + dense(x, out = H)) * sigmoid(dense(h, out = H, heads = NH))\n  output h'");
    expect([s.forward[0].jacobian, s.forward[0].block, s.backward[0].jacobian, s.backward[0].block]).toEqual(['block-diagonal', 'DH', 'block-diagonal', 'DH']);
    expect(s.forward[0].reason).toContain('Jacobian ∂h_t/∂h_t−1 block-diagonal (blocks of DH)');
    expect(s.backward[0].reason).toContain('the coefficient is a block-diagonal matrix (blocks of DH)');
    // a dense product, a reduction, one head (heads = 1): dense (a transpose of the stack is as block-diagonal as the stack)
    for (const mix of ['dense(h, out = H, bias = false)', 'sum(h) + h', 'dense(h, out = H, heads = 1, bias = false)'])
      expect(heads(`  param R[NH, DH, DH] init orthogonal\n  h' = tanh(R @ h + ${mix})\n  output h'`).forward[0].jacobian, mix).toBe('dense');
    expect(heads("  param R[NH, DH, DH] init orthogonal\n  h' = tanh(transpose(R) @ h)\n  output h'").forward[0].jacobian).toBe('block-diagonal');
    // rectangular blocks ([NH, P, DH] then [NH, DH, P]) are not followed: dense, conservatively
    const rect = heads("  size P = 2\n  param A[NH, P, DH] init glorot\n  param Bk[NH, DH, P] init glorot\n  h' = tanh(Bk @ (A @ h))\n  output h'");
    expect(rect.forward[0].jacobian).toBe('dense');
  });

  it('semirings: log-sum-exp (HMM forward) and max-plus (Viterbi) products of the previous vector', () => {
    const head = 'cell C(o: index(V))';
    const sizes = '  size S = 3\n  size V = 4\n  param A[S, S] init normal(0.5)\n  param E[S, V] init normal(0.5)\n  state a[S] = 0\n';
    const hmm = one(`${head} {\n${sizes}  a' = logsumexp(transpose(A) + a, axis = 1) + E @ onehot(o)\n  output a'\n}\n`);
    expect(hmm.schedule!.forward[0].kind).toBe('semiring-log');
    const vit = one(`${head} {\n${sizes}  a' = max(transpose(A) + a, axis = 1) + E @ onehot(o)\n  output a'\n}\n`);
    expect(vit.schedule!.forward[0].kind).toBe('semiring-max');
    expect(vit.schedule!.forward[0].reason).toContain('max-plus semiring');
    // not a product: the reduction of the vector itself
    expect(one(`${head} {\n${sizes}  a' = a - logsumexp(a) + E @ onehot(o)\n  output a'\n}\n`).schedule!.forward[0].kind).toBe('nonlinear');
  });

  it('--schedule sequential keeps the loop; at a short sequence the cost model takes the lane kernels; scan is recorded with its reason', () => {
    const src = readFileSync(join(ROOT, 'dsl-examples', 'mingru.cell'), 'utf8');
    const g = check(src, 'mingru.cell').graphs[0];
    const b = bindSizes(g, {});
    if ('diagnostics' in b) throw new Error('sizes');
    const seq = compileBound(b, { schedule: 'sequential' });
    expect(seq.schedule).toMatchObject({ name: 'sequential', reason: 'requested' });
    expect(seq.forward.step.length).toBeGreaterThan(0);
    // where the scan is not faster, an elementwise recurrence loops in one kernel instead of a dispatch per step
    const short = compileBound(b, { shape: { B: 1, T: 1 } });
    expect(short.schedule!.name).toBe('persistent');
    expect(short.schedule!.reason).toMatch(/not faster: estimated .* at B=1, T=1; but every step reads its carried values only at its own elements/);
    expect(short.forward.step).toEqual([]);
    const long = compileBound(b, { shape: { B: 1, T: 1000 } });
    expect(long.schedule!.name).toBe('scan');
    expect(long.schedule!.reason).toMatch(/exact and faster/);
    expect(compileBound(b, { schedule: 'scan' }).schedule!.reason).toMatch(/^requested/);
    const lstm = check(readFileSync(join(ROOT, 'dsl-examples', 'lstm.cell'), 'utf8'), 'lstm.cell').graphs[0];
    const lb = bindSizes(lstm, {});
    if ('diagnostics' in lb) throw new Error('sizes');
    expect(compileBound(lb, { schedule: 'scan' }).schedule!.reason).toMatch(/^scan requested, but not every recurrence is diagonal-affine: h is nonlinear/);
  });
});
