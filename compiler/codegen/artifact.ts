// The artifact: everything the runtime needs, as plain JSON-serialisable data
// (no GPU objects). compile() produces it; the runtime (runtime/) executes it.

import type { Initializer } from '../ir/graph.js';
import type { ArenaName, Lin, TensorLayout } from './layout.js';
import type { RenderedKernel } from './fusedKernel.js';

export const ARTIFACT_FORMAT = 'cellc-artifact/1';

/** A tensor of the layout (without the WGSL name of its offset, a renderer detail). */
export type ArtifactTensor = Omit<TensorLayout, 'symbol'>;

/** A place in a tensor: its row `col` elements in, at time shift `shift`. */
export interface TensorRef {
  readonly tensor: string;
  readonly shift: 0 | 1;
  readonly col: number;
}

/** A fused kernel as the renderer produced it: WGSL, bindings, dispatch shape, summary. */
export type ArtifactKernel = RenderedKernel;

/** C[M,N] (+)= op(A)[M,K]·op(B)[K,N]; 'TB' dimensions are T·B at run time. */
export interface ArtifactGemm {
  readonly name: string;
  readonly A: TensorRef;
  readonly B: TensorRef;
  readonly C: TensorRef;
  readonly lda: number;
  readonly ldb: number;
  readonly ldc: number;
  readonly M: number | 'TB';
  readonly N: number;
  readonly K: number | 'TB';
  readonly transA: boolean;
  readonly transB: boolean;
  readonly accumulate: boolean;
  readonly summary: string;
}

export type PlanStep = { readonly kind: 'kernel'; readonly kernel: string } | { readonly kind: 'gemm'; readonly gemm: ArtifactGemm };

export interface PassPlan {
  /** Once per call: parameter-only values. */
  readonly prelude: readonly PlanStep[];
  /** Before the loop, over all T·B rows. */
  readonly before: readonly PlanStep[];
  /** Every time step (forward: t = 0…T−1; backward: t = T−1…0). */
  readonly step: readonly PlanStep[];
  /** After the loop, over all T·B rows. */
  readonly after: readonly PlanStep[];
}

export interface ArtifactParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
  readonly tensor: string;
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
  readonly params: readonly ArtifactParam[];
  readonly states: readonly { readonly name: string; readonly shape: readonly number[]; readonly init: number; readonly tensor: string; readonly dtensor: string }[];
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[]; readonly dtype: 'f32' | 'i32'; readonly tensor: string; readonly dtensor?: string }[];
  readonly outputs: readonly { readonly name: string; readonly shape: readonly number[]; readonly at: TensorRef; readonly width: number; readonly dtensor: string }[];
  readonly tensors: readonly ArtifactTensor[];
  readonly arenas: Readonly<Record<ArenaName, Lin>>;
  /** Result tensors stored inside another tensor (stacked GEMM outputs). */
  readonly aliases: Readonly<Record<string, TensorRef>>;
  readonly kernels: readonly ArtifactKernel[];
  readonly forward: PassPlan;
  /** Backward: `step` runs per time step in reverse, then `after`, then `grads` (into a cleared grads arena). */
  readonly backward: PassPlan & { readonly grads: readonly PlanStep[] };
}
