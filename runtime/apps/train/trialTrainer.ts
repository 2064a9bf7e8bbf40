/// <reference types="@webgpu/types" />
// K trials of one model trained together: the model compiled with a trial
// axis (every kernel serves the trial of its workgroup z, on that trial's
// copy of the arenas), so one command buffer per step runs every trial's
// forward, backward, statistics and update in the dispatches of one run —
// K trials cost one set of dispatches, the kernels are those of one trial
// (compiled once), and a trial's arithmetic is that of the trial alone. Each
// trial has its own data, parameters, optimizer moments, hyper-parameters and
// step count, and stops on its own (`stop(k)`: it takes no further update).
// A trial's results are those of the same trial trained alone by Trainer, bit
// for bit (test/train/trialTrainer.test.ts).
//
// Full BPTT only (a truncated-BPTT run trains alone).

import { compileBound, initialize, packUniform, Rng, TRAIN_HYPER_BYTES, type Artifact, type BindingResource, type Model } from '../../../compiler/index.js';
import { CellRuntime } from '../../core/cellRuntime.js';
import { BufferUsage, createStorageBuffer, readFloat32 } from '../../core/buffers.js';
import { targetOf, type GpuContext } from '../../core/device.js';
import type { Batch } from './tasks.js';
import { learningRate, optimizerKind, type OptimizerConfig, type StepResult } from './trainer.js';

/** The most trials one runtime holds. */
export const MAX_TRIALS = 256;

export class TrialTrainer {
  private readonly owned: GPUBuffer[] = [];
  private stats!: GPUBuffer;
  private readBack!: GPUBuffer;
  private hyper!: GPUBuffer;
  private moments!: GPUBuffer;
  private runningBuffer!: GPUBuffer;
  private hyperLayout!: Extract<BindingResource, { kind: 'host' }>;
  private readonly running: boolean[];
  /** Optimizer steps taken by each trial (its Adam t). */
  readonly steps: number[];

  private constructor(
    readonly ctx: GpuContext,
    readonly model: Model,
    readonly artifact: Artifact,
    readonly rt: CellRuntime,
    readonly configs: readonly OptimizerConfig[],
  ) {
    this.running = configs.map(() => true);
    this.steps = configs.map(() => 0);
  }

  /** K = configs.length trials of `model` at (B, T), trial k with optimizer configs[k]. */
  static async create(ctx: GpuContext, model: Model, shape: { B: number; T: number }, configs: readonly OptimizerConfig[]): Promise<TrialTrainer> {
    if (configs.length < 1 || configs.length > MAX_TRIALS) throw new RangeError(`${configs.length} trials: between 1 and ${MAX_TRIALS} train together`);
    const artifact = compileBound({ graph: model.graph, sizes: {} }, { inputGradients: false, training: true, trialAxis: true, target: targetOf(ctx) });
    const rt = await CellRuntime.create(ctx, artifact, { ...shape, trials: configs.length });
    const tr = new TrialTrainer(ctx, model, artifact, rt, configs);
    await tr.setup();
    return tr;
  }

  get count(): number {
    return this.configs.length;
  }

  /** Parameters of one trial. */
  get paramCount(): number {
    return this.artifact.training!.paramCount;
  }

