// Which schedule a cell runs (SPEC §12.3): the sequential loop over time, or
// parallel scans. The scan is exact wherever every carried value of both
// passes is diagonal-affine (the analysis), so `auto` takes it there when a
// simple cost model says it is faster at the expected (B, T):
//
//   sequential ≈ T · L · d              L kernels per step (forward + backward), d per dispatch
//   scan       ≈ S · d + 8 · T·B·W · e  S dispatches in all, W scanned elements per row,
//                                       e per element read or written by the scan kernels
//
// with d = 30 µs and e = 1 ns (a dispatch costs far more than touching an
// element on every adapter measured; on lavapipe d is larger still). Without
// an expected shape the sequence length is unknown, and the scan, whose
// dispatch count does not grow with T, is taken wherever it is exact.

import type { CellFindings, RowOwnedSchedule, ScheduleName } from './findings.js';

export type ScheduleOption = 'sequential' | 'scan' | 'auto' | RowOwnedSchedule;

export interface Choice {
  readonly name: ScheduleName;
  readonly reason: string;
}

const DISPATCH_US = 30;
const ELEMENT_US = 0.001;

export interface CostInputs {
  /** Kernels per step of the sequential schedule (both passes). */
  readonly loopKernels: number;
  /** Dispatches of the scan schedule in all. */
  readonly scanDispatches: number;
  /** Scanned elements per row (Σ state widths). */
  readonly scanWidth: number;
}

/** Why the scan is not exact, or undefined when it is. */
export function inexact(f: CellFindings): string | undefined {
  if (!f.forward.length) return 'the cell has no recurrence';
  const seq = [...f.forward.map((s) => ['', s] as const), ...f.backward.map((s) => ['∂', s] as const)].filter(([, s]) => !s.scan);
  const what = (d: string, s: CellFindings['forward'][number]) => (s.kind === 'affine-diagonal' || s.kind === 'independent' ? `${d}${s.name} reads a value that is not` : `${d}${s.name} is ${s.kind}`);
  return seq.length ? `not every recurrence is diagonal-affine: ${seq.map(([d, s]) => what(d, s)).join(', ')}` : undefined;
}

export function chooseSchedule(f: CellFindings, option: ScheduleOption, cost: CostInputs | undefined, shape: { B: number; T: number } | undefined): Choice {
  if (option === 'sequential' || option === 'step-fused' || option === 'persistent') return { name: option, reason: 'requested' };
  const why = inexact(f);
  if (why) return { name: 'sequential', reason: option === 'scan' ? `scan requested, but ${why}` : why };
  if (option === 'scan') return { name: 'scan', reason: 'requested; exact: every recurrence is diagonal-affine' };
  if (!shape || !cost) return { name: 'scan', reason: 'exact (every recurrence is diagonal-affine) and its dispatch count does not grow with T' };
  const seq = shape.T * cost.loopKernels * DISPATCH_US;
  const scan = cost.scanDispatches * DISPATCH_US + 8 * shape.T * shape.B * cost.scanWidth * ELEMENT_US;
  const est = `estimated ${fmt(scan)} vs ${fmt(seq)} sequential at B=${shape.B}, T=${shape.T}`;
  return scan < seq ? { name: 'scan', reason: `exact and faster: ${est}` } : { name: 'sequential', reason: `the scan is exact but not faster: ${est}` };
}

const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} µs`);
