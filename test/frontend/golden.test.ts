// Golden files: the printed step IR of every dsl-examples file
// (test/golden/ir/<example>.ir) and the DOT rendering of lstm.cell
// (test/golden/dot/lstm.dot). Run with UPDATE_GOLDEN=1 to (re)write them
// (the test then passes); review the diff before committing it.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/frontend.js';
import { graphToDot } from '../../compiler/ir/dot.js';
import { printGraph } from '../../compiler/ir/print.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'dsl-examples');
const GOLDEN_IR = join(ROOT, 'test', 'golden', 'ir');
const GOLDEN_DOT = join(ROOT, 'test', 'golden', 'dot');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const exampleFiles = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.cell'))
  .sort();

function compile(file: string) {
  const r = checkSource(`dsl-examples/${file}`, readFileSync(join(EXAMPLES, file), 'utf8'));
  expect(r.diagnostics, file).toEqual([]);
  return r.graphs;
}

/** Compares `actual` with the golden file, or writes it under UPDATE_GOLDEN=1. */
function golden(path: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(existsSync(path), `${path} is missing; run UPDATE_GOLDEN=1 npx vitest run test/frontend/golden.test.ts`).toBe(true);
  // Compared as text so a mismatch shows a line diff.
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden step IR of the examples', () => {
  it('there are examples', () => {
    expect(exampleFiles.length).toBeGreaterThanOrEqual(10);
  });

  // The same text `cellc graph FILE` prints: each cell's printGraph, separated by a blank line.
  it.each(exampleFiles)('%s', (file) => {
    const text = compile(file).map(printGraph).join('\n');
    golden(join(GOLDEN_IR, file.replace(/\.cell$/, '.ir')), text);
  });

  it('every golden IR file belongs to an example (no stale goldens)', () => {
    if (UPDATE) return;
    const stale = readdirSync(GOLDEN_IR).filter((f) => !exampleFiles.includes(f.replace(/\.ir$/, '.cell')));
    expect(stale).toEqual([]);
  });

  it('the golden text is deterministic (a second compile prints the same)', () => {
    for (const file of exampleFiles) {
      expect(compile(file).map(printGraph).join('\n')).toBe(compile(file).map(printGraph).join('\n'));
    }
  });
});

describe('golden DOT', () => {
  it('lstm.cell as Graphviz DOT', () => {
    const text = compile('lstm.cell').map(graphToDot).join('\n');
    golden(join(GOLDEN_DOT, 'lstm.dot'), text);
  });
});
