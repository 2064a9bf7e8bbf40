// Sequences of different lengths in one batch (ModelSpec.lengths): the model
// holds its states on the padding after each example's end (a select inside
// the step kernels, on `alive`), so a batch of ragged sequences gives, on the
// GPU, the loss and the gradients of each sequence trained alone — for an
// LSTM (a matrix recurrence) and a cell with a delay register (a hidden
// state), under full and truncated BPTT windows. And a data file of sequences
// shorter than --T trains as a classification task that uses it; the built-in
// `episodes` task (streams of episodes, `done`) trains only with its resets.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, compileBound, Rng, type Model } from '../../compiler/index.js';
import { CellRuntime } from '../../runtime/core/cellRuntime.js';
import { targetOf, type GpuContext } from '../../runtime/core/device.js';
import { dataTask } from '../../runtime/apps/train/data/dataTask.js';
import { parseJsonl } from '../../runtime/apps/train/data/jsonl.js';
import { trainRun } from '../../runtime/apps/train/run.js';
import { episodes } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, silentProgress, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/lengths');
});
afterAll(() => dev.ctx?.destroy());

const F = 3;
const K = 2;
const T = 9;
const LENGTHS = [9, 4, 1, 6, 2];

function model(file: string, settings: string[], extra: { episodes?: boolean } = {}): Model {
  const m = buildModel({ layers: [{ graph: exampleCell(file, settings) }], input: { kind: 'float', size: F }, output: { kind: 'mse', size: K }, lengths: true, ...extra }, []);
  if (!m) throw new Error('model did not build');
  return m;
}

interface Rows {
  readonly x: Float32Array[][]; // [b][t] → F values
  readonly target: Float32Array[][];
  readonly weight: number[][]; // [b][t] loss weight
}

function rows(seed: number): Rows {
  const rng = new Rng(seed);
  const gen = (n: number) => LENGTHS.map((L) => Array.from({ length: L }, () => Float32Array.from(rng.fillNormal(n))));
  // every step of a sequence carries a loss, with weights that differ from step to step
  return { x: gen(F), target: gen(K), weight: LENGTHS.map((L) => Array.from({ length: L }, (_, t) => 0.1 + 0.05 * t)) };
}

/** One example: its steps' inputs, targets and loss weights, and per-step flags (`alive`, `done`). */
interface Example {
  readonly x: readonly Float32Array[];
  readonly target: readonly Float32Array[];
  readonly weight: readonly number[];
  readonly flags?: Readonly<Record<string, readonly number[]>>;
}

/** Row `row` of `r`, its first `n` steps (all by default). */
const example = (r: Rows, row: number, from = 0, to = LENGTHS[row]): Example => ({ x: r.x[row].slice(from, to), target: r.target[row].slice(from, to), weight: r.weight[row].slice(from, to) });

/** The examples as a batch of `steps` steps (each padded after its end), forward + backward (BPTT windows of `window`). */
async function run(ctx: GpuContext, m: Model, examples: readonly Example[], steps: number, window: number, params: Map<string, Float32Array> | undefined) {
  const artifact = compileBound({ graph: m.graph, sizes: {} }, { inputGradients: false, target: targetOf(ctx), schedule: 'sequential' });
  const B = examples.length;
  const rt = await CellRuntime.create(ctx, artifact, { B, T: steps });
  try {
    const p = params ?? rt.initParams(3);
    rt.setParams(p);
    const x = new Float32Array(steps * B * F);
    const target = new Float32Array(steps * B * K);
    const mask = new Float32Array(steps * B);
    const flags = new Map(artifact.inputs.filter((i) => i.name === 'alive' || i.name === 'done').map((i) => [i.name, new Float32Array(steps * B)]));
    examples.forEach((e, b) => {
      for (let t = 0; t < e.x.length; t++) {
        x.set(e.x[t], (t * B + b) * F);
        target.set(e.target[t], (t * B + b) * K);
        mask[t * B + b] = e.weight[t];
        for (const [k, v] of flags) v[t * B + b] = k === 'alive' ? 1 : (e.flags?.[k]?.[t] ?? 0);
      }
    });
    rt.setInputs(new Map([['x', x], ['target', target], ['mask', mask], ...flags]));
    rt.setInitialStates();
    rt.setOutputCotangents(new Map([['loss', new Float32Array(steps * B).fill(1)]]));
    rt.setFinalStateCotangents();
    await rt.forwardBackward(window);
    const loss = await rt.readOutput('loss');
    const perRow = examples.map((_, b) => Array.from({ length: steps }, (_, t) => loss[t * B + b]).reduce((s, v) => s + v, 0));
    const finals = new Map<string, Float32Array>();
    for (const st of artifact.states) finals.set(st.name, await rt.readState(st.name));
    return { params: p, perRow, grads: await rt.readGrads(), finals };
  } finally {
    rt.destroy();
  }
}

