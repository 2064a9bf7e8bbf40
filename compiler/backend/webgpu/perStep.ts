// The WebGPU backend's per-step schedule: a scheduled cell → the artifact.
// Every time step is one or a few dispatches of fused kernels (one per level
// of the step graph), GEMMs over all T·B rows are hoisted before and after
// the loop, and parameter gradients are summed after it. Each generator
// returns a kernel record (artifact/kernel.ts); assemble.ts renders the
// stages and assembles the artifact.
//
// Sizes are fixed at compile time (the WGSL has them as literals); B and T are
// read from a uniform record by every kernel (see wgslDims.ts).

import type { Scheduled } from '../../schedule/cellSchedule.js';
import type { Artifact } from '../../artifact/artifact.js';
import { ArtifactBuilder, type GenerateOptions } from './assemble.js';

export type { GenerateOptions } from './assemble.js';

export function generatePerStep(sc: Scheduled, options: GenerateOptions = {}): Artifact {
  const { fwd, bwd, forwardFn: fwdFn, backwardFn: bwdFn, layout } = sc;
  const a = new ArtifactBuilder(sc, layout, options);
  const forward = a.plan(fwd, fwdFn);
  const backward = a.plan(bwd, bwdFn);
  return a.finish({ forward, backward, bwd, bwdFn, aliases: [...fwd.aliases, ...bwd.aliases] });
}
