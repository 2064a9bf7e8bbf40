// The vitest configuration of the mutation pass (run.mjs): the project's, less
// the global setup that builds dist/ (only test/api needs it, and no mutant
// is checked by those tests), so a run costs only the tests it names.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../', import.meta.url)),
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
  },
});
