// Generating text from a character model, on the CPU with the float64
// reference interpreter: batch 1, one character per step, the state carried
// from step to step. The prime is fed first; then each next character is
// drawn from softmax(z / τ) (τ = 0: the most likely character) and fed back.

import { type Model, Rng } from '../../../compiler/index.js';
import { CellInterpreter } from '../../../compiler/tools/index.js';
import { TrainingError } from './run.js';

export interface SampleOptions {
  /** Characters to generate after the prime. */
  readonly length: number;
  readonly prime: string;
  /** Softmax temperature τ ≥ 0; 0 picks the arg-max. */
  readonly temperature: number;
  readonly seed: number;
}

/** Draws an index from softmax(z / τ) (arg-max for τ = 0). */
export function drawFromLogits(z: ArrayLike<number>, temperature: number, rng: Rng): number {
  let best = 0;
  for (let k = 1; k < z.length; k++) if (z[k] > z[best]) best = k;
  if (temperature === 0) return best;
  const p = new Float64Array(z.length);
  let sum = 0;
  for (let k = 0; k < z.length; k++) sum += p[k] = Math.exp((z[k] - z[best]) / temperature);
  let u = rng.uniform() * sum;
  for (let k = 0; k < z.length; k++) {
    u -= p[k];
    if (u < 0) return k;
  }
  return best;
}

/**
 * The prime followed by `length` generated characters. `onChar` receives each
 * generated character as it is drawn (for streaming output).
 */
export function sampleText(model: Model, params: ReadonlyMap<string, Float64Array>, alphabet: string, o: SampleOptions, onChar?: (ch: string) => void): string {
  if (model.spec.input.kind !== 'index' || model.spec.output.kind !== 'xent') throw new TrainingError('sampling needs a character model (trained on the text task)');
  const symbols = [...alphabet];
  if (symbols.length !== model.spec.input.vocab) throw new TrainingError(`the alphabet has ${symbols.length} characters but the model's vocabulary is ${model.spec.input.vocab}`);
  const index = new Map(symbols.map((ch, i) => [ch, i]));
  const prime = [...o.prime];
  if (!prime.length) throw new TrainingError('--prime must not be empty: the model needs a first character');
  const unknown = [...new Set(prime.filter((ch) => !index.has(ch)))];
  if (unknown.length) throw new TrainingError(`--prime has character(s) the model never saw: ${unknown.map((c) => JSON.stringify(c)).join(', ')}`);
  if (!(o.temperature >= 0)) throw new TrainingError(`--temperature must be ≥ 0, got ${o.temperature}`);
  const interp = new CellInterpreter(model.graph, {}, 1);
  const rng = new Rng(o.seed);
  let state: ReadonlyMap<string, Float64Array> = interp.initialStates();
  const zero = [new Float64Array(1)];
  const step = (id: number): Float64Array => {
    const tape = interp.forward(params, new Map([['tok', [Float64Array.of(id)]], ['target', zero], ['mask', zero]]), state, 1);
    state = new Map([...tape.states].map(([k, v]) => [k, v[1]]));
    return tape.outputs.get('z')![0];
  };
  let z: Float64Array = new Float64Array(0);
  for (const ch of prime) z = step(index.get(ch)!);
  let out = o.prime;
  for (let n = 0; n < o.length; n++) {
    const id = drawFromLogits(z, o.temperature, rng);
    const ch = symbols[id];
    out += ch;
    onChar?.(ch);
    if (n + 1 < o.length) z = step(id);
  }
  return out;
}
