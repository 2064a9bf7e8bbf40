/// <reference types="@webgpu/types" />
// K trials of one model trained together (compiler/model/trials.ts): one
// command buffer per step runs every trial's forward, backward, statistics
// and update, so K trials cost one set of dispatches. Each trial has its own
// data, parameters, optimizer moments, hyper-parameters and step count, and
// stops on its own (`stop(k)`: it takes no further update). A trial's results
// are those of the same trial trained alone by Trainer, bit for bit: the
// compiler maps its parameters to their solo order for its statistics, and
// the arithmetic of every kernel is the solo one (test/gpu/trialTrainer.test.ts).
//
// Full BPTT only (a truncated-BPTT run trains alone).

import { compileTrials, initialize, numel, packUniform, Rng, TRAIN_HYPER_BYTES, trialPrefix, trialTables, type Artifact, type Model, type TrialPlan } from '../../../compiler/index.js';
import { CellRuntime } from '../../core/cellRuntime.js';
import { BufferUsage, createStorageBuffer, readFloat32 } from '../../core/buffers.js';
import { targetOf, type GpuContext } from '../../core/device.js';
import type { Batch } from './tasks.js';
import { learningRate, optimizerKind, type OptimizerConfig, type StepResult } from './trainer.js';

export class TrialTrainer {
  private stats!: GPUBuffer;
  private readBack!: GPUBuffer;
  private hyper!: GPUBuffer;
  private moments!: GPUBuffer;
  private activeBuffer!: GPUBuffer;
  private tables: GPUBuffer[] = [];
  private readonly active: boolean[];
  /** Optimizer steps taken by each trial (its Adam t). */
  readonly steps: number[];

  private constructor(
    readonly ctx: GpuContext,
    readonly model: Model,
    readonly artifact: Artifact,
    /** One trial compiled alone: its parameter table is each trial's. */
    readonly solo: Artifact,
    readonly rt: CellRuntime,
    readonly configs: readonly OptimizerConfig[],
  ) {
    this.active = configs.map(() => true);
    this.steps = configs.map(() => 0);
  }

  /** K = configs.length trials of `model` at (B, T), trial k with optimizer configs[k]. */
  static async create(ctx: GpuContext, model: Model, shape: { B: number; T: number }, configs: readonly OptimizerConfig[]): Promise<TrialTrainer> {
    const { artifact, solo } = compileTrials(model.graph, configs.length, { target: targetOf(ctx), inputGradients: false });
    const rt = await CellRuntime.create(ctx, artifact, shape);
    const tr = new TrialTrainer(ctx, model, artifact, solo, rt, configs);
    await tr.setup();
    return tr;
  }

  get count(): number {
    return this.configs.length;
  }

  private get plan(): TrialPlan {
    return this.artifact.training!.trials!;
  }

