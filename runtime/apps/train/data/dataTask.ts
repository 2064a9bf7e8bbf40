// A data set as a training task: windows of T steps from the training split
// (drawn at random for each batch, so batch k depends only on (seed, k)),
// every held-out window once for the per-epoch held-out loss, the
// normalisation of the training split, and the baselines on the held-out
// windows. Three kinds:
//   forecast  float[F] → mse[F]: the target at step t is the input at t + horizon; loss at every step
//   classify  float[F] → xent[K]: the class of the sequence at its last step (its last T steps are the
//             window; a shorter sequence is padded after its end, and the model holds its state there)
//   label     float[F] → xent[K]: the class of every step; loss at every step

import type { Rng } from '../../../../compiler/index.js';
import type { Batch, Task } from '../task.js';
import { autoregressive, classPrior, persistence, type Baseline } from './baselines.js';
import { DataError, type Dataset, type Sequence } from './dataset.js';
import { featureStats, normaliseSequence, type FeatureStats } from './normalise.js';
import { splitData, type Split } from './split.js';
import { windowNeed, windowsOf, type Window, type WindowKind } from './windows.js';

export type DataTaskKind = WindowKind;
export const DATA_TASK_KINDS: readonly DataTaskKind[] = ['forecast', 'classify', 'label'];

export interface DataTaskOptions {
  readonly kind: DataTaskKind;
  readonly T: number;
  /** forecast: predict the value this many steps ahead (default 1). */
  readonly horizon?: number;
  /** Share held out (default 0.2): the end of a single series in time, else whole sequences. */
  readonly valFraction?: number;
  /** Classes (default: the largest label + 1); a label outside 0…K−1 is an error. */
  readonly classes?: number;
  /**
   * Inputs (and forecast targets) relative to the window's first step: the
   * model sees the shape of a window, not its level, which a trending series
   * leaves behind in the held-out part. Squared errors are unchanged by the
   * shift, so the losses stay comparable with the baselines.
   */
  readonly relative?: boolean;
  /** Order of the AR baseline (default 4, at most T). */
  readonly arOrder?: number;
  /** Normalisation to apply (eval: the checkpoint's); default: computed on the training split. */
  readonly stats?: FeatureStats;
  /** Recorded with the checkpoint, so eval can read the same file the same way. */
  readonly load?: object;
}

export interface DataTask extends Task {
  readonly stats: FeatureStats;
  readonly split: Split;
  readonly kind: DataTaskKind;
  readonly heldOut: NonNullable<Task['heldOut']>;
  readonly trainWindows: number;
}

function labelsOf(seqs: readonly Sequence[], kind: DataTaskKind, source: string): void {
  for (const s of seqs) {
    if (kind === 'classify' && s.label === undefined) throw new DataError(`${source}, ${s.where}: the sequence has no label (classification needs one per sequence: --label-column, or "label" in JSON lines)`);
    if (kind === 'label' && !s.labels) throw new DataError(`${source}, ${s.where}: the sequence has no per-step labels (sequence labelling needs one per step: --label-column, or "labels" in JSON lines)`);
  }
}

function classCount(ds: Dataset, kind: DataTaskKind, given: number | undefined): number {
  let max = -1;
  for (const s of ds.sequences) {
    const ls = kind === 'classify' ? [s.label!] : [...s.labels!];
    for (const [t, c] of ls.entries()) {
      if (given !== undefined && c >= given) throw new DataError(`${ds.source}, ${s.where}${kind === 'label' ? `, step ${t}` : ''}: label ${c} is out of range 0…${given - 1} (${given} classes)`);
      max = Math.max(max, c);
    }
  }
  if (given === undefined && max < 1) throw new DataError(`${ds.source}: every label is ${max}; classification needs at least 2 classes`);
  return given ?? max + 1;
}

