// `cellc import-torch FILE --weights W.safetensors --out CKPT` and
// `cellc export-torch CKPT --out W.safetensors`: torch.nn.LSTM / torch.nn.GRU
// weights (a state_dict saved with safetensors.torch.save_file) to and from a
// cellc checkpoint, for dsl-examples/lstm.cell and dsl-examples/gru_cudnn.cell
// (see train/torchInterop.ts for the mapping). A character model's
// nn.Embedding (`embed.weight`) and nn.Linear readout (`readout.weight`,
// `readout.bias`) come along when present.

import { type Graph } from '../../../../compiler/index.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDir, saveCheckpoint, writeFileAtomic } from '../../train/checkpoint.js';
import { CHECKPOINT_FILE, modelParams, paramShapes, readSavedRun } from '../../train/savedRun.js';
import { buildModelOrThrow } from '../../train/run.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../train/safetensors.js';
import type { Task } from '../../train/tasks.js';
import { exportTorch, importTorch, InteropError, toNamedTensor, torchKindOfCell, type TorchRnnKind } from '../../train/torchInterop.js';
import { loadCells, UserError } from '../io.js';
import { taskFrom, userErrors } from './eval.js';

export interface ImportFlags {
  weights: string;
  out: string;
  prefix?: string;
  embedding?: string;
  readout?: string;
  task?: string;
  text?: string;
}

export interface ExportFlags {
  out: string;
  prefix: string;
  /** Default embed.weight; none with --prefix ''. */
  embedding?: string;
  /** Default readout; none with --prefix ''. */
  readout?: string;
  dtype?: string;
}

const MODULE = { lstm: 'torch.nn.LSTM', gru: 'torch.nn.GRU' } as const;

function interop<T>(f: () => T): T {
  try {
    return userErrors(f);
  } catch (e) {
    if (e instanceof InteropError) throw new UserError(e.message);
    throw e;
  }
}

function kindOf(g: Graph, file: string): TorchRnnKind {
  const kind = torchKindOfCell(g.params.map((p) => p.name));
  if (!kind) {
    throw new UserError(
      `${file}: cell ${g.name} does not have the parameters of torch.nn.LSTM (dsl-examples/lstm.cell) or torch.nn.GRU (dsl-examples/gru_cudnn.cell); it has ${g.params.map((p) => p.name).join(', ')}`,
    );
  }
  return kind;
}

function readWeights(path: string): Map<string, NamedTensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    return decodeSafetensors(bytes, path).tensors;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** A checkpoint path: FILE.safetensors as given, anything else is a folder for checkpoint.safetensors. */
function checkpointPath(out: string): string {
  return out.endsWith('.safetensors') && !(existsSync(out) && statSync(out).isDirectory()) ? out : join(out, CHECKPOINT_FILE);
}