/** Adds b into a, tensor by tensor. */
function addGrads(a: Map<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): void {
  for (const [k, v] of b) a.get(k)!.forEach((_, i, x) => (x[i] += v[i]));
}

const relErr = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) (d = Math.max(d, Math.abs(a[i] - b[i]))), (s = Math.max(s, Math.abs(b[i])));
  return d / Math.max(s, 1e-30);
};

describe('a batch of sequences of different lengths = each sequence alone, on the GPU', () => {
  const cases: [string, string, string[], number][] = [
    ['LSTM, full BPTT', 'lstm.cell', ['H=5'], T],
    ['LSTM, truncated BPTT (windows of 3)', 'lstm.cell', ['H=5'], 3],
    ['TDNN (a delay register), full BPTT', 'tdnn.cell', ['H=4'], T],
  ];
  it.for(cases)('%s', async ([, file, settings, window], t) => {
    const ctx = deviceOrSkip(t, dev);
    const m = model(file, settings);
    const r = rows(11);
    const batch = await run(ctx, m, LENGTHS.map((_, row) => example(r, row)), T, window, undefined);
    const summed = new Map([...batch.grads].map(([k, v]) => [k, new Float32Array(v.length)]));
    for (const row of LENGTHS.keys()) {
      // alone: a batch of one, exactly as long as its sequence (no padding at all); the windows
      // start at the same steps, so truncation cuts the same dependencies
      const alone = await run(ctx, m, [example(r, row)], LENGTHS[row], window, batch.params);
      expect(Math.abs(alone.perRow[0] - batch.perRow[row]), `loss of row ${row}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(alone.perRow[0])));
      addGrads(summed, alone.grads);
      // the state after the end is the state at the end: held over the padding (what a carried state or `apply` sees)
      for (const [k, v] of alone.finals) {
        const n = v.length;
        expect(relErr(batch.finals.get(k)!.subarray(row * n, (row + 1) * n), v), `final state ${k} of row ${row}`).toBeLessThan(1e-6);
      }
    }
    for (const [k, v] of batch.grads) expect(relErr(v, summed.get(k)!), `gradient of ${k}`).toBeLessThan(1e-5);
  });
});

describe('streams of episodes: done ends an episode, the next step starts from the initial state', () => {
  it('a row of several episodes = each episode alone (learned initial states get the gradient of every start)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const m = model('lstm_h0.cell', ['H=5', 'I=3'], { episodes: true });
    const r = rows(12);
    // row 0 (9 steps): episodes [0, 4) and [4, 9); row 3 (6 steps): [0, 1), [1, 5), [5, 6); row 1 (4 steps): one
    const ends: Record<number, number[]> = { 0: [3], 3: [0, 4], 1: [] };
    const rowsUsed = [0, 3, 1];
    const withDone = rowsUsed.map((row) => ({ ...example(r, row), flags: { done: Array.from({ length: LENGTHS[row] }, (_, t) => (ends[row].includes(t) ? 1 : 0)) } }));
    const batch = await run(ctx, m, withDone, T, T, undefined);
    const summed = new Map([...batch.grads].map(([k, v]) => [k, new Float32Array(v.length)]));
    for (const [b, row] of rowsUsed.entries()) {
      const bounds = [0, ...ends[row].map((e) => e + 1), LENGTHS[row]];
      let loss = 0;
      let last;
      for (let k = 0; k + 1 < bounds.length; k++) {
        const [from, to] = [bounds[k], bounds[k + 1]];
        last = await run(ctx, m, [example(r, row, from, to)], to - from, to - from, batch.params);
        loss += last.perRow[0];
        addGrads(summed, last.grads);
      }
      expect(Math.abs(loss - batch.perRow[b]), `loss of row ${row}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(loss)));
      // an episode ending at the last step would hand on the initial state; these do not: the last episode's final state
      for (const [k, v] of last!.finals) expect(relErr(batch.finals.get(k)!.subarray(b * v.length, (b + 1) * v.length), v), `final state ${k} of row ${row}`).toBeLessThan(1e-6);
    }
    for (const [k, v] of batch.grads) expect(relErr(v, summed.get(k)!), `gradient of ${k}`).toBeLessThan(1e-5);
  });
});

