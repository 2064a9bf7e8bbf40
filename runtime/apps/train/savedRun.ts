/// <reference types="@webgpu/types" />
// Using a trained model: reading a run's checkpoint back into a model (the
// cell files are given again; the sizes, embedding width, task and batch
// shape come from the checkpoint's metadata), and held-out evaluation on the
// GPU, forward only.
//
// Held-out batches are stream 1 of the run's seed (batchRng(seed, 1, k));
// training uses stream 0, so no evaluation batch was trained on (for the
// generated tasks; the text task draws its windows from the same text).

import { compileBound, evalDim, type Graph, type LayerSpec, type Model } from '../../../compiler/index.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CellRuntime } from '../../core/cellRuntime.js';
import { targetOf, type GpuContext } from '../../core/device.js';
import { loadCheckpoint, type Checkpoint } from './checkpoint.js';
import { buildModelOrThrow, TrainingError } from './run.js';
import type { NamedTensor } from './safetensors.js';
import { batchRng, type Task } from './tasks.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** A checkpoint and what its metadata says about the run that wrote it. */
export interface SavedRun {
  readonly path: string;
  readonly checkpoint: Checkpoint;
  readonly step: number;
  /** Model graph name (cell names joined by '+'). */
  readonly cell?: string;
  readonly task?: string;
  readonly B?: number;
  readonly T?: number;
  readonly seed?: number;
  readonly embed?: number;
  /** Concrete sizes of each layer (their count is the number of layers). */
  readonly layerSizes?: readonly Readonly<Record<string, number>>[];
  /** Index → character, for the text task. */
  readonly alphabet?: string;
  /** Runs on a data set (--data): its `data` metadata (JSON: the file, how it was read, the split, the normalisation). */
  readonly data?: string;
}

