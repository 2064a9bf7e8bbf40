// Losses that drive the gradients (SPEC.md §9.7): a linear readout
// z_t = R·y_t + c of a cell output y_t, then MSE or softmax cross-entropy, at
// every step or only at the last one, summed or averaged.
//
//   mse:  ℓ = (1/K) Σ_k (z_k − target_k)²
//   xent: ℓ = logsumexp(z) − z[target]           (target a class index)
//   L = w · Σ_{t ∈ steps} Σ_b ℓ_{t,b},   w = 1/(|steps|·B) for 'mean', 1 for 'sum'

export type LossKind = 'mse' | 'xent';
export type LossAt = 'every' | 'last';
export type LossReduce = 'mean' | 'sum';

export interface LossSpec {
  readonly kind: LossKind;
  readonly at: LossAt;
  readonly reduce: LossReduce;
  /** Readout width K (for xent: the number of classes). */
  readonly K: number;
}

export interface Readout {
  /** R[K, D] row-major, c[K]. */
  readonly R: Float64Array;
  readonly c: Float64Array;
}

export interface LossResult {
  readonly loss: number;
  /** ∂L/∂y_t per step (zero arrays at steps without a loss). */
  readonly dOutputs: Float64Array[];
  readonly dR: Float64Array;
  readonly dc: Float64Array;
}

/** Targets per step: B·K values (mse) or B class indices (xent). */
export function lossAndGradient(spec: LossSpec, readout: Readout, outputs: readonly Float64Array[], targets: readonly Float64Array[], B: number): LossResult {
  const T = outputs.length;
  const K = spec.K;
  const D = outputs[0].length / B;
  const steps = spec.at === 'every' ? [...Array(T).keys()] : [T - 1];
  const w = spec.reduce === 'mean' ? 1 / (steps.length * B) : 1;
  const dOutputs = outputs.map((o) => new Float64Array(o.length));
  const dR = new Float64Array(K * D);
  const dc = new Float64Array(K);
  const z = new Float64Array(K);
  const dz = new Float64Array(K);
  let loss = 0;
  for (const t of steps) {
    const y = outputs[t];
    const target = targets[t];
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        let s = readout.c[k];
        for (let d = 0; d < D; d++) s += readout.R[k * D + d] * y[b * D + d];
        z[k] = s;
      }
      if (spec.kind === 'mse') {
        for (let k = 0; k < K; k++) {
          const e = z[k] - target[b * K + k];
          loss += (w * e * e) / K;
          dz[k] = (w * 2 * e) / K;
        }
      } else {
        const cls = target[b];
        let m = -Infinity;
        for (let k = 0; k < K; k++) m = Math.max(m, z[k]);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(z[k] - m);
        const lse = m + Math.log(sum);
        loss += w * (lse - z[cls]);
        for (let k = 0; k < K; k++) dz[k] = w * (Math.exp(z[k] - lse) - (k === cls ? 1 : 0));
      }
      for (let k = 0; k < K; k++) {
        dc[k] += dz[k];
        for (let d = 0; d < D; d++) {
          dR[k * D + d] += dz[k] * y[b * D + d];
          dOutputs[t][b * D + d] += readout.R[k * D + d] * dz[k];
        }
      }
    }
  }
  return { loss, dOutputs, dR, dc };
}
