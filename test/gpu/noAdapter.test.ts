// Without any Vulkan driver, cellc says so in one sentence: none of Dawn's
// native lines (`Warning: vkCreateInstance …`, `at CheckVkSuccessImpl (…)`)
// come before it.

import { describe, expect, it } from 'vitest';
import { cellc } from '../support/cli.js';

describe('no adapter', { timeout: 120_000 }, () => {
  it('VK_ICD_FILENAMES naming no file: one line on stderr, exit 1', async () => {
    for (const env of [{ VK_ICD_FILENAMES: '/nonexistent/icd.json' }, { VK_DRIVER_FILES: '/nonexistent/a.json:/nonexistent/b.json' }]) {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const r = await cellc(['run', 'dsl-examples/elman.cell', '--B', '2', '--T', '2']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^cellc: No WebGPU adapter was found: Dawn needs a Vulkan driver[^\n]*\n$/);
        expect(r.stderr).not.toMatch(/CheckVkSuccessImpl|vkCreateInstance|Warning/);
      } finally {
        process.env = saved;
      }
    }
  });
});
