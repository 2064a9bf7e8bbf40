// The WebGPU backend's scan schedule: every carried value of both passes is
// diagonal-affine (analysis/structure.ts), so neither pass has a time loop.
// Per pass, in order, over all T·B rows:
//
//   for each phase: the coefficients a_t, b_t of its carried values
//                   (hoisted fused kernels and GEMMs, scanFunctions.ts), then one
//                   chunked scan per value (scanKernels.ts: 3 dispatches)
//   the rows:       outputs and saved values (forward); input cotangents and the
//                   parameter-gradient operands (backward), from the scanned sequences
//
// The backward pass scans the adjoint recurrence in reverse time; parameter
// gradients are summed after it as in the per-step schedule (assemble.ts).
// The plans have no per-step kernels: the runtime executes them unchanged.

import { evalShape, numel } from '../../ir/dims.js';
import { LayoutBuilder, tensorId, type ArenaName, type TensorId } from '../../artifact/layout.js';
import type { Artifact, PassPlan } from '../../artifact/artifact.js';
import { analyzeStep, type CarryStructure } from '../../analysis/structure.js';
import type { Scheduled } from '../../schedule/cellSchedule.js';
import { scheduleStep, type Schedule, type Store } from '../../schedule/schedule.js';
import { gemmArenas } from '../../schedule/gemmArenas.js';
import { carryFreeResults, coefficientFunction, rowFunction, type ScanCoefficients } from '../../schedule/scanFunctions.js';
import { backwardStepFunction, resolveAliases, tensorNames, type StepFunction } from '../../schedule/stepFunction.js';
import { assert } from '../../util/assert.js';
import { ArtifactBuilder, type GenerateOptions } from './assemble.js';
import { renderScanKernels } from './scanKernels.js';

interface PassParts {
  readonly phases: { readonly schedule: Schedule; readonly coefficients: readonly ScanCoefficients[] }[];
  readonly rows: Schedule;
}

/** Why the scan schedule does not apply to a pass, or undefined when it does. */
export function scanBlocker(s: readonly CarryStructure[], pass: string): string | undefined {
  if (!s.length) return `the ${pass} pass has no recurrence`;
  const seq = s.filter((x) => !x.scan);
  return seq.length ? `${pass}: ${seq.map((x) => `${x.name} ${x.reason.slice(x.reason.lastIndexOf(':') + 2)}`).join('; ')}` : undefined;
}

