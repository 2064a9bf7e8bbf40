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
//              Or {"sequences": [{"name": [T_k][…shape], …}, …]}: examples of
//              their own lengths T_k (run in batches of equal length, so no
//              example sees padding); the outputs come back in the same form.
//   --params   a safetensors file with one tensor per parameter, named NAME or
//              param.NAME (so a `cellc train` checkpoint of a single cell works);
//              without it the cell's initialisers, seeded with --seed.
//   --outputs  where to write {"name": [T][B][…shape], …} (default: stdout).
//   --reference  the float64 reference interpreter on the CPU instead of the GPU.
//
// States start from their declared initial values. A reverse-time cell reads
// and writes its sequences in time order like any other (its scan runs
// t = T−1 … 0).

import { evalShape, initialize, numel, Rng, symbolOf, type Artifact, type Graph } from '../../../../compiler/index.js';
import { CellInterpreter, indexRange } from '../../../../compiler/tools/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { CellRuntime } from '../../../core/cellRuntime.js';
import { targetOf, type GpuContext } from '../../../core/device.js';
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
      const name = symbolOf(d);
      if (name === undefined) return;
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
  // {"sequences": [{NAME: [T_k][…]}, …]}: examples of their own lengths, run in batches of equal length
  const ragged = 'sequences' in json;
  const batches = ragged ? raggedBatches(g, sizes, json.sequences, opts.inputs) : [readBatch(g, sizes, json, opts.inputs)];
  const params = parameters(g, sizes, opts, tensors, !!opts.reference);
  for (const b of batches) {
    const normalised = opts.params ? normaliseLikeTraining(opts.params, b.inputs, b.T, b.B) : undefined;
    if (normalised && b === batches[0]) process.stderr.write(`${normalised}\n`);
  }
  const run = async (ctx: GpuContext | undefined) => {
    const artifact = ctx && compileCell(bound, targetOf(ctx)).artifact;
    for (const b of batches) b.outputs = ctx ? await onGpu(ctx, artifact!, g, params, b) : onReference(g, sizes, params, b);
  };
  if (opts.reference) await run(undefined);
  else await withGpu('apply', run);
  // JSON has no NaN or Infinity (they would print as null): a non-finite output is an error, named by its step
  for (const b of batches) {
    for (const o of g.outputs) {
      const bad = firstNonFinite(b.outputs!.get(o.name)!, { T: b.T, B: b.B });
      if (bad) throw new UserError(`${describeNonFinite(`output ${o.name}`, bad)}${ragged ? ` of the batch of sequences of length ${b.T}` : ''}${opts.reference ? '' : ' on the GPU'} (check the parameters and inputs)`);
    }
  }
  const shapeOf = (o: (typeof g.outputs)[number]) => evalShape(g.nodes[o.node].type.shape, sizes);
  let result: object;
  if (!ragged) result = Object.fromEntries(g.outputs.map((o) => [o.name, nestSequence(batches[0].outputs!.get(o.name)!, batches[0].T, batches[0].B, shapeOf(o))]));
  else {
    const sequences: Record<string, Nested[]>[] = [];
    for (const b of batches) {
      b.rows.forEach((k, r) => {
        sequences[k] = Object.fromEntries(g.outputs.map((o) => {
          const n = numel(shapeOf(o));
          const v = b.outputs!.get(o.name)!;
          const mine = new Float64Array(b.T * n);
          for (let t = 0; t < b.T; t++) for (let i = 0; i < n; i++) mine[t * n + i] = v[(t * b.B + r) * n + i];
          return [o.name, nestSequence(mine, b.T, 1, shapeOf(o)).map((step) => (step as Nested[])[0])];
        }));
      });
    }
    result = { sequences };
  }
  const text = JSON.stringify(result) + '\n';
  const shape = ragged ? `${batches.reduce((s, b) => s + b.B, 0)} sequences of ${[...new Set(batches.map((b) => b.T))].join(', ')} steps` : `T=${batches[0].T}, B=${batches[0].B}`;
  if (opts.outputs) {
    try {
      writeFileSync(opts.outputs, text);
    } catch (e) {
      throw new UserError(`cannot write ${opts.outputs}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    process.stderr.write(`${g.name}: ${g.outputs.length} output(s) over ${shape} written to ${opts.outputs}${opts.reference ? ' (float64 reference)' : ''}\n`);
  } else process.stdout.write(text);
  return 0;
}

/** Examples of one length, run together: B rows of T steps (rows: their places in the input's list). */
interface ApplyBatch {
  readonly T: number;
  readonly B: number;
  readonly inputs: Map<string, { shape: number[]; data: Float64Array }>;
  readonly rows: number[];
  outputs?: Map<string, Float64Array | Float32Array>;
}

/** {"NAME": [T][B][…], …}: one batch. */
function readBatch(g: Graph, sizes: Readonly<Record<string, number>>, json: Record<string, unknown>, path: string, where = path): ApplyBatch {
  let T = 0;
  let B = 0;
  const inputs = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const x of g.inputs) {
    const n = g.nodes[x.node];
    if (!(x.name in json)) throw new UserError(`${where} has no sequence for input ${x.name} of cell ${g.name} (it has: ${Object.keys(json).join(', ') || 'nothing'})`);
    const shape = evalShape(n.type.shape, sizes);
    const seq = flattenSequence(x.name, json[x.name], shape, n.type.dtype === 'i32' ? { range: indexRange(g, x.name, sizes) } : undefined);
    if (inputs.size && (seq.T !== T || seq.B !== B)) throw new UserError(`${where}: input ${x.name} has T=${seq.T}, B=${seq.B}; the other inputs have T=${T}, B=${B}`);
    T = seq.T;
    B = seq.B;
    inputs.set(x.name, { shape, data: seq.data });
  }
  if (!inputs.size) throw new UserError(`cell ${g.name} has no inputs: there is no sequence to apply it to`);
  return { T, B, inputs, rows: Array.from({ length: B }, (_, b) => b) };
}

/** {"sequences": [{"NAME": [T_k][…]}, …]}: each example read as a batch of one, then those of equal length stacked. */
function raggedBatches(g: Graph, sizes: Readonly<Record<string, number>>, list: unknown, path: string): ApplyBatch[] {
  if (!Array.isArray(list) || list.length === 0) throw new UserError(`${path}: "sequences" must be a non-empty list of {"input name": [T][…], …}`);
  const byLength = new Map<number, ApplyBatch[]>();
  list.forEach((ex, k) => {
    if (!ex || typeof ex !== 'object' || Array.isArray(ex)) throw new UserError(`${path}: sequences[${k}] must be an object {"input name": [T][…], …}`);
    // an example's [T][…] is a [T][1][…] batch of one
    const one = Object.fromEntries(Object.entries(ex as Record<string, unknown>).map(([name, v]) => [name, Array.isArray(v) ? v.map((step) => [step]) : v]));
    const b = readBatch(g, sizes, one, path, `${path}: sequences[${k}]`);
    byLength.set(b.T, [...(byLength.get(b.T) ?? []), { ...b, rows: [k] }]);
  });
  return [...byLength.values()].map((group) => {
    const B = group.length;
    const T = group[0].T;
    const inputs = new Map([...group[0].inputs].map(([name, { shape }]) => {
      const n = numel(shape);
      const data = new Float64Array(T * B * n);
      group.forEach((e, r) => {
        const src = e.inputs.get(name)!.data;
        for (let t = 0; t < T; t++) data.set(src.subarray(t * n, (t + 1) * n), (t * B + r) * n);
      });
      return [name, { shape, data }];
    }));
    return { T, B, inputs, rows: group.map((e) => e.rows[0]) };
  });
}

/** The float64 interpreter over one batch: every output, T·B·n time-major. */
function onReference(g: Graph, sizes: Readonly<Record<string, number>>, params: ReadonlyMap<string, Float64Array>, b: ApplyBatch): Map<string, Float64Array> {
  const interp = new CellInterpreter(g, sizes, b.B);
  const seqs = new Map([...b.inputs].map(([name, v]) => {
    const n = b.B * numel(v.shape);
    return [name, Array.from({ length: b.T }, (_, t) => v.data.subarray(t * n, (t + 1) * n))];
  }));
  const tape = interp.forward(params, seqs, interp.initialStates(), b.T);
  return new Map(g.outputs.map((o) => {
    const steps = tape.outputs.get(o.name)!;
    const flat = new Float64Array(steps.reduce((s, x) => s + x.length, 0));
    steps.forEach((x, t) => flat.set(x, t * x.length));
    return [o.name, flat];
  }));
}

/** The GPU over one batch. */
async function onGpu(ctx: GpuContext, artifact: Artifact, g: Graph, params: ReadonlyMap<string, Float64Array>, b: ApplyBatch): Promise<Map<string, Float32Array>> {
  const rt = await CellRuntime.create(ctx, artifact, { B: b.B, T: b.T });
  try {
    rt.setParams(new Map([...params].map(([k, v]) => [k, Float32Array.from(v)])));
    rt.setInputs(new Map([...b.inputs].map(([k, v]) => [k, Float32Array.from(v.data)])));
    rt.setInitialStates();
    await rt.forward();
    const out = new Map<string, Float32Array>();
    for (const o of g.outputs) out.set(o.name, await rt.readOutput(o.name));
    return out;
  } finally {
    rt.destroy();
  }
}
