// Many trials per dispatch (runtime/apps/train/trialTrainer.ts): K trials of
// one model trained together give, trial by trial, exactly the results of
// Trainer running that trial alone — every loss, every gradient norm, the
// final parameters and optimizer moments, bit for bit — with different
// seeds, data, optimizers, learning-rate schedules and clipping per trial,
// and a trial that diverges stops alone. Odd sizes (H = 7, B = 5, T = 9).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileBound } from '../../compiler/index.js';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { adding, batchRng, reber } from '../../runtime/apps/train/tasks.js';
import { DEFAULT_OPTIMIZER, Trainer, type OptimizerConfig, type StepResult } from '../../runtime/apps/train/trainer.js';
import { TrialTrainer } from '../../runtime/apps/train/trialTrainer.js';
import type { Task } from '../../runtime/apps/train/task.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, type TestDevice } from './helpers.js';

const B = 5;
const T = 9;
const STEPS = 6;

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/trialTrainer');
});
afterAll(() => dev.ctx?.destroy());

interface TrialCase {
  readonly seed: number;
  readonly opt: OptimizerConfig;
}

const O = (o: Partial<OptimizerConfig>): OptimizerConfig => ({ ...DEFAULT_OPTIMIZER, steps: STEPS, ...o });

const TRIALS: readonly TrialCase[] = [
  { seed: 1, opt: O({ optimizer: 'adam', lr: 0.01, clip: 0.5 }) },
  { seed: 2, opt: O({ optimizer: 'adamw', lr: 0.02, weightDecay: 0.3, warmup: 2, schedule: 'cosine', clip: 0 }) },
  // diverges at its first update: SGD with a learning rate that sends the parameters to ±∞
  { seed: 3, opt: O({ optimizer: 'sgd', lr: 1e38, momentum: 0.5, clip: 0 }) },
];

// every NaN as one pattern: its sign and payload are not specified by IEEE 754 (a diverged trial's
// parameters are NaN with a sign that depends on which of two equal code paths the driver compiled)
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (u, i) => (Number.isNaN(a[i]) ? 0x7fc00000 : u));

interface Trace {
  readonly steps: StepResult[];
  readonly params: Map<string, Float32Array>;
  readonly moments: Float32Array;
}

const finite = (r: StepResult) => Number.isFinite(r.loss) && Number.isFinite(r.gradNorm);

async function solo(ctx: NonNullable<TestDevice['ctx']>, cell: string, sizes: string[], task: Task, c: TrialCase): Promise<Trace> {
  const model = buildModelOrThrow({ layers: [{ graph: exampleCell(cell, sizes) }], task, embed: 3 });
  const tr = await Trainer.create(ctx, model, { B, T }, c.opt);
  try {
    tr.init(c.seed);
    const steps: StepResult[] = [];
    for (let k = 0; k < STEPS; k++) {
      const r = await tr.trainStep(task.batch(batchRng(c.seed, 0, k), B, T));
      steps.push(r);
      if (!finite(r)) break; // trainRun stops here
    }
    return { steps, params: await tr.rt.readParams(), moments: await tr.readMoments() };
  } finally {
    tr.destroy();
  }
}

async function together(ctx: NonNullable<TestDevice['ctx']>, cell: string, sizes: string[], task: Task, cases: readonly TrialCase[]): Promise<Trace[]> {
  const model = buildModelOrThrow({ layers: [{ graph: exampleCell(cell, sizes) }], task, embed: 3 });
  const tr = await TrialTrainer.create(ctx, model, { B, T }, cases.map((c) => c.opt));
  try {
    tr.init(cases.map((c) => c.seed));
    const steps: StepResult[][] = cases.map(() => []);
    for (let k = 0; k < STEPS; k++) {
      const rs = await tr.trainStep(cases.map((c) => task.batch(batchRng(c.seed, 0, k), B, T)));
      rs.forEach((r, i) => {
        if (!r) return;
        steps[i].push(r);
        if (!finite(r)) tr.stop(i);
      });
    }
    return await Promise.all(cases.map(async (_, i) => ({ steps: steps[i], params: await tr.readParams(i), moments: await tr.readMoments(i) })));
  } finally {
    tr.destroy();
  }
}

