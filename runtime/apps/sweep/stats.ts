// Statistics of a sweep over seeds: mean with a Student-t confidence
// interval, median, best, and the main-effect variance decomposition of a
// result over the trials (the share of Var(y) that Var(E[y | factor])
// explains, as in functional ANOVA restricted to single factors). Pure.

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n − 1); undefined below two values. */
export function sampleSd(xs: readonly number[]): number | undefined {
  if (xs.length < 2) return undefined;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** ln Γ(x), x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularised incomplete beta function I_x(a, b) (continued fraction, modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - (lnGamma(a) + lnGamma(b) - lnGamma(a + b))) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = i >> 1;
    const num = i === 0 ? 1 : i % 2 === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    const cd = c * d;
    f *= cd;
    if (Math.abs(1 - cd) < 1e-15) break;
  }
  return front * (f - 1);
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (0 < p < 1), by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`studentTQuantile needs 0 < p < 1 and df > 0, got p = ${p}, df = ${df}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Half-width of the two-sided `level` confidence interval of the mean (t with n − 1 df); undefined below two values. */
export function tInterval(xs: readonly number[], level = 0.95): number | undefined {
  const sd = sampleSd(xs);
  if (sd === undefined) return undefined;
  return studentTQuantile(1 - (1 - level) / 2, xs.length - 1) * (sd / Math.sqrt(xs.length));
}

export interface LevelMean {
  readonly level: string;
  readonly n: number;
  readonly mean: number;
}

export interface FactorShare {
  readonly factor: string;
  /** Var(E[y | factor]) / Var(y): the share of the variance the factor's main effect explains (0 when Var(y) = 0). */
  readonly share: number;
  readonly levels: readonly LevelMean[];
}

/**
 * Main-effect variance decomposition: for each factor, the mean of y at each
 * of its levels and Σ_l n_l (ȳ_l − ȳ)² / Σ_j (y_j − ȳ)². In a balanced full
 * design the shares of different factors add up to at most 1; the rest is
 * interactions and noise. Levels are listed in the order of `order` when given
 * (else first appearance).
 */
export function varianceShares(y: readonly number[], factors: Readonly<Record<string, readonly string[]>>, order: Readonly<Record<string, readonly string[]>> = {}): FactorShare[] {
  const m = mean(y);
  const total = y.reduce((s, v) => s + (v - m) ** 2, 0);
  return Object.entries(factors).map(([factor, levelOf]) => {
    if (levelOf.length !== y.length) throw new RangeError(`factor ${factor}: ${levelOf.length} levels for ${y.length} values`);
    const groups = new Map<string, number[]>();
    for (const l of order[factor] ?? []) groups.set(l, []);
    levelOf.forEach((l, j) => {
      if (!groups.has(l)) groups.set(l, []);
      groups.get(l)!.push(y[j]);
    });
    const levels = [...groups].filter(([, v]) => v.length).map(([level, v]) => ({ level, n: v.length, mean: mean(v) }));
    const between = levels.reduce((s, l) => s + l.n * (l.mean - m) ** 2, 0);
    return { factor, share: total > 0 ? between / total : 0, levels };
  });
}
