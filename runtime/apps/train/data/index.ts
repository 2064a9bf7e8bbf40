// Numeric data sets for training, browser-safe (load.ts adds reading files in
// Node): parsers, the validation split, normalisation, windows, baselines and
// the data task.

export { parseCsv, type CsvOptions } from './csv.js';
export { parseNpy, npyDataset, type NpyArray } from './npy.js';
export { parseJsonl } from './jsonl.js';
export { DataError, type Dataset, type Sequence } from './dataset.js';
export { splitData, type Split } from './split.js';
export { featureStats, normaliseSequence, normaliseSteps, type FeatureStats } from './normalise.js';
export { windowsOf, type Window } from './windows.js';
export { autoregressive, classPrior, fitAr, persistence, type Baseline } from './baselines.js';
export { dataTask, DATA_TASK_KINDS, type DataTask, type DataTaskKind, type DataTaskOptions } from './dataTask.js';
