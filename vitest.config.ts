import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ (tsc -p tsconfig.build.json) when stale, for test/api's consumers of 'cellc'.
    globalSetup: ['test/api/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // WebGPU through Dawn is one device per process: GPU test files run in forks, one at a time.
    pool: 'forks',
    fileParallelism: true,
  },
});