  private async setup() {
    const { ctx, rt, count } = this;
    const storage = (label: string, init: Uint32Array | number) => {
      const b = createStorageBuffer(ctx, label, init);
      this.owned.push(b);
      return b;
    };
    this.stats = storage('trial stats', 2 * count);
    this.readBack = ctx.device.createBuffer({ label: 'trial stats read-back', size: 8 * count, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.owned.push(this.readBack);
    this.hyper = storage('trial hyper-parameters', (TRAIN_HYPER_BYTES / 4) * count);
    this.moments = storage('trial optimizer moments', 2 * this.paramCount * count);
    this.runningBuffer = storage('running trials', new Uint32Array(count).fill(1));
    const host = { stats: this.stats, trials: this.hyper, moments: this.moments, running: this.runningBuffer };
    const plan = this.artifact.training!;
    await rt.prepareHostKernel(plan.stats, host);
    const update = await rt.prepareHostKernel(plan.update, host);
    this.hyperLayout = update.record.bindings.find((b) => b.resource.kind === 'host' && b.resource.name === 'trials')!.resource as Extract<BindingResource, { kind: 'host' }>;
  }

  /** Trial k's parameters from seeds[k], as Trainer.init(seeds[k]) draws them; zero moments; every trial running. Returns each trial's values. */
  init(seeds: readonly number[]): Map<string, Float32Array>[] {
    if (seeds.length !== this.count) throw new RangeError(`${seeds.length} seeds for ${this.count} trials`);
    const ones = new Float32Array(this.rt.T * this.rt.B).fill(1);
    const values = seeds.map((seed, k) => {
      this.rt.selectTrial(k);
      const v = this.rt.initParams(seed);
      this.rt.setOutputCotangents(new Map([['loss', ones]]));
      this.rt.setFinalStateCotangents();
      return v;
    });
    this.ctx.queue.writeBuffer(this.moments, 0, new Float32Array(2 * this.paramCount * this.count));
    this.running.fill(true);
    this.steps.fill(0);
    this.writeRunning();
    return values;
  }

  isRunning(k: number): boolean {
    return this.running[k];
  }

  /** Trial k takes no further update (it diverged or finished); its parameters and moments stay as they are. */
  stop(k: number): void {
    this.running[k] = false;
    this.writeRunning();
  }

  private writeRunning() {
    this.ctx.queue.writeBuffer(this.runningBuffer, 0, Uint32Array.from(this.running, (a) => (a ? 1 : 0)));
  }

  private writeHyper() {
    const bytes = new Uint8Array(TRAIN_HYPER_BYTES * this.count);
    const { fields = [] } = this.hyperLayout;
    this.configs.forEach((c, k) => {
      const t = this.steps[k] + 1;
      const values = { lr: learningRate(c, this.steps[k]), beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, bc1: 1 - c.beta1 ** t, bc2: 1 - c.beta2 ** t, clip: c.clip, momentum: c.momentum, kind: optimizerKind(c) };
      bytes.set(new Uint8Array(packUniform(TRAIN_HYPER_BYTES, fields, this.rt.B, this.rt.T, values)), k * TRAIN_HYPER_BYTES);
    });
    this.ctx.queue.writeBuffer(this.hyper, 0, bytes);
  }

  /**
   * One optimizer step of every running trial, trial k on batches[k] (a
   * stopped trial's entry is ignored: it runs on the data it holds and takes
   * no update). Returns each trial's loss and gradient norm (undefined for a
   * stopped trial).
   */
  async trainStep(batches: readonly (Batch | undefined)[]): Promise<(StepResult | undefined)[]> {
    const { ctx, rt } = this;
    if (batches.length !== this.count) throw new RangeError(`${batches.length} batches for ${this.count} trials`);
    for (let k = 0; k < this.count; k++) {
      rt.selectTrial(k);
      const b = this.running[k] ? batches[k] : undefined;
      if (b) rt.setInputs(b.inputs); // a stopped trial keeps the data it holds
      rt.setInitialStates();
    }
    this.writeHyper();
    const plan = this.artifact.training!;
    const encoder = ctx.device.createCommandEncoder({ label: `${this.count} trials: training step` });
    rt.encodeForward(encoder);
    rt.encodeBackward(encoder);
    let pass = encoder.beginComputePass({ label: 'loss and gradient norm of each trial' });
    rt.encode(pass, plan.stats);
    pass.end();
    pass = encoder.beginComputePass({ label: 'optimizer update of each trial' });
    rt.encode(pass, plan.update);
    pass.end();
    encoder.copyBufferToBuffer(this.stats, 0, this.readBack, 0, 8 * this.count);
    ctx.queue.submit([encoder.finish()]);
    await this.readBack.mapAsync(1);
    const v = new Float32Array(this.readBack.getMappedRange().slice(0));
    this.readBack.unmap();
    return this.running.map((a, k) => {
      if (!a) return undefined;
      this.steps[k]++;
      return { loss: v[2 * k], gradNorm: Math.sqrt(v[2 * k + 1]) };
    });
  }

  /** Trial k's parameters. */
  async readParams(k: number): Promise<Map<string, Float32Array>> {
    this.rt.selectTrial(k);
    return this.rt.readParams();
  }

  /** Trial k's optimizer moments (m then v), as Trainer.readMoments gives them. */
  async readMoments(k: number): Promise<Float32Array> {
    const n = 2 * this.paramCount;
    return readFloat32(this.ctx, this.moments, k * n, n);
  }

  destroy(): void {
    this.rt.destroy();
    for (const b of this.owned) b.destroy();
  }
}
