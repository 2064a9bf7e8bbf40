// Child process of bindings.test.ts, run with tsx: for every generated module
// in the manifest, runs each cell through its generated factory and through the
// library API (compile + createRuntime) with the same parameters, inputs and
// cotangents on one device, and prints a JSON report of the differences.
// Everything comes from 'cellc' (dist/), as in a consumer's program.
//
//   node --import tsx test/api/bindingsRunner.ts MANIFEST.json

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { acquireDevice, compile, createRuntime, GpuUnavailableError, type Artifact, type CellSignature, type GpuContext, type TypedCell } from 'cellc';

export interface ManifestEntry {
  /** The .cell file (relative to the repository). */
  readonly file: string;
  /** The generated module (absolute path). */
  readonly module: string;
  readonly sizes: Readonly<Record<string, number>>;
  readonly cells: readonly string[];
  /** The cells whose backward (gradients) is compared too. */
  readonly backward: readonly string[];
}

export interface CellReport {
  readonly file: string;
  readonly cell: string;
  /** The embedded artifact equals compile()'s. */
  readonly sameArtifact: boolean;
  /** Largest |generated − library| over all outputs. */
  readonly outputDiff: number;
  /** Largest |generated − library| over the gradients (params, initial states, inputs); NaN when not compared. */
  readonly gradDiff: number;
  readonly outputs: readonly string[];
  readonly values: number;
}

function random(n: number, seed: number, ints = 0): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = ints ? Math.floor(u * ints) : 2 * u - 1;
  }
  return out;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function maxDiff(a: Float32Array | undefined, b: Float32Array): number {
  if (!a || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    const d = Math.abs(a[i] - b[i]);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

const B = 2;
const T = 3;
const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ManifestEntry[];
let gpu: GpuContext;
try {
  gpu = await acquireDevice({ label: 'bindingsRunner' });
} catch (e) {
  if (e instanceof GpuUnavailableError) {
    process.stderr.write(`GpuUnavailableError: ${e.message}\n`);
    process.exit(3);
  }
  throw e;
}

const reports: CellReport[] = [];
for (const entry of manifest) {
  const mod = (await import(pathToFileURL(entry.module).href)) as Record<string, unknown>;
  const source = readFileSync(entry.file, 'utf8');
  for (const cell of entry.cells) {
    const base = cell[0].toUpperCase() + cell.slice(1);
    const create = mod[`create${base}`] as (d: GpuContext, s: { B: number; T: number }) => Promise<TypedCell<CellSignature>>;
    const embedded = mod[`${base}Artifact`] as Artifact;
    const own = Object.fromEntries(Object.entries(entry.sizes).filter(([k]) => k in embedded.sizes));
    const r = compile(source, { path: entry.file, cell, sizes: own });
    if ('diagnostics' in r) throw new Error(r.formatted);
    const a = r.artifact;

    const typed = await create(gpu, { B, T });
    const rt = await createRuntime(gpu, a, { B, T });
    const params = typed.initParams(7) as Record<string, Float32Array>;
    rt.setParams(new Map(Object.entries(params)));
    const inputs = Object.fromEntries(a.inputs.map((x, k) => [x.name, random(T * B * numel(x.shape), 11 + k, x.dtype === 'i32' ? 3 : 0)]));
    const cot = Object.fromEntries(a.outputs.map((o, k) => [o.name, random(T * B * numel(o.shape), 101 + k)]));

    // forward: generated bindings vs the library
    const outs = (await typed.forward(inputs)) as Record<string, Float32Array>;
    rt.setInputs(new Map(Object.entries(inputs)));
    rt.setInitialStates();
    await rt.forward();
    let outputDiff = 0;
    let values = 0;
    for (const o of a.outputs) {
      const ref = await rt.readOutput(o.name);
      outputDiff = Math.max(outputDiff, maxDiff(outs[o.name], ref));
      values += ref.length;
    }

    // backward after forward (typed: a second submit) vs forward + backward in one submit (library);
    // only for the cells listed: lavapipe compiles a kernel when it first runs, slowly, and the
    // backward kernels are the big ones (the gradients themselves are checked in test/gpu)
    let gradDiff = NaN;
    if (entry.backward.includes(cell)) {
      const g = await typed.backward(cot);
      rt.setOutputCotangents(new Map(Object.entries(cot)));
      rt.setFinalStateCotangents();
      await rt.forwardBackward();
      const grads = (x: object) => x as Record<string, Float32Array>;
      gradDiff = 0;
      for (const [k, v] of await rt.readGrads()) gradDiff = Math.max(gradDiff, maxDiff(grads(g.params)[k], v));
      for (const [k, v] of await rt.readInitialStateGrads()) gradDiff = Math.max(gradDiff, maxDiff(grads(g.initialStates)[k], v));
      for (const x of a.inputs) if (x.dtensor) gradDiff = Math.max(gradDiff, maxDiff(grads(g.inputs)[x.name], await rt.readInputGrad(x.name)));
    }

    if (process.env.CELLC_RUNNER_VERBOSE) process.stderr.write(`${cell} ${(performance.now() / 1000).toFixed(1)}s\n`);
    reports.push({ file: entry.file, cell, sameArtifact: JSON.stringify(embedded) === JSON.stringify(a), outputDiff, gradDiff, outputs: a.outputs.map((o) => o.name), values });
    typed.destroy();
    rt.destroy();
  }
}
gpu.destroy();
process.stdout.write(JSON.stringify(reports) + '\n');
