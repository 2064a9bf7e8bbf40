// Differential testing of one cell source: it must check and bind (public
// compiler API), pass the float64 gradient check (finite differences and the
// dot-product test), and match the float64 interpreter on the GPU (outputs,
// final states, every parameter gradient, initial-state and input
// gradients), each at several odd (B, T).
//
// Tolerances. GPU vs float64: 1e-4 relative per tensor (to the tensor's own
// scale); also passes with maxAbs < 1e-6 (a tensor ≈ 0 in float64, where
// float32 roundoff is all that is left), or within 10 times the distance
// between float64 and the same computation in float32 (gpuVsReference.ts
// `agrees`: a gradient that is 0 only by cancellation, as through the layer
// norm of a two-element parameter). Gradcheck: 1e-5 relative, judged by
// gradcheck itself (further steps and Richardson extrapolation when the first
// step disagrees, an FD noise floor for tensors whose gradient is ≈ 0); a
// tensor or dot test that needed more than the first step is counted
// (`fdRetries`) so that it is visible, and a real gradient error fails at
// every step.

import { bindSizes, check, compileBound, failed, type ScheduleOption } from '../../../compiler/index.js';
import { describeVerdict, gradcheck } from '../../../compiler/tools/index.js';
import { compareWithReference, targetOf, type GpuContext } from '../../index.js';
import { agrees } from '../compare/gpuVsReference.js';

export type FailureKind = 'check' | 'bind' | 'compiler error' | 'gradcheck' | 'dot test' | 'gpu mismatch' | 'gpu error';

export interface CellResult {
  readonly ok: boolean;
  readonly kind?: FailureKind;
  readonly detail?: string;
  /** Tensors compared on the GPU (all configs). */
  readonly compared: number;
  /** Tensors (and dot tests) that needed more than the first FD step. */
  readonly fdRetries: number;
  /** Gradchecks that passed only at another point (a kink or jump at the first). */
  readonly dotRetries?: number;
  /** The gradcheck met a kink or jump at every point tried (a structural tie): it says nothing either way. */
  readonly inconclusive?: string;
}

