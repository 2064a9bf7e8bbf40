// Finite differences that do not cry wolf: how gradcheck decides whether an
// analytic derivative (a vector a) agrees with central differences of the
// function it claims to differentiate, and — when it does not — what the
// disagreement looks like as the step shrinks.
//
// A central difference D(h) has truncation error ≈ c·h² and roundoff error
// ≈ u·F/h (u the float64 unit roundoff, F the function's magnitude). No single
// step suits every function, so the estimates are tried in turn, each only if
// the previous ones disagree with a (the first that agrees is the consistent
// one; a wrong derivative agrees with none):
//   1. D(h)
//   2. D(h/2) and the Richardson extrapolation (4·D(h/2) − D(h))/3, which
//      cancels the h² term (error O(h⁴)): curvature-limited functions
//   3. D(10h) and (4·D(5h) − D(10h))/3: roundoff-limited functions
// An estimate agrees when max|a − n| ≤ tol · max(max|a|, max|n|), or when
// max|a − n| is below the noise floor NOISE·F/step of a central difference.
//
// Diagnosis of a disagreement, from the plain central differences at the
// steps 10h, h and h/10 (errors E₁₀, E₁, E₀.₁; p = log₁₀ of a ratio, the
// apparent order of the error in ε):
//   p(E₁/E₀.₁) ≥ 1.5                       truncation error (shrinks ∝ ε^p, ≈ ε² for a smooth function)
//   |p(E₁/E₀.₁)| ≤ 0.5                     wrong gradient (the error stays as ε shrinks)
//   p(E₁/E₀.₁) ≤ −0.5, then by p(E₁₀/E₁):  ≥ 1.5 truncation, |·| ≤ 0.5 wrong gradient, ≤ −0.5 roundoff (grows as ε shrinks)
//   otherwise                              unclear (order ≈ 1: a kink — relu, abs, max, select — within the step)
// When the caller also gives the bend (f(x+s) + f(x−s) − 2f(x))/s of each
// element — O(s) where f is smooth, the jump in slope at a kink, ∝ 1/s at a
// jump — two more diagnoses replace a 'wrong gradient', 'roundoff' or 'unclear':
//   kink           the point is non-differentiable: the bend does not shrink
//                  with the step, and every error is within half of it (the
//                  central difference averages the two one-sided slopes, the
//                  analytic derivative is one of the subgradients): max ties,
//                  relu or abs exactly at 0, a clamp at its bound
//   discontinuity  the error grows ∝ 1/ε (more than 5× at a tenth of the
//                  step) far above roundoff: a jump (argmax, a comparison)
//                  within the step

/** Roundoff noise of a central difference at step s: NOISE · F / s. */
export const NOISE = 1e-14;

export type Diagnosis = 'truncation' | 'wrong gradient' | 'roundoff' | 'unclear' | 'kink' | 'discontinuity';

/** What a finite-difference estimate at one step gives: the central differences and, where known, the bend (see the header). */
export interface FdSample {
  readonly central: Float64Array;
  readonly bend?: Float64Array;
}

export interface FdError {
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly scale: number;
}

export interface FdVerdict extends FdError {
  readonly ok: boolean;
  /** The base step h. */
  readonly step: number;
  /** The estimate the errors are of: 'D(h)', 'D(h/2)', 'Richardson(h, h/2)', … (the best one when none agrees). */
  readonly estimate: string;
  /** Agreed only through the noise floor (the relative error is above tol). */
  readonly atNoiseFloor?: boolean;
  /** That estimate's values. */
  readonly numeric: Float64Array;
  /** Only when no estimate agrees: relative errors of D at 10h, h, h/10, and what they look like. */
  readonly ladder?: readonly { readonly eps: number; readonly maxRel: number; readonly maxAbs: number }[];
  readonly diagnosis?: Diagnosis;
  /** log₁₀(E(h)/E(h/10)): the apparent order of the error in ε. */
  readonly order?: number;
}

/** Errors of the estimate n of a. */
export function fdError(a: Float64Array, n: Float64Array): FdError {
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - n[i]);
    // NaN propagates: a non-finite estimate or derivative is never an agreement
    maxAbs = d > maxAbs || Number.isNaN(d) ? d : maxAbs;
    scale = Math.max(scale, Math.abs(a[i]), Math.abs(n[i]));
  }
  return { maxAbs, maxRel: scale > 0 ? maxAbs / scale : maxAbs, scale };
}

const richardson = (coarse: Float64Array, fine: Float64Array) => Float64Array.from(coarse, (c, i) => (4 * fine[i] - c) / 3);

/**
 * Judges the analytic derivative a against central differences `fd(s)` (the
 * estimate of a at step s). `magnitude` is F of the noise floor (the function's
 * size, ≥ 1).
 */
