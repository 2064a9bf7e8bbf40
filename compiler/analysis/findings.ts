// The recurrence analysis of a cell as plain data for the artifact and for
// `cellc plan`: per state, what the forward update and its adjoint (the
// backward recurrence of the state cotangent) are, and whether each runs as a
// parallel scan (structure.ts decides).

import type { StepFunction } from '../schedule/stepFunction.js';
import { analyzeStep, type CarryStructure, type Jacobian, type StructureKind } from './structure.js';

export interface StateFinding {
  readonly name: string;
  readonly kind: StructureKind;
  readonly jacobian: Jacobian;
  /** With a block-diagonal Jacobian: the blocks' size (`DH`). */
  readonly block?: string;
  readonly scan: boolean;
  readonly phase?: number;
  readonly reason: string;
}

export interface CellFindings {
  readonly forward: readonly StateFinding[];
  readonly backward: readonly StateFinding[];
}

/** Which schedule an artifact runs, why, and the analysis behind it. */
/** A loop over time whose steps run as kernels that own whole batch rows (backend/webgpu/rowOwned.ts): always exact. */
export type RowOwnedSchedule = 'step-fused' | 'persistent';

/** The schedule an artifact runs (SPEC.md §12.3). */
export type ScheduleName = 'sequential' | 'scan' | RowOwnedSchedule;

export interface ScheduleRecord extends CellFindings {
  readonly name: ScheduleName;
  readonly reason: string;
}

const finding = (s: CarryStructure): StateFinding => ({ name: s.name, kind: s.kind, jacobian: s.jacobian, ...(s.block ? { block: s.block } : {}), scan: s.scan, ...(s.phase !== undefined ? { phase: s.phase } : {}), reason: s.reason });

export function cellFindings(forwardFn: StepFunction, backwardFn: StepFunction): CellFindings {
  return { forward: analyzeStep(forwardFn).map(finding), backward: analyzeStep(backwardFn).map(finding) };
}

/** The `cellc plan` section. */
export function formatFindings(r: ScheduleRecord): string[] {
  const lines = [`schedule: ${r.name} (${r.reason})`];
  if (r.forward.length) lines.push('  forward recurrences');
  for (const s of r.forward) lines.push(`    ${s.name}: ${s.reason}`);
  if (r.backward.length) lines.push('  backward recurrences (state cotangents)');
  for (const s of r.backward) lines.push(`    ∂${s.name}: ${s.reason}`);
  return lines;
}