function expectIdentical(got: Trace, want: Trace, what: string) {
  expect(got.steps.length, `${what}: steps taken`).toBe(want.steps.length);
  got.steps.forEach((r, k) => {
    expect(Object.is(r.loss, want.steps[k].loss), `${what} step ${k + 1} loss: together ${r.loss}, alone ${want.steps[k].loss}`).toBe(true);
    expect(Object.is(r.gradNorm, want.steps[k].gradNorm), `${what} step ${k + 1} gradient norm: together ${r.gradNorm}, alone ${want.steps[k].gradNorm}`).toBe(true);
  });
  expect([...got.params.keys()]).toEqual([...want.params.keys()]);
  for (const [name, v] of want.params) expect(bits(got.params.get(name)!), `${what}: parameter ${name}`).toEqual(bits(v));
  expect(bits(got.moments), `${what}: optimizer moments`).toEqual(bits(want.moments));
}

describe('the trial axis (no device)', () => {
  const model = () => buildModelOrThrow({ layers: [{ graph: exampleCell('gru.cell', ['H=7']) }], task: adding, embed: 3 });
  it('every kernel but the optimizer\'s is the kernel of one run with each offset moved to the copy of trial gid.z', () => {
    for (const schedule of ['sequential', 'scan'] as const) {
      const g = schedule === 'scan' ? buildModelOrThrow({ layers: [{ graph: exampleCell('mingru.cell', ['H=7']) }], task: adding, embed: 3 }).graph : model().graph;
      const solo = compileBound({ graph: g, sizes: {} }, { training: true, inputGradients: false, schedule });
      const trial = compileBound({ graph: g, sizes: {} }, { training: true, inputGradients: false, schedule, trialAxis: true });
      expect(trial.schedule?.name).toBe(schedule);
      expect(trial.trialAxis).toBe(true);
      expect(trial.kernels.map((k) => k.name)).toEqual(solo.kernels.map((k) => k.name));
      for (const [i, k] of trial.kernels.entries()) {
        expect(k.dispatch.trials, k.name).toBe(true);
        if (k.role === 'optimizer') continue;
        const moved = k.wgsl.match(/ \+ gid\.z \* \([^)]*\)/g) ?? [];
        if (k.role !== 'gemm') expect(moved.length, `${k.name} moves its offsets`).toBeGreaterThan(0);
        expect(k.wgsl.replace(/ \+ gid\.z \* \([^)]*\)/g, ''), k.name).toBe(solo.kernels[i].wgsl);
      }
      // a GEMM's problem z is the trial: its strides are the arenas' sizes
      const gemm = trial.kernels.find((k) => k.role === 'gemm');
      expect(gemm, 'a GEMM').toBeDefined();
      const fields = (gemm!.bindings.find((b) => b.resource.kind === 'uniform')!.resource as { fields: readonly { name: string; value?: unknown }[] }).fields;
      const arena = (binding: number) => (gemm!.bindings.find((b) => b.binding === binding)!.resource as { arena: string }).arena;
      for (const [i, name] of ['strideA', 'strideB', 'strideC'].entries()) expect(fields.find((f) => f.name === name)!.value, name).toEqual(trial.arenas[arena(i)]);
    }
  });
  it('the row-owned schedules are refused with a reason', () => {
    expect(() => compileBound({ graph: model().graph, sizes: {} }, { training: true, inputGradients: false, schedule: 'step-fused', trialAxis: true })).toThrow(/a trial axis needs the sequential or scan schedule, not step-fused/);
  });
});

describe(`K trials together = each trial alone, bit for bit (B=${B}, T=${T}, ${STEPS} steps)`, { timeout: 300_000 }, () => {
  const CELLS: readonly [string, string[], Task][] = [
    ['lstm.cell', ['H=7'], adding],
    ['gru.cell', ['H=7'], reber],
    ['mingru.cell', ['H=7'], adding],
    ['lstm_layernorm.cell', ['H=7'], adding],
    // auto: lane kernels (persistent), for the trials together as for each alone
    ['indrnn.cell', ['H=7'], adding],
  ];
  it.for(CELLS)('%s %s', async ([cell, sizes, task], t) => {
    const ctx = deviceOrSkip(t, dev);
    const cases = TRIALS;
    const got = await together(ctx, cell, sizes, task, cases);
    for (const [i, c] of cases.entries()) expectIdentical(got[i], await solo(ctx, cell, sizes, task, c), `trial ${i} (${c.opt.optimizer}, seed ${c.seed})`);
    // the diverging trial stopped at its second step (the first update sent its parameters to infinity); the others ran to the end
    expect(got.map((g) => g.steps.length)).toEqual([STEPS, STEPS, 2]);
  });
});
