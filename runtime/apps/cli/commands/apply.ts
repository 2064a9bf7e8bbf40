// `cellc apply FILE --inputs IN.json [--params P.safetensors] [--outputs OUT.json]
//               [--cell NAME] [--set NAME=VALUE…] [--seed s] [--reference]`:
// runs one cell forward over given input sequences with given parameters and
// writes every output as JSON.
//
//   --inputs   {"name": [T][B][…shape], …}: one entry per input of the cell
//              (nested arrays, time first, then the batch, then the value's own
//              axes; an index input is [T][B] integers). Extra names are
//              ignored, so the outputs of one cell can be the inputs of the next
//              (viterbi.cell: Viterbi's delta and bp feed Backtrack).
//   --params   a safetensors file with one tensor per parameter, named NAME or
//              param.NAME (so a `cellc train` checkpoint of a single cell works);
//              without it the cell's initialisers, seeded with --seed.
//   --outputs  where to write {"name": [T][B][…shape], …} (default: stdout).
//   --reference  the float64 reference interpreter on the CPU instead of the GPU.
//
// States start from their declared initial values. A reverse-time cell reads
// and writes its sequences in time order like any other (its scan runs
// t = T−1 … 0).

import { evalShape, initialize, numel, Rng, type Graph } from '../../../../compiler/index.js';
import { CellInterpreter, indexRange } from '../../../../compiler/tools/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { CellRuntime } from '../../../core/cellRuntime.js';
import { targetOf } from '../../../core/device.js';
import { decodeSafetensors, SafetensorsError, type NamedTensor } from '../../train/safetensors.js';
import { loadCells, sizeSettings, UserError } from '../io.js';
import { describeNonFinite, firstNonFinite } from '../nonFinite.js';
import { bindOneCell, compileCell, wholeOption, withGpu } from './gpuCommon.js';
import { normaliseLikeTraining } from './applyData.js';

export interface ApplyCliOptions {
  inputs: string;
  outputs?: string;
  params?: string;
  set: string[];
  cell?: string;
  seed: string;
  reference?: boolean;
}

type Nested = number | Nested[];


/** [T][B][…shape] nested arrays → T·B·n values, time-major; T and B from the data. */
export function flattenSequence(name: string, value: unknown, shape: readonly number[], integer: { range: number } | undefined): { T: number; B: number; data: Float64Array } {
  const where = (path: number[]) => `${name}${path.map((i) => `[${i}]`).join('')}`;
  if (!Array.isArray(value) || value.length === 0 || !Array.isArray(value[0]) || value[0].length === 0) {
    throw new UserError(`input ${name} must be a non-empty [T][B]${shape.map((d) => `[${d}]`).join('')} array`);
  }
  const T = value.length;
  const B = (value[0] as unknown[]).length;
  const full = [T, B, ...shape];
  const data = new Float64Array(numel(full));
  let k = 0;
  const walk = (v: unknown, depth: number, path: number[]) => {
    if (depth === full.length) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${where(path)} must be a finite number, got ${typeof v === 'number' ? `${v} (beyond the range of a number)` : JSON.stringify(v)}`);
      if (integer && !(Number.isInteger(v) && v >= 0 && v < integer.range)) throw new UserError(`${where(path)} must be an index in 0..${integer.range - 1}, got ${v}`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== full[depth]) {
      const what = depth === 0 ? 'T' : depth === 1 ? 'B' : `axis ${depth - 2} of the value`;
      throw new UserError(`${where(path)} must be an array of ${full[depth]} (${what}), got ${Array.isArray(v) ? `${v.length} entries` : JSON.stringify(v)}`);
    }
    v.forEach((x, i) => walk(x, depth + 1, [...path, i]));
  };
  walk(value, 0, []);
  return { T, B, data };
}

/** T·B·n time-major values → [T][B][…shape]. */
export function nestSequence(data: ArrayLike<number>, T: number, B: number, shape: readonly number[]): Nested[] {
  const full = [T, B, ...shape];
  let k = 0;
  const build = (depth: number): Nested => (depth === full.length ? Number(data[k++]) : Array.from({ length: full[depth] }, () => build(depth + 1)));
  return build(0) as Nested[];
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${path} must hold a JSON object {"input name": [T][B][…], …}`);
  return v as Record<string, unknown>;
}

/** The tensors of a --params file. */
function readParamsFile(path: string): Map<string, NamedTensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    return decodeSafetensors(bytes, path).tensors;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new UserError(e.message);
    throw e;
  }
}

/**
 * The sizes a parameter file implies: every parameter axis that is a size
 * symbol (W_x[H, I]) takes the tensor's extent, so a checkpoint applies
 * without --set. Sizes given with --set are kept (a mismatch is then reported
 * as a shape error).
 */
export function sizesFromTensors(g: Graph, tensors: ReadonlyMap<string, NamedTensor>, given: ReadonlySet<string>, path: string): Record<string, number> {
  const found: Record<string, number> = {};
  const from: Record<string, string> = {};
  for (const p of g.params) {
    const t = tensors.get(p.name) ?? tensors.get(`param.${p.name}`);
    const dims = g.nodes[p.node].type.shape;
    if (!t || t.shape.length !== dims.length) continue;
    dims.forEach((d, i) => {
      if (d.c !== 0 || d.terms.length !== 1 || d.terms[0][1] !== 1) return;
      const name = d.terms[0][0];
      if (given.has(name)) return;
      if (name in found && found[name] !== t.shape[i]) {
        throw new UserError(`${path}: ${from[name]} gives ${name}=${found[name]}, but tensor ${p.name} has ${name}=${t.shape[i]} (axis ${i} of [${t.shape.join(', ')}])`);
      }
      found[name] = t.shape[i];
      from[name] ??= `tensor ${p.name}`;
    });
  }
  return found;
}