export interface DiffOptions {
  readonly configs?: readonly { readonly B: number; readonly T: number }[];
  /** Skip the float64 gradcheck (GPU comparison only). */
  readonly noGradcheck?: boolean;
  /** How many of `configs` the gradcheck runs at (default 1; finite differences are the slow part). */
  readonly gradcheckConfigs?: number;
  readonly gpuTol?: number;
  readonly fdTol?: number;
  /** The schedule the GPU half compiles for (default: the driver's choice). */
  readonly schedule?: ScheduleOption;
  /** Trials per dispatch on the GPU (a trial-axis artifact, each trial its own draw, each compared); default 1. */
  readonly trials?: number;
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
  const trials = o.trials ?? 1;
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
  let inconclusive: string | undefined;
  if (!o.noGradcheck) {
    // FD costs two forward scans per element: one (B, T) is enough here, the GPU half uses all of them
    for (const [i, { B, T }] of configs.slice(0, o.gradcheckConfigs ?? 1).entries()) {
      try {
        const seed = 11 + i;
        // a failure diagnosed as truncation error (the error shrinks ∝ ε²: steep curvature, the
        // gradient likely right) is judged again at ε/10 and ε/100, as `cellc gradcheck` advises; the
        // dot test, which moves every leaf at once, may then be unclear rather than truncation for the
        // same curvature, or a kink when its larger step crosses a tie nearby. A smaller ε never passes
        // a wrong gradient: its error does not shrink.
        const smallerEps = (r: ReturnType<typeof gradcheck>) => {
          const failing = [...r.tensors, r.dot].filter((t) => !t.ok);
          return failing.some((t) => t.diagnosis === 'truncation') && failing.every((t) => t.diagnosis === 'truncation' || t.diagnosis === 'unclear' || t.diagnosis === 'kink');
        };
        const run = (at: number) => {
          let r = gradcheck(bound.graph, { B, T, seed: at, sizes: bound.sizes, tol: fdTol });
          for (const eps of [1e-7, 1e-8]) {
            if (r.ok || !smallerEps(r)) break;
            fdRetries++;
            r = gradcheck(bound.graph, { B, T, seed: at, sizes: bound.sizes, tol: fdTol, eps });
          }
          return r;
        };
        const r = run(seed);
        fdRetries += [...r.tensors, r.dot].filter((t) => t.estimate !== 'D(h)').length;
        if (r.ok) continue;
        const special = (x: { diagnosis?: string }) => x.diagnosis === 'kink' || x.diagnosis === 'discontinuity';
        const failing = (x: typeof r) => [...x.tensors.filter((t) => !t.ok), ...(x.dot.ok ? [] : [{ ...x.dot, kind: 'dot test', name: '' }])];
        const text = failing(r).map((t) => `${t.kind} ${t.name} rel ${t.maxRel.toExponential(2)} (scale ${t.scale.toExponential(2)}): ${describeVerdict(t)}`).join('; ');
        // A kink or jump at the point (ties in max, relu at 0, argmax changing; the dot test moves
        // every leaf at once by ≥ 1e-5, so it meets them more often) says nothing about the rules,
        // and a wrong rule shows at any point: two other random points are tried, and the cell
        // passes if one of them passes entirely (counted in dotRetries). A cell non-differentiable
        // at all three points (a structural tie) is inconclusive, not failed; its GPU half still runs.
        const onlyDot = (x: typeof r) => x.tensors.every((t) => t.ok);
        if (!(failing(r).every(special) || onlyDot(r))) return fail('gradcheck', `B=${B} T=${T}: ${text}`, 0, fdRetries);
        dotRetries++;
        const all = [r, ...[100, 200].map((d) => run(seed + d))];
        if (all.some((x) => x.ok)) continue;
        if (!all.every((x) => failing(x).every(special))) {
          const others = all.slice(1).map((x) => failing(x).map((t) => `${t.kind} ${t.name} ${t.diagnosis} rel ${t.maxRel.toExponential(2)}`).join(', '));
          return fail(all.every(onlyDot) ? 'dot test' : 'gradcheck', `B=${B} T=${T}: ${text}; at two other points: ${others.join('; ')}`, 0, fdRetries);
        }
        inconclusive = `B=${B} T=${T}: non-differentiable at three points: ${text}`;
      } catch (e) {
        return fail('compiler error', `gradcheck B=${B} T=${T}: ${String((e as Error).stack ?? e)}`, 0, fdRetries);
      }
    }
  }
  let compared = 0;
  if (ctx) {
    const g = bound.graph;
    let artifact;
    try {
      artifact = o.schedule ? compileBound(bound, { target: targetOf(ctx), schedule: o.schedule, ...(trials > 1 ? { trialAxis: true } : {}) }) : undefined;
    } catch (e) {
      return fail('compiler error', `schedule ${o.schedule}: ${String((e as Error).stack ?? e)}`, 0, fdRetries);
    }
    for (const [i, { B, T }] of configs.entries()) {
      let rows;
      try {
        // random masks drawn as in training (the gradcheck above draws them too)
        rows = await compareWithReference(ctx, artifact ? { ...bound, artifact } : bound, { B, T, seed: 3 + i, trials, random: { seed: 3 + i, draw: 0, training: true }, roundoff: true });
      } catch (e) {
        return fail('gpu error', `B=${B} T=${T}: ${String((e as Error).stack ?? e)}`, compared, fdRetries);
      }
      // every output, final state, parameter gradient and initial-state gradient (plus input gradients)
      const want = trials * (g.outputs.length + g.params.length + 2 * g.states.length);
      if (rows.length < want) return fail('gpu mismatch', `B=${B} T=${T}: ${rows.length} tensors compared, expected ≥ ${want}`, compared, fdRetries);
      compared += rows.length;
      const bad = rows.filter((r) => !agrees(r, gpuTol));
      if (bad.length) return fail('gpu mismatch', `B=${B} T=${T}: ` + bad.map((r) => `${r.kind} ${r.name}: rel ${r.maxRel.toExponential(2)} abs ${r.maxAbs.toExponential(2)} (float32 roundoff ${r.roundoff?.toExponential(2)})`).join('; '), compared, fdRetries);
    }
  }
  return { ok: true, compared, fdRetries, dotRetries, ...(inconclusive ? { inconclusive } : {}) };
}
