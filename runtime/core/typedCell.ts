/// <reference types="@webgpu/types" preserve="true" />
// A typed face of CellRuntime for one cell: named parameter and state
// accessors, and forward / backward / train-step methods that take and return
// plain objects keyed by the cell's input, output, parameter and state names.
//
// The generated bindings (`cellc emit FILE --target ts`) describe a cell's
// names and shapes as a CellSignature and call createTypedCell with it, so a
// consumer that uses a name the cell no longer has fails to type-check.
// createTypedCell also works with any artifact and a hand-written signature.

import { ARTIFACT_FORMAT, numel, type Artifact, type Initializer, type RandomKey } from '../../compiler/index.js';
import { CellRuntime, type RuntimeShape } from './cellRuntime.js';
import { contextForDevice, GpuContext } from './device.js';

export type { Initializer } from '../../compiler/index.js';

/** A tensor shape (without the batch and time axes). */
export type Shape = readonly number[];

/**
 * The names and shapes of a cell's tensors, one object type per kind: each
 * maps a name to its shape (a readonly tuple of the concrete sizes).
 * `gradInputs` is the union of the inputs that have a gradient (float inputs).
 */
export interface CellSignature {
  readonly params: object;
  readonly states: object;
  readonly inputs: object;
  readonly outputs: object;
  readonly gradInputs: string;
}

/**
 * The signature of a cell whose names are known only at run time (no
 * generated bindings): every kind maps any string to a shape, so
 * `cell.params['W']`, `cell.forward({ x })` and `outputs['h']` type-check;
 * the names are the artifact's (artifact.params, .states, .inputs, .outputs).
 */
export interface UntypedSignature extends CellSignature {
  readonly params: Readonly<Record<string, Shape>>;
  readonly states: Readonly<Record<string, Shape>>;
  readonly inputs: Readonly<Record<string, Shape>>;
  readonly outputs: Readonly<Record<string, Shape>>;
  readonly gradInputs: string;
}

type ShapeOf<T> = T extends Shape ? T : Shape;

/** One Float32Array per name of `T` (flat, row-major; see each method for the layout). */
export type TensorValues<T> = { [K in keyof T]: Float32Array };

/** What the artifact says about a parameter: its name, shape and initialiser. */
export interface ParamInfo<S extends Shape = Shape> {
  readonly name: string;
  readonly shape: S;
  readonly init: Initializer;
}

/** A ParamInfo per parameter name. */
export type ParamInfos<P> = { readonly [K in keyof P]: ParamInfo<ShapeOf<P[K]>> };

/** One parameter of a running cell. */
export interface ParamAccessor<S extends Shape = Shape> {
  readonly name: string;
  readonly shape: S;
  /** Number of elements (the product of the shape). */
  readonly size: number;
  readonly init: Initializer;
  /** Its current values (row-major). */
  read(): Promise<Float32Array>;
  /** Replaces its values (`size` values, row-major). */
  write(values: Float32Array): void;
  /** ∂L/∂θ from the last backward pass. */
  readGrad(): Promise<Float32Array>;
}

/** One state of a running cell. */
export interface StateAccessor<S extends Shape = Shape> {
  readonly name: string;
  readonly shape: S;
  /** Elements per example (the product of the shape); a state at one step holds B·size values. */
  readonly size: number;
  /** The constant it starts from when no initial value is given. */
  readonly init: number;
  /** The state s_t after t scan steps (t = 0 … T, default T: the final state): B·size values. */
  read(t?: number): Promise<Float32Array>;
  /** ∂L/∂s_0 from the last backward pass: B·size values. */
  readInitialGrad(): Promise<Float32Array>;
}

export type ParamAccessors<P> = { readonly [K in keyof P]: ParamAccessor<ShapeOf<P[K]>> };
export type StateAccessors<S> = { readonly [K in keyof S]: StateAccessor<ShapeOf<S[K]>> };

/** Gradients after a backward pass. */
export interface CellGradients<S extends CellSignature> {
  /** ∂L/∂θ per parameter. */
  readonly params: TensorValues<S['params']>;
  /** ∂L/∂s_0 per state (B·n values each). */
  readonly initialStates: TensorValues<S['states']>;
  /** ∂L/∂x_t per float input (T·B·n values each, time-major). */
  readonly inputs: { [K in S['gradInputs']]: Float32Array };
}

export interface BackwardOptions<S extends CellSignature> {
  /** ∂L/∂s_T per state (B·n values); zero when absent. */
  readonly finalStateCotangents?: Partial<TensorValues<S['states']>>;
  /** Truncated BPTT: reset the state cotangent every `window` steps (default T: full BPTT). */
  readonly window?: number;
}

