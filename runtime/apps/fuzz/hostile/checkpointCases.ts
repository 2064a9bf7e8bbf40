// The commands a checkpoint goes to (--resume, eval, apply, export-torch),
// around a good checkpoint of a small LSTM on the adding task that is
// written without a GPU, so the corrupt variants have a real file to start
// from.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindOneCell } from '../../cli/commands/gpuCommon.js';
import { encodeCheckpoint } from '../../train/checkpoint.js';
import { buildModelOrThrow } from '../../train/run.js';
import { paramShapes } from '../../train/savedRun.js';
import { adding } from '../../train/tasks.js';
import type { NamedTensor } from '../../train/safetensors.js';

export const CELL = 'dsl-examples/lstm.cell';
const SIZES = ['--set', 'H=4'];
/** The run the good checkpoint belongs to (train's flags for it). */
const RUN = ['--task', 'adding', '--B', '4', '--T', '10', '--seed', '1', ...SIZES, '--no-verify'];

/** A checkpoint at step 3 of `train lstm.cell --task adding --B 4 --T 10 --set H=4`, with Adam moments. */
export function goodCheckpoint(root: string): Uint8Array {
  const model = buildModelOrThrow({ layers: [{ graph: bindOneCell(join(root, CELL), ['H=4']).graph }], task: adding, embed: 32 });
  const order = paramShapes(model);
  const params = new Map<string, NamedTensor>(order.map((p, i) => [p.name, { shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).map((_, k) => 0.01 * (((k + i) % 11) - 5)) }]));
  const n = [...params.values()].reduce((s, t) => s + t.data.length, 0);
  const metadata = {
    format: 'cellc-checkpoint/1',
    step: '3',
    cell: 'LSTM',
    task: 'adding',
    config: JSON.stringify({ B: 4, T: 10, seed: 1, tbptt: null, embed: 32, layerSizes: model.layerSizes, optimizer: { optimizer: 'adam' } }),
    losses: '[[1,0.5],[2,0.4],[3,0.3]]',
  };
  return encodeCheckpoint({ params, moments: new Float32Array(2 * n).fill(1e-3), metadata }, order);
}

/** The command lines that read the checkpoint in folder `dir` (written there as checkpoint.safetensors). */
export function checkpointCommands(dir: string, bytes: Uint8Array): string[][] {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'checkpoint.safetensors');
  writeFileSync(path, bytes);
  const inputs = join(dir, 'in.json');
  writeFileSync(inputs, JSON.stringify({ x: [[[0.5, 1], [0.1, 0]], [[0.2, 0], [0.9, 1]]] }));
  return [
    ['eval', CELL, '--checkpoint', path, '--batches', '1'],
    ['export-torch', path, '--out', join(dir, 'torch.safetensors')],
    ['apply', CELL, ...SIZES, '--set', 'I=2', '--inputs', inputs, '--params', path],
    ['train', CELL, ...RUN, '--resume', '--out', dir, '--steps', '4', '--checkpoint-every', '100'],
  ];
}
