// Child process: TensorFlow.js's figures for one cell at one size on one
// backend (webgpu: TF.js's WebGPU backend on the Dawn adapter of the `webgpu`
// package cellc uses; cpu: its plain-JavaScript backend). LSTM and GRU are
// tf.layers.lstm / tf.layers.gru (sigmoid gates, as the cells; TF.js's GRU is
// the reset-before form of gru.cell), trained with model.trainOnBatch (Adam,
// mean squared error against zeros). MUT1 and the LayerNorm-LSTM have no
// layer: they are written here with tf ops, step by step (tfjsCells.ts), and
// trained with an Adam optimizer.minimize on the same loss. Every output
// step is returned, as in cellc's benchmark.
//
//   node --import tsx runtime/apps/bench/peers/tfjsJob.ts SPEC_JSON webgpu|cpu
//
// A forward is timed up to reading back the sum of the outputs (one number:
// TF.js runs asynchronously until something is read); a training step up to
// the loss trainOnBatch / minimize returns, read back likewise.

import { RESULT_PREFIX, median, type JobSpec } from './jobs.js';
import { jobMain } from './jobMain.js';
import { eagerCell } from './tfjsCells.js';

type Tf = typeof import('@tensorflow/tfjs');

async function loadTf(backend: string): Promise<Tf> {
  if (backend === 'webgpu') {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    // TF.js looks for navigator.gpu; the Dawn object must stay reachable while the backend lives
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
  }
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not start its ${backend} backend`);
  await tf.ready();
  return tf;
}

async function timeIt(runs: number, warmup: number, f: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return times;
}

await jobMain(async (spec: JobSpec) => {
  const backend = process.argv[3];
  if (backend !== 'webgpu' && backend !== 'cpu') throw new Error(`unknown TF.js backend '${backend}'`);
  const tf = await loadTf(backend);
  const { B, T, H } = spec;
  const x = tf.randomNormal([B, T, H], 0, 1, 'float32', spec.seed);
  let forward: () => Promise<void>;
  let train: () => Promise<void>;
  let kind: string;
  if (spec.cell === 'lstm' || spec.cell === 'gru') {
    kind = `tf.layers.${spec.cell}`;
    const model = tf.sequential();
    const layer = { units: H, inputShape: [T, H], returnSequences: true, recurrentActivation: 'sigmoid' as const };
    model.add(spec.cell === 'lstm' ? tf.layers.lstm(layer) : tf.layers.gru(layer));
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const y = tf.zeros([B, T, H]);
    forward = async () => {
      const s = tf.tidy(() => (model.predict(x) as import('@tensorflow/tfjs').Tensor).sum());
      await s.data();
      s.dispose();
    };
    train = async () => {
      await model.trainOnBatch(x, y);
    };
  } else {
    kind = 'eager tf ops (no layer)';
    const cell = eagerCell(tf, spec.cell, H, H);
    const xs = tf.unstack(tf.transpose(x, [1, 0, 2])); // T tensors [B, I]
    const optimizer = tf.train.adam();
    forward = async () => {
      const s = tf.tidy(() => tf.addN(cell.run(xs, B)).sum());
      await s.data();
      s.dispose();
    };
    train = async () => {
      const loss = optimizer.minimize(() => tf.mean(tf.square(tf.stack(cell.run(xs, B)))) as import('@tensorflow/tfjs').Scalar, true, cell.params);
      await loss!.data();
      loss!.dispose();
    };
  }
  const fwd = await timeIt(spec.runs, spec.warmup, forward);
  const tr = await timeIt(spec.runs, spec.warmup, train);
  const result = {
    fwd_ms: median(fwd),
    train_ms: median(tr),
    fwd_runs: fwd,
    train_runs: tr,
    detail: {
      backend: tf.getBackend(),
      tfjs: tf.version.tfjs,
      kind,
      tensors_after: tf.memory().numTensors,
      // the adapter TF.js's WebGPU backend runs on (vendor, architecture)
      ...(backend === 'webgpu' ? { adapter: { ...((tf.backend() as unknown as { adapterInfo?: object }).adapterInfo ?? {}) } } : {}),
    },
  };
  process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
});
