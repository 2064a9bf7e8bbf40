// The playground's pure parts, in Node: the sizes it shows are the ones
// training uses (the task sets the input width), the one-sentence reason a
// cell cannot be trained, the graph-node → source-line map, the smoothed loss
// curve, and the weight files (a cellc checkpoint that the CLI's reader
// accepts, a PyTorch state dict with torch's names and shapes).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dotNodeLines, numel } from '../../compiler/index.ts';
import { analyze } from '../../runtime/apps/playground/src/analysis.ts';
import { modelFor } from '../../runtime/apps/playground/src/model.ts';
import { smoothed, type TrainedWeights, type TrainSettings } from '../../runtime/apps/playground/src/training.ts';
import { checkpointBytes, torchBytes, weightsFileName } from '../../runtime/apps/playground/src/weights.ts';
import { decodeSafetensors } from '../../runtime/apps/train/safetensors.ts';
import { readSavedRun } from '../../runtime/apps/train/savedRun.ts';

const example = (f: string) => readFileSync(new URL(`../../dsl-examples/${f}`, import.meta.url), 'utf8');

describe('playground: sizes and trainability follow the task', () => {
  it('the task sets the input width over the declared one; the sizes field sets the rest', () => {
    const a = analyze('a.cell', example('lstm.cell'), { H: 8 }, { task: 'adding', embed: 16 });
    expect(a.diagnostics).toEqual([]);
    expect(a.sizes).toEqual({ I: 2, H: 8 });
    expect(a.taskSizes).toEqual({ I: 2 });
    expect(a.untrainable).toBeUndefined();
    // the compiled artifact is at the sizes shown: the input x is [I] = [2]
    expect(a.artifact!.inputs.find((i) => i.name === 'x')!.shape).toEqual([2]);
    // a token task feeds the cell through the embedding: I is its width
    expect(analyze('a.cell', example('gru.cell'), {}, { task: 'reber', embed: 16 }).sizes?.I).toBe(16);
    // without a task the declared sizes stand
    expect(analyze('a.cell', example('lstm.cell'), {}).sizes?.I).toBe(64);
  });

  it('a cell that cannot be a model on the task says why in one sentence', () => {
    const v = analyze('a.cell', example('viterbi.cell'), {}, { task: 'adding', embed: 16 });
    expect(v.diagnostics).toEqual([]);
    expect(v.untrainable).toBe('Viterbi cannot be trained on adding: layer 1 (cell Viterbi) must have exactly one float vector input to be stacked: its input o is i32[B], an index, and the task gives float vectors.');
    const k = analyze('a.cell', example('kalman.cell'), {}, { task: 'sine', embed: 16 });
    expect(k.untrainable).toMatch(/^Kalman cannot be trained on sine: .*first output must be a vector\.$/);
    // the graph, the schedule and the WGSL are still there
    expect(v.artifact?.kernels.length).toBeGreaterThan(0);
  });

  it('a missing size is asked for in the page’s terms, not with a CLI flag', () => {
    const r = modelFor(analyze('a.cell', "cell C(x[I]) {\n  size I = 3\n  size H\n  state h[H] = 0\n  h' = tanh(dense(x, h))\n  output h'\n}\n", {}).graph!, 'adding', 16);
    expect(r).toBe('C cannot be trained on adding: layer 1 (cell C): size H has no value; give it a value in Sizes (H=N).');
  });
});

describe('playground: graph nodes link to source lines', () => {
  it('named nodes keep their line; unnamed ones take the line of the value that reads them; next states and outputs theirs', () => {
    const a = analyze('a.cell', example('lstm.cell'), {});
    const g = a.graph!;
    const lines = dotNodeLines(g);
    const src = example('lstm.cell').split('\n');
    const lineOf = (text: string) => src.findIndex((l) => l.includes(text)) + 1;
    const named = (name: string) => [...g.origins].find(([, o]) => o.name === name)![0];
    expect(lines.get(`n${named('f')}`)).toBe(lineOf('f = sigmoid'));
    expect(lines.get(`n${named("c'")}`)).toBe(lineOf("c' ="));
    expect(lines.get('next_c')).toBe(lineOf("c' ="));
    // an output is the value it names: h' of `output h'`
    expect(lines.get('out_h')).toBe(lineOf("h' ="));
    // the matmul inside f's dense has no name of its own: it points at f's line
    const f = g.nodes[named('f')];
    const inner = g.nodes.find((n) => n.op === 'matmul' && !g.origins.has(n.id) && lines.get(`n${n.id}`) === lineOf('f = sigmoid'));
    expect(inner, 'an unnamed matmul of f').toBeDefined();
    expect(inner!.id).toBeLessThan(f.id);
    // every node of the drawn graph has a line
    for (const n of g.nodes) expect(lines.has(`n${n.id}`), `%${n.id} ${n.op}`).toBe(true);
  });
});