export function judgeDerivative(a: Float64Array, fd: (s: number) => Float64Array | FdSample, h: number, tol: number, magnitude: number): FdVerdict {
  const agrees = (e: FdError, s: number) => e.maxRel <= tol || e.maxAbs <= (NOISE * magnitude) / s;
  const cache = new Map<number, FdSample>();
  const sample = (s: number) => {
    if (!cache.has(s)) {
      const r = fd(s);
      cache.set(s, r instanceof Float64Array ? { central: r } : r);
    }
    return cache.get(s)!;
  };
  const D = (s: number) => sample(s).central;
  let best: { e: FdError; estimate: string; numeric: Float64Array } | undefined;
  const attempts: [string, () => Float64Array, number][] = [
    ['D(h)', () => D(h), h],
    ['D(h/2)', () => D(h / 2), h / 2],
    ['Richardson(h, h/2)', () => richardson(D(h), D(h / 2)), h / 2],
    ['D(10h)', () => D(10 * h), 10 * h],
    ['Richardson(10h, 5h)', () => richardson(D(10 * h), D(5 * h)), 5 * h],
  ];
  for (const [estimate, n, s] of attempts) {
    const numeric = n();
    const e = fdError(a, numeric);
    if (agrees(e, s)) return { ...e, ok: true, step: h, estimate, numeric, ...(e.maxRel <= tol ? {} : { atNoiseFloor: true }) };
    if (!best || e.maxRel < best.e.maxRel || Number.isNaN(best.e.maxRel)) best = { e, estimate, numeric };
  }
  const ladder = [10 * h, h, h / 10].map((eps) => ({ eps, ...fdError(a, D(eps)) }));
  let { diagnosis, order } = diagnose(ladder.map((l) => l.maxAbs));
  if (diagnosis !== 'truncation') diagnosis = bendDiagnosis(a, sample, h, tol, (NOISE * magnitude) / h) ?? diagnosis;
  return { ...best!.e, ok: false, step: h, estimate: best!.estimate, numeric: best!.numeric, ladder, diagnosis, order };
}

/** What the errors at the steps 10h, h, h/10 look like (see the header). */
export function diagnose([e10, e1, e01]: readonly number[]): { diagnosis: Diagnosis; order: number } {
  const p = (a: number, b: number) => (a === 0 && b === 0 ? 0 : Math.log10(a / b));
  const small = p(e1, e01);
  const large = p(e10, e1);
  if (!Number.isFinite(small) && !Number.isFinite(large)) return { diagnosis: 'unclear', order: NaN };
  const kind = (q: number): Diagnosis | undefined => (q >= 1.5 ? 'truncation' : Math.abs(q) <= 0.5 ? 'wrong gradient' : q <= -0.5 ? 'roundoff' : undefined);
  if (small >= 1.5 || Math.abs(small) <= 0.5) return { diagnosis: kind(small)!, order: small };
  if (small <= -0.5) return { diagnosis: kind(large) ?? 'unclear', order: small };
  return { diagnosis: 'unclear', order: small };
}

/**
 * 'kink' or 'discontinuity' from the bends at the steps h and h/10 (see the
 * header), or undefined when they say neither (or are not known).
 */
function bendDiagnosis(a: Float64Array, sample: (s: number) => FdSample, h: number, tol: number, noise: number): Diagnosis | undefined {
  const coarse = sample(h);
  const fine = sample(h / 10);
  if (!coarse.bend || !fine.bend) return undefined;
  const { maxAbs: e1, scale } = fdError(a, coarse.central);
  const e01 = fdError(a, fine.central).maxAbs;
  // a jump: the error grows tenfold with a tenfold finer step, far above the roundoff there (10·noise)
  if (e01 > 5 * e1 && e01 > 1e4 * 10 * noise) return 'discontinuity';
  let any = false;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - coarse.central[i]);
    if (err <= tol * scale || err <= noise) continue;
    const b1 = Math.abs(coarse.bend[i]);
    const b01 = Math.abs(fine.bend[i]);
    const fineErr = Math.abs(a[i] - fine.central[i]);
    // a smooth function's bend shrinks tenfold with the step; a kink's stays, and bounds the
    // error; a kink within the coarse step but not the fine one leaves no error at the fine step
    const atKink = b01 >= 0.3 * b1 || fineErr <= tol * scale || fineErr <= 10 * noise;
    if (!(err <= 0.5 * b1 * (1 + 1e-3) + noise && atKink)) return undefined;
    any = true;
  }
  return any ? 'kink' : undefined;
}

/** One line: what a failed verdict's errors do as ε shrinks, and what to try. */
export function describeVerdict(v: FdVerdict): string {
  if (v.ok || !v.ladder) return '';
  const errs = v.ladder.map((l) => l.maxRel.toExponential(1)).join(', ');
  const steps = v.ladder.map((l) => l.eps.toPrecision(2)).join(', ');
  const p = Number.isFinite(v.order) ? ` ∝ ε^${v.order!.toFixed(1)}` : '';
  const what: Record<Diagnosis, string> = {
    truncation: `truncation error (shrinks${p}): the gradient is likely right; try a smaller --eps`,
    'wrong gradient': 'wrong gradient (the error does not shrink with ε)',
    roundoff: 'roundoff (the error grows as ε shrinks): try a larger --eps',
    unclear: `unclear (error${p || ' erratic'}: a kink such as relu, abs or max within the step?)`,
    kink: 'the point is not differentiable (the one-sided slopes differ, the error within half their gap, here or in a per-element check: a max tie, relu or abs at 0, a clamp at its bound); the gradient there is one valid choice, try another --seed',
    discontinuity: 'a jump within the step (the error grows ∝ 1/ε far above roundoff: argmax or a comparison changes); try another --seed',
  };
  return `${v.diagnosis}: rel err ${errs} at ε = ${steps}; ${what[v.diagnosis!]}`;
}
