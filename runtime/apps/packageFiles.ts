// Files shipped with the package (package.json, dsl-examples/, the text
// corpus), found from the package root: the nearest folder above this module
// with a package.json — the same whether it runs from the TypeScript sources
// (runtime/apps/) or from the build (dist/runtime/apps/).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let d = start; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return join(start, '..', '..'); // not reached in a package
  }
}

/** The folder that holds cellc's package.json. */
export const PACKAGE_ROOT = findRoot();

/** A path inside the package, e.g. packageFile('dsl-examples', 'lstm.cell'). */
export const packageFile = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);

/** The package's version (package.json). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}
