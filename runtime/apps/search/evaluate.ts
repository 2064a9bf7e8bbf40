// Scoring one candidate of a search, with the sweep's machinery: the
// candidate's source is written to DIR/candidates/<hash>.cell, verified once
// (float64 gradcheck, verdict kept in DIR/cells/, verifyCells.ts), then
// trained and evaluated as a sweep trial in DIR/trials/<id>/ (trial.ts). A
// trial folder with result.json is a finished candidate, and a candidate
// refused when its training started (rejected.json) stays refused: a rerun
// of the search trains nothing twice.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Score } from '../../../compiler/tools/index.js';
import type { GpuContext } from '../../core/device.js';
import { UserError } from '../cli/io.js';
import { ensureDir, writeFileAtomic } from '../train/checkpoint.js';
import { SILENT_PROGRESS, TrainingError, type Progress } from '../train/run.js';
import { VerificationError } from '../verify/verify.js';
import { trialId, type Trial, type TrialConfig } from '../sweep/plan.js';
import type { TrainSettings } from '../sweep/sweepFile.js';
import { readResult, runTrial, trialDir } from '../sweep/trial.js';
import { verifyCell, type CellVerifier } from '../sweep/verifyCells.js';

export interface SearchTask {
  readonly name: string;
  readonly T: number;
  readonly B: number;
  readonly evalBatches: number;
}

export interface Evaluation {
  readonly score: Score;
  readonly hash: string;
  readonly file: string;
  readonly trialId: string;
  /** Trained (or verified and refused) by this run, not read back from the folder. */
  readonly fresh: boolean;
  /** A GPU result that disagreed with float64: a bug in cellc, recorded and reported. */
  readonly bug?: boolean;
  readonly seconds?: number;
}

export interface EvaluatorOptions {
  readonly out: string;
  readonly task: SearchTask;
  readonly train: TrainSettings;
  readonly seed: number;
  /** Called once, before the first training. */
  readonly device: () => Promise<GpuContext>;
  readonly progress?: (label: string) => Progress;
  readonly signal: { readonly interrupted: boolean };
  readonly verifier?: CellVerifier;
}

const REJECTED = 'rejected.json';
const bytes = (s: string) => new TextEncoder().encode(s);
export const sourceHash = (source: string) => createHash('sha256').update(source).digest('hex').slice(0, 16);

export class CandidateEvaluator {
  /** Candidates trained by this run. */
  trained = 0;
  private ctx?: GpuContext;
  constructor(private readonly o: EvaluatorOptions) {}

  /** The trial a source would be trained as. */
  trialOf(source: string, cellName: string): { trial: Trial; hash: string; file: string; path: string } {
    const hash = sourceHash(source);
    const file = `candidates/${hash}.cell`;
    const config: TrialConfig = { cell: { file, name: cellName, source: hash }, task: this.o.task, train: this.o.train, seed: this.o.seed };
    return { trial: { id: trialId(config), config, levels: { cell: hash, seed: this.o.seed } }, hash, file, path: join(this.o.out, file) };
  }

  /** The score of a candidate: read back when the folder has it, else verified and trained now; undefined when interrupted. */
  async evaluate(source: string, cellName: string, label: string): Promise<Evaluation | undefined> {
    const { trial, hash, file, path } = this.trialOf(source, cellName);
    const base = { hash, file, trialId: trial.id };
    ensureDir(join(this.o.out, 'candidates'));
    if (!existsSync(path)) writeFileAtomic(path, bytes(source));
    const dir = trialDir(this.o.out, trial.id);
    const done = readResult(dir);
    if (done) return { ...base, fresh: false, seconds: done.seconds, score: done.status === 'ok' ? { status: 'ok', loss: done.heldOutLoss! } : { status: 'diverged', reason: done.message ?? 'diverged' } };
    const refused = readRejected(dir);
    if (refused) return { ...base, fresh: false, ...(refused.bug ? { bug: true } : {}), score: { status: 'rejected', reason: refused.reason } };
    const { verdict, cached } = verifyCell(this.o.out, path, file, hash, this.o.verifier);
    if (!verdict.ok) return { ...base, fresh: !cached, score: { status: 'rejected', reason: `failed verification: ${verdict.summary}` } };
    this.ctx ??= await this.o.device();
    ensureDir(dir);
    let r;
    try {
      r = await runTrial(this.ctx, trial, { cell: path }, dir, { verify: true, progress: this.o.progress?.(label) ?? SILENT_PROGRESS, signal: this.o.signal });
    } catch (e) {
      const bug = e instanceof VerificationError;
      if (!bug && !(e instanceof TrainingError) && !(e instanceof UserError)) throw e;
      const reason = bug ? `the GPU disagrees with float64 (a bug in cellc; please report it with ${path}): ${e.message}` : `training refused it: ${e.message}`;
      writeFileAtomic(join(dir, REJECTED), bytes(JSON.stringify({ reason, ...(bug ? { bug: true } : {}) }) + '\n'));
      return { ...base, fresh: true, ...(bug ? { bug: true } : {}), score: { status: 'rejected', reason } };
    }
    if (!r) return undefined;
    this.trained++;
    return { ...base, fresh: true, seconds: r.seconds, score: r.status === 'ok' ? { status: 'ok', loss: r.heldOutLoss! } : { status: 'diverged', reason: r.message ?? 'diverged' } };
  }
}

function readRejected(dir: string): { reason: string; bug?: boolean } | undefined {
  const p = join(dir, REJECTED);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as { reason: string; bug?: boolean };
  } catch {
    return undefined; // damaged: the candidate is tried again
  }
}
