// The WebGPU backend's row-owning schedules: the sequential loop over time of
// the per-step schedule, with every loop level of a pass in one kernel whose
// workgroups each own some batch rows and all their elements (SPEC.md §12.4).
// Rows are independent sequences, so the levels of a step (a reduction for a
// layernorm, the products that read it) need only a storage barrier inside
// the workgroup, not a dispatch each:
//
//   step-fused  one dispatch per step and pass
//   persistent  one dispatch per pass: the kernel loops over all T steps
//               itself (backward in reverse), the states never leave the
//               kernel between steps except through memory it owns; where a
//               step is one level that reads its carried values only at its
//               own elements (an elementwise recurrence), one thread per
//               element and row loops instead, with no barrier
//               (fusedKernel.ts renderLaneKernel)
//
// Hoisted GEMMs before and after the loop, parameter gradients and the
// optimizer are those of the per-step schedule (assemble.ts).

import type { Scheduled } from '../../schedule/cellSchedule.js';
import type { Artifact } from '../../artifact/artifact.js';
import { ArtifactBuilder, type GenerateOptions } from './assemble.js';

export function generateRowOwned(sc: Scheduled, options: GenerateOptions, persistent: boolean): Artifact {
  const { fwd, bwd, forwardFn, backwardFn, layout } = sc;
  const a = new ArtifactBuilder(sc, layout, options);
  const forward = a.rowPlan(fwd, forwardFn, persistent ? { reverse: false } : undefined);
  const backward = a.rowPlan(bwd, backwardFn, persistent ? { reverse: true } : undefined);
  return a.finish({ forward, backward, bwd, bwdFn: backwardFn, aliases: [...fwd.aliases, ...bwd.aliases] });
}

/**
 * The persistent artifact where both passes' loops are lane kernels (an
 * elementwise recurrence: no thread reads what another writes), else
 * undefined — what `auto` takes when the scan does not apply or is not faster.
 */
export function tryGenerateLanes(sc: Scheduled, options: GenerateOptions): Artifact | undefined {
  const { fwd, bwd, forwardFn, backwardFn, layout } = sc;
  if (!fwd.stages.loop.length) return undefined;
  const a = new ArtifactBuilder(sc, layout, options);
  const forward = a.rowPlan(fwd, forwardFn, { reverse: false }, true);
  const backward = forward && a.rowPlan(bwd, backwardFn, { reverse: true }, true);
  return backward && a.finish({ forward: forward!, backward, bwd, bwdFn: backwardFn, aliases: [...fwd.aliases, ...bwd.aliases] });
}
