// The Node entry ("cellc/node"): everything of "cellc" plus what needs the
// file system — checkpoint files, whole training runs (progress, metrics,
// atomic checkpoints, resume), reading a run back and evaluating it on
// held-out batches, sampling text, the text task from a file, and the
// verification against the float64 interpreter with its on-disk cache.
// A browser bundle imports "cellc" instead.
//
//   import { acquireDevice, buildModel, trainRun, readSavedRun } from 'cellc/node';

export * from './index.js';
export { ensureDir, loadCheckpoint, saveCheckpoint, writeFileAtomic } from './apps/train/checkpoint.js';
export { buildModelOrThrow, lossChart, modelSpecFor, prepareRunFolder, SILENT_PROGRESS, smoothed, trainRun, TrainingError, type Progress, type RunConfig, type RunResult } from './apps/train/run.js';
export { CHECKPOINT_FILE, evaluateHeldOut, layersFor, modelFromSavedRun, modelParams, paramShapes, readSavedRun, type EvalResult, type SavedRun } from './apps/train/savedRun.js';
export { drawFromLogits, sampleText, type SampleOptions } from './apps/train/sample.js';
export { DEFAULT_CORPUS, loadTask } from './apps/train/taskFiles.js';
export { assertVerified, VERIFY_TOLERANCE, VerificationError, verificationLine, verifyOnDevice, type Verification, type VerifyOptions } from './apps/verify/verify.js';