/** The scan artifact, or why the cell cannot run as one (a cell that does not scan; stacked GEMM weights that conflict). */
export function tryGenerateScan(sc: Scheduled, options: GenerateOptions = {}): Artifact | { readonly unavailable: string } {
  const { graph: g, sizes } = sc;
  const count = (fn: StepFunction) => (id: number) => numel(evalShape(fn.nodes[id].type.shape, sizes));
  const fStruct = analyzeStep(sc.forwardFn);
  const fBlock = scanBlocker(fStruct, 'forward');
  if (fBlock) return { unavailable: fBlock };
  const fwd = parts(sc.forwardFn, fStruct, 'f', count);
  const fwdAliases = new Map([...fwd.phases.flatMap((p) => [...p.schedule.aliases]), ...fwd.rows.aliases]);
  const bwdFn = resolveAliases(backwardStepFunction(sc.backward, { inputGradients: sc.inputGradients }), fwdAliases);
  const bStruct = analyzeStep(bwdFn);
  const bBlock = scanBlocker(bStruct, 'backward');
  if (bBlock) return { unavailable: bBlock };
  const bwd = parts(bwdFn, bStruct, 'b', count);

  // parameters: the stacked weights of every schedule contiguous, in one order
  const schedules = [...fwd.phases.map((p) => p.schedule), fwd.rows, ...bwd.phases.map((p) => p.schedule), bwd.rows];
  const order: string[] = [];
  for (const group of schedules.flatMap((s) => s.paramGroups)) {
    const at = order.indexOf(group[0]);
    if (at < 0 && group.every((p) => !order.includes(p))) order.push(...group);
    else if (group.some((p, i) => order[at + i] !== p)) return { unavailable: `stacked weights ${group.join(', ')} conflict between the scan's stages` };
  }
  const paramOrder = [...order, ...g.params.map((p) => p.name).filter((n) => !order.includes(n))];
  const paramShape = sc.paramShape;

  // memory, in the per-step schedule's order (cellSchedule.ts), plus the scan's tensors
  const L = new LayoutBuilder();
  const width = count(sc.forwardFn);
  for (const p of paramOrder) L.add(tensorNames.param(p), 'params', 'const', numel(paramShape.get(p)!));
  for (const p of paramOrder) L.add(tensorNames.grad(p), 'grads', 'const', numel(paramShape.get(p)!));
  for (const x of g.inputs) L.add(tensorNames.input(x.name), 'tape', 'seq', width(x.node));
  for (const s of g.states) L.add(tensorNames.state(s.name), 'tape', 'seq', width(s.node), 'T+1');
  for (const o of g.outputs) if (!fwdAliases.has(tensorNames.output(o.name))) L.add(tensorNames.output(o.name), 'tape', 'seq', width(o.node));
  for (const id of sc.backward.saved) if (!fwdAliases.has(tensorNames.saved(id))) L.add(tensorNames.saved(id), 'tape', 'seq', width(id));
  const stateWidth = new Map(g.states.map((s) => [s.name, width(s.node)]));
  const gemmArena = gemmArenas([fwd, bwd].flatMap((p) => [...p.phases.map((ph) => ph.schedule), p.rows]));
  const addPass = (p: PassParts, arena: 'tape' | 'btape') => {
    for (const ph of p.phases) {
      for (const c of ph.coefficients) {
        for (const t of [c.a, c.b]) if (!ph.schedule.aliases.has(t)) L.add(t, arena, 'seq', stateWidth.get(c.name)!);
        for (const t of prefixTensors(c)) L.add(t, arena, 'seq', stateWidth.get(c.name)!);
      }
      addTemps(L, ph.schedule, arena, gemmArena);
    }
    addTemps(L, p.rows, arena, gemmArena);
  };
  addPass(fwd, 'tape');
  for (const s of g.states) L.add(tensorNames.dstate(s.name), 'btape', 'seq', width(s.node), 'T+1');
  for (const o of g.outputs) L.add(tensorNames.doutput(o.name), 'btape', 'seq', width(o.node));
  for (const x of g.inputs) if (sc.inputGradients && g.nodes[x.node].type.dtype === 'f32' && !bwd.rows.aliases.has(tensorNames.dinput(x.name))) L.add(tensorNames.dinput(x.name), 'btape', 'seq', width(x.node));
  addPass(bwd, 'btape');
  const layout = L.finish();

  const a = new ArtifactBuilder({ ...sc, layout, paramOrder, paramShape }, layout, options);
  const plan = (p: PassParts, fn: StepFunction, tag: string, reverse: boolean): PassPlan => {
    const prelude: string[] = [];
    const before: string[] = [];
    for (const [i, ph] of p.phases.entries()) {
      const coefFn = ph.schedule.fn;
      prelude.push(...a.stages(ph.schedule, coefFn, ph.schedule.stages.const));
      before.push(...a.stages(ph.schedule, coefFn, ph.schedule.stages.pre));
      for (const c of ph.coefficients) {
        const ref = (t: TensorId) => storeRef(ph.schedule.aliases.get(t)) ?? { tensor: t, shift: 0 as const, col: 0 };
        const [P, Q] = prefixTensors(c);
        const ks = renderScanKernels({ name: `${tag}_scan${i}_${c.name.replace(/[^A-Za-z0-9_]/g, '_')}`, what: reverse ? `∂${c.name}` : c.name, width: stateWidth.get(c.name)!, a: ref(c.a), b: ref(c.b), u: { tensor: c.carry, shift: 0, col: 0 }, P: { tensor: P, shift: 0, col: 0 }, Q: { tensor: Q, shift: 0, col: 0 }, reverse, layout: a.layout, workgroupSize: a.wg });
        before.push(...ks.map((k) => a.add(k)));
      }
    }
    prelude.push(...a.stages(p.rows, fn, p.rows.stages.const));
    before.push(...a.stages(p.rows, fn, p.rows.stages.pre));
    return { prelude, before, step: [], after: [] };
  };
  const forward = plan(fwd, fwd.rows.fn, 'f', false);
  const backward = plan(bwd, bwd.rows.fn, 'b', true);
  const aliases = schedules.flatMap((s) => [...s.aliases]);
  return a.finish({ forward, backward, bwd: bwd.rows, bwdFn: bwd.rows.fn, aliases });
}

export function generateScan(sc: Scheduled, options: GenerateOptions = {}): Artifact {
  const r = tryGenerateScan(sc, options);
  assert('format' in r, `the scan schedule does not apply: ${'unavailable' in r ? r.unavailable : ''}`);
  return r;
}

function parts(fn: StepFunction, structure: readonly CarryStructure[], tag: 'f' | 'b', count: (fn: StepFunction) => (id: number) => number): PassParts {
  const phaseCount = Math.max(...structure.map((s) => s.phase!)) + 1;
  const early = carryFreeResults(fn);
  const phases = Array.from({ length: phaseCount }, (_, p) => {
    const c = coefficientFunction(fn, structure.filter((s) => s.phase === p), `${tag}q${p}`, p === 0 ? early : []);
    return { schedule: scheduleStep(c.fn, { tag: `${tag}q${p}`, numel: count(c.fn) }), coefficients: c.coefficients };
  });
  const rowFn = rowFunction(fn, early);
  const rows = scheduleStep(rowFn, { tag, numel: count(rowFn) });
  for (const s of [...phases.map((p) => p.schedule), rows]) assert(!s.stages.loop.length && !s.stages.post.length, `${s.fn.name} kept a time loop`);
  return { phases, rows };
}

const prefixTensors = (c: ScanCoefficients): [TensorId, TensorId] => [tensorId(c.a.replace(/^m:/, 'm:P.')), tensorId(c.b.replace(/^m:/, 'm:Q.'))];

const storeRef = (s: Store | undefined) => (s ? { tensor: s.tensor, shift: s.shift, col: s.col } : undefined);

function addTemps(L: LayoutBuilder, s: Schedule, seqArena: 'tape' | 'btape', gemmArena: ReadonlyMap<TensorId, ArenaName>): void {
  for (const [name, t] of s.temporaries) L.add(name, gemmArena.get(name) ?? (t.kind === 'seq' ? seqArena : 'work'), t.kind, t.width);
}
