// The trained weights as files: a cellc checkpoint (safetensors: the
// parameters, Adam's moments, the run's configuration in the metadata — the
// format `cellc train` writes, so `cellc eval`, `apply` and `export-torch`
// read it), and, for a cell with the parameters of lstm.cell or
// gru_cudnn.cell, a PyTorch state dict (`rnn.weight_ih_l0`, …,
// `readout.weight`) for `model.load_state_dict(safetensors.torch.load_file(…))`.
// Pure: bytes out, no DOM.

import { CHECKPOINT_FORMAT, encodeCheckpoint } from '../../train/checkpointCodec.js';
import { encodeSafetensors } from '../../train/safetensors.js';
import { exportTorch, toNamedTensor, torchKindOfCell, type TorchRnnKind } from '../../train/torchInterop.js';
import { DEFAULT_OPTIMIZER } from '../../train/trainer.js';
import { taskFor } from './model.js';
import type { TrainedWeights, TrainSettings } from './training.js';

/** File names: the cell and the task, `lstm-adding.safetensors`. */
export const weightsFileName = (w: TrainedWeights, s: TrainSettings, torch = false) =>
  `${w.model.spec.layers[0].graph.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${s.task}${torch ? '-torch' : ''}.safetensors`;

export function checkpointBytes(w: TrainedWeights, s: TrainSettings, losses: readonly (readonly [number, number])[]): Uint8Array {
  const token = taskFor(s.task).input.kind === 'index';
  const config = { B: s.B, T: s.T, seed: s.seed, tbptt: null, embed: token ? s.embed : 0, layerSizes: w.model.layerSizes, optimizer: { ...DEFAULT_OPTIMIZER, lr: s.lr, steps: s.steps } };
  return encodeCheckpoint(
    {
      params: new Map(w.paramOrder.map((p) => [p.name, { shape: p.shape, data: w.params.get(p.name)!.data }])),
      moments: w.moments,
      metadata: { format: CHECKPOINT_FORMAT, step: String(w.step), cell: w.model.spec.layers[0].graph.name, task: s.task, config: JSON.stringify(config), losses: JSON.stringify(losses), source: 'cellc playground' },
    },
    w.paramOrder,
  );
}

/** The cell's parameter names, without the model's embedding and readout. */
const cellParamNames = (w: TrainedWeights) => w.paramOrder.map((p) => p.name).filter((n) => n !== 'embed.E' && !n.startsWith('readout.'));

export const TORCH_MODULE: Record<TorchRnnKind, string> = { lstm: 'torch.nn.LSTM', gru: 'torch.nn.GRU' };

/** A PyTorch state dict of the model (RNN as `rnn.`, readout, embedding), or why the cell has none. */
export function torchBytes(w: TrainedWeights): { bytes: Uint8Array; kind: TorchRnnKind } | string {
  const kind = torchKindOfCell(cellParamNames(w));
  if (!kind) return `${w.model.spec.layers[0].graph.name} has no PyTorch counterpart: only cells with the parameters of lstm.cell (torch.nn.LSTM) or gru_cudnn.cell (torch.nn.GRU) export`;
  const out = exportTorch(w.params, { kind, layers: 1, prefix: 'rnn.', embedding: 'embed.weight', readout: 'readout' });
  return { bytes: encodeSafetensors(new Map([...out].map(([k, v]) => [k, toNamedTensor(v)])), { format: 'pt' }), kind };
}
