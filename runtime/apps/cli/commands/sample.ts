// `cellc sample FILE… --checkpoint PATH`: text from a character model (a
// checkpoint of the text task), generated on the CPU by the float64
// reference interpreter one character at a time (see train/sample.ts).

import { modelFromSavedRun, readSavedRun } from '../../train/savedRun.js';
import { sampleText } from '../../train/sample.js';
import { textTask, type Task } from '../../train/tasks.js';
import { loadCells, UserError } from '../io.js';
import { taskFrom, userErrors } from './eval.js';
import { int, num } from './train.js';

export interface SampleFlags {
  checkpoint: string;
  text?: string;
  length: string;
  prime: string;
  temperature: string;
  seed: string;
}

export async function sampleCommand(files: string[], f: SampleFlags): Promise<number> {
  const saved = userErrors(() => readSavedRun(f.checkpoint));
  if (saved.task !== undefined && saved.task !== 'text') throw new UserError(`${saved.path} was trained on the ${saved.task} task; sample needs a character model (--task text)`);
  const length = int('length', f.length, 0);
  const temperature = num('temperature', f.temperature);
  const seed = int('seed', f.seed, 0);
  // The checkpoint records its alphabet; older ones need the text they were trained on.
  const task: Task = saved.alphabet !== undefined && f.text === undefined ? textTask(saved.alphabet) : taskFrom('text', f.text, undefined);
  const graphs = files.map((file) => loadCells(file).graphs[0]);
  const { model, params } = userErrors(() => modelFromSavedRun(graphs, saved, task));
  const p64 = new Map([...params].map(([k, v]) => [k, Float64Array.from(v.data)]));
  process.stdout.write(f.prime);
  userErrors(() => sampleText(model, p64, task.alphabet!, { length, prime: f.prime, temperature, seed }, (ch) => process.stdout.write(ch)));
  process.stdout.write('\n');
  return 0;
}
