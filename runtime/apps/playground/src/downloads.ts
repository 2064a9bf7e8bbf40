// The trained weights' download buttons under the training controls: per
// cell of a finished run, its cellc checkpoint and, where the cell maps to
// one, its PyTorch state dict (weights.ts makes the bytes).

import { byId, h } from './dom.js';
import type { TrainingRun } from './training.js';
import { checkpointBytes, TORCH_MODULE, torchBytes, weightsFileName } from './weights.js';

function download(bytes: Uint8Array, name: string) {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download buttons for each cell of a finished run (none: the note that training comes first). */
export function showDownloads(r: TrainingRun | undefined) {
  const box = byId('downloads');
  if (!r || r.weights.length === 0) {
    box.replaceChildren(h('span', { class: 'note' }, r ? 'No weights to download: no step ended with finite parameters.' : 'Train to download the weights.'));
    return;
  }
  const items: (HTMLElement | string)[] = [];
  for (const w of r.weights) {
    const tag = w.label.split(':')[0];
    const losses = r.losses.get(w.label) ?? [];
    items.push(
      h('button', { type: 'button', class: 'download', 'data-kind': 'checkpoint', 'data-cell': tag, title: 'A cellc checkpoint (safetensors): cellc eval, apply and export-torch read it', onclick: () => download(checkpointBytes(w, r.settings, losses), weightsFileName(w, r.settings)) }, `${w.label} weights (.safetensors)`),
    );
    const torch = torchBytes(w);
    if (typeof torch === 'string') items.push(h('span', { class: 'note', 'data-cell': tag }, `${torch}.`));
    else
      items.push(
        h('button', { type: 'button', class: 'download', 'data-kind': 'torch', 'data-cell': tag, title: `A state dict for ${TORCH_MODULE[torch.kind]} (rnn.*) with readout.* (safetensors.torch.load_file)`, onclick: () => download(torch.bytes, weightsFileName(w, r.settings, true)) }, `${w.label} as a PyTorch state dict`),
      );
  }
  box.replaceChildren(h('span', {}, `Weights after step ${r.weights[0].step}:`), ...items);
}
