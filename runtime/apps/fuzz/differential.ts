// Differential testing of one cell source: it must check and bind (public
// compiler API), pass the float64 gradient check (finite differences and the
// dot-product test), and match the float64 interpreter on the GPU (outputs,
// final states, every parameter gradient, initial-state and input
// gradients), each at several odd (B, T).
//
// Tolerances. GPU: also passes with maxAbs < 1e-6 (a tensor ≈ 0 in float64,
// where float32 roundoff is all that is left). GPU vs float64: 1e-4 relative
// per tensor (to the tensor's own scale). Gradcheck: 1e-5 relative, judged by
// gradcheck itself (further steps and Richardson extrapolation when the first
// step disagrees, an FD noise floor for tensors whose gradient is ≈ 0); a
// tensor or dot test that needed more than the first step is counted
// (`fdRetries`) so that it is visible, and a real gradient error fails at
// every step.

import { bindSizes, check, failed } from '../../../compiler/index.js';
import { describeVerdict, gradcheck } from '../../../compiler/tools/index.js';
import { compareWithReference, type GpuContext } from '../../index.js';

export type FailureKind = 'check' | 'bind' | 'compiler error' | 'gradcheck' | 'dot test' | 'gpu mismatch' | 'gpu error';

export interface CellResult {
  readonly ok: boolean;
  readonly kind?: FailureKind;
  readonly detail?: string;
  /** Tensors compared on the GPU (all configs). */
  readonly compared: number;
  /** Tensors (and dot tests) that needed more than the first FD step. */
  readonly fdRetries: number;
  /** Dot tests that passed only at two other points (kinks). */
  readonly dotRetries?: number;
}

export interface DiffOptions {
  readonly configs?: readonly { readonly B: number; readonly T: number }[];
  /** Skip the float64 gradcheck (GPU comparison only). */
  readonly noGradcheck?: boolean;
  /** How many of `configs` the gradcheck runs at (default 1; finite differences are the slow part). */
  readonly gradcheckConfigs?: number;
  readonly gpuTol?: number;
  readonly fdTol?: number;
}

export const DEFAULT_CONFIGS = [
  { B: 3, T: 5 },
  { B: 5, T: 4 },
];

const fail = (kind: FailureKind, detail: string, compared = 0, fdRetries = 0): CellResult => ({ ok: false, kind, detail, compared, fdRetries });

/** Runs every check on `source`; `ctx` null skips the GPU half. Never throws. */
export async function differential(ctx: GpuContext | null, source: string, o: DiffOptions = {}): Promise<CellResult> {
  const configs = o.configs ?? DEFAULT_CONFIGS;
  const gpuTol = o.gpuTol ?? 1e-4;
  const fdTol = o.fdTol ?? 1e-5;
  let bound;
  try {
    const r = check(source, 'generated.cell');
    if (r.diagnostics.length) return fail('check', r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
    const b = bindSizes(r.graphs[0]);
    if (failed(b)) return fail('bind', b.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
    bound = b;
  } catch (e) {
    return fail('compiler error', String((e as Error).stack ?? e));
  }
  let fdRetries = 0;
  let dotRetries = 0;
  if (!o.noGradcheck) {
    // FD costs two forward scans per element: one (B, T) is enough here, the GPU half uses all of them
    for (const [i, { B, T }] of configs.slice(0, o.gradcheckConfigs ?? 1).entries()) {
      try {
        const seed = 11 + i;
        const r = gradcheck(bound.graph, { B, T, seed, sizes: bound.sizes, tol: fdTol });
        fdRetries += [...r.tensors, r.dot].filter((t) => t.estimate !== 'D(h)').length;
        const bad = r.tensors.filter((t) => !t.ok);
        if (bad.length) return fail('gradcheck', `B=${B} T=${T}: ` + bad.map((t) => `${t.kind} ${t.name} rel ${t.maxRel.toExponential(2)} (scale ${t.scale.toExponential(2)}): ${describeVerdict(t)}`).join('; '), 0, fdRetries);
        const dotRel = r.dot.rel;
        if (!r.dot.ok) {
          // The dot test moves every leaf at once by ≥ 1e-5, so a kink (relu, abs, max, select,
          // argmax) near the point gives a false alarm. Real errors show at any point: two
          // other random points must both pass for the cell to pass (counted in dotRetries).
          dotRetries++;
          const again = [100, 200].map((d) => gradcheck(bound.graph, { B, T, seed: seed + d, sizes: bound.sizes, tol: fdTol }).dot);
          if (!again.every((x) => x.ok)) return fail('dot test', `B=${B} T=${T}: rel ${dotRel.toExponential(2)} (${describeVerdict(r.dot)}), at two other points ${again.map((x) => x.rel.toExponential(2)).join(', ')}`, 0, fdRetries);
        }
      } catch (e) {
        return fail('compiler error', `gradcheck B=${B} T=${T}: ${String((e as Error).stack ?? e)}`, 0, fdRetries);
      }
    }
  }
  let compared = 0;
  if (ctx) {
    const g = bound.graph;
    for (const [i, { B, T }] of configs.entries()) {
      let rows;
      try {
        rows = await compareWithReference(ctx, bound, { B, T, seed: 3 + i });
      } catch (e) {
        return fail('gpu error', `B=${B} T=${T}: ${String((e as Error).stack ?? e)}`, compared, fdRetries);
      }
      // every output, final state, parameter gradient and initial-state gradient (plus input gradients)
      const want = g.outputs.length + g.params.length + 2 * g.states.length;
      if (rows.length < want) return fail('gpu mismatch', `B=${B} T=${T}: ${rows.length} tensors compared, expected ≥ ${want}`, compared, fdRetries);
      compared += rows.length;
      // relative to the tensor's scale, except for a tensor that is ≈ 0 in float64 (cancellation),
      // where float32 roundoff of O(1) intermediates (≈ 1e-7) is all there is
      const bad = rows.filter((r) => !(r.maxRel < gpuTol || r.maxAbs < 1e-6));
      if (bad.length) return fail('gpu mismatch', `B=${B} T=${T}: ` + bad.map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)} abs ${r.maxAbs.toExponential(2)}`).join('; '), compared, fdRetries);
    }
  }
  return { ok: true, compared, fdRetries, dotRetries };
}
