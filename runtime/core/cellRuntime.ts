/// <reference types="@webgpu/types" />
// Executes a compiled artifact on a WebGPU device: allocates the arenas for a
// batch size B and sequence length T, prepares every kernel record of the
// plans (kernels.ts: pipelines cached per device — B, T and the step t come
// from a uniform, so pipelines are shared across B and T — bind groups, the
// workgroup counts of each record's dispatch formula), and encodes a whole
// forward pass, or forward + backward, into one command buffer with one
// submit. It creates no WGSL of its own. Only what is asked for is read back.

import { DIMS_RECORD_BYTES, DIMS_STRIDE, dispatchCounts, elementAddress, evalLin, initialize, numel, Rng, type ArenaName, type Artifact, type ArtifactTensor, type DispatchCounts, type KernelRecord, type PassPlan, type RandomKey, type TensorId, type TensorRef } from '../../compiler/index.js';
import { BufferUsage, checkStorageBufferSize, createStorageBuffer, readFloat32 } from './buffers.js';
import type { GpuContext } from './device.js';
import { withErrorScopes } from './errors.js';
import { encodeKernel, prepareKernel, type PreparedKernel, type ResourceResolver } from './kernels.js';

export interface RuntimeShape {
  readonly B: number;
  readonly T: number;
  /** Trials (an artifact with a trial axis): every arena once per trial, every kernel run for all of them. Default 1. */
  readonly trials?: number;
}

interface Resolved {
  readonly buffer: GPUBuffer;
  /** Element offset of (t = 0, row 0, col) with the shift applied. */
  readonly offset: number;
  readonly width: number;
}

const STEP_STRIDE = DIMS_STRIDE; // bytes between the dims records (minUniformBufferOffsetAlignment ≤ 256)

export class CellRuntime {
  private readonly buffers = new Map<ArenaName, GPUBuffer>();
  private readonly kernels = new Map<string, PreparedKernel>();
  private readonly records: ReadonlyMap<string, KernelRecord>;
  private readonly tensors: ReadonlyMap<string, ArtifactTensor>;
  private stepBuffer!: GPUBuffer;
  /** The dims records as uploaded: (t, B, T, train, seed, draw) at every STEP_STRIDE bytes. */
  private stepData!: Uint32Array<ArrayBuffer>;
  private stepGroups = new Map<GPUBindGroupLayout, GPUBindGroup[]>();
  /** The kernels of learned initial states whose s_0 the caller gave or carried (not run). */
  private readonly heldStates = new Set<string>();

  /** The trial whose copy of the arenas the data methods (write, read, setInputs, readParams…) use; see selectTrial. */
  private trial = 0;

  private constructor(
    readonly ctx: GpuContext,
    readonly artifact: Artifact,
    readonly B: number,
    readonly T: number,
    readonly trials: number,
  ) {
    this.tensors = new Map(artifact.tensors.map((t) => [t.name, t]));
    this.records = new Map(artifact.kernels.map((k) => [k.name, k]));
  }

