// What keeps a run folder safe: a new run does not overwrite another run's
// checkpoint and metrics; --resume accepts a checkpoint only when every
// tensor (name, dtype, shape) and every metadata field fits this run, and
// says exactly what does not; nothing non-finite is written or resumed from.

import { numel, type Model } from '../../../compiler/index.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Checkpoint } from './checkpoint.js';
import { CHECKPOINT_FORMAT } from './checkpointCodec.js';
import type { NamedTensor } from './safetensors.js';

export { CHECKPOINT_FORMAT };

/** Why a fresh run must not start in `out`, or undefined when it may. */
export function occupiedBy(ckptPath: string, metricsPath: string): string | undefined {
  if (existsSync(ckptPath)) {
    let step = '';
    try {
      // the step is in the first bytes of the header; a torn or foreign file is still another run's
      const head = readFileSync(ckptPath).subarray(0, 1 << 16).toString('latin1');
      const m = /"step":"(\d+)"/.exec(head);
      if (m) step = ` at step ${m[1]}`;
    } catch {
      /* unreadable: still occupied */
    }
    return `a checkpoint${step}`;
  }
  if (existsSync(metricsPath) && statSync(metricsPath).size > 0) return 'a metrics.jsonl';
  return undefined;
}

/** The first tensor of `ts` holding NaN or ±Inf, with the index of the first such value. */
export function firstNonFinite(ts: Iterable<[string, Float32Array]>): { name: string; index: number; value: number } | undefined {
  for (const [name, d] of ts) {
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { name, index: i, value: d[i] };
  }
  return undefined;
}

/** The moments as named tensors (optim.m.NAME, optim.v.NAME), for the finiteness report. */
export function namedMoments(moments: Float32Array, order: readonly { name: string; shape: readonly number[] }[]): [string, Float32Array][] {
  const out: [string, Float32Array][] = [];
  const N = moments.length / 2;
  let off = 0;
  for (const p of order) {
    const n = numel(p.shape);
    out.push([`optim.m.${p.name}`, moments.subarray(off, off + n)], [`optim.v.${p.name}`, moments.subarray(N + off, N + off + n)]);
    off += n;
  }
  return out;
}

export interface ResumeExpectation {
  readonly model: Model;
  readonly paramOrder: readonly { name: string; shape: readonly number[] }[];
  readonly task: string;
  /** The run's identity: what must be equal for the run to go on (not lr, clipping, warm-up, schedule, steps). */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Every way the checkpoint does not fit the run, one phrase each; empty when
 * it fits. The step must be a count; the config JSON; each parameter present
 * as F32 with the model's shape; the moments all present (or, for a
 * checkpoint written without an optimizer, all absent) and likewise shaped;
 * no tensor the model does not have.
 */
export function resumeMismatches(ck: Checkpoint, e: ResumeExpectation): string[] {
  const out: string[] = [];
  const m = ck.metadata;
  if (m.format !== undefined && m.format !== CHECKPOINT_FORMAT) out.push(`its format is '${m.format}', not '${CHECKPOINT_FORMAT}'`);
  if (!/^\d+$/.test(m.step ?? '') || !Number.isSafeInteger(Number(m.step))) out.push(`its step is ${JSON.stringify(m.step ?? null)}, not a step count`);
  if (m.cell !== undefined && m.cell !== e.model.graph.name) out.push(`it was written for cell ${m.cell}, the model is ${e.model.graph.name}`);
  if (m.task !== undefined && m.task !== e.task) out.push(`it was written for task ${m.task}, this run's is ${e.task}`);
  let config: unknown = {};
  try {
    config = JSON.parse(m.config ?? '{}');
  } catch {
    config = undefined;
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) out.push(`its config metadata is ${m.config === undefined ? 'missing' : 'not a JSON object'}`);
  else {
    const saved = config as Record<string, unknown>;
    for (const [k, want] of Object.entries(e.config)) {
      if (!(k in saved)) continue; // e.g. an imported checkpoint records only the sizes
      const got = k === 'optimizer' && typeof saved[k] === 'object' && saved[k] !== null ? (saved[k] as { optimizer?: unknown }).optimizer : saved[k];
      if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${k} is ${JSON.stringify(got)} in the checkpoint, ${JSON.stringify(want)} here`);
    }
  }
  if (m.losses !== undefined) {
    let losses: unknown;
    try {
      losses = JSON.parse(m.losses);
    } catch {
      /* reported below */
    }
    if (!Array.isArray(losses) || !losses.every((l) => Array.isArray(l) && l.length === 2 && l.every((x) => typeof x === 'number'))) out.push('its losses metadata is not a list of [step, loss] pairs');
  }
  const tensors = ck.tensors ?? new Map<string, NamedTensor>();
  const known = new Set<string>();
  const expect = (name: string, shape: readonly number[], required: boolean) => {
    known.add(name);
    const t = tensors.get(name);
    if (!t) {
      if (required) out.push(`tensor ${name} is missing`);
      return;
    }
    if (t.dtype !== undefined && t.dtype !== 'F32') out.push(`tensor ${name} is ${t.dtype}, not F32`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) out.push(`tensor ${name} has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
  };
  const hasMoments = [...tensors.keys()].some((k) => k.startsWith('optim.'));
  for (const p of e.paramOrder) {
    expect(`param.${p.name}`, p.shape, true);
    expect(`optim.m.${p.name}`, p.shape, hasMoments);
    expect(`optim.v.${p.name}`, p.shape, hasMoments);
  }
  for (const k of tensors.keys()) if (!known.has(k) && !k.startsWith('carry.')) out.push(`it has a tensor ${k} the model does not have`);
  return out;
}