describe('playground: the loss chart and the weight files', () => {
  it('the smoothed curve is the centred moving average of the finite points, shorter at the ends', () => {
    expect(smoothed([[1, 1], [2, 3], [3, NaN], [4, 5], [5, 7]], 1)).toEqual([[1, 2], [2, 3], [4, 5], [5, 6]]);
    expect(smoothed([[1, 4]], 3)).toEqual([[1, 4]]);
  });

  const settings: TrainSettings = { task: 'adding', B: 4, T: 6, steps: 3, lr: 0.01, seed: 1, embed: 16 };
  const weightsOf = (file: string): TrainedWeights => {
    const a = analyze('a.cell', example(file), { H: 3 }, { task: 'adding', embed: 16 });
    const model = modelFor(a.graph!, 'adding', 16);
    if (typeof model === 'string') throw new Error(model);
    const paramOrder = model.graph.params.map((p) => ({ name: p.name, shape: model.graph.nodes[p.node].type.shape.map((d) => d.c) }));
    let k = 0;
    const params = new Map(paramOrder.map((p) => [p.name, { shape: p.shape, data: Float32Array.from({ length: numel(p.shape) }, () => (k++ % 17) / 16 - 0.5) }]));
    const N = paramOrder.reduce((s, p) => s + numel(p.shape), 0);
    return { label: 'A: x', model, params, moments: new Float32Array(2 * N).fill(0.25), paramOrder, step: 3 };
  };

  it('the checkpoint is one `cellc train` writes: the CLI reader takes it, with the sizes and every parameter', () => {
    const w = weightsOf('lstm.cell');
    const bytes = checkpointBytes(w, settings, [[1, 0.5], [2, 0.4], [3, 0.3]]);
    const dir = mkdtempSync(join(tmpdir(), 'cellc-playground-'));
    try {
      const path = join(dir, weightsFileName(w, settings));
      expect(path.endsWith('lstm-adding.safetensors')).toBe(true);
      writeFileSync(path, bytes);
      const saved = readSavedRun(path);
      expect(saved.cell).toBe('LSTM');
      expect(saved.task).toBe('adding');
      expect(saved.step).toBe(3);
      expect(saved.layerSizes).toEqual([{ I: 2, H: 3 }]);
      expect([...saved.checkpoint.params.keys()].sort()).toEqual(w.paramOrder.map((p) => p.name).sort());
      for (const p of w.paramOrder) expect([...saved.checkpoint.params.get(p.name)!.data]).toEqual([...w.params.get(p.name)!.data]);
      expect(saved.checkpoint.tensors?.has(`optim.m.${w.paramOrder[0].name}`)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an LSTM exports as a torch.nn.LSTM state dict with the readout; a cell without a torch counterpart says why', () => {
    const t = torchBytes(weightsOf('lstm.cell'));
    if (typeof t === 'string') throw new Error(t);
    expect(t.kind).toBe('lstm');
    const { tensors, metadata } = decodeSafetensors(t.bytes);
    expect(metadata.format).toBe('pt');
    const shapes = Object.fromEntries([...tensors].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'rnn.weight_ih_l0': [12, 2],
      'rnn.weight_hh_l0': [12, 3],
      'rnn.bias_ih_l0': [12],
      'rnn.bias_hh_l0': [12],
      'readout.weight': [1, 3],
      'readout.bias': [1],
    });
    expect(torchBytes(weightsOf('mingru.cell'))).toMatch(/^MinGRU has no PyTorch counterpart: only cells with the parameters of lstm\.cell/);
  });
});