  static async create(ctx: GpuContext, artifact: Artifact, shape: RuntimeShape): Promise<CellRuntime> {
    const { B, T, trials = 1 } = shape;
    if (!Number.isInteger(B) || B < 1) throw new RangeError(`B must be a positive integer, got ${B}`);
    if (!Number.isInteger(T) || T < 1) throw new RangeError(`T must be a positive integer, got ${T}`);
    if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials must be a positive integer, got ${trials}`);
    if (trials > 1 && !artifact.trialAxis) throw new RangeError(`${artifact.cell}: ${trials} trials need an artifact compiled with a trial axis (trialAxis: true)`);
    const rt = new CellRuntime(ctx, artifact, B, T, trials);
    await rt.allocate();
    return rt;
  }

  private tensor(name: string) {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`artifact has no tensor ${name}`);
    return t;
  }

  /** A tensor reference → buffer and element offset of its row 0 at t = 0. */
  resolve(ref: TensorRef | TensorId): Resolved {
    let r: TensorRef = typeof ref === 'string' ? { tensor: ref, shift: 0, col: 0 } : ref;
    const alias = this.artifact.aliases[r.tensor];
    if (alias) r = { tensor: alias.tensor, shift: alias.shift, col: alias.col + r.col };
    const t = this.tensor(r.tensor);
    const copy = this.trial ? this.trial * evalLin(this.artifact.arenas[t.arena], this.B, this.T) : 0;
    return { buffer: this.arena(t.arena), offset: copy + elementAddress(t, r, this.B, this.T), width: t.width };
  }

  /**
   * From now on the data methods (write, read, setParams, readParams,
   * setInputs, setInitialStates, readOutput, readState, the cotangents…) use
   * trial k's copy of the arenas (a runtime of several trials). A read
   * reads the trial selected when it is called.
   */
  selectTrial(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.trials) throw new RangeError(`trial ${k} outside 0..${this.trials - 1}`);
    this.trial = k;
  }

  /** The buffer of an arena. */
  arena(name: ArenaName): GPUBuffer {
    const b = this.buffers.get(name);
    if (!b) throw new Error(`artifact has no arena ${name}`);
    return b;
  }

  /** What kernel records' resources resolve to here; `host` names the application's buffers. */
  resources(host: Readonly<Record<string, GPUBuffer>> = {}): ResourceResolver {
    return {
      arena: (a) => this.arena(a),
      dimsGroups: (layout) => this.dimsGroups(layout),
      host: (name) => host[name],
      B: this.B,
      T: this.T,
      trials: this.trials,
    };
  }

  private dimsGroups(layout: GPUBindGroupLayout): GPUBindGroup[] {
    let groups = this.stepGroups.get(layout);
    if (!groups) {
      groups = [];
      for (let t = 0; t <= this.T; t++) groups.push(this.ctx.device.createBindGroup({ label: `step ${t}`, layout, entries: [{ binding: 0, resource: { buffer: this.stepBuffer, offset: t * STEP_STRIDE, size: DIMS_RECORD_BYTES } }] }));
      this.stepGroups.set(layout, groups);
    }
    return groups;
  }

  private async allocate() {
    const { ctx, artifact, B, T } = this;
    for (const [arena, size] of Object.entries(artifact.arenas)) {
      const elements = evalLin(size, B, T) * this.trials;
      const biggest = artifact.tensors.filter((t) => t.arena === arena).map((t) => ({ t, n: t.kind === 'const' ? t.width : t.kind === 'row' ? t.width * B : t.width * B * (t.steps === 'T' ? T : T + 1) })).sort((a, b) => b.n - a.n)[0];
      const what = (biggest ? `${arena} arena (largest tensor ${biggest.t.name}: ${biggest.n * 4} bytes at B=${B}, T=${T})` : `${arena} arena`) + (this.trials > 1 ? ` × ${this.trials} trials` : '');
      // blame what can be changed: when even one row at one step does not fit, the sizes (H…) are the cause, not B or T
      const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
      const sizesHint = evalLin(size, 1, 1) * 4 > limit ? 'it does not fit even at B=1 and T=1: use smaller sizes (--set), e.g. a smaller hidden size' : undefined;
      checkStorageBufferSize(ctx.limits, what, elements * 4, sizesHint);
      this.buffers.set(arena, createStorageBuffer(ctx, `${artifact.cell} ${arena}`, Math.max(1, elements)));
    }
    // the dims uniform: record t holds (t, B, T, train = 0, seed, draw); kernels bind one record at group 1
    const data = new Uint32Array(((T + 1) * STEP_STRIDE) / 4);
    for (let t = 0; t <= T; t++) data.set([t, B, T], (t * STEP_STRIDE) / 4);
    this.stepData = data;
    this.stepBuffer = ctx.device.createBuffer({ label: `${artifact.cell} steps`, size: data.byteLength, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    ctx.queue.writeBuffer(this.stepBuffer, 0, data);
    const scheduled = new Set([...planKernels(artifact.forward), ...planKernels(artifact.backward), ...artifact.backward.grads]);
    const resources = this.resources();
    await withErrorScopes(ctx.device, `${artifact.cell}: pipelines`, async () => {
      for (const k of artifact.kernels) if (scheduled.has(k.name)) this.kernels.set(k.name, await prepareKernel(ctx, artifact.cell, k, resources));
    });
  }

  /**
   * Prepares a kernel of the artifact that binds application buffers (the
   * optimizer's), for `encode`. The runtime owns what it returns.
   */
  async prepareHostKernel(name: string, host: Readonly<Record<string, GPUBuffer>>): Promise<PreparedKernel> {
    const k = this.records.get(name);
    if (!k) throw new Error(`artifact has no kernel ${name}`);
    const p = await withErrorScopes(this.ctx.device, `${this.artifact.cell}: ${name}`, () => prepareKernel(this.ctx, this.artifact.cell, k, this.resources(host)));
    this.kernels.set(name, p);
    return p;
  }

  /**
   * The masks (dropout, zoneout) of the passes encoded from now on: drawn
   * from `key` (seed, draw) when it trains, their expectation without a key
   * or when `key.training` is false (the default: evaluation). A backward
   * pass must run under the key of its forward pass. No effect on a cell
   * without masks.
   */
  setRandom(key: RandomKey | undefined): void {
    if (!this.artifact.randomMasks) return;
    for (const v of [key?.seed, key?.draw]) if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new RangeError(`mask seed and draw must be integers in 0..2³²−1, got ${v}`);
    // (train, seed, draw) of every record; nothing to upload when record 0 holds them already
    const fields = key?.training ? [1, key.seed, key.draw] : [0, 0, 0];
    if (fields.every((v, i) => this.stepData[3 + i] === v)) return;
    for (let t = 0; t <= this.T; t++) this.stepData.set(fields, (t * STEP_STRIDE) / 4 + 3);
    this.ctx.queue.writeBuffer(this.stepBuffer, 0, this.stepData);
  }

  // ---- data in and out -------------------------------------------------

  write(ref: TensorRef | TensorId, data: Float32Array, elementOffset = 0): void {
    const r = this.resolve(ref);
    this.ctx.queue.writeBuffer(r.buffer, (r.offset + elementOffset) * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  async read(ref: TensorRef | TensorId, count: number, elementOffset = 0): Promise<Float32Array> {
    const r = this.resolve(ref);
    return readFloat32(this.ctx, r.buffer, r.offset + elementOffset, count);
  }

  /** Parameters from the cell's initialisers, seeded (float64 → float32). */
  initParams(seed: number): Map<string, Float32Array> {
    const rng = new Rng(seed);
    const values = new Map(this.artifact.params.map((p) => [p.name, Float32Array.from(initialize(p.init, p.shape, rng))]));
    this.setParams(values);
    return values;
  }

  setParams(values: ReadonlyMap<string, Float32Array>): void {
    for (const p of this.artifact.params) {
      const v = values.get(p.name);
      if (!v) throw new Error(`no value for parameter ${p.name}`);
      const n = numel(p.shape);
      if (v.length !== n) throw new RangeError(`parameter ${p.name} needs ${n} values, got ${v.length}`);
      this.write(p.tensor, v);
    }
  }

  async readParams(): Promise<Map<string, Float32Array>> {
    return this.readNamed(this.artifact.params.map((p) => [p.name, p.tensor, p.shape]));
  }

  async readGrads(): Promise<Map<string, Float32Array>> {
    return this.readNamed(this.artifact.params.map((p) => [p.name, p.grad, p.shape]));
  }

  private async readNamed(list: [string, TensorId, readonly number[]][]): Promise<Map<string, Float32Array>> {
    // every read is issued (and its place resolved) now: a later selectTrial does not change what this returns
    const reads = list.map(([name, tensor, shape]) => [name, this.read(tensor, shape.reduce((a, b) => a * b, 1))] as const);
    const out = new Map<string, Float32Array>();
    for (const [name, v] of reads) out.set(name, await v);
    return out;
  }

  /**
   * A sequence (T blocks of equal size) in scan-step order: itself for a
   * forward cell, the blocks reversed for a reverse-time cell (an involution:
   * it also maps step order back to time order).
   */
  private timeOrder(v: Float32Array): Float32Array {
    if (!this.artifact.reverse) return v;
    const per = v.length / this.T;
    const out = new Float32Array(v.length);
    for (let t = 0; t < this.T; t++) out.set(v.subarray(t * per, (t + 1) * per), (this.T - 1 - t) * per);
    return out;
  }

  /** Inputs for all steps: name → T·B·n values, time-major (index inputs as their integer values). */
  setInputs(values: ReadonlyMap<string, Float32Array>): void {
    for (const x of this.artifact.inputs) {
      const v = values.get(x.name);
      if (!v) throw new Error(`no values for input ${x.name}`);
      const n = this.T * this.B * numel(x.shape);
      if (v.length !== n) throw new RangeError(`input ${x.name} needs T·B·${n / (this.T * this.B)} = ${n} values, got ${v.length}`);
      this.write(x.tensor, this.timeOrder(v));
    }
  }

  /**
   * Initial states s_0 (name → B·n); states not given start from their
   * declared constant, or from their parameter (`state h[H] = h0`, written on
   * the GPU at every forward pass and given its gradient by the backward pass).
   */
  setInitialStates(values: ReadonlyMap<string, Float32Array> = new Map()): void {
    for (const s of this.artifact.states) {
      const n = this.B * numel(s.shape);
      const given = values.get(s.name);
      if (s.initParam) {
        for (const k of [s.initParam.fill, s.initParam.grad]) given ? this.heldStates.add(k) : this.heldStates.delete(k);
        if (!given) continue;
      }
      const v = given ?? new Float32Array(n).fill(s.init);
      if (v.length !== n) throw new RangeError(`initial state ${s.name} needs B·n = ${n} values, got ${v.length}`);
      this.write(s.tensor, v);
    }
  }

  /**
   * The caller writes s_0 itself from now on (a carry of the last final state):
   * learned initial states are neither filled from their parameters nor give
   * them a gradient, until the next setInitialStates.
   */
  holdInitialStates(): void {
    for (const s of this.artifact.states) if (s.initParam) (this.heldStates.add(s.initParam.fill), this.heldStates.add(s.initParam.grad));
  }

  private unheld(names: readonly string[]): readonly string[] {
    return this.heldStates.size ? names.filter((k) => !this.heldStates.has(k)) : names;
  }

  /** Output y over all steps: T·B·n values. */
  async readOutput(name: string): Promise<Float32Array> {
    const o = this.artifact.outputs.find((x) => x.name === name);
    if (!o) throw new Error(`no output ${name}`);
    const n = numel(o.shape);
    const rows = await this.read(o.at, (this.T * this.B - 1) * o.width + n);
    if (o.width === n) return this.timeOrder(rows);
    const out = new Float32Array(this.T * this.B * n);
    for (let r = 0; r < this.T * this.B; r++) out.set(rows.subarray(r * o.width, r * o.width + n), r * n);
    return this.timeOrder(out);
  }

  /** State s_t (t = 0…T, counted in scan steps: s_T is after the last step, also for a reverse cell): B·n values. */
  async readState(name: string, t = this.T): Promise<Float32Array> {
    const s = this.artifact.states.find((x) => x.name === name)!;
    const n = this.B * numel(s.shape);
    return this.read(s.tensor, n, t * n);
  }

  /** ∂L/∂y_t for all steps (T·B·n). */
  setOutputCotangents(values: ReadonlyMap<string, Float32Array>): void {
    for (const o of this.artifact.outputs) {
      const n = this.T * this.B * numel(o.shape);
      this.write(o.dtensor, this.timeOrder(values.get(o.name) ?? new Float32Array(n)));
    }
  }

  /** ∂L/∂s_T (B·n per state; zero when absent). */
  setFinalStateCotangents(values: ReadonlyMap<string, Float32Array> = new Map()): void {
    for (const s of this.artifact.states) {
      const n = this.B * numel(s.shape);
      this.write(s.dtensor, values.get(s.name) ?? new Float32Array(n), this.T * n);
    }
  }

  async readInitialStateGrads(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const s of this.artifact.states) out.set(s.name, await this.read(s.dtensor, this.B * numel(s.shape)));
    return out;
  }

  async readInputGrad(name: string): Promise<Float32Array> {
    const x = this.artifact.inputs.find((i) => i.name === name);
    if (!x?.dtensor) throw new Error(`input ${name} has no gradient`);
    const n = numel(x.shape);
    const r = this.resolve(x.dtensor);
    const rows = await this.read(x.dtensor, (this.T * this.B - 1) * r.width + n);
    if (r.width === n) return this.timeOrder(rows);
    const out = new Float32Array(this.T * this.B * n);
    for (let i = 0; i < this.T * this.B; i++) out.set(rows.subarray(i * r.width, i * r.width + n), i * n);
    return this.timeOrder(out);
  }

  // ---- encoding ----------------------------------------------------------

  /** Records one dispatch of a kernel of the artifact at step t (0 for kernels that run once). */
  encode(pass: GPUComputePassEncoder, kernel: string, t = 0): void {
    const k = this.kernels.get(kernel);
    if (!k) throw new Error(`kernel ${kernel} is not prepared`);
    encodeKernel(pass, k, t);
  }

  /** Encodes the forward pass over all T steps. */
  encodeForward(encoder: GPUCommandEncoder): void {
    const pass = encoder.beginComputePass({ label: `${this.artifact.cell} forward` });
    const f = this.artifact.forward;
    for (const s of [...this.unheld(f.prelude), ...f.before]) this.encode(pass, s, 0);
    for (let t = 0; t < this.T; t++) for (const s of f.step) this.encode(pass, s, t);
    for (const s of f.after) this.encode(pass, s, 0);
    pass.end();
  }

  /**
   * Encodes the backward pass: reverse time, then the parameter gradients
   * (into a cleared grads arena). `window` < T truncates BPTT: the state
   * cotangent is reset to zero at every window boundary.
   */
  encodeBackward(encoder: GPUCommandEncoder, window = this.T): void {
    const b = this.artifact.backward;
    const name = this.artifact.schedule?.name;
    if (window < this.T && (name === 'scan' || name === 'persistent')) throw new RangeError(`${this.artifact.cell}: truncated BPTT (window ${window} < T = ${this.T}) needs the sequential or step-fused schedule; this artifact runs the ${name} schedule`);
    let pass = encoder.beginComputePass({ label: `${this.artifact.cell} backward` });
    for (const s of [...b.prelude, ...b.before]) this.encode(pass, s, 0);
    for (let t = this.T - 1; t >= 0; t--) {
      if (t + 1 < this.T && (t + 1) % window === 0) {
        pass.end();
        for (const s of this.artifact.states) {
          const n = this.B * numel(s.shape);
          const r = this.resolve(s.dtensor);
          encoder.clearBuffer(r.buffer, (r.offset + (t + 1) * n) * 4, n * 4);
        }
        pass = encoder.beginComputePass({ label: `${this.artifact.cell} backward window` });
      }
      for (const s of b.step) this.encode(pass, s, t);
    }
    for (const s of b.after) this.encode(pass, s, 0);
    pass.end();
    encoder.clearBuffer(this.arena('grads'));
    pass = encoder.beginComputePass({ label: `${this.artifact.cell} parameter gradients` });
    for (const s of this.unheld(b.grads)) this.encode(pass, s, 0);
    pass.end();
  }

  /** Runs the forward pass (one submit). */
  async forward(): Promise<void> {
    await this.submit('forward', (e) => this.encodeForward(e));
  }

  /** Runs forward and backward in one command buffer, one submit. */
  async forwardBackward(window = this.T): Promise<void> {
    await this.submit('forward+backward', (e) => {
      this.encodeForward(e);
      this.encodeBackward(e, window);
    });
  }

  async submit(label: string, encode: (e: GPUCommandEncoder) => void): Promise<void> {
    const { ctx } = this;
    await withErrorScopes(ctx.device, `${this.artifact.cell} ${label}`, () => {
      const encoder = ctx.device.createCommandEncoder({ label });
      encode(encoder);
      ctx.queue.submit([encoder.finish()]);
    });
    await ctx.queue.onSubmittedWorkDone();
  }

  /** Dispatches per call and per step (the compiler's count of the plans). */
  dispatchCounts(): DispatchCounts {
    return dispatchCounts(this.artifact);
  }

  destroy(): void {
    for (const k of this.kernels.values()) for (const b of k.owned) b.destroy();
    for (const b of this.buffers.values()) b.destroy();
    this.stepBuffer?.destroy();
  }
}

function planKernels(p: PassPlan): string[] {
  return [...p.prelude, ...p.before, ...p.step, ...p.after];
}
