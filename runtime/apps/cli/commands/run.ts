// `cellc run FILE --B n --T n [--set NAME=VALUE…] [--cell NAME] [--seed s] [--window n] [--compare] [--tol x] [--states random|reachable] [--eval]`:
// one forward + backward on the GPU with seeded weights (the cell's
// initialisers) and random inputs; random masks (dropout, zoneout) drawn as a
// training step draws them (from --seed), or with --eval at their expectation.
//
//   without --compare: prints the norms of every output, final state and
//     gradient (loss L = Σ of all outputs, so ∂L/∂y = 1) and the time of the
//     call (the first includes shader compilation on most drivers); exit 1
//     when a value is not finite.
//   --compare: runs the same problem through the float64 reference
//     interpreter (runtime/apps/compare/gpuVsReference.ts) and prints one line per
//     tensor with the largest absolute and relative error; exit 1 when a
//     relative error exceeds --tol (default 1e-4, float32 accuracy), unless
//     (at the default tolerance or a looser one) the tensor is within 10x
//     the distance between float64 and the same cell in float32 — a value
//     that cancellation in the cell leaves at float32 roundoff. Initial
//     states are N(0, 0.5²) per element (--states random, the default), or
//     ones the cell reaches from its declared ones (--states reachable, as
//     gradcheck draws them: an sLSTM's normaliser n' = f·n + i is then
//     positive, as in use, where a random one can be near 0 and put the cell
//     where float32 cannot follow float64; but a max-plus recursion such as
//     Viterbi reaches near-ties that float32 and float64 break apart).

import { numel, type RandomKey } from '../../../../compiler/index.js';
import { agrees, compareWithReference, ROUNDOFF_FACTOR } from '../../compare/gpuVsReference.js';
import { CellRuntime } from '../../../core/cellRuntime.js';
import { describeNonFinite, firstNonFinite } from '../nonFinite.js';
import { targetOf, type GpuContext } from '../../../core/device.js';
import { bindOneCell, compileCell, fmtMs, norm2, positiveNumberOption, randomInputs, scheduleOption, sizeText, wholeOption, withGpu, type CompiledCell } from './gpuCommon.js';
import { UserError } from '../io.js';

/** The default of `--tol` (main.ts): float32 accuracy. */
export const DEFAULT_TOL = 1e-4;

export interface RunCliOptions {
  B: string;
  T: string;
  set: string[];
  cell?: string;
  seed: string;
  window?: string;
  compare?: boolean;
  tol: string;
  states: string;
  schedule?: string;
  eval?: boolean;
}

/** Above this size the float64 reference (plain JavaScript on the CPU) gets slow. */
const REFERENCE_FRIENDLY_SIZE = 64;

export async function runCommand(file: string, opts: RunCliOptions): Promise<number> {
  const B = wholeOption('--B', opts.B);
  const T = wholeOption('--T', opts.T);
  const seed = wholeOption('--seed', opts.seed, 0);
  const window = opts.window === undefined ? T : wholeOption('--window', opts.window);
  const tol = positiveNumberOption('--tol', opts.tol);
  if (opts.states !== 'reachable' && opts.states !== 'random') throw new UserError(`--states expects reachable or random, got '${opts.states}'`);
  const states = opts.states;
  const bound = bindOneCell(file, opts.set, opts.cell);
  const requested = scheduleOption(opts.schedule);
  // the scan runs the whole adjoint recurrence at once: truncated BPTT needs the loop
  if (window < T && (requested === 'scan' || requested === 'persistent')) throw new UserError(`--window (truncated BPTT) needs --schedule sequential or step-fused: the ${requested} schedule backpropagates through the whole sequence`);
  const schedule = { schedule: window < T ? ('sequential' as const) : requested, shape: { B, T } };
  // random masks as a training step draws them (seed, draw 0), or their expectation (evaluation)
  const random = { seed, draw: 0, training: !opts.eval };
  return withGpu('run', (ctx) => {
    const cell = compileCell(bound, targetOf(ctx), schedule);
    return opts.compare ? compare(ctx, cell, { B, T, seed, window, tol, random, states }) : run(ctx, cell, { B, T, seed, window, random });
  });
}

interface RunShape {
  readonly B: number;
  readonly T: number;
  readonly seed: number;
  readonly window: number;
  readonly random: RandomKey;
}

function header(ctx: GpuContext, c: CompiledCell, o: RunShape, what: string, extra = ''): void {
  const win = o.window < o.T ? `, truncated BPTT window ${o.window}` : '';
  const masks = c.artifact.randomMasks ? `; random masks ${o.random.training ? `drawn (training, seed ${o.random.seed})` : 'at their expectation (evaluation)'}` : '';
  process.stdout.write(`${what} ${c.graph.name}: sizes ${sizeText(c.sizes)}; B=${o.B}, T=${o.T}${win}; seed ${o.seed}${extra}${masks}\n`);
  if (c.artifact.schedule) process.stdout.write(`  schedule: ${c.artifact.schedule.name} (${c.artifact.schedule.reason})\n`);
  const a = ctx.adapter;
  process.stdout.write(`  adapter: ${[a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' / ')}${a.software ? ' (software)' : ''}\n`);
}

