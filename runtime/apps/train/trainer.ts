/// <reference types="@webgpu/types" />
// Training on the GPU. One training step is one command buffer and one
// submit: upload the batch, forward over T steps, backward, loss and gradient
// norm reduction, optimizer update. Only two floats come back: the loss and
// the gradient norm.
//
// Truncated BPTT over long sequences: with `carry`, each step's initial state
// is the previous step's final state (copied on the GPU); gradients do not
// cross the boundary.

import { compileBound, numel, packUniform, TRAIN_HYPER_BYTES, type Artifact, type BindingResource, type Model, type TrainingPlan } from '../../../compiler/index.js';
import { CellRuntime } from '../../core/cellRuntime.js';
import { BufferUsage, createStorageBuffer, readFloat32 } from '../../core/buffers.js';
import { targetOf, type GpuContext } from '../../core/device.js';
import type { Batch } from './tasks.js';

export type OptimizerName = 'sgd' | 'adam' | 'adamw';

export interface OptimizerConfig {
  readonly optimizer: OptimizerName;
  readonly lr: number;
  /** 'constant', or linear warm-up then cosine decay to 0 over `steps`. */
  readonly schedule: 'constant' | 'cosine';
  readonly warmup: number;
  readonly steps: number;
  readonly clip: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  optimizer: 'adam',
  lr: 1e-2,
  schedule: 'constant',
  warmup: 0,
  steps: 1000,
  clip: 1,
  momentum: 0.9,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
};

/** The learning rate at (0-based) step k. */
export function learningRate(c: OptimizerConfig, k: number): number {
  if (c.warmup > 0 && k < c.warmup) return (c.lr * (k + 1)) / c.warmup;
  if (c.schedule === 'constant') return c.lr;
  const span = Math.max(1, c.steps - c.warmup);
  const p = Math.min(1, (k - c.warmup) / span);
  return 0.5 * c.lr * (1 + Math.cos(Math.PI * p));
}

/** The update kernels' optimizer code (Hyper.kind). */
export const optimizerKind = (c: Pick<OptimizerConfig, 'optimizer'>): number => (c.optimizer === 'sgd' ? 0 : c.optimizer === 'adam' ? 1 : 2);

export interface StepResult {
  readonly loss: number;
  readonly gradNorm: number;
}

export class Trainer {
  private statsBuffer!: GPUBuffer;
  private readBack!: GPUBuffer;
  private hyper!: GPUBuffer;
  private moments!: GPUBuffer;
  private carryTmp: GPUBuffer | undefined;
  private nParams = 0;
  /** Optimizer steps taken (Adam's t); also the draw of the step's random masks. */
  step = 0;
  /** The seed of the random masks (dropout, zoneout): the run's seed. */
  maskSeed = 0;

  private constructor(
    readonly ctx: GpuContext,
    readonly model: Model,
    readonly artifact: Artifact,
    readonly rt: CellRuntime,
    readonly config: OptimizerConfig,
  ) {}

  static async create(ctx: GpuContext, model: Model, shape: { B: number; T: number }, config: OptimizerConfig): Promise<Trainer> {
    const artifact = compileBound({ graph: model.graph, sizes: {} }, { inputGradients: false, training: true, target: targetOf(ctx) });
    const rt = await CellRuntime.create(ctx, artifact, shape);
    const tr = new Trainer(ctx, model, artifact, rt, config);
    await tr.setup();
    return tr;
  }

  get B(): number {
    return this.rt.B;
  }

  get T(): number {
    return this.rt.T;
  }

  private get plan(): TrainingPlan {
    const p = this.artifact.training;
    if (!p) throw new Error('not a training artifact');
    return p;
  }

