// The point of typed bindings: renaming something in a cell's source and
// regenerating its module turns every consumer use of the old name into a
// type error (naming it), and the new name type-checks. One tsc program over
// the original bindings, the renamed ones and a consumer of each name.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBindings } from '../../compiler/bindings/index.js';
import { CONSUMER_OPTIONS, requireBuild, root, scratchDir, typeCheck } from './helpers.js';

const scratch = scratchDir('rename');
afterAll(() => scratch.remove());

const original = readFileSync(join(root, 'dsl-examples', 'lstm.cell'), 'utf8');

/** The LSTM with the input gate `i` renamed to `ig` (so `i.W_x` → `ig.W_u`, as the input x is renamed too), the state `c` to `mem` and the input `x` to `u`. */
function renamed(src: string): string {
  const body = src.slice(src.indexOf('cell LSTM'));
  const head = src.slice(0, src.indexOf('cell LSTM'));
  const next = body
    .replace('cell LSTM(x[I])', 'cell LSTM(u[I])')
    .replace(/dense\(x, h/g, 'dense(u, h')
    .replace('  i = sigmoid', '  ig = sigmoid')
    .replace('state c[H] = 0', 'state mem[H] = 0')
    .replace("c' = f * c + i * g", "mem' = f * mem + ig * g")
    .replace("h' = o * tanh(c')", "h' = o * tanh(mem')");
  return head + next;
}

function consumer(names: { param: string; state: string; input: string }): string {
  return [
    "import { acquireDevice } from 'cellc';",
    "import { createLSTM, type LSTMCell } from './lstm.js';",
    '',
    'export async function use(cell: LSTMCell): Promise<number> {',
    `  const w = await cell.params['${names.param}'].read();`,
    `  const shape: readonly [4, 3] = cell.params['${names.param}'].shape;`,
    `  const s = await cell.states.${names.state}.read();`,
    `  const { h } = await cell.forward({ ${names.input}: new Float32Array(cell.T * cell.B * 3) });`,
    '  return w.length + shape[0] + s.length + h.length;',
    '}',
    '',
    'export async function make(): Promise<LSTMCell> {',
    '  return createLSTM(await acquireDevice(), { B: 2, T: 3 });',
    '}',
    '',
  ].join('\n');
}

describe('renaming in the source is a type error in a consumer of the bindings', () => {
  it('names the old parameter, state and input; the new names type-check', () => {
    requireBuild();
    const sources = { before: original, after: renamed(original) };
    expect(sources.after).not.toBe(original);
    const oldNames = { param: 'i.W_x', state: 'c', input: 'x' };
    const newNames = { param: 'ig.W_u', state: 'mem', input: 'u' };
    const files: Record<string, string> = {};
    for (const [version, src] of Object.entries(sources)) {
      const r = generateBindings(src, { path: 'lstm.cell', sizes: { H: 4, I: 3 } });
      if ('diagnostics' in r) throw new Error(r.formatted);
      const dir = join(scratch.dir, version);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'lstm.ts'), r.code);
      for (const [who, names] of Object.entries({ old: oldNames, new: newNames })) {
        files[`${version}/${who}`] = join(dir, `consumer-${who}-names.ts`);
        writeFileSync(files[`${version}/${who}`], consumer(names));
      }
    }
    const t0 = performance.now();
    const r = typeCheck(Object.values(files), { ...CONSUMER_OPTIONS, types: [], skipLibCheck: true });
    console.log(`tsc over 2 generated modules + 4 consumers: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const errors = (k: string) => r.byFile.get(relative(root, files[k])) ?? [];

    // before the rename: the old names are right, the new ones are errors
    expect(errors('before/old')).toEqual([]);
    expect(errors('before/new').length).toBeGreaterThan(0);
    // after: the consumer of the old names fails, naming each of them
    expect(errors('after/new')).toEqual([]);
    const old = errors('after/old').join('\n');
    expect(old).toMatch(/Property 'i\.W_x' does not exist/);
    expect(old).toMatch(/Property 'c' does not exist/);
    expect(old).toMatch(/'x' does not exist/);
    // and nothing else is wrong: only the consumers of the stale names have errors
    expect([...r.byFile.keys()].sort()).toEqual([relative(root, files['after/old']), relative(root, files['before/new'])].sort());
    console.log(old);
  });
});
