// The peers' hand-written cells compute what the .cell files say: the eager
// loops of torch_peer.py (all four cells, in float64) and TF.js's MUT1 and
// LayerNorm-LSTM in tf ops (tfjsCells.ts, float32 on the cpu backend) are
// given the parameters of the float64 reference interpreter, rearranged into
// their own layout, and must produce the interpreter's outputs h_1 … h_T.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CellInterpreter } from '../../compiler/tools/index.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { detectTorch, torchEnv } from '../../runtime/apps/bench/peers/detect.js';
import { concat, example, relErr, ROOT } from '../autodiff/util.js';

const FILES = { lstm: 'lstm.cell', gru: 'gru.cell', mut1: 'mut1.cell', lnlstm: 'lstm_layernorm.cell' } as const;
type Cell = keyof typeof FILES;
const I = 3;
const H = 3;
const B = 2;
const T = 4;

function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  };
}

interface Case {
  readonly params: Map<string, Float64Array>;
  readonly shapes: Map<string, readonly number[]>;
  /** x as T·B·I values, time-major. */
  readonly x: Float64Array;
  /** The interpreter's h_1 … h_T, T·B·H values. */
  readonly h: Float64Array;
}

function reference(cell: Cell): Case {
  const g: Graph = example(FILES[cell]);
  const sizes = { I, H };
  const interp = new CellInterpreter(g, sizes, B);
  const rand = uniforms(7);
  const params = new Map<string, Float64Array>();
  const shapes = new Map<string, readonly number[]>();
  for (const p of g.params) {
    shapes.set(p.name, interp.shapeOf(p.node));
    params.set(p.name, Float64Array.from({ length: interp.numelOf(p.node) }, () => 1.5 * rand()));
  }
  const xs = Array.from({ length: T }, () => Float64Array.from({ length: B * I }, () => 3 * rand()));
  const tape = interp.forward(params, new Map([['x', xs]]), interp.initialStates(), T);
  return { params, shapes, x: concat(xs), h: concat(tape.outputs.get('h')!) };
}

/** Wᵀ of the [rows, cols] parameters, side by side: the [cols, Σ rows] matrix of an `x @ W` layout, row-major. */
function xw(c: Case, names: readonly string[]): Float64Array {
  const mats = names.map((n) => ({ data: c.params.get(n)!, rows: c.shapes.get(n)![0], cols: c.shapes.get(n)![1] }));
  const k = mats[0].cols;
  const n = mats.reduce((s, m) => s + m.rows, 0);
  const out = new Float64Array(k * n);
  let off = 0;
  for (const m of mats) {
    for (let r = 0; r < m.rows; r++) for (let j = 0; j < k; j++) out[j * n + off + r] = m.data[r * k + j];
    off += m.rows;
  }
  return out;
}
const vec = (c: Case, names: readonly string[]) => concat(names.map((n) => c.params.get(n)!));

/** The parameters in the order the peers' cells list them, in their layout. */
const LAYOUT: Record<Cell, (c: Case) => Float64Array[]> = {
  // torch_peer.py eager_lstm: W, U, b with the gates i, f, o, g
  lstm: (c) => [xw(c, ['i.W_x', 'f.W_x', 'o.W_x', 'g.W_x']), xw(c, ['i.W_h', 'f.W_h', 'o.W_h', 'g.W_h']), vec(c, ['i.b', 'f.b', 'o.b', 'g.b'])],
  // eager_gru: W (r, z, n), U_rz, U_n, b (r, z, n)
  gru: (c) => [xw(c, ['r.W_x', 'z.W_x', 'n.W_x']), xw(c, ['r.W_h', 'z.W_h']), xw(c, ['n.W_2']), vec(c, ['r.b', 'z.b', 'n.b'])],
  // eager_mut1: P, W_z, W_r, U_r, U_n, b_z, b_r, b_n
  mut1: (c) => [xw(c, ['px.W_x']), xw(c, ['z.W_x']), xw(c, ['r.W_x']), xw(c, ['r.W_h']), xw(c, ['n.W_1']), vec(c, ['z.b']), vec(c, ['r.b']), vec(c, ['n.b'])],
  // eager_lnlstm: W, U, b, a_x, a_h, a_c, b_c
  lnlstm: (c) => [xw(c, ['W']), xw(c, ['U']), ...['b', 'a_x', 'a_h', 'a_c', 'b_c'].map((n) => vec(c, [n]))],
};

const HARNESS = `
import json, sys, torch
sys.path.insert(0, 'runtime/apps/bench/peers')
import torch_peer
torch.set_default_dtype(torch.float64)
d = json.load(sys.stdin)
run, params = torch_peer.EAGER[d['cell']](d['I'], d['H'], torch.device('cpu'))
with torch.no_grad():
    assert len(params) == len(d['params']), (len(params), len(d['params']))
    for p, v in zip(params, d['params']):
        assert p.numel() == len(v), (p.shape, len(v))
        p.copy_(torch.tensor(v).reshape(p.shape))
    h = run(torch.tensor(d['x']).reshape(d['T'], d['B'], d['I']))
print(json.dumps(h.flatten().tolist()))
`;

const torch = detectTorch(['python3', '/usr/bin/python3']);

describe.skipIf(!torch.present)(`torch_peer.py eager cells = the .cell files (float64)${torch.present ? '' : `: skipped, ${torch.reason}`}`, () => {
  it.each(Object.keys(FILES) as Cell[])('%s', (cell) => {
    const c = reference(cell);
    const input = JSON.stringify({ cell, I, H, B, T, x: [...c.x], params: LAYOUT[cell](c).map((a) => [...a]) });
    const r = spawnSync(torch.present ? torch.python! : '', ['-c', HARNESS], { cwd: ROOT, input, encoding: 'utf8', env: torchEnv(), timeout: 120_000 });
    expect(r.stderr).toBe('');
    const h = JSON.parse(r.stdout) as number[];
    expect(h).toHaveLength(T * B * H);
    expect(relErr(h, c.h)).toBeLessThan(1e-12);
  });
});

describe('TF.js eager cells (tfjsCells.ts) = the .cell files (float32, cpu backend)', () => {
  it.each(['mut1', 'lnlstm'] as const)('%s', async (cell) => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { eagerCell } = await import('../../runtime/apps/bench/peers/tfjsCells.js');
    const c = reference(cell);
    const ec = eagerCell(tf, cell, I, H);
    const values = LAYOUT[cell](c);
    // tfjsCells lists MUT1's parameters as P, W_z, b_z, W_r, U_r, b_r, U_n, b_n
    const order = cell === 'mut1' ? [0, 1, 5, 2, 3, 6, 4, 7] : [0, 1, 2, 3, 4, 5, 6];
    expect(ec.params).toHaveLength(values.length);
    ec.params.forEach((p, k) => p.assign(tf.tensor(Float32Array.from(values[order[k]]), p.shape)));
    const xs = tf.unstack(tf.tensor(Float32Array.from(c.x), [T, B, I]));
    const h = await tf.stack(ec.run(xs, B)).data();
    expect(relErr(h, c.h)).toBeLessThan(1e-5);
  });
});
