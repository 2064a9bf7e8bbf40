// Models (SPEC.md §11): a stack of cells with an input embedding or a float
// input, a linear readout and a per-step loss, built as ONE step graph so that
// autodiff, scheduling and code generation treat a model like any cell.
//
//   x_t (float[I])  or  tok_t (index(V)) → embed.E[tok_t]
//     → layer 1 → layer 2 → … → z_t = readout.W · y_t + readout.b
//     → loss_t = mask_t · ℓ(z_t, target_t)      ℓ = MSE (mean over K) or softmax CE
//
// The objective is L = Σ_t Σ_b loss_{t,b}; the per-step input `mask` carries
// the loss weights (zero at steps without a loss, 1/(steps·B) for a mean), so
// loss placement (every step / last step / some steps) is data, not code.
// Each layer's input size is the previous layer's output width.

import { diag, type Diagnostic } from '../diagnostics.js';
import { dimConst, evalDim, type Shape } from '../ir/dims.js';
import { finishGraph, GraphBuilder, type Graph, type ParamBinding, type StateBinding } from '../ir/graph.js';
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
  readonly output: { readonly kind: 'mse'; readonly size: number } | { readonly kind: 'xent'; readonly classes: number };
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
  const inputs = [];
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
  const params: ParamBinding[] = [];
  if (spec.input.kind === 'index') {
    const E = b.leaf('param', 'embed.E', { dtype: 'f32', shape: [dimConst(spec.input.vocab), dimConst(spec.input.embed)], batched: false });
    params.push({ name: 'embed.E', node: E, init: { kind: 'normal', std: 0.1 } });
    x = b.emit('gather', [E, x], {});
  }
  const states: StateBinding[] = [];
  const layerSizes: Record<string, number>[] = [];
  for (const [k, layer] of spec.layers.entries()) {
    const g = layer.graph;
    const fl = g.inputs.filter((i) => g.nodes[i.node].type.dtype === 'f32' && g.nodes[i.node].type.shape.length === 1);
    if (g.inputs.length !== 1 || fl.length !== 1) {
      out.push(diag('E501', `layer ${k + 1} (cell ${g.name}) must have exactly one float vector input to be stacked, it has ${g.inputs.length} input(s)`));
      return undefined;
    }
    if (g.outputs.length < 1 || g.nodes[g.outputs[0].node].type.shape.length !== 1) {
      out.push(diag('E501', `layer ${k + 1} (cell ${g.name}): its first output must be a vector`));
      return undefined;
    }
    const sizes: Record<string, number> = {};
    for (const s of g.sizes) if (s.value !== undefined) sizes[s.name] = s.value;
    Object.assign(sizes, layer.sizes ?? {});
    const inDim = g.nodes[fl[0].node].type.shape[0];
    if (inDim.terms.length === 1 && inDim.c === 0 && inDim.terms[0][1] === 1) sizes[inDim.terms[0][0]] = width;
    const inWidth = evalDim(inDim, sizes);
    if (inWidth !== width) {
      out.push(diag('E501', `layer ${k + 1} (cell ${g.name}) takes inputs of size ${inWidth ?? '?'} but the layer below gives ${width}`));
      return undefined;
    }
    const missing = g.sizes.filter((s) => sizes[s.name] === undefined).map((s) => s.name);
    if (missing.length) {
      out.push(diag('E402', `layer ${k + 1} (cell ${g.name}): size ${missing.join(', ')} has no value; pass --set ${missing[0]}=N`));
      return undefined;
    }
    const inst = concretizeInto(b, g, sizes, spec.layers.length > 1 ? `l${k + 1}.` : '', new Map([[fl[0].name, x]]));
    states.push(...inst.states);
    params.push(...inst.params);
    x = inst.outputs.get(g.outputs[0].name)!;
    width = evalDim(g.nodes[g.outputs[0].node].type.shape[0], sizes)!;
    layerSizes.push(sizes);
  }
  const K = spec.output.kind === 'mse' ? spec.output.size : spec.output.classes;
  const W = b.leaf('param', 'readout.W', { dtype: 'f32', shape: [dimConst(K), dimConst(width)], batched: false });
  const bias = b.leaf('param', 'readout.b', { dtype: 'f32', shape: c(K), batched: false });
  params.push({ name: 'readout.W', node: W, init: { kind: 'glorot' } }, { name: 'readout.b', node: bias, init: { kind: 'zeros' } });
  const z = b.emit('add', [b.emit('matmul', [W, x], {}), bias], {});
  const mask = b.leaf('input', 'mask', { dtype: 'f32', shape: [], batched: true });
  let loss: number;
  if (spec.output.kind === 'mse') {
    const target = b.leaf('input', 'target', { dtype: 'f32', shape: c(K), batched: true });
    inputs.push({ name: 'target', node: target });
    const err = b.emit('square', [b.emit('sub', [z, target], {})], {});
    loss = b.emit('mul', [b.emit('sum', [err], { axis: 0 }), b.constant(1 / K)], {});
  } else {
    const target = b.leaf('input', 'target', { dtype: 'i32', shape: [], batched: true });
    inputs.push({ name: 'target', node: target });
    const picked = b.emit('sum', [b.emit('mul', [z, b.emit('onehot', [target], { depth: dimConst(K) })], {})], { axis: 0 });
    loss = b.emit('sub', [b.emit('logsumexp', [z], { axis: 0 }), picked], {});
  }
  inputs.push({ name: 'mask', node: mask });
  const weighted = b.emit('mul', [mask, loss], {});
  const graph = finishGraph(b, {
    name: spec.layers.map((l) => l.graph.name).join('+'),
    sizes: [],
    inputs,
    states,
    params,
    outputs: [
      { name: 'loss', node: weighted },
      { name: 'z', node: z },
    ],
  });
  verifyGraph(graph);
  return { graph, layerSizes, spec };
}
