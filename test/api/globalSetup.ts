// vitest globalSetup: builds the package (dist/) once per run for the tests in
// test/api, which consume it as 'cellc'. A failed build does not stop the run:
// the tests that need dist/ fail with tsc's diagnostics (see requireBuild).

import type { TestProject } from 'vitest/node';
import { ensureBuild, type BuildResult } from './build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    cellcBuild: BuildResult;
  }
}

export default function setup(project: TestProject): void {
  const r = ensureBuild();
  if (r.ms) process.stderr.write(`cellc: built dist/ with tsc -p tsconfig.build.json in ${(r.ms / 1000).toFixed(1)} s${r.errors ? ' (with errors)' : ''}\n`);
  project.provide('cellcBuild', r);
}