export async function importTorchCommand(file: string, f: ImportFlags): Promise<number> {
  const graph = loadCells(file).graphs[0];
  const kind = kindOf(graph, file);
  const tensors = readWeights(f.weights);
  const embedding = f.embedding ?? (tensors.has('embed.weight') ? 'embed.weight' : undefined);
  const readout = f.readout ?? (tensors.has('readout.weight') ? 'readout' : undefined);
  const imp = interop(() => importTorch(tensors, { kind, ...(f.prefix !== undefined ? { prefix: f.prefix } : {}), ...(embedding ? { embedding } : {}), ...(readout ? { readout } : {}) }));
  const task: Task | undefined = f.task !== undefined ? taskFrom(f.task, f.text, undefined) : undefined;
  const layers = imp.layerSizes.map((sizes) => ({ graph, sizes }));
  if (task) {
    if (task.input.kind === 'index' && !imp.params.has('embed.E')) throw new UserError(`the ${task.name} task has discrete inputs: the weights need an embedding (nn.Embedding weight; name it with --embedding)`);
    if (task.input.kind === 'float' && imp.params.has('embed.E')) throw new UserError(`the ${task.name} task has float inputs, but the weights have an embedding (${embedding})`);
    if (!imp.params.has('readout.W')) throw new UserError(`a model for the ${task.name} task needs a readout (nn.Linear; name it with --readout PREFIX for PREFIX.weight and PREFIX.bias)`);
  }
  // Check every imported tensor against the model the checkpoint will be loaded into.
  const stand: Task = task ?? ({ name: 'none', describe: '', input: { kind: 'float', size: imp.layerSizes[0].I }, output: { kind: 'mse', size: 1 }, batch: () => { throw new Error('unused'); } } as Task);
  const model = interop(() => buildModelOrThrow({ layers, task: stand, embed: imp.embed ?? 32 }));
  const path = checkpointPath(f.out);
  const saved = { checkpoint: { params: new Map([...imp.params].map(([k, v]) => [k, toNamedTensor(v)])), metadata: {} }, path: f.weights };
  const params = task ? interop(() => modelParams(model, saved)) : saved.checkpoint.params;
  if (!task) {
    const known = new Map(paramShapes(model).map((p) => [p.name, p.shape]));
    for (const [name, t] of params) {
      const want = known.get(name);
      if (want && (want.length !== t.shape.length || want.some((d, i) => d !== t.shape[i]))) throw new UserError(`tensor for ${name} has shape [${t.shape.join(', ')}], cell ${graph.name} needs [${want.join(', ')}]`);
    }
  }
  ensureDir(dirname(path));
  const order = paramShapes(model).filter((p) => params.has(p.name));
  saveCheckpoint(
    path,
    {
      params,
      metadata: {
        format: 'cellc-checkpoint/1',
        step: '0',
        cell: model.graph.name,
        source: `${MODULE[kind]} weights from ${f.weights}`,
        ...(task ? { task: task.name } : {}),
        config: JSON.stringify({ layerSizes: model.layerSizes, embed: imp.embed ?? null }),
        ...(task?.alphabet !== undefined ? { alphabet: task.alphabet } : {}),
      },
    },
    order,
  );
  const extras = [imp.params.has('embed.E') ? `embedding ${embedding}` : '', imp.params.has('readout.W') ? `readout ${readout}.weight/.bias` : ''].filter(Boolean);
  process.stdout.write(
    `imported ${MODULE[kind]} (${imp.layers} layer(s), ${imp.layerSizes.map((s) => `I=${s.I} H=${s.H}`).join('; ')}${imp.prefix ? `, prefix '${imp.prefix}'` : ''})` +
      `${extras.length ? ' with ' + extras.join(' and ') : ''} onto ${graph.name}: ${params.size} tensors → ${path}\n` +
      (kind === 'lstm' ? 'note: the cell has one bias per gate: b = bias_ih + bias_hh\n' : ''),
  );
  return 0;
}

export async function exportTorchCommand(checkpoint: string, f: ExportFlags): Promise<number> {
  const saved = userErrors(() => readSavedRun(checkpoint));
  const params = saved.checkpoint.params;
  const cellNames = new Set<string>();
  const layerIds = new Set<string>();
  for (const name of params.keys()) {
    if (name === 'embed.E' || name.startsWith('readout.')) continue;
    const m = /^l(\d+)\.(.*)$/.exec(name);
    if (m) layerIds.add(m[1]);
    cellNames.add(m ? m[2] : name);
  }
  const kind = torchKindOfCell([...cellNames]);
  if (!kind) throw new UserError(`${saved.path}: the parameters (${[...cellNames].join(', ')}) are not those of lstm.cell (torch.nn.LSTM) or gru_cudnn.cell (torch.nn.GRU)`);
  const layers = saved.layerSizes?.length ?? Math.max(1, layerIds.size);
  const dtype = String(f.dtype ?? 'F32').toUpperCase();
  if (dtype !== 'F32' && dtype !== 'F16') throw new UserError(`--dtype must be F32 or F16, got '${f.dtype}'`);
  // a bare nn.LSTM / nn.GRU (--prefix '') has no embedding or readout: those are written only when named
  const bare = f.prefix === '';
  const embedding = f.embedding ?? (bare ? undefined : 'embed.weight');
  const readout = f.readout ?? (bare ? undefined : 'readout');
  const out = interop(() => exportTorch(params, { kind, layers, prefix: f.prefix, embedding, readout }));
  ensureDir(dirname(f.out));
  writeFileAtomic(f.out, encodeSafetensors(new Map([...out].map(([k, v]) => [k, toNamedTensor(v)])), { format: 'pt' }, { dtype }));
  const left = [params.has('embed.E') && embedding === undefined ? 'embed.E (--embedding NAME)' : '', params.has('readout.W') && readout === undefined ? 'readout.W, readout.b (--readout PREFIX)' : ''].filter(Boolean);
  process.stdout.write(
    `exported ${layers} layer(s) as ${MODULE[kind]}${kind === 'lstm' ? ' (bias_ih = the cell bias, bias_hh = 0)' : ''} → ${f.out}\n` +
      [...out].map(([k, v]) => `  ${k} [${v.shape.join(', ')}]${dtype === 'F16' ? ' F16' : ''}`).join('\n') +
      '\n' +
      (left.length ? `left out (not part of a bare ${MODULE[kind]}): ${left.join('; ')}\n` : ''),
  );
  return 0;
}