describe('the episodes task: a stream of episodes per row, done at each end', () => {
  it('an LSTM learns the per-episode running sum with the resets, and cannot without them', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const steps = 150;
    const config = (task: typeof episodes) => ({
      layers: [{ graph: exampleCell('lstm.cell', ['H=16']) }],
      task,
      B: 16,
      T: 40,
      steps,
      seed: 3,
      embed: 8,
      optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.01, steps },
      checkpointEvery: 1000,
      logEvery: 1000,
    });
    const b = episodes.batch(new Rng(2), 4, 40);
    const done = b.inputs.get('done')!;
    // every row starts a new episode within 8 steps of the last one
    for (let row = 0; row < 4; row++) {
      const ends = [-1, ...Array.from({ length: 40 }, (_, k) => k).filter((k) => done[k * 4 + row] === 1)];
      for (let i = 1; i < ends.length; i++) expect(ends[i] - ends[i - 1]).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < ends.length; i++) expect(ends[i] - ends[i - 1]).toBeLessThanOrEqual(8);
    }
    const withResets = await trainRun(ctx, config(episodes), silentProgress);
    // the same batches, the state carried across the ends: the sum restarts where the cell cannot see it
    const withoutResets = await trainRun(ctx, config({ ...episodes, episodes: false }), silentProgress);
    const base = episodes.baseline!.loss;
    console.log(`episodes task, LSTM H=16, ${steps} steps: final loss ${withResets.finalLoss.toPrecision(3)} with resets, ${withoutResets.finalLoss.toPrecision(3)} without (predicting 0: ${base.toPrecision(3)})`);
    expect(withResets.finalLoss).toBeLessThan(0.05 * base);
    expect(withoutResets.finalLoss).toBeGreaterThan(0.2 * base);
  });
});

describe('a data set of sequences shorter than --T', () => {
  const lines = Array.from({ length: 24 }, (_, i) => {
    const n = 2 + (i % 7); // 2 … 8 steps
    const label = i % 2;
    const x = Array.from({ length: n }, (_, t) => (label ? 1 : -1) * (0.5 + 0.1 * t) + 0.05 * ((i * 7 + t) % 5));
    return JSON.stringify({ x, label });
  }).join('\n');

  it('classifies each sequence whole at its own last step, with alive marking its steps', () => {
    const task = dataTask(parseJsonl(lines, 'short.jsonl'), { kind: 'classify', T: 6 });
    expect(task.lengths).toBe(true);
    const b = task.batch(new Rng(1), 4, 6);
    const alive = b.inputs.get('alive')!;
    const mask = b.inputs.get('mask')!;
    for (let row = 0; row < 4; row++) {
      const steps = Array.from({ length: 6 }, (_, t) => alive[t * 4 + row]);
      const n = steps.filter((v) => v === 1).length;
      expect(steps).toEqual([...Array(6).keys()].map((t) => (t < n ? 1 : 0)));
      expect(Array.from({ length: 6 }, (_, t) => (mask[t * 4 + row] > 0 ? t : -1)).filter((t) => t >= 0)).toEqual([n - 1]);
    }
    // sequences at least as long as T need no padding: no alive input, the model of before
    const long = dataTask(parseJsonl(lines, 'short.jsonl'), { kind: 'classify', T: 2 });
    expect(long.lengths).toBeUndefined();
    expect(long.batch(new Rng(1), 4, 2).inputs.has('alive')).toBe(false);
  });

  it('trains on the GPU (the loss falls below the class prior)', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const task = dataTask(parseJsonl(lines, 'short.jsonl'), { kind: 'classify', T: 6 });
    const steps = 40;
    const r = await trainRun(ctx, { layers: [{ graph: exampleCell('gru.cell', ['H=6']) }], task, B: 8, T: 6, steps, seed: 2, embed: 8, optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.05, steps }, checkpointEvery: steps, logEvery: steps }, silentProgress);
    expect(r.finalLoss).toBeLessThan(0.5 * Math.log(2));
  });
});
