// Which peers this machine has: TF.js (and for its WebGPU backend the
// backend package and Dawn's `webgpu`) installed next to cellc, and a Python
// that imports torch. A peer that is not there is reported "absent (reason)"
// in every cell of its column, never timed.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PeerName } from './options.js';

export type PeerStatus =
  | { readonly peer: PeerName; readonly present: true; readonly version: string; readonly python?: string; readonly cuda?: boolean; readonly threads?: number }
  | { readonly peer: PeerName; readonly present: false; readonly reason: string };

const require = createRequire(import.meta.url);

/** The version of an installed package, or undefined when it cannot be resolved from here. */
export function installedVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function detectTfjs(peer: 'tfjs-webgpu' | 'tfjs-cpu'): PeerStatus {
  const needed = peer === 'tfjs-webgpu' ? ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'webgpu'] : ['@tensorflow/tfjs'];
  const missing = needed.filter((n) => installedVersion(n) === undefined);
  if (missing.length) return { peer, present: false, reason: `${missing.join(', ')} not installed` };
  return { peer, present: true, version: installedVersion('@tensorflow/tfjs')! };
}

/** The environment torch runs in: without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, which make Debian's torch fail to load. */
export function torchEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { OPENBLAS_CORETYPE: _c, OPENBLAS_L2_SIZE: _l, ...rest } = env;
  return rest;
}

const PROBE = 'import json, torch; print(json.dumps({"torch": torch.__version__, "cuda": torch.cuda.is_available(), "threads": torch.get_num_threads()}))';

/** The first of `candidates` that imports torch, else why none did. */
export function detectTorch(candidates: readonly string[]): PeerStatus {
  const why: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', env: torchEnv(), timeout: 120_000 });
    if (r.error) {
      why.push(`${python}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}`);
      continue;
    }
    if (r.status !== 0) {
      const last = r.stderr.split('\n').filter((l) => l.trim()).pop() ?? `exit code ${r.status}`;
      why.push(`${python}: ${last.trim()}`);
      continue;
    }
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { torch: string; cuda: boolean; threads: number };
    return { peer: 'torch', present: true, version: info.torch, python, cuda: info.cuda, threads: info.threads };
  }
  return { peer: 'torch', present: false, reason: `no Python with torch (${why.join('; ')})` };
}

export function detectPeers(peers: readonly PeerName[], python?: string): PeerStatus[] {
  return peers.map((p) => (p === 'torch' ? detectTorch(python !== undefined ? [python] : ['python3', '/usr/bin/python3']) : detectTfjs(p)));
}
