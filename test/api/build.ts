// The library build (tsconfig.build.json → dist/) for the tests that consume
// the package as a user would: `import … from 'cellc'` resolves (package
// self-reference) to dist/runtime/index.js and dist/runtime/index.d.ts.
//
// Run once per `vitest run` by test/api/globalSetup.ts, and only when a source
// is newer than the last build's stamp; tsc itself is incremental
// (dist/.tsbuildinfo), so a rebuild after a small edit is quick.

import { spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
// @ts-expect-error: a plain ES module of the launcher, without types
import { buildIsFresh, stampPath } from '../../runtime/apps/cli/buildStamp.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = stampPath(root);

export interface BuildResult {
  /** tsc's diagnostics ('' when the build is clean). */
  readonly errors: string;
  /** Wall time of the build in ms (0 when dist/ was up to date). */
  readonly ms: number;
}

/** Builds dist/ unless it is newer than every source. */
export function ensureBuild(): BuildResult {
  if (buildIsFresh(root)) return { errors: '', ms: 0 };
  const started = new Date(); // the stamp's time: a source edited during the build makes dist/ stale again
  const t0 = performance.now();
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - t0;
  const errors = r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `tsc exited with ${r.status}`;
  if (!errors) {
    writeFileSync(stamp, `${started.toISOString()}\n`);
    utimesSync(stamp, started, started);
  }
  return { errors, ms };
}
