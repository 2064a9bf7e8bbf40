// Models (SPEC.md §10): a stack of cells with an input embedding or a float
// input, a linear readout and a per-step loss, built as ONE step graph so that
// autodiff, scheduling and code generation treat a model like any cell.
//
//   x_t (float[I])  or  tok_t (index(V)) → embed.E[tok_t]
//     → layer 1 → layer 2 → … → z_t = readout.W · y_t + readout.b
//     → loss_t = mask_t · ℓ(z_t, target_t)      ℓ = MSE (mean over K) or softmax CE
//
// Or, with the 'likelihood' objective, no readout: the last cell's first output
// is a per-step log-likelihood ℓ_t and loss_t = −mask_t · ℓ_t.
//
// The objective is L = Σ_t Σ_b loss_{t,b}; the per-step input `mask` carries
// the loss weights (zero at steps without a loss, 1/(steps·B) for a mean), so
// loss placement (every step / last step / some steps) is data, not code.
// Each layer's input size is the previous layer's output width.

import { diag, type Diagnostic } from '../diagnostics.js';
import { dimConst, evalDim, symbolOf, type Dim, type Shape } from '../ir/dims.js';
import { printType } from '../ir/print.js';
import { finishGraph, GraphBuilder, type Binding, type Graph, type ParamBinding, type StateBinding } from '../ir/graph.js';
import { verifyGraph } from '../ir/verify.js';
import { concretizeInto } from './concretize.js';

export interface LayerSpec {
  readonly graph: Graph;
  /** Size overrides for this layer (the input size is set from the layer below). */
  readonly sizes?: Readonly<Record<string, number>>;
}

export interface ModelSpec {
  readonly layers: readonly LayerSpec[];
  readonly input: { readonly kind: 'float'; readonly size: number } | { readonly kind: 'index'; readonly vocab: number; readonly embed: number };
  /**
   * mse / xent: a linear readout of the last layer's first output and a loss.
   * likelihood: no readout; the last layer's first output is a per-step
   * log-likelihood (a scalar, or summed over its elements) and the loss is its
   * negative, loss_t = −mask_t · Σ ℓ_t (maximum likelihood: an HMM's forward
   * algorithm, a Kalman filter, an AR model).
   */
  readonly output: { readonly kind: 'mse'; readonly size: number } | { readonly kind: 'xent'; readonly classes: number } | { readonly kind: 'likelihood' };
  /**
   * Sequences of different lengths in one batch: an input `alive` (a scalar
   * per step and example, 1 while the example's sequence runs, 0 on the
   * padding after its end) holds every state where it is 0 — s_t = s_{t−1},
   * a select inside the step, so the final state is the one at the end of
   * the sequence and padded steps add nothing to any gradient (their loss
   * weight, `mask`, is 0 too).
   */
  readonly lengths?: boolean;
  /**
   * Streams of episodes: an input `done` (a scalar per step and example, 1
   * at the last step of an episode) makes the state carried out of that step
   * the initial state (its declared value, or its learned parameter), so the
   * next step starts a new episode; no gradient crosses the boundary.
   */
  readonly episodes?: boolean;
}

export interface Model {
  readonly graph: Graph;
  /** Concrete sizes of each layer. */
  readonly layerSizes: readonly Readonly<Record<string, number>>[];
  readonly spec: ModelSpec;
}

const c = (n: number): Shape => [dimConst(n)];