export function dataTask(ds: Dataset, o: DataTaskOptions): DataTask {
  const { kind, T } = o;
  const h = kind === 'forecast' ? (o.horizon ?? 1) : 0;
  const F = ds.features;
  if (kind !== 'forecast') labelsOf(ds.sequences, kind, ds.source);
  if (kind === 'classify' && ds.sequences.length < 2) throw new DataError(`${ds.source} holds one sequence; classification needs one sequence per example (--data-format csv-rows, JSON lines or an [N, T, F] .npy)`);
  const K = kind === 'forecast' ? F : classCount(ds, kind, o.classes);
  const split = splitData(ds, o.valFraction ?? 0.2);
  const stats = o.stats ?? featureStats(split.train, F);
  const train = split.train.map((s) => normaliseSequence(s, stats));
  const val = split.val.map((s) => normaliseSequence(s, stats));
  const trainW = windowsOf(train, kind, T, h);
  const valW = windowsOf(val, kind, T, h);
  const longest = (ss: readonly Sequence[]) => Math.max(...ss.map((s) => s.steps));
  if (!trainW.length) throw new DataError(`${ds.source}: the training split has no window of ${windowNeed(kind, T, h)} (its longest sequence has ${longest(split.train)})`);
  if (!valW.length) throw new DataError(`${ds.source}: the held-out split (${split.how}) has no window of ${windowNeed(kind, T, h)} (its longest sequence has ${longest(split.val)}): lower --T or raise --val-fraction`);
  const lossSteps = kind === 'classify' ? [T - 1] : [...Array(T).keys()];
  const xent = kind !== 'forecast';
  // sequences shorter than T: each row's loss sits at its own last step, and `alive` marks its steps
  const lengths = [...trainW, ...valW].some((w) => w.steps < T);
  const lastStep = (w: Window) => (kind === 'classify' ? w.steps - 1 : -1);

  /** Writes window w into row b of a batch (its padding stays 0, and not alive). */
  const put = (w: Window, b: number, B: number, a: ReturnType<typeof arrays>) => {
    const v = w.seq.values;
    const at = (i: number, f: number) => v[i * F + f] - (o.relative ? v[w.start * F + f] : 0);
    for (let t = 0; t < w.steps; t++) {
      const r = t * B + b;
      a.alive[r] = 1;
      for (let f = 0; f < F; f++) a.x[r * F + f] = at(w.start + t, f);
      if (kind === 'forecast') for (let f = 0; f < F; f++) a.target[r * F + f] = at(w.start + t + h, f);
      else if (kind === 'label') a.target[r] = w.seq.labels![w.start + t];
      else if (t === w.steps - 1) a.target[r] = w.seq.label!;
    }
  };
  const arrays = (B: number) => ({ x: new Float32Array(T * B * F), target: new Float32Array(T * B * (xent ? 1 : F)), alive: new Float32Array(T * B), mask: new Float32Array(T * B) });
  /** Loss weight `weight` at each of row b's loss steps. */
  const weigh = (w: Window, b: number, B: number, mask: Float32Array, weight: number) => {
    for (const t of kind === 'classify' ? [lastStep(w)] : lossSteps) mask[t * B + b] = weight;
  };
  const inputsOf = (a: ReturnType<typeof arrays>) => new Map([['x', a.x], ['target', a.target], ['mask', a.mask], ...(lengths ? [['alive', a.alive] as [string, Float32Array]] : [])]);
  const checkT = (t: number) => {
    if (t !== T) throw new RangeError(`this data task was built for T = ${T}, not ${t}`);
  };

  const baselines: Baseline[] = [];
  if (kind === 'forecast') {
    baselines.push(persistence(valW, T, h, F));
    const ar = autoregressive(train, valW, T, h, F, Math.min(o.arOrder ?? 4, T));
    if (ar) baselines.push(ar);
  } else {
    const heldLabels = (ws: readonly Window[]) => ws.flatMap((w) => (kind === 'classify' ? [w.seq.label!] : [...w.seq.labels!.subarray(w.start, w.start + T)]));
    baselines.push(classPrior(heldLabels(trainW), heldLabels(valW), K));
  }
  const what = kind === 'forecast' ? `forecast ${h} step(s) ahead` : kind === 'classify' ? `classify each sequence (${K} classes)` : `label every step (${K} classes)`;
  const metadata = {
    data: JSON.stringify({
      kind, T, horizon: h, valFraction: o.valFraction ?? 0.2, relative: !!o.relative, classes: K, arOrder: o.arOrder ?? 4, features: F,
      ...(ds.featureNames ? { featureNames: ds.featureNames } : {}), mean: stats.mean, std: stats.std, load: o.load ?? {},
    }),
  };
  return {
    name: kind,
    kind,
    stats,
    split,
    trainWindows: trainW.length,
    input: { kind: 'float', size: F },
    output: xent ? { kind: 'xent', classes: K } : { kind: 'mse', size: F },
    describe: `${what} on ${ds.source}: ${F} feature(s), ${trainW.length} training windows of T=${T}, held out ${split.how} (${valW.length} windows); normalised by the training split's mean and std${o.relative ? ', relative to the first step of each window' : ''}`,
    metadata,
    ...(lengths ? { lengths: true } : {}),
    batch(rng: Rng, B: number, t: number): Batch {
      checkT(t);
      const a = arrays(B);
      for (let b = 0; b < B; b++) {
        const w = trainW[rng.int(trainW.length)];
        put(w, b, B, a);
        weigh(w, b, B, a.mask, 1 / (lossSteps.length * B));
      }
      return { inputs: inputsOf(a), lossSteps: lossSteps.length };
    },
    heldOut: {
      describe: `${split.how}, ${valW.length} windows of T=${T}`,
      baselines,
      epochSteps: (B) => Math.max(1, Math.ceil(trainW.length / B)),
      batches(B) {
        const out: Batch[] = [];
        const weight = 1 / (valW.length * lossSteps.length);
        for (let first = 0; first < valW.length; first += B) {
          const a = arrays(B);
          for (let b = 0; b < B && first + b < valW.length; b++) {
            put(valW[first + b], b, B, a);
            weigh(valW[first + b], b, B, a.mask, weight);
          }
          out.push({ inputs: inputsOf(a), lossSteps: lossSteps.length });
        }
        return out;
      },
    },
  };
}
