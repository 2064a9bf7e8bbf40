// A character-level LSTM trained on the shipped corpus (the text task) beats
// the unigram model's bits per character on held-out batches after a small
// budget (H=64, embedding 16, T=32, B=32, 150 Adam steps), evaluated on the
// GPU; the reference interpreter then samples text from the same parameters.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluateHeldOut, modelFromSavedRun, readSavedRun } from '../../runtime/apps/train/savedRun.js';
import { trainRun } from '../../runtime/apps/train/run.js';
import { sampleText } from '../../runtime/apps/train/sample.js';
import { loadTask } from '../../runtime/apps/train/taskFiles.js';
import { DEFAULT_OPTIMIZER } from '../../runtime/apps/train/trainer.js';
import { acquireTestDevice, deviceOrSkip, exampleCell, silentProgress, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('train/charModel');
});
afterAll(() => dev.ctx?.destroy());

const tmp = mkdtempSync(join(tmpdir(), 'cellc-char-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('character LSTM on the corpus: held-out bits per character below the unigram baseline', async (t) => {
  const ctx = deviceOrSkip(t, dev);
  const task = loadTask('text') as ReturnType<typeof loadTask> & { unigramBits: number; alphabet: string };
  const steps = 150;
  const lstm = exampleCell('lstm.cell', ['H=64']);
  const r = await trainRun(
    ctx,
    { layers: [{ graph: lstm }], task, B: 32, T: 32, steps, seed: 1, embed: 16, optimizer: { ...DEFAULT_OPTIMIZER, lr: 0.01, steps }, out: tmp, checkpointEvery: steps, logEvery: 1000 },
    silentProgress,
    { interrupted: false },
  );
  // evaluate what was saved, as `cellc eval` does
  const saved = readSavedRun(tmp);
  expect(saved.alphabet).toBe(task.alphabet);
  const { model, params } = modelFromSavedRun([lstm], saved, task);
  const ev = await evaluateHeldOut(ctx, model, new Map([...params].map(([k, v]) => [k, v.data])), task, { B: 32, T: 32, seed: 1, batches: 10 });
  console.log(
    `text: ${steps} steps in ${r.seconds.toFixed(0)} s; training loss ${r.finalLoss.toFixed(3)} nats; held-out ${ev.loss.toFixed(3)} nats = ${ev.bitsPerSymbol!.toFixed(3)} bpc ` +
      `(unigram ${task.unigramBits.toFixed(3)} bpc), accuracy ${(100 * ev.accuracy!).toFixed(1)}%`,
  );
  expect(ev.bitsPerSymbol).toBeCloseTo(ev.loss / Math.LN2, 12);
  expect(ev.bitsPerSymbol!).toBeLessThan(task.unigramBits - 0.5);
  expect(ev.accuracy!).toBeGreaterThan(0.25);
  // sampling from the same parameters on the CPU: deterministic per seed, in the alphabet
  const p64 = new Map([...params].map(([k, v]) => [k, Float64Array.from(v.data)]));
  const s1 = sampleText(model, p64, task.alphabet, { length: 60, prime: 'The ', temperature: 0.8, seed: 4 });
  const s2 = sampleText(model, p64, task.alphabet, { length: 60, prime: 'The ', temperature: 0.8, seed: 4 });
  console.log(`sample: ${JSON.stringify(s1)}`);
  expect(s1).toBe(s2);
  expect([...s1].length).toBe(64);
  expect([...s1].every((ch) => task.alphabet.includes(ch))).toBe(true);
  // at τ = 0 the model's favourite after "th" is a letter, most likely "e"
  expect(sampleText(model, p64, task.alphabet, { length: 1, prime: 'In th', temperature: 0, seed: 1 })).toMatch(/^In th[a-z]$/);
}, 600_000);
