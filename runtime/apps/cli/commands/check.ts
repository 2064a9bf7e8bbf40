// `cellc check FILE…`: parse and shape-check; exit 0 when every file is valid.

import { check } from '../../../../compiler/index.js';
import { printDiagnostics, readSourceFile, UserError } from '../io.js';

export function checkCommand(files: string[]): number {
  let errors = 0;
  for (const path of files) {
    let text: string;
    try {
      text = readSourceFile(path);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`cellc: ${e.message}\n`);
      errors++;
      continue;
    }
    const r = check(text, path);
    printDiagnostics(r, r.diagnostics);
    errors += r.diagnostics.length;
    if (!r.diagnostics.length) process.stdout.write(`${path}: ok (${r.graphs.map((g) => g.name).join(', ')})\n`);
  }
  if (errors) process.stderr.write(`${errors} error(s)\n`);
  return errors ? 1 : 0;
}