  /** The optimizer's kernels come with the artifact; the trainer owns the buffers they name. */
  private async setup() {
    const { ctx, rt } = this;
    this.nParams = this.plan.paramCount;
    this.statsBuffer = createStorageBuffer(ctx, 'training stats', 4);
    this.readBack = ctx.device.createBuffer({ label: 'training stats read-back', size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.hyper = ctx.device.createBuffer({ label: 'optimizer hyper-parameters', size: TRAIN_HYPER_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    this.moments = createStorageBuffer(ctx, 'optimizer moments', 2 * Math.max(1, this.nParams));
    const host = { stats: this.statsBuffer, hyper: this.hyper, moments: this.moments };
    await rt.prepareHostKernel(this.plan.stats, host);
    const update = await rt.prepareHostKernel(this.plan.update, host);
    this.hyperLayout = update.record.bindings.find((b) => b.resource.kind === 'host' && b.resource.name === 'hyper')!.resource as Extract<BindingResource, { kind: 'host' }>;
  }

  /** The layout of the hyper-parameter uniform, as the update kernel's record declares it. */
  private hyperLayout!: Extract<BindingResource, { kind: 'host' }>;

  private writeHyper(lr: number) {
    const c = this.config;
    const t = this.step + 1;
    const hyper = this.hyperLayout;
    const values = { lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, bc1: 1 - c.beta1 ** t, bc2: 1 - c.beta2 ** t, clip: c.clip, momentum: c.momentum, kind: optimizerKind(c) };
    this.ctx.queue.writeBuffer(this.hyper, 0, packUniform(hyper.bytes, hyper.fields ?? [], this.B, this.T, values));
  }

  /** Initial parameters from the model's initialisers; zero optimizer moments. */
  init(seed: number): void {
    this.rt.initParams(seed);
    this.ctx.queue.writeBuffer(this.moments, 0, new Float32Array(2 * this.nParams));
    this.rt.setOutputCotangents(new Map([['loss', new Float32Array(this.T * this.B).fill(1)]]));
    this.rt.setFinalStateCotangents();
    this.step = 0;
    this.maskSeed = seed >>> 0;
  }

  private encodeCarry(encoder: GPUCommandEncoder) {
    for (const s of this.artifact.states) {
      const n = this.B * numel(s.shape);
      const r = this.rt.resolve(s.tensor);
      this.carryTmp ??= this.ctx.device.createBuffer({ label: 'state carry', size: 4 * Math.max(...this.artifact.states.map((x) => this.B * numel(x.shape))), usage: BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(r.buffer, (r.offset + this.T * n) * 4, this.carryTmp, 0, n * 4);
      encoder.copyBufferToBuffer(this.carryTmp, 0, r.buffer, r.offset * 4, n * 4);
    }
  }

  /**
   * One optimizer step on `batch`. `carry`: start from the previous batch's
   * final state (truncated BPTT over a long sequence) instead of the declared
   * initial state. `lr`: the learning rate of this update (default: the
   * schedule at this optimizer step; a run with several updates per batch —
   * truncated BPTT windows — passes the schedule at its batch).
   */
  async trainStep(batch: Batch, carry = false, lr = learningRate(this.config, this.step)): Promise<StepResult> {
    const { ctx, rt } = this;
    rt.setInputs(batch.inputs);
    if (!carry) rt.setInitialStates();
    else rt.holdInitialStates();
    // fresh masks at every optimizer step, reproducible from the seed and the step (a resumed run draws the same)
    rt.setRandom({ seed: this.maskSeed, draw: this.step, training: true });
    this.writeHyper(lr);
    const encoder = ctx.device.createCommandEncoder({ label: `training step ${this.step}` });
    if (carry) this.encodeCarry(encoder);
    rt.encodeForward(encoder);
    rt.encodeBackward(encoder);
    let pass = encoder.beginComputePass({ label: 'loss and gradient norm' });
    rt.encode(pass, this.plan.stats);
    pass.end();
    pass = encoder.beginComputePass({ label: 'optimizer update' });
    rt.encode(pass, this.plan.update);
    pass.end();
    encoder.copyBufferToBuffer(this.statsBuffer, 0, this.readBack, 0, 8);
    ctx.queue.submit([encoder.finish()]);
    await this.readBack.mapAsync(1);
    const v = new Float32Array(this.readBack.getMappedRange().slice(0));
    this.readBack.unmap();
    this.step++;
    return { loss: v[0], gradNorm: Math.sqrt(v[1]) };
  }

  /** Forward only: the mean loss of a batch (evaluation). */
  async evaluate(batch: Batch): Promise<number> {
    const { rt } = this;
    rt.setInputs(batch.inputs);
    rt.setInitialStates();
    rt.setRandom(undefined);
    await rt.forward();
    const loss = await rt.readOutput('loss');
    return loss.reduce((a, b) => a + b, 0);
  }

  async readMoments(): Promise<Float32Array> {
    return readFloat32(this.ctx, this.moments, 0, 2 * this.nParams);
  }

  writeMoments(m: Float32Array): void {
    if (m.length !== 2 * this.nParams) throw new RangeError(`optimizer state has ${m.length} values, expected ${2 * this.nParams}`);
    this.ctx.queue.writeBuffer(this.moments, 0, m.buffer, m.byteOffset, m.byteLength);
  }

  destroy(): void {
    this.rt.destroy();
    this.statsBuffer?.destroy();
    this.readBack?.destroy();
    this.hyper?.destroy();
    this.moments?.destroy();
    this.carryTmp?.destroy();
  }
}
