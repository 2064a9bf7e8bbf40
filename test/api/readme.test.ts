// The README's "## Library API" section cannot rot: every ```ts block in it is
// written to a file inside the package (so `import … from 'cellc'` resolves to
// the built dist/ as for a consumer), the `npx cellc emit …` commands its
// comments quote are run first (the bindings a block imports), all blocks are
// type-checked in one tsc --strict program (the package's declarations
// included, skipLibCheck off), and each block is run with tsx on the GPU.

import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../runtime/apps/cli/main.js';
import { CONSUMER_OPTIONS, inCI, noAdapter, README_API_SECTION, readmeExamples, requireBuild, root, runTsx, scratchDir, typeCheck } from './helpers.js';

const SECTION = README_API_SECTION;

const scratch = scratchDir('readme');
const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));
const files = examples.map((_, i) => join(scratch.dir, `example${i + 1}.ts`));

afterAll(() => scratch.remove());

beforeAll(async () => {
  for (const [i, text] of examples.entries()) {
    // `npx cellc emit … -o OUT` in a comment: run it, with OUT in the example's folder
    for (const m of text.matchAll(/^\s*\/\/\s*(?:\$\s*)?npx cellc (emit .+)$/gm)) {
      const args = m[1].trim().split(/\s+/);
      const o = args.findIndex((a) => a === '-o' || a === '--out');
      expect(o, `${m[0]}: needs -o`).toBeGreaterThan(0);
      if (!isAbsolute(args[o + 1])) args[o + 1] = join(scratch.dir, args[o + 1]);
      args[1] = join(root, args[1]);
      expect(await main(args), `cellc ${args.join(' ')}`).toBe(0);
    }
    writeFileSync(files[i], text);
  }
});

describe(`README: ${SECTION}`, () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(examples.some((e) => /from 'cellc'/.test(e))).toBe(true);
    expect(examples.some((e) => /npx cellc emit .*--target ts/.test(e))).toBe(true);
  });

  it('type-checks with tsc --strict against the built package', () => {
    requireBuild();
    const t0 = performance.now();
    const r = typeCheck(files, CONSUMER_OPTIONS);
    console.log(`tsc --strict (skipLibCheck off) over ${files.length} README examples: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.all).toBe('');
  });

  // generous: on a fresh machine lavapipe compiles each kernel on first use
  it.for(files.map((f, i) => [i + 1, f] as const))('example %i runs', { timeout: 300_000 }, async ([, file], t) => {
    requireBuild();
    const r = await runTsx(relative(root, file));
    if (r.code !== 0 && noAdapter(r)) {
      if (inCI) throw new Error(`no WebGPU device in CI: ${r.stderr}`);
      return t.skip(`no WebGPU adapter: ${r.stderr.trim().split('\n')[0]}`);
    }
    expect(r.code, `${relative(root, file)}:\n${r.stderr}`).toBe(0);
    console.log(`${relative(root, file)} (${(r.ms / 1000).toFixed(1)} s): ${r.stdout.trim().split('\n').slice(-1)[0] ?? ''}`);
  });
});