export interface TrainStepOptions<S extends CellSignature> extends BackwardOptions<S> {
  /** SGD learning rate: θ ← θ − lr · ∂L/∂θ. */
  readonly lr: number;
  /** s_0 per state (B·n values); the declared constant when absent. */
  readonly initialStates?: Partial<TensorValues<S['states']>>;
  /**
   * The key of the step's random masks (dropout, zoneout); default: seed 1
   * and a new draw per trainStep call. `forward` and `backward` alone run in
   * evaluation mode (masks at their expectation) unless the runtime is told
   * otherwise (`cell.runtime.setRandom`).
   */
  readonly random?: RandomKey;
}

export interface TrainStepResult<S extends CellSignature> {
  /** The outputs of the forward pass (before the update). */
  readonly outputs: TensorValues<S['outputs']>;
  readonly grads: CellGradients<S>;
}

/** A cell running on a device at fixed B and T, with typed names. */
export interface TypedCell<S extends CellSignature> {
  /** The cell's name. */
  readonly cell: string;
  readonly B: number;
  readonly T: number;
  readonly artifact: Artifact;
  /** The untyped runtime underneath (encode into your own command buffers, read any tensor). */
  readonly runtime: CellRuntime;
  /** The parameters by name. */
  readonly params: ParamAccessors<S['params']>;
  /** The states by name. */
  readonly states: StateAccessors<S['states']>;
  /** Sets every parameter from its initialiser (seeded) and returns the values. */
  initParams(seed?: number): TensorValues<S['params']>;
  /** Sets every parameter (all of them: a missing one is an error). */
  setParams(values: TensorValues<S['params']>): void;
  readParams(): Promise<TensorValues<S['params']>>;
  /**
   * Runs the forward pass over T steps (one submit) and reads every output.
   * Inputs: T·B·n values each, time-major (index inputs as their integer
   * values); initial states: B·n values each, the declared constant when
   * absent. Outputs: T·B·n values each, time-major.
   */
  forward(inputs: TensorValues<S['inputs']>, initialStates?: Partial<TensorValues<S['states']>>): Promise<TensorValues<S['outputs']>>;
  /**
   * Backpropagates through the last forward pass: takes ∂L/∂y_t per output
   * (T·B·n values, zero when absent) and returns every gradient.
   */
  backward(outputCotangents: Partial<TensorValues<S['outputs']>>, options?: BackwardOptions<S>): Promise<CellGradients<S>>;
  /**
   * One SGD step: forward, `lossGradient(outputs)` → ∂L/∂y, backward, then
   * θ ← θ − lr · ∂L/∂θ for every parameter (the update runs on the host).
   */
  trainStep(
    inputs: TensorValues<S['inputs']>,
    lossGradient: (outputs: TensorValues<S['outputs']>) => Partial<TensorValues<S['outputs']>>,
    options: TrainStepOptions<S>,
  ): Promise<TrainStepResult<S>>;
  /** Releases the GPU buffers (not the device). */
  destroy(): void;
}


function toMap(kind: string, known: readonly string[], values: object | undefined): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const [k, v] of Object.entries(values ?? {})) {
    if (v === undefined) continue;
    if (!known.includes(k)) throw new Error(`no ${kind} named '${k}' (the cell has: ${known.join(', ') || 'none'})`);
    if (!(v instanceof Float32Array)) throw new TypeError(`${kind} '${k}' must be a Float32Array`);
    m.set(k, v);
  }
  return m;
}

const fromMap = (m: ReadonlyMap<string, Float32Array>) => Object.fromEntries(m);

class TypedCellImpl implements TypedCell<CellSignature> {
  readonly params: Record<string, ParamAccessor>;
  readonly states: Record<string, StateAccessor>;
  /** trainStep calls so far: the default draw of the next one's masks. */
  private trainSteps = 0;

  constructor(readonly runtime: CellRuntime) {
    const rt = runtime;
    const a = rt.artifact;
    this.params = Object.fromEntries(
      a.params.map((p) => [
        p.name,
        Object.freeze({
          name: p.name,
          shape: p.shape,
          size: numel(p.shape),
          init: p.init,
          read: () => rt.read(p.tensor, numel(p.shape)),
          write: (v: Float32Array) => {
            if (v.length !== numel(p.shape)) throw new RangeError(`parameter ${p.name} needs ${numel(p.shape)} values, got ${v.length}`);
            rt.write(p.tensor, v);
          },
          readGrad: () => rt.read(p.grad, numel(p.shape)),
        } satisfies ParamAccessor),
      ]),
    );
    this.states = Object.fromEntries(
      a.states.map((s) => [
        s.name,
        Object.freeze({
          name: s.name,
          shape: s.shape,
          size: numel(s.shape),
          init: s.init,
          read: (t?: number) => {
            if (t !== undefined && (!Number.isInteger(t) || t < 0 || t > rt.T)) throw new RangeError(`state ${s.name}: t must be an integer in 0…${rt.T}, got ${t}`);
            return rt.readState(s.name, t);
          },
          readInitialGrad: () => rt.read(s.dtensor, rt.B * numel(s.shape)),
        } satisfies StateAccessor),
      ]),
    );
    Object.freeze(this.params);
    Object.freeze(this.states);
  }

