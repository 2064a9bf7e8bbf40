// MUT1 and the LayerNorm-LSTM in TF.js ops, step by step, for the peer
// benchmark (TF.js has no layer for them). The equations are those of
// dsl-examples/mut1.cell and dsl-examples/lstm_layernorm.cell; weights are
// [in, out] (x @ W), input projections of all steps are one product before the
// loop, as cellc does.

import type * as TfModule from '@tensorflow/tfjs';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = TfModule.Tensor;
type Variable = TfModule.Variable;

export interface EagerCell {
  readonly params: Variable[];
  /** The outputs h_1 … h_T for inputs xs (T tensors [B, I]), from zero states. */
  run(xs: readonly Tensor[], B: number): Tensor[];
}

function glorot(tf: Tf, rows: number, cols: number): Variable {
  const a = Math.sqrt(6 / (rows + cols));
  return tf.variable(tf.randomUniform([rows, cols], -a, a));
}

/** LN(v) over the last axis: (v − mean) / sqrt(mean((v − mean)²) + 1e-5), as SPEC.md's layernorm. */
function layernorm(tf: Tf, v: Tensor): Tensor {
  const c = tf.sub(v, tf.mean(v, -1, true));
  return tf.mul(c, tf.rsqrt(tf.add(tf.mean(tf.square(c), -1, true), 1e-5)));
}

/** The input projections of every step: xs (T × [B, I]) times W [I, n], one product. */
function project(tf: Tf, xs: readonly Tensor[], W: Tensor): Tensor[] {
  const [B, I] = xs[0].shape;
  const all = tf.matMul(tf.reshape(tf.stack([...xs]), [xs.length * B, I]), W);
  return tf.unstack(tf.reshape(all, [xs.length, B, W.shape[1]!]));
}

export function eagerCell(tf: Tf, cell: 'mut1' | 'lnlstm', I: number, H: number): EagerCell {
  if (cell === 'mut1') {
    // px = P x; z = σ(W_z x + b_z); r = σ(W_r x + U_r h + b_r); n = tanh(U_n (r ⊙ h) + b_n + tanh(px)); h' = n ⊙ z + h ⊙ (1 − z)
    const P = glorot(tf, I, H);
    const Wz = glorot(tf, I, H);
    const bz = tf.variable(tf.zeros([H]));
    const Wr = glorot(tf, I, H);
    const Ur = glorot(tf, H, H);
    const br = tf.variable(tf.zeros([H]));
    const Un = glorot(tf, H, H);
    const bn = tf.variable(tf.zeros([H]));
    return {
      params: [P, Wz, bz, Wr, Ur, br, Un, bn],
      run(xs, B) {
        const px = project(tf, xs, P).map((v) => tf.tanh(v));
        const z = project(tf, xs, Wz).map((v) => tf.sigmoid(tf.add(v, bz)));
        const rx = project(tf, xs, Wr);
        let h: Tensor = tf.zeros([B, H]);
        const out: Tensor[] = [];
        for (let t = 0; t < xs.length; t++) {
          const r = tf.sigmoid(tf.add(tf.add(rx[t], tf.matMul(h, Ur)), br));
          const n = tf.tanh(tf.add(tf.add(tf.matMul(tf.mul(r, h), Un), bn), px[t]));
          h = tf.add(tf.mul(n, z[t]), tf.mul(h, tf.sub(1, z[t])));
          out.push(h);
        }
        return out;
      },
    };
  }
  // p = a_x ⊙ LN(W x) + a_h ⊙ LN(U h) + b; i, f, g, o = σ, σ, tanh, σ of its quarters;
  // c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(a_c ⊙ LN(c') + b_c)
  const W = glorot(tf, I, 4 * H);
  const U = glorot(tf, H, 4 * H);
  const b = tf.variable(tf.zeros([4 * H]));
  const ax = tf.variable(tf.ones([4 * H]));
  const ah = tf.variable(tf.ones([4 * H]));
  const ac = tf.variable(tf.ones([H]));
  const bc = tf.variable(tf.zeros([H]));
  return {
    params: [W, U, b, ax, ah, ac, bc],
    run(xs, B) {
      const px = project(tf, xs, W).map((v) => tf.mul(ax, layernorm(tf, v)));
      let h: Tensor = tf.zeros([B, H]);
      let c: Tensor = tf.zeros([B, H]);
      const out: Tensor[] = [];
      for (let t = 0; t < xs.length; t++) {
        const p = tf.add(tf.add(px[t], tf.mul(ah, layernorm(tf, tf.matMul(h, U)))), b);
        const [pi, pf, pg, po] = tf.split(p, 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(pf), c), tf.mul(tf.sigmoid(pi), tf.tanh(pg)));
        h = tf.mul(tf.sigmoid(po), tf.tanh(tf.add(tf.mul(ac, layernorm(tf, c)), bc)));
        out.push(h);
      }
      return out;
    },
  };
}
