// Node-only part of the tasks: reading the text of the `text` task from a
// file (default: the corpus shipped with cellc). Kept apart so tasks.ts runs
// in a browser.

import { readFileSync } from 'node:fs';
import { packageFile } from '../packageFiles.js';
import { getTask, type Task } from './tasks.js';

/** The text shipped with cellc for `--task text`. */
export const DEFAULT_CORPUS = packageFile('runtime', 'apps', 'train', 'corpus.txt');

export function loadTask(name: string, opts: { textPath?: string } = {}): Task {
  if (name !== 'text') return getTask(name);
  const path = opts.textPath ?? DEFAULT_CORPUS;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RangeError(`cannot read the text file ${String(opts.textPath ?? 'corpus.txt')}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  if (text.length < 100) throw new RangeError(`the text file ${String(opts.textPath)} is too short for character modelling (${text.length} characters)`);
  return getTask('text', { text });
}
