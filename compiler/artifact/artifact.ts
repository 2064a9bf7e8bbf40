// The artifact: everything the runtime needs, as plain JSON-serialisable data
// (no GPU objects). The driver (compiler/driver.ts) produces it; the runtime
// (runtime/core) executes it.
//
// Every kernel that runs is a KernelRecord (kernel.ts) in `kernels`: the fused
// step kernels, the GEMMs, the gradient sums and, for a training artifact, the
// optimizer. The plans list kernel names in execution order; the runtime
// evaluates each record's dispatch formula, binds what the record names and
// encodes — it generates no WGSL of its own.

import type { Initializer } from '../ir/graph.js';
import type { KernelRecord } from './kernel.js';
import type { ArenaName, Lin, TensorId, TensorLayout, TensorRef } from './layout.js';
import type { Target } from '../backend/webgpu/target.js';
import type { ScheduleRecord } from '../analysis/findings.js';

export type { TensorId, TensorRef } from './layout.js';

export const ARTIFACT_FORMAT = 'cellc-artifact/2';

/** A tensor of the layout (without the WGSL name of its offset, a renderer detail). */
export type ArtifactTensor = Omit<TensorLayout, 'symbol'>;

/** Kernel names per stage of a pass. */
export interface PassPlan {
  /** Once per call: parameter-only values. */
  readonly prelude: readonly string[];
  /** Before the loop, over all T·B rows. */
  readonly before: readonly string[];
  /** Every time step (forward: t = 0…T−1; backward: t = T−1…0). */
  readonly step: readonly string[];
  /** After the loop, over all T·B rows. */
  readonly after: readonly string[];
}

export interface ArtifactParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
  readonly tensor: TensorId;
  /** Its gradient ∂L/∂θ (grads arena, same layout as params). */
  readonly grad: TensorId;
}

export interface ArtifactState {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: number;
  /** s_0 … s_T. */
  readonly tensor: TensorId;
  /** ∂L/∂s_0 … ∂L/∂s_T. */
  readonly dtensor: TensorId;
  /**
   * A learned initial state (`state h[H] = h0`): s_0 is the parameter in every
   * row. `fill` (first in the forward prelude) writes it and `grad` (last in
   * the backward `grads`) adds Σ_rows ∂L/∂s_0 to the parameter's gradient; the
   * runtime skips both while the caller gives or carries this state's s_0.
   */
  readonly initParam?: { readonly param: string; readonly fill: string; readonly grad: string };
}

export interface ArtifactInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'f32' | 'i32';
  readonly tensor: TensorId;
  readonly dtensor?: TensorId;
}

export interface ArtifactOutput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly at: TensorRef;
  /** Row width of the tensor it lives in (≥ the output's element count when stacked). */
  readonly width: number;
  readonly dtensor: TensorId;
}

/** The optimizer kernels of a training artifact (names in `kernels`) and the buffers they need. */
export interface TrainingPlan {
  /** Σ loss and ‖g‖² into the host buffer 'stats'. */
  readonly stats: string;
  /** The parameter update (SGD / Adam / AdamW), reading 'stats', 'moments', 'hyper'. */
  readonly update: string;
  /** Parameters (and gradients) in the arena, from element 0. */
  readonly paramCount: number;
}

export interface Artifact {
  readonly format: typeof ARTIFACT_FORMAT;
  readonly cell: string;
  /**
   * A reverse-time cell: the kernels run the scan as usual (step 0 first) and
   * the runtime maps step t to time T−1−t where sequences cross the host
   * boundary (inputs, outputs, their cotangents and gradients).
   */
  readonly reverse?: boolean;
  readonly sizes: Readonly<Record<string, number>>;
  /** The device class the kernels were specialised for (GEMM tiling). */
  readonly target: Target;
  readonly params: readonly ArtifactParam[];
  readonly states: readonly ArtifactState[];
  readonly inputs: readonly ArtifactInput[];
  readonly outputs: readonly ArtifactOutput[];
  readonly tensors: readonly ArtifactTensor[];
  readonly arenas: Readonly<Record<ArenaName, Lin>>;
  /** Result tensors stored inside another tensor (stacked GEMM outputs). */
  readonly aliases: Readonly<Record<string, TensorRef>>;
  readonly kernels: readonly KernelRecord[];
  readonly forward: PassPlan;
  /** Backward: `step` runs per time step in reverse, then `after`, then `grads` (into a cleared grads arena). */
  readonly backward: PassPlan & { readonly grads: readonly string[] };
  readonly training?: TrainingPlan;
  /**
   * Kernels with a trial axis: the runtime allocates every arena once per
   * trial (trial k's copy at k × the arena's size) and runs workgroup z ×
   * trials of every kernel whose dispatch says `trials`; trial k's tensors
   * are where the tables say, in its copy. Its optimizer kernels are per
   * trial, with host buffers 'trials' (one Hyper per trial), 'running' (u32
   * per trial: 0 = takes no update), 'stats' (Σ loss, ‖g‖² per trial) and
   * 'moments' (m, v of trial k at 2k·paramCount: a run alone's layout).
   */
  readonly trialAxis?: true;
  /**
   * The cell draws random masks (dropout, zoneout): its kernels read the
   * training switch and the mask key (seed, draw) from the dims records
   * (CellRuntime.setRandom); without a key they use the masks' expectation.
   */
  readonly randomMasks?: true;
  /** The schedule the plans follow (sequential loop or parallel scans over time), why, and the recurrence analysis. */
  readonly schedule?: ScheduleRecord;
}
