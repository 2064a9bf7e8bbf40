// Benchmark of many trials per dispatch (runtime/apps/train/trialTrainer.ts):
// K trials of one model trained one by one (Trainer, what a sweep does without
// batching) and together (TrialTrainer), in one run on this machine's adapter,
// with trials per hour and the ratio. Each trial has its own seed (its data and
// initialisation) and learning rate; the table also says whether every trial's
// final loss and parameters are bit-identical between the two ways.
//
//   npm run bench:trials -- [--cell lstm.cell] [--H 32] [--K 16] [--B 16] [--T 20] [--steps 30]
//
// Both sides include what a trial costs in a sweep: building the trainer
// (compiling the artifact, creating pipelines), initialising, and the
// training steps. The kernels' pipelines are created once per process and
// cached, and Mesa caches compiled shaders on disk, so the first side to
// compile a kernel pays for it; the one-by-one side runs first and pays for
// its own kernels only, and the batched side compiles its (larger) kernels.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCells } from '../cli/io.js';
import { acquireDevice } from '../../core/device.js';
import { buildModelOrThrow } from '../train/run.js';
import { adding, batchRng } from '../train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer, type OptimizerConfig } from '../train/trainer.js';
import { TrialTrainer } from '../train/trialTrainer.js';

const args = process.argv.slice(2);
const flag = (name: string, d: number | string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : String(d);
};
const cell = flag('cell', 'lstm.cell');
const H = Number(flag('H', 32));
const K = Number(flag('K', 16));
const B = Number(flag('B', 16));
const T = Number(flag('T', 20));
const steps = Number(flag('steps', 30));

const root = fileURLToPath(new URL('../../../', import.meta.url));
const graph = loadCells(join(root, 'dsl-examples', cell), [`H=${H}`]).graphs[0];
const model = buildModelOrThrow({ layers: [{ graph }], task: adding, embed: 1 });
const trials = Array.from({ length: K }, (_, k) => ({ seed: 100 + k, opt: { ...DEFAULT_OPTIMIZER, steps, lr: 0.002 * (k + 1) } as OptimizerConfig }));

const ctx = await acquireDevice();
console.log(`${ctx.adapter.description || ctx.adapter.device || 'adapter'}: ${K} trials of ${cell} H=${H} on adding, B=${B} T=${T}, ${steps} steps each`);

const bits = (m: Map<string, Float32Array>) => [...m.values()].map((v) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length)).join(',')).join(';');

/** Seconds spent in first steps (where lavapipe compiles each shader at its first dispatch) and creating trainers. */
let soloSetup = 0;
let t0 = performance.now();
const alone: { loss: number; params: string }[] = [];
for (const tr of trials) {
  const t1 = performance.now();
  const trainer = await Trainer.create(ctx, model, { B, T }, tr.opt);
  trainer.init(tr.seed);
  let loss = NaN;
  for (let k = 0; k < steps; k++) {
    loss = (await trainer.trainStep(adding.batch(batchRng(tr.seed, 0, k), B, T))).loss;
    if (k === 0) soloSetup += (performance.now() - t1) / 1000;
  }
  alone.push({ loss, params: bits(await trainer.rt.readParams()) });
  trainer.destroy();
}
const soloS = (performance.now() - t0) / 1000;

t0 = performance.now();
const batched = await TrialTrainer.create(ctx, model, { B, T }, trials.map((t) => t.opt));
batched.init(trials.map((t) => t.seed));
let losses: (number | undefined)[] = [];
let togetherSetup = 0;
for (let k = 0; k < steps; k++) {
  losses = (await batched.trainStep(trials.map((t) => adding.batch(batchRng(t.seed, 0, k), B, T)))).map((r) => r?.loss);
  if (k === 0) togetherSetup = (performance.now() - t0) / 1000;
}
const together = await Promise.all(trials.map(async (_, i) => bits(await batched.readParams(i))));
batched.destroy();
const togetherS = (performance.now() - t0) / 1000;

const same = alone.every((a, i) => Object.is(a.loss, losses[i]) && a.params === together[i]);
const perHour = (s: number) => ((K * 3600) / s).toFixed(0);
const later = (s: number, setup: number) => (((s - setup) / (K * Math.max(1, steps - 1))) * 1000).toFixed(2);
console.log('');
console.log('| way | seconds | of which trainers and first steps (compiling) | ms per trial-step after the first | trials per hour |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| ${K} trials one by one | ${soloS.toFixed(1)} | ${soloSetup.toFixed(1)} | ${later(soloS, soloSetup)} | ${perHour(soloS)} |`);
console.log(`| ${K} trials together | ${togetherS.toFixed(1)} | ${togetherSetup.toFixed(1)} | ${later(togetherS, togetherSetup)} | ${perHour(togetherS)} |`);
console.log('');
const steady = (soloS - soloSetup) / (togetherS - togetherSetup);
console.log(`together / one by one: ${(soloS / togetherS).toFixed(2)}x trials per hour (${steady.toFixed(2)}x after the first steps); results ${same ? 'bit-identical for every trial' : 'DIFFER'}`);
ctx.destroy();
if (!same) process.exitCode = 1;
