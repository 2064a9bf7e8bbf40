// The seam between the compiler's core and code generation. A backend turns
// a scheduled cell (schedule/cellSchedule.ts: both passes scheduled, memory
// laid out) into an artifact whose every kernel is a KernelRecord
// (artifact/kernel.ts). The per-step WebGPU schedule is one backend; a
// persistent kernel, a parallel scan over time or another target language
// is another file that implements this interface and is listed in BACKENDS.

import type { Artifact } from '../artifact/artifact.js';
import type { Scheduled } from '../schedule/cellSchedule.js';
import { generatePerStep, type GenerateOptions } from './webgpu/perStep.js';
import { generateScan } from './webgpu/scan.js';
import { generateRowOwned } from './webgpu/rowOwned.js';

export interface Backend {
  /** What `--schedule NAME` / the driver's `backend` option selects. */
  readonly name: string;
  /** One sentence for `cellc plan` and the docs. */
  readonly description: string;
  generate(cell: Scheduled, options: GenerateOptions): Artifact;
}

export const BACKENDS = {
  'per-step': {
    name: 'per-step',
    description: 'WebGPU, one or a few fused dispatches per time step; input and gradient GEMMs hoisted out of the loop',
    generate: generatePerStep,
  },
  scan: {
    name: 'scan',
    description: 'WebGPU, no time loop: diagonal-affine recurrences run as chunked parallel scans over time, forward and (in reverse) backward',
    generate: generateScan,
  },
  'step-fused': {
    name: 'step-fused',
    description: 'WebGPU, one dispatch per time step: all levels of a step in one kernel whose workgroups own whole batch rows, separated by storage barriers',
    generate: (cell, options) => generateRowOwned(cell, options, false),
  },
  persistent: {
    name: 'persistent',
    description: 'WebGPU, one dispatch per pass: a kernel whose workgroups own whole batch rows loops over all T steps itself',
    generate: (cell, options) => generateRowOwned(cell, options, true),
  },
} as const satisfies Record<string, Backend>;

export type BackendName = keyof typeof BACKENDS;

export type { GenerateOptions } from './webgpu/perStep.js';
