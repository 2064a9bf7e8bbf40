// When dist/ is current: its build stamp (dist/.build-stamp, written by
// test/api/build.ts after a clean `tsc -p tsconfig.build.json`) is newer than
// every source the build reads. One rule for the test suite (which rebuilds
// when it is stale) and for the launcher (which runs dist/ when it is not).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const stampPath = (root) => join(root, 'dist', '.build-stamp');

/** The newest modification time (ms) of the build's inputs: the .ts files under compiler/ and runtime/ (not the playground), and the configs. */
export function newestSource(root) {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'playground' && e.name !== 'dist') walk(p);
      } else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'compiler'));
  walk(join(root, 'runtime'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

/** dist/ was built after the newest source changed. */
export function buildIsFresh(root) {
  const stamp = stampPath(root);
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(root);
}