/** Reads a checkpoint file, or `checkpoint.safetensors` in a run folder. */
export function readSavedRun(pathOrDir: string): SavedRun {
  let path = pathOrDir;
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new TrainingError(`no checkpoint at ${path}`);
  let checkpoint: Checkpoint;
  try {
    checkpoint = loadCheckpoint(path);
  } catch (e) {
    throw new TrainingError((e as Error).message);
  }
  const m = checkpoint.metadata;
  let config: unknown;
  try {
    config = JSON.parse(m.config ?? '{}');
  } catch {
    throw new TrainingError(`${path}: the checkpoint's config metadata is not JSON`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TrainingError(`${path}: the checkpoint's config metadata is not a JSON object`);
  if (m.step !== undefined && !/^\d+$/.test(m.step)) throw new TrainingError(`${path}: the checkpoint's step is ${JSON.stringify(m.step)}, not a step count`);
  const layerSizes = layerSizesOf((config as Record<string, unknown>).layerSizes, path);
  const c = config as Record<string, unknown>;
  // a field the run recorded must be a whole number in its range (B = −1 would only fail inside the runtime;
  // embed = 0: the run's inputs are not an index, so it has no embedding)
  const num = (name: string, min: number) => {
    const v = c[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new TrainingError(`${path}: the checkpoint's config has ${name} = ${JSON.stringify(v)}, not a whole number ≥ ${min}`);
    return v;
  };
  const [B, T, seed, embed] = [num('B', 1), num('T', 1), num('seed', 0), num('embed', 0)];
  return {
    path,
    checkpoint,
    step: Number(m.step ?? 0),
    ...(m.cell !== undefined ? { cell: m.cell } : {}),
    ...(m.task !== undefined ? { task: m.task } : {}),
    ...(B !== undefined ? { B } : {}),
    ...(T !== undefined ? { T } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(embed !== undefined ? { embed } : {}),
    ...(layerSizes ? { layerSizes } : {}),
    ...(m.alphabet !== undefined ? { alphabet: m.alphabet } : {}),
    ...(m.data !== undefined ? { data: m.data } : {}),
  };
}

/** The layer sizes of a checkpoint's config: a list of records of positive integers, or absent. */
function layerSizesOf(v: unknown, path: string): Record<string, number>[] | undefined {
  if (v === undefined) return undefined;
  const ok = Array.isArray(v) && v.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r) && Object.values(r).every((n) => Number.isSafeInteger(n) && (n as number) >= 1));
  if (!ok) throw new TrainingError(`${path}: the checkpoint's layerSizes is not a list of size records (NAME: integer ≥ 1)`);
  return v as Record<string, number>[];
}

/**
 * The model's layers: one cell stacked for every layer of the checkpoint, or
 * one cell per layer; each layer gets the checkpoint's sizes.
 */
export function layersFor(graphs: readonly Graph[], saved: SavedRun, layersFlag?: number): LayerSpec[] {
  const n = saved.layerSizes?.length ?? layersFlag ?? graphs.length;
  if (graphs.length !== 1 && graphs.length !== n) {
    throw new TrainingError(`the checkpoint has ${n} layer(s), but ${graphs.length} cell files were given (give one, or one per layer)`);
  }
  return Array.from({ length: n }, (_, k) => {
    const graph = graphs.length === 1 ? graphs[0] : graphs[k];
    const sizes = saved.layerSizes?.[k];
    return sizes ? { graph, sizes } : { graph };
  });
}

/** Concrete parameter shapes of a model, in the graph's order. */
export function paramShapes(model: Model): { name: string; shape: number[] }[] {
  return model.graph.params.map((p) => ({ name: p.name, shape: model.graph.nodes[p.node].type.shape.map((d) => evalDim(d, {})!) }));
}

/** The model's parameters from a checkpoint; a missing or misshapen tensor is an error that names it. */
export function modelParams(model: Model, saved: Pick<SavedRun, 'checkpoint' | 'path' | 'cell'>): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  const hint = saved.cell && saved.cell !== model.graph.name ? ` (the checkpoint was written for ${saved.cell}; the model is ${model.graph.name})` : '';
  for (const p of paramShapes(model)) {
    const t = saved.checkpoint.params.get(p.name);
    if (!t) throw new TrainingError(`${saved.path} has no tensor param.${p.name}${hint}`);
    const same = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
    if (!same) throw new TrainingError(`${saved.path}: tensor param.${p.name} has shape [${t.shape.join(', ')}], the model needs [${p.shape.join(', ')}]${hint}`);
    out.set(p.name, t);
  }
  return out;
}

/** Rebuilds the model of a saved run from the cell graphs and the task, with its parameters. */
export function modelFromSavedRun(graphs: readonly Graph[], saved: SavedRun, task: Task, opts: { embed?: number; layers?: number } = {}): { model: Model; params: Map<string, NamedTensor> } {
  const model = buildModelOrThrow({ layers: layersFor(graphs, saved, opts.layers), task, embed: opts.embed ?? saved.embed ?? 32 });
  if (saved.alphabet !== undefined && task.alphabet !== undefined && saved.alphabet !== task.alphabet) {
    throw new TrainingError(`${saved.path} was trained on a text with a different alphabet (${[...saved.alphabet].length} characters; this text has ${[...task.alphabet].length}): pass the same --text`);
  }
  return { model, params: modelParams(model, saved) };
}

export interface EvalResult {
  /** Mean loss per batch (the training objective), averaged over the batches. */
  readonly loss: number;
  readonly batches: number;
  /** Classification tasks: the fraction of loss-carrying steps whose arg-max logit is the target. */
  readonly accuracy?: number;
  /** Classification tasks: loss / ln 2. */
  readonly bitsPerSymbol?: number;
}

/** Mean loss on held-out batches (stream 1 of `seed`; a data task's held-out windows), forward only on the GPU. */
export async function evaluateHeldOut(
  ctx: GpuContext,
  model: Model,
  params: ReadonlyMap<string, Float32Array>,
  task: Task,
  o: { B: number; T: number; seed: number; batches: number },
): Promise<EvalResult> {
  const artifact = compileBound({ graph: model.graph, sizes: {} }, { inputGradients: false, target: targetOf(ctx) });
  const rt = await CellRuntime.create(ctx, artifact, { B: o.B, T: o.T });
  try {
    rt.setParams(params);
    const xent = task.output.kind === 'xent';
    const K = task.output.kind === 'xent' ? task.output.classes : task.output.kind === 'mse' ? task.output.size : 1;
    let lossSum = 0;
    let hit = 0;
    let weight = 0;
    const fixed = task.heldOut?.batches(o.B);
    const count = fixed?.length ?? o.batches;
    for (let k = 0; k < count; k++) {
      const batch = fixed ? fixed[k] : task.batch(batchRng(o.seed, 1, k), o.B, o.T);
      rt.setInputs(batch.inputs);
      rt.setInitialStates();
      await rt.forward();
      const loss = await rt.readOutput('loss');
      let s = 0;
      for (const v of loss) s += v;
      lossSum += s;
      if (xent) {
        const z = await rt.readOutput('z');
        const target = batch.inputs.get('target')!;
        const mask = batch.inputs.get('mask')!;
        for (let r = 0; r < mask.length; r++) {
          if (!(mask[r] > 0)) continue;
          let best = 0;
          for (let c = 1; c < K; c++) if (z[r * K + c] > z[r * K + best]) best = c;
          weight += mask[r];
          if (best === target[r]) hit += mask[r];
        }
      }
    }
    const mean = fixed ? lossSum : lossSum / count; // a data task's held-out batches carry weights that sum to one over all of them
    return { loss: mean, batches: count, ...(xent ? { accuracy: hit / weight, bitsPerSymbol: mean / Math.LN2 } : {}) };
  } finally {
    rt.destroy();
  }
}