  get cell() {
    return this.runtime.artifact.cell;
  }
  get B() {
    return this.runtime.B;
  }
  get T() {
    return this.runtime.T;
  }
  get artifact() {
    return this.runtime.artifact;
  }

  private names(kind: 'params' | 'states' | 'inputs' | 'outputs') {
    return this.runtime.artifact[kind].map((x) => x.name);
  }

  initParams(seed = 1) {
    return fromMap(this.runtime.initParams(seed));
  }

  setParams(values: Record<string, Float32Array>) {
    this.runtime.setParams(toMap('parameter', this.names('params'), values));
  }

  async readParams() {
    return fromMap(await this.runtime.readParams());
  }

  async forward(inputs: Record<string, Float32Array>, initialStates?: Partial<Record<string, Float32Array>>) {
    const rt = this.runtime;
    rt.setInputs(toMap('input', this.names('inputs'), inputs));
    rt.setInitialStates(toMap('state', this.names('states'), initialStates));
    await rt.forward();
    const out: Record<string, Float32Array> = {};
    for (const o of rt.artifact.outputs) out[o.name] = await rt.readOutput(o.name);
    return out;
  }

  async backward(outputCotangents: Partial<Record<string, Float32Array>>, options: BackwardOptions<CellSignature> = {}) {
    const rt = this.runtime;
    const window = options.window ?? rt.T;
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
    rt.setOutputCotangents(toMap('output', this.names('outputs'), outputCotangents));
    rt.setFinalStateCotangents(toMap('state', this.names('states'), options.finalStateCotangents));
    await rt.submit('backward', (e) => rt.encodeBackward(e, window));
    return this.gradients();
  }

  private async gradients(): Promise<CellGradients<CellSignature>> {
    const rt = this.runtime;
    const inputs: Record<string, Float32Array> = {};
    for (const x of rt.artifact.inputs) if (x.dtensor) inputs[x.name] = await rt.readInputGrad(x.name);
    return { params: fromMap(await rt.readGrads()), initialStates: fromMap(await rt.readInitialStateGrads()), inputs };
  }

  async trainStep(
    inputs: Record<string, Float32Array>,
    lossGradient: (outputs: Record<string, Float32Array>) => Partial<Record<string, Float32Array>>,
    options: TrainStepOptions<CellSignature>,
  ) {
    if (!Number.isFinite(options.lr)) throw new RangeError(`lr must be a finite number, got ${options.lr}`);
    this.runtime.setRandom(options.random ?? { seed: 1, draw: this.trainSteps++, training: true });
    let outputs: Record<string, Float32Array>;
    let grads: CellGradients<CellSignature>;
    try {
      outputs = await this.forward(inputs, options.initialStates);
      grads = await this.backward(lossGradient(outputs), options);
    } finally {
      this.runtime.setRandom(undefined);
    }
    const params = await this.runtime.readParams();
    for (const [name, p] of params) {
      const g = (grads.params as Record<string, Float32Array>)[name];
      for (let i = 0; i < p.length; i++) p[i] -= options.lr * g[i];
    }
    this.runtime.setParams(params);
    return { outputs, grads };
  }

  destroy() {
    this.runtime.destroy();
  }
}

/**
 * Allocates `artifact` on a device (like createRuntime) and wraps it in a
 * TypedCell whose names are those of the signature `S`. The generated
 * bindings call this with the signature of their cell; without one, names are
 * strings (UntypedSignature).
 */
export async function createTypedCell<S extends CellSignature = UntypedSignature>(device: GPUDevice | GpuContext, artifact: Artifact, shape: RuntimeShape): Promise<TypedCell<S>> {
  if (!artifact || artifact.format !== ARTIFACT_FORMAT) {
    throw new TypeError(`createTypedCell: not a cellc artifact of format ${ARTIFACT_FORMAT} (got ${JSON.stringify((artifact as { format?: unknown } | undefined)?.format)})`);
  }
  const ctx = device instanceof GpuContext ? device : contextForDevice(device);
  const rt = await CellRuntime.create(ctx, artifact, shape);
  return new TypedCellImpl(rt) as unknown as TypedCell<S>;
}
