// The markdown of the report: one row per cell and size; per implementation
// "forward / training step" ms; then, against each peer present, the ratio
// peer time / cellc time (> 1: cellc is faster). A peer that is absent says
// so in every cell of its column and gets no ratio column; a job that failed
// says "failed: reason"; a peer without the cell says "n/a (no layer)".

import { fmtMs } from '../../cli/commands/gpuCommon.js';
import type { PeerStatus } from './detect.js';
import type { Entry, Impl, Outcome } from './jobs.js';
import { CELLS, type PeerName, type Size } from './options.js';
import type { Report } from './report.js';

/** The peer an implementation column belongs to (cellc: none). */
export const PEER_OF: Record<Impl, PeerName | undefined> = { cellc: undefined, 'tfjs-webgpu': 'tfjs-webgpu', 'tfjs-cpu': 'tfjs-cpu', 'torch-nn': 'torch', 'torch-eager': 'torch' };

export function implLabel(impl: Impl, torchDevice = 'cpu'): string {
  switch (impl) {
    case 'cellc':
      return 'cellc (WebGPU)';
    case 'tfjs-webgpu':
      return 'TF.js webgpu';
    case 'tfjs-cpu':
      return 'TF.js cpu';
    case 'torch-nn':
      return `torch nn (${torchDevice})`;
    case 'torch-eager':
      return `torch eager (${torchDevice})`;
  }
}

/** The implementation columns of a run with these peers, in table order. */
export function implColumns(peers: readonly PeerName[]): Impl[] {
  return (['cellc', 'tfjs-webgpu', 'tfjs-cpu', 'torch-nn', 'torch-eager'] as const).filter((i) => PEER_OF[i] === undefined || peers.includes(PEER_OF[i]!));
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** One cell of an implementation column. */
export function outcomeText(o: Outcome | undefined): string {
  if (!o) return '—';
  switch (o.status) {
    case 'ok':
      return `${fmtMs(o.fwd_ms)} / ${fmtMs(o.train_ms)}`;
    case 'absent':
      return escapeCell(`absent (${o.reason})`);
    case 'failed':
      return escapeCell(`failed: ${o.reason}`);
    case 'n/a':
      return escapeCell(`n/a (${o.reason})`);
  }
}

/** A ratio with two significant digits (three for ≥ 100 is no better: whole numbers). */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r) || r <= 0) return '—';
  return r >= 100 ? r.toFixed(0) : r.toPrecision(2);
}

/** "peer / cellc" for forward and training step; "—" unless both have figures. */
export function ratioText(peer: Outcome | undefined, cellc: Outcome | undefined): string {
  if (peer?.status !== 'ok' || cellc?.status !== 'ok') return '—';
  return `${fmtRatio(peer.fwd_ms / cellc.fwd_ms)} / ${fmtRatio(peer.train_ms / cellc.train_ms)}`;
}

export const sizeLabel = (s: Size) => `${s.B}, ${s.T}, ${s.H}`;

function find(entries: readonly Entry[], cell: string, s: Size, impl: Impl): Outcome | undefined {
  return entries.find((e) => e.cell === cell && e.B === s.B && e.T === s.T && e.H === s.H && e.impl === impl)?.outcome;
}

/** The table alone (header, separator, rows). */
export function markdownTable(r: Pick<Report, 'options' | 'peers' | 'entries' | 'machine'>): string {
  const torchDevice = r.machine.torch_device ?? 'cpu';
  const impls = implColumns(r.options.peers);
  const present = (p: PeerName) => r.peers.some((s) => s.peer === p && s.present);
  const ratioImpls = impls.filter((i) => i !== 'cellc' && present(PEER_OF[i]!));
  const head = ['cell', 'B, T, H', ...impls.map((i) => `${implLabel(i, torchDevice)} ms`), ...ratioImpls.map((i) => `${implLabel(i, torchDevice)} / cellc`)];
  const rows: string[][] = [];
  for (const cell of r.options.cells) {
    for (const s of r.options.grid) {
      const cellc = find(r.entries, cell, s, 'cellc');
      rows.push([CELLS[cell].label, sizeLabel(s), ...impls.map((i) => outcomeText(find(r.entries, cell, s, i))), ...ratioImpls.map((i) => ratioText(find(r.entries, cell, s, i), cellc))]);
    }
  }
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, k) => (k < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n') + '\n';
}

function load(l: readonly number[] | undefined): string {
  return l ? l.map((v) => v.toFixed(2)).join(', ') : '?';
}

function adapterText(a: Report['machine']['adapter']): string {
  if ('error' in a) return `unknown (${String(a.error)})`;
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((p) => typeof p === 'string' && p !== '');
  return parts.join(' / ') + (a.software ? ' (software: a CPU implementation of WebGPU)' : '');
}

function peerLine(p: PeerStatus): string {
  if (!p.present) return `- ${p.peer}: absent (${p.reason})`;
  if (p.peer === 'torch') return `- torch ${p.version} (${p.python}; device ${p.cuda ? 'cuda' : 'cpu'}; ${p.threads} thread(s))`;
  return `- ${p.peer}: TF.js ${p.version}`;
}

/** The whole bench.md: title, machine, table, what was measured. */
export function markdownReport(r: Report): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# cellc against peers`, '');
  out.push(
    `cellc ${m.cellc}${m.commit ? ` (${m.commit})` : ''}, ${r.started}, ${r.duration_s.toFixed(0)} s; median of ${r.options.runs} run(s) after ${r.options.warmup} warm-up run(s); ms per forward / per training step.`,
    '',
  );
  out.push(`- adapter: ${adapterText(m.adapter)}`);
  out.push(`- CPU: ${m.cpus} × ${m.cpu_model}, ${m.memory_gib} GiB; ${m.os}; node ${m.node}`);
  out.push(`- load average (1, 5, 15 min): before ${load(m.loadavg_before)}, after ${load(m.loadavg_after)}`);
  for (const p of r.peers) out.push(peerLine(p));
  out.push('', markdownTable(r));
  out.push('Notes:', '');
  out.push(`- Each figure is forward ms / training-step ms, wall clock, the median of ${r.options.runs} run(s) after ${r.options.warmup} warm-up run(s), every implementation in its own process, at input size I = H; B, T, H as given. Every output h_1 … h_T is produced.`);
  out.push('- cellc: `cellc bench`\'s timing; a training step is forward + backward (BPTT: the gradients of every parameter), without an optimizer step.');
  out.push('- Peers: a training step is forward + backward + an Adam step on the mean of h_t² over every output (TF.js: `trainOnBatch` with mean squared error against zeros).');
  out.push('- TF.js: `tf.layers.lstm` / `tf.layers.gru` with sigmoid gates (TF.js\'s GRU resets before the recurrent product, as gru.cell); MUT1 and the LayerNorm-LSTM, which have no layer, are the cell\'s equations in tf ops, step by step. A forward is timed up to reading back the sum of its outputs.');
  out.push('- torch nn: `torch.nn.LSTM` / `torch.nn.GRU` (cuDNN on CUDA); `nn.GRU` is the cuDNN form (reset after the recurrent product, gru_cudnn.cell). MUT1 and the LayerNorm-LSTM have no layer: n/a. torch eager: the .cell file\'s equations as a Python loop over the steps.');
  out.push('- Ratio columns: peer time / cellc time, forward / training step; > 1 means cellc is faster.');
  return out.join('\n') + '\n';
}