export function buildModel(spec: ModelSpec, out: Diagnostic[]): Model | undefined {
  const b = new GraphBuilder();
  const inputs: Binding[] = [];
  let x: number;
  let width: number;
  if (spec.input.kind === 'float') {
    x = b.leaf('input', 'x', { dtype: 'f32', shape: c(spec.input.size), batched: true });
    width = spec.input.size;
  } else {
    const tok = b.leaf('input', 'tok', { dtype: 'i32', shape: [], batched: true });
    x = tok;
    width = spec.input.embed;
  }
  inputs.push({ name: spec.input.kind === 'float' ? 'x' : 'tok', node: x });
  // the model's own values have names but no place in a source file
  const name = (id: number, n: string) => (b.name(id, { name: n }), id);
  name(x, spec.input.kind === 'float' ? 'x' : 'tok');
  const params: ParamBinding[] = [];
  // A first layer with an index input (an HMM over symbols) reads the tokens themselves: no embedding.
  const first = spec.layers[0]?.graph;
  const indexCell = spec.input.kind === 'index' && first !== undefined && first.inputs.length === 1 && first.nodes[first.inputs[0].node].type.dtype === 'i32';
  if (spec.input.kind === 'index' && !indexCell) {
    const E = b.leaf('param', 'embed.E', { dtype: 'f32', shape: [dimConst(spec.input.vocab), dimConst(spec.input.embed)], batched: false });
    params.push({ name: 'embed.E', node: E, init: { kind: 'normal', std: 0.1 } });
    name(E, 'embed.E');
    x = name(b.emit('gather', [E, x], {}), 'embed');
  }
  const likelihood = spec.output.kind === 'likelihood';
  const states: StateBinding[] = [];
  const layerSizes: Record<string, number>[] = [];
  for (const [k, layer] of spec.layers.entries()) {
    const g = layer.graph;
    const last = k === spec.layers.length - 1;
    if (g.reverse) {
      out.push(diag('E501', `layer ${k + 1} (cell ${g.name}) is a reverse-time cell; a model runs its layers forward in time`));
      return undefined;
    }
    const rank = (i: { node: number }) => g.nodes[i.node].type.shape.length;
    const fl = g.inputs.filter((i) => g.nodes[i.node].type.dtype === 'f32' && (rank(i) === 1 || (rank(i) === 0 && width === 1)));
    const il = k === 0 && indexCell ? g.inputs : [];
    if (g.inputs.length !== 1 || fl.length + il.length !== 1) {
      out.push(diag('E501', `layer ${k + 1} (cell ${g.name}) must have exactly one float vector input to be stacked: ${inputMismatch(g, k)}`));
      return undefined;
    }
    const outRank = g.outputs.length ? g.nodes[g.outputs[0].node].type.shape.length : -1;
    if (likelihood && last ? outRank < 0 : outRank !== 1) {
      out.push(diag('E501', `layer ${k + 1} (cell ${g.name}): its first output must be a vector`));
      return undefined;
    }
    const sizes: Record<string, number> = {};
    for (const s of g.sizes) if (s.value !== undefined) sizes[s.name] = s.value;
    Object.assign(sizes, layer.sizes ?? {});
    const setFrom = (d: Dim, v: number) => {
      const name = symbolOf(d);
      if (name !== undefined) sizes[name] = v;
    };
    let bound = x;
    if (il.length) {
      // the index range of `o: index(V)` is the depth of the onehot (or the rows of the gather) that reads it
      const leaf = il[0].node;
      const use = g.nodes.find((n) => (n.op === 'onehot' && n.args[0] === leaf) || (n.op === 'gather' && n.args[1] === leaf));
      const range = use?.op === 'onehot' ? (use.attrs as { depth: Dim }).depth : use ? g.nodes[use.args[0]].type.shape[0] : undefined;
      const vocab = spec.input.kind === 'index' ? spec.input.vocab : 0;
      if (range) setFrom(range, vocab);
      if (range && evalDim(range, sizes) !== vocab) {
        out.push(diag('E501', `layer 1 (cell ${g.name}) takes indices in 0..${(evalDim(range, sizes) ?? 0) - 1} but the task has ${vocab} symbols`));
        return undefined;
      }
    } else if (rank(fl[0]) === 0) {
      bound = b.emit('sum', [x], { axis: 0 }); // a scalar input reads the one value of a width-1 vector
    } else {
      const inDim = g.nodes[fl[0].node].type.shape[0];
      setFrom(inDim, width);
      const inWidth = evalDim(inDim, sizes);
      if (inWidth !== width) {
        out.push(diag('E501', `layer ${k + 1} (cell ${g.name}) takes inputs of size ${inWidth ?? '?'} but the layer below gives ${width}`));
        return undefined;
      }
    }
    const missing = g.sizes.filter((s) => sizes[s.name] === undefined).map((s) => s.name);
    if (missing.length) {
      out.push(diag('E402', `layer ${k + 1} (cell ${g.name}): size ${missing.join(', ')} has no value; pass --set ${missing[0]}=N`));
      return undefined;
    }
    // layer k's masks on streams k·2¹⁶ + i: no two layers share one
    const inst = concretizeInto(b, g, sizes, spec.layers.length > 1 ? `l${k + 1}.` : '', new Map([[g.inputs[0].name, bound]]), k * 0x10000);
    states.push(...inst.states);
    params.push(...inst.params);
    x = inst.outputs.get(g.outputs[0].name)!;
    width = outRank === 1 ? evalDim(g.nodes[g.outputs[0].node].type.shape[0], sizes)! : 1;
    layerSizes.push(sizes);
  }
  // per-step switches on every state's update: s_t = select(flag_t > 0.5, a, b)
  const switched = (input: string, update: (s: StateBinding, on: number) => number) => {
    const flag = name(b.leaf('input', input, { dtype: 'f32', shape: [], batched: true }), input);
    inputs.push({ name: input, node: flag });
    const on = b.emit('gt', [flag, b.constant(0.5)], {});
    for (const [i, s] of states.entries()) states[i] = { ...s, next: name(update(s, b.emit('broadcast', [on], { shape: b.type(s.node).shape, axes: [] })), `${s.name}'`) };
  };
  // a finished episode hands the next step the initial state; held states stay held
  if (spec.episodes) switched('done', (s, on) => b.emit('select', [on, s.initParam ? params.find((p) => p.name === s.initParam)!.node : b.constant(s.init, b.type(s.node).shape), s.next], {}));
  if (spec.lengths) switched('alive', (s, on) => b.emit('select', [on, s.next, s.node], {}));
  /** The model graph with outputs `loss` (per step and example) and a second output (z or ll). */
  const finish = (second: { name: string; node: number }, loss: number): Model => {
    const graph = finishGraph(b, {
      name: spec.layers.map((l) => l.graph.name).join('+'),
      sizes: [],
      inputs,
      states,
      params,
      outputs: [{ name: 'loss', node: loss }, second],
    });
    verifyGraph(graph);
    return { graph, layerSizes, spec };
  };
  if (spec.output.kind === 'likelihood') {
    // loss_t = −mask_t · Σ ℓ_t: the objective Σ_t loss_t is the negative (weighted) log-likelihood
    let ll = x;
    while (b.type(ll).shape.length > 0) ll = b.emit('sum', [ll], { axis: 0 });
    const mask = name(b.leaf('input', 'mask', { dtype: 'f32', shape: [], batched: true }), 'mask');
    inputs.push({ name: 'mask', node: mask });
    const loss = name(b.emit('neg', [b.emit('mul', [mask, name(ll, 'll')], {})], {}), 'loss');
    return finish({ name: 'll', node: ll }, loss);
  }
  const K = spec.output.kind === 'mse' ? spec.output.size : spec.output.classes;
  const W = b.leaf('param', 'readout.W', { dtype: 'f32', shape: [dimConst(K), dimConst(width)], batched: false });
  const bias = b.leaf('param', 'readout.b', { dtype: 'f32', shape: c(K), batched: false });
  params.push({ name: 'readout.W', node: W, init: { kind: 'glorot' } }, { name: 'readout.b', node: bias, init: { kind: 'zeros' } });
  name(W, 'readout.W');
  name(bias, 'readout.b');
  const z = name(b.emit('add', [b.emit('matmul', [W, x], {}), bias], {}), 'z');
  const mask = name(b.leaf('input', 'mask', { dtype: 'f32', shape: [], batched: true }), 'mask');
  let loss: number;
  if (spec.output.kind === 'mse') {
    const target = name(b.leaf('input', 'target', { dtype: 'f32', shape: c(K), batched: true }), 'target');
    inputs.push({ name: 'target', node: target });
    const err = b.emit('square', [b.emit('sub', [z, target], {})], {});
    loss = b.emit('mul', [b.emit('sum', [err], { axis: 0 }), b.constant(1 / K)], {});
  } else {
    const target = name(b.leaf('input', 'target', { dtype: 'i32', shape: [], batched: true }), 'target');
    inputs.push({ name: 'target', node: target });
    const picked = b.emit('sum', [b.emit('mul', [z, b.emit('onehot', [target], { depth: dimConst(K) })], {})], { axis: 0 });
    loss = b.emit('sub', [b.emit('logsumexp', [z], { axis: 0 }), picked], {});
  }
  inputs.push({ name: 'mask', node: mask });
  return finish({ name: 'z', node: z }, name(b.emit('mul', [mask, loss], {}), 'loss'));
}

/** Why a cell's inputs cannot be a layer's input, in words (E501). */
function inputMismatch(g: Graph, k: number): string {
  if (g.inputs.length !== 1) return `it has ${g.inputs.length} inputs (${g.inputs.map((i) => i.name).join(', ') || 'none'})`;
  const i = g.inputs[0];
  const t = g.nodes[i.node].type;
  const what = `its input ${i.name} is ${printType(t)}`;
  if (t.dtype !== 'i32') return `${what}, not a vector`;
  // (a first layer with one index input on a token task reads the tokens: it does not get here)
  return `${what}, an index, and ${k > 0 ? 'the layer below gives' : 'the task gives'} float vectors`;
}
