// The machine block of the report: the adapter (from machineJob.ts), CPU
// count and model, memory, OS, versions of node, cellc, TF.js and torch, and
// the load average before and after the run (the figures of a loaded machine
// are slower; the load says how loaded).

import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { PeerStatus } from './detect.js';
import { installedVersion } from './detect.js';
import { packageVersion } from '../../packageFiles.js';

export interface Machine {
  adapter: Record<string, unknown> | { error: string };
  cpus: number;
  cpu_model: string;
  memory_gib: number;
  os: string;
  node: string;
  cellc: string;
  commit?: string;
  tfjs?: string;
  torch?: string;
  torch_python?: string;
  torch_threads?: number;
  torch_device?: string;
  loadavg_before: number[];
  loadavg_after?: number[];
}

export function machineInfo(root: string, peers: readonly PeerStatus[], adapter: Machine['adapter']): Machine {
  const tfjs = installedVersion('@tensorflow/tfjs');
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = undefined;
  }
  const torch = peers.find((p) => p.peer === 'torch');
  const cpus = os.cpus();
  return {
    adapter,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    cellc: packageVersion(),
    ...(commit ? { commit } : {}),
    ...(tfjs ? { tfjs } : {}),
    ...(torch?.present ? { torch: torch.version, torch_python: torch.python, torch_threads: torch.threads, torch_device: torch.cuda ? 'cuda' : 'cpu' } : {}),
    loadavg_before: os.loadavg(),
  };
}