  private async setup() {
    const { ctx, rt, count } = this;
    const total = this.artifact.training!.paramCount;
    const { map, of } = trialTables(this.plan, total);
    const storage = (label: string, init: Uint32Array | number) => {
      const b = createStorageBuffer(ctx, label, init);
      this.tables.push(b);
      return b;
    };
    this.stats = storage('trial stats', 2 * count);
    this.readBack = ctx.device.createBuffer({ label: 'trial stats read-back', size: 8 * count, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.hyper = storage('trial hyper-parameters', (TRAIN_HYPER_BYTES / 4) * count);
    this.moments = storage('trial optimizer moments', 2 * total);
    this.activeBuffer = storage('active trials', new Uint32Array(count).fill(1));
    const host = { stats: this.stats, trials: this.hyper, moments: this.moments, trialMap: storage('trial map', map), trialOf: storage('trial of parameter', of), running: this.activeBuffer };
    await rt.prepareHostKernel(this.artifact.training!.stats, host);
    await rt.prepareHostKernel(this.artifact.training!.update, host);
  }

  /** Initial parameters of trial k from seeds[k], as Trainer.init(seeds[k]) draws them; zero moments; all trials active. Returns each trial's values (solo names). */
  init(seeds: readonly number[]): Map<string, Float32Array>[] {
    if (seeds.length !== this.count) throw new RangeError(`${seeds.length} seeds for ${this.count} trials`);
    const all = new Map<string, Float32Array>();
    const per = seeds.map((seed, k) => {
      const rng = new Rng(seed);
      const values = new Map(this.solo.params.map((p) => [p.name, Float32Array.from(initialize(p.init, p.shape, rng))]));
      for (const [name, v] of values) all.set(trialPrefix(k) + name, v);
      return values;
    });
    this.rt.setParams(all);
    this.ctx.queue.writeBuffer(this.moments, 0, new Float32Array(2 * this.artifact.training!.paramCount));
    const ones = new Float32Array(this.rt.T * this.rt.B).fill(1);
    this.rt.setOutputCotangents(new Map(per.map((_, k) => [trialPrefix(k) + 'loss', ones])));
    this.rt.setFinalStateCotangents();
    this.active.fill(true);
    this.steps.fill(0);
    this.writeActive();
    return per;
  }

  isActive(k: number): boolean {
    return this.active[k];
  }

  /** Trial k takes no further update (it diverged or finished); its parameters and moments stay as they are. */
  stop(k: number): void {
    this.active[k] = false;
    this.writeActive();
  }

  private writeActive() {
    this.ctx.queue.writeBuffer(this.activeBuffer, 0, Uint32Array.from(this.active, (a) => (a ? 1 : 0)));
  }

  private writeHyper(lrs: readonly number[]) {
    const bytes = new Uint8Array(TRAIN_HYPER_BYTES * this.count);
    this.configs.forEach((c, k) => {
      const t = this.steps[k] + 1;
      const values = { lr: lrs[k], beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, bc1: 1 - c.beta1 ** t, bc2: 1 - c.beta2 ** t, clip: c.clip, momentum: c.momentum, kind: optimizerKind(c) };
      bytes.set(new Uint8Array(packUniform(TRAIN_HYPER_BYTES, this.plan.hyperFields[k], this.rt.B, this.rt.T, values)), k * TRAIN_HYPER_BYTES);
    });
    this.ctx.queue.writeBuffer(this.hyper, 0, bytes);
  }

  /**
   * One optimizer step of every active trial, trial k on batches[k] (a
   * stopped trial's entry is ignored: it runs on its last data and takes no
   * update). Returns each trial's loss and gradient norm (undefined for a
   * stopped trial).
   */
  async trainStep(batches: readonly (Batch | undefined)[]): Promise<(StepResult | undefined)[]> {
    const { ctx, rt } = this;
    const inputs = new Map<string, Float32Array>();
    batches.forEach((b, k) => {
      if (!this.active[k] || !b) return;
      for (const [name, v] of b.inputs) inputs.set(trialPrefix(k) + name, v);
    });
    this.setInputs(inputs);
    rt.setInitialStates();
    this.writeHyper(this.configs.map((c, k) => learningRate(c, this.steps[k])));
    const encoder = ctx.device.createCommandEncoder({ label: 'trials training step' });
    rt.encodeForward(encoder);
    rt.encodeBackward(encoder);
    let pass = encoder.beginComputePass({ label: 'loss and gradient norm per trial' });
    rt.encode(pass, this.artifact.training!.stats);
    pass.end();
    pass = encoder.beginComputePass({ label: 'optimizer update per trial' });
    rt.encode(pass, this.artifact.training!.update);
    pass.end();
    encoder.copyBufferToBuffer(this.stats, 0, this.readBack, 0, 8 * this.count);
    ctx.queue.submit([encoder.finish()]);
    await this.readBack.mapAsync(1);
    const v = new Float32Array(this.readBack.getMappedRange().slice(0));
    this.readBack.unmap();
    return this.active.map((a, k) => {
      if (!a) return undefined;
      this.steps[k]++;
      return { loss: v[2 * k], gradNorm: Math.sqrt(v[2 * k + 1]) };
    });
  }

  /** Writes the inputs given; a stopped trial's keep what they hold (zeros before the first step). */
  private setInputs(values: ReadonlyMap<string, Float32Array>) {
    if (!this.wrote) {
      const zeros = this.artifact.inputs.filter((x) => !values.has(x.name)).map((x) => [x.name, new Float32Array(this.rt.T * this.rt.B * numel(x.shape))] as const);
      values = new Map([...values, ...zeros]);
    }
    this.rt.setInputs(values, this.wrote);
    this.wrote = true;
  }

  private wrote = false;

  /** Trial k's parameters, by their solo names. */
  async readParams(k: number): Promise<Map<string, Float32Array>> {
    const all = await this.rt.readParams();
    return new Map(this.solo.params.map((p) => [p.name, all.get(trialPrefix(k) + p.name)!]));
  }

  /** Trial k's optimizer moments in the solo layout (m then v, N each), as Trainer.readMoments gives them. */
  async readMoments(k: number): Promise<Float32Array> {
    const total = this.artifact.training!.paramCount;
    const all = await readFloat32(this.ctx, this.moments, 0, 2 * total);
    const N = this.plan.paramCount;
    const out = new Float32Array(2 * N);
    for (const s of this.plan.segments[k]) {
      out.set(all.subarray(s.at, s.at + s.n), s.solo);
      out.set(all.subarray(total + s.at, total + s.at + s.n), N + s.solo);
    }
    return out;
  }

  destroy(): void {
    this.rt.destroy();
    this.readBack?.destroy();
    for (const b of this.tables) b.destroy();
  }
}