async function compare(ctx: GpuContext, c: CompiledCell, o: RunShape & { tol: number; states: 'reachable' | 'random' }): Promise<number> {
  const big = Object.entries(c.sizes).filter(([, v]) => v > REFERENCE_FRIENDLY_SIZE);
  if (big.length)
    process.stderr.write(`cellc: warning: ${big.map(([k, v]) => `${k}=${v}`).join(', ')} > ${REFERENCE_FRIENDLY_SIZE}: the float64 reference runs on the CPU and will be slow; pass smaller sizes with --set\n`);
  header(ctx, c, o, 'run --compare', `; ${o.states} initial states`);
  const options = { B: o.B, T: o.T, seed: o.seed, window: o.window, random: o.random, states: o.states };
  let rows = await compareWithReference(ctx, c, options);
  // at the default tolerance or a looser one, a disagreement is measured again against the roundoff
  // float32 arithmetic of the same cell shows (cancellation); a tighter --tol is taken literally
  const excusable = o.tol >= DEFAULT_TOL;
  if (excusable && rows.some((r) => !(r.maxRel <= o.tol))) rows = await compareWithReference(ctx, c, { ...options, roundoff: true });
  const kindW = Math.max(4, ...rows.map((r) => r.kind.length));
  const nameW = Math.max(6, ...rows.map((r) => r.name.length));
  const e = (x: number) => x.toExponential(2);
  process.stdout.write(`  ${'kind'.padEnd(kindW)}  ${'tensor'.padEnd(nameW)}  ${'max abs err'.padStart(11)}  ${'max rel err'.padStart(11)}  result\n`);
  let ok = true;
  let worst = 0;
  let roundoff = 0;
  for (const r of rows) {
    const good = r.maxRel <= o.tol; // NaN and Infinity fail
    const excused = !good && excusable && agrees(r, o.tol);
    ok &&= good || excused;
    if (excused) roundoff++;
    else worst = Math.max(worst, Number.isNaN(r.maxRel) ? Infinity : r.maxRel);
    const verdict = good ? 'OK' : excused ? `OK (float32 roundoff ${e(r.roundoff!)})` : 'FAIL';
    process.stdout.write(`  ${r.kind.padEnd(kindW)}  ${r.name.padEnd(nameW)}  ${e(r.maxAbs).padStart(11)}  ${e(r.maxRel).padStart(11)}  ${verdict}\n`);
  }
  const within = roundoff ? `; ${roundoff} within ${ROUNDOFF_FACTOR}x the float32 roundoff of the same cell (cancellation), not counted` : '';
  process.stdout.write(`  ${ok ? 'OK' : 'FAIL'}: ${rows.length} tensors against the float64 reference, worst rel err ${e(worst)} (tolerance ${e(o.tol)})${within}\n`);
  return ok ? 0 : 1;
}

async function run(ctx: GpuContext, c: CompiledCell, o: RunShape): Promise<number> {
  header(ctx, c, o, 'run');
  const { B, T } = o;
  const a = c.artifact;
  const rt = await CellRuntime.create(ctx, a, { B, T }); // checks every buffer against the device limits first
  try {
    rt.initParams(o.seed);
    rt.setInputs(randomInputs(c, B, T, o.seed));
    rt.setInitialStates();
    rt.setOutputCotangents(new Map(a.outputs.map((y) => [y.name, new Float32Array(T * B * numel(y.shape)).fill(1)])));
    rt.setFinalStateCotangents();
    rt.setRandom(o.random);
    const t0 = performance.now();
    await rt.forwardBackward(o.window);
    const t1 = performance.now();
    await rt.forwardBackward(o.window);
    const t2 = performance.now();
    const d = rt.dispatchCounts();
    const dispatches = d.forwardOnce + d.backwardOnce + T * (d.forwardPerStep + d.backwardPerStep);
    process.stdout.write(`  forward+backward: one submit, ${dispatches} dispatches; ${fmtMs(t1 - t0)} ms the first time (includes shader compilation), ${fmtMs(t2 - t1)} ms the second\n`);
    process.stdout.write(`  loss L = Σ of all outputs (∂L/∂y = 1); L2 norms over all values:\n`);
    // [kind, name, values, whether they are a [T][B][…] sequence]
    const lines: [string, string, Float32Array, boolean][] = [];
    for (const y of a.outputs) lines.push(['output', y.name, await rt.readOutput(y.name), true]);
    for (const s of a.states) lines.push(['final state', s.name, await rt.readState(s.name), false]);
    const grads = await rt.readGrads();
    for (const p of a.params) lines.push(['param grad', p.name, grads.get(p.name)!, false]);
    const sg = await rt.readInitialStateGrads();
    for (const s of a.states) lines.push(['initial state grad', s.name, sg.get(s.name)!, false]);
    for (const x of a.inputs) if (x.dtensor) lines.push(['input grad', x.name, await rt.readInputGrad(x.name), true]);
    const kindW = Math.max(...lines.map((l) => l[0].length));
    const nameW = Math.max(...lines.map((l) => l[1].length));
    const bad: string[] = [];
    for (const [kind, name, v, seq] of lines) {
      const nf = firstNonFinite(v, seq ? { T, B } : undefined);
      if (nf) bad.push(describeNonFinite(`${kind} ${name}`, nf));
      process.stdout.write(`  ${kind.padEnd(kindW)}  ${name.padEnd(nameW)}  ${norm2(v).toPrecision(6).padStart(12)}  (${v.length} values)${nf ? '  NOT FINITE' : ''}\n`);
    }
    if (bad.length) process.stderr.write(`cellc: values are not finite: ${bad.join('; ')}\n`);
    return bad.length ? 1 : 0;
  } finally {
    rt.destroy();
  }
}