/** Parameters from a safetensors file (NAME or param.NAME), or from the initialisers. */
function parameters(g: Graph, sizes: Readonly<Record<string, number>>, opts: ApplyCliOptions, tensors: ReadonlyMap<string, NamedTensor> | undefined, float64: boolean): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  if (!opts.params || !tensors) {
    const rng = new Rng(wholeOption('--seed', opts.seed, 0));
    for (const p of g.params) out.set(p.name, initialize(p.init, evalShape(g.nodes[p.node].type.shape, sizes), rng, sizes));
    return out;
  }
  for (const p of g.params) {
    const shape = evalShape(g.nodes[p.node].type.shape, sizes);
    const t = tensors.get(p.name) ?? tensors.get(`param.${p.name}`);
    if (!t) throw new UserError(`${opts.params} has no tensor ${p.name} (or param.${p.name}) for parameter ${p.name} of cell ${g.name}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new UserError(`${opts.params}: tensor ${p.name} has shape [${t.shape.join(', ')}], parameter ${p.name} of cell ${g.name} has [${shape.join(', ')}]`);
    }
    // the float64 interpreter gets a float64 file's values as they are; the GPU rounds to float32 anyway
    out.set(p.name, float64 && t.data64 ? t.data64 : Float64Array.from(t.data));
  }
  return out;
}

export async function applyCommand(file: string, opts: ApplyCliOptions): Promise<number> {
  const tensors = opts.params ? readParamsFile(opts.params) : undefined;
  let settings = opts.set;
  if (tensors) {
    // the sizes come from the parameters' shapes unless --set gives them
    const { graphs } = loadCells(file, opts.set, opts.cell);
    const given = new Set(Object.keys(sizeSettings(opts.set)));
    if (graphs.length === 1) settings = [...Object.entries(sizesFromTensors(graphs[0], tensors, given, opts.params!)).map(([k, v]) => `${k}=${v}`), ...opts.set];
  }
  const bound = bindOneCell(file, settings, opts.cell);
  const { graph: g, sizes } = bound;
  const json = readJson(opts.inputs);
  let T = 0;
  let B = 0;
  const inputs = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const x of g.inputs) {
    const n = g.nodes[x.node];
    if (!(x.name in json)) throw new UserError(`${opts.inputs} has no sequence for input ${x.name} of cell ${g.name} (it has: ${Object.keys(json).join(', ') || 'nothing'})`);
    const shape = evalShape(n.type.shape, sizes);
    const seq = flattenSequence(x.name, json[x.name], shape, n.type.dtype === 'i32' ? { range: indexRange(g, x.name, sizes) } : undefined);
    if (inputs.size && (seq.T !== T || seq.B !== B)) throw new UserError(`input ${x.name} has T=${seq.T}, B=${seq.B}; the other inputs have T=${T}, B=${B}`);
    T = seq.T;
    B = seq.B;
    inputs.set(x.name, { shape, data: seq.data });
  }
  if (!inputs.size) throw new UserError(`cell ${g.name} has no inputs: there is no sequence to apply it to`);
  const params = parameters(g, sizes, opts, tensors, !!opts.reference);
  const normalised = opts.params ? normaliseLikeTraining(opts.params, inputs, T, B) : undefined;
  if (normalised) process.stderr.write(`${normalised}\n`);

  const outputs = new Map<string, Float64Array | Float32Array>();
  if (opts.reference) {
    const interp = new CellInterpreter(g, sizes, B);
    const seqs = new Map([...inputs].map(([name, v]) => {
      const n = B * numel(v.shape);
      return [name, Array.from({ length: T }, (_, t) => v.data.subarray(t * n, (t + 1) * n))];
    }));
    const tape = interp.forward(params, seqs, interp.initialStates(), T);
    for (const o of g.outputs) {
      const steps = tape.outputs.get(o.name)!;
      const flat = new Float64Array(steps.reduce((s, x) => s + x.length, 0));
      steps.forEach((x, t) => flat.set(x, t * x.length));
      outputs.set(o.name, flat);
    }
  } else {
    await withGpu('apply', async (ctx) => {
      const rt = await CellRuntime.create(ctx, compileCell(bound, targetOf(ctx)).artifact, { B, T });
      try {
        rt.setParams(new Map([...params].map(([k, v]) => [k, Float32Array.from(v)])));
        rt.setInputs(new Map([...inputs].map(([k, v]) => [k, Float32Array.from(v.data)])));
        rt.setInitialStates();
        await rt.forward();
        for (const o of g.outputs) outputs.set(o.name, await rt.readOutput(o.name));
      } finally {
        rt.destroy();
      }
    });
  }
  // JSON has no NaN or Infinity (they would print as null): a non-finite output is an error, named by its step
  for (const o of g.outputs) {
    const bad = firstNonFinite(outputs.get(o.name)!, { T, B });
    if (bad) throw new UserError(`${describeNonFinite(`output ${o.name}`, bad)}${opts.reference ? '' : ' on the GPU'} (check the parameters and inputs)`);
  }
  const result: Record<string, Nested[]> = {};
  for (const o of g.outputs) result[o.name] = nestSequence(outputs.get(o.name)!, T, B, evalShape(g.nodes[o.node].type.shape, sizes));
  const text = JSON.stringify(result) + '\n';
  if (opts.outputs) {
    try {
      writeFileSync(opts.outputs, text);
    } catch (e) {
      throw new UserError(`cannot write ${opts.outputs}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    process.stderr.write(`${g.name}: ${g.outputs.length} output(s) over T=${T}, B=${B} written to ${opts.outputs}${opts.reference ? ' (float64 reference)' : ''}\n`);
  } else process.stdout.write(text);
  return 0;
}
