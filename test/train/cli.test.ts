// The training commands as a user runs them: train (bad flags → one line,
// exit 1, no stack; a diverging run exits 1), eval, sample, compare,
// import-torch and export-torch, with tiny budgets. Commands that need the
// GPU run as child processes (each with its own device); the others call
// main() in this process.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../compiler/numeric/random.js';
import { loadCheckpoint } from '../../runtime/apps/train/checkpoint.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../runtime/apps/train/safetensors.js';
import { cellc, expectNoStack, inCI, inProcess, type Run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-train-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A user error: exit 1, one line `cellc: …` on stderr, no stack. */
function expectUserError(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(1);
  expectNoStack(r);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cellc: /);
  expect(lines[0]).toMatch(message);
}

// Whether this machine has an adapter: probed once, by the first test that needs it, in a child
// (this process must not hold a device it does not use). Without one a GPU test fails in CI and is
// skipped elsewhere; the CPU tests do not depend on it.
let probe: Promise<Run> | undefined;
async function needGpu(t: { skip: (note: string) => never }): Promise<void> {
  probe ??= cellc(['train', 'dsl-examples/elman.cell', '--task', 'adding', '--T', '4', '--B', '2', '--steps', '1', '--set', 'H=2']);
  const r = await probe;
  if (r.code === 0) return;
  if (inCI) throw new Error(`no WebGPU adapter in CI: ${r.stderr}`);
  t.skip(`no WebGPU adapter: ${r.stderr.trim().split('\n').at(-1)}`);
}

describe('cellc train: bad flags', () => {
  const base = ['train', 'dsl-examples/lstm.cell', '--task', 'adding'];
  for (const [args, message] of [
    [['--task', 'nope'], /^cellc: unknown task 'nope'; the tasks are: adding, copy, reber, sine, episodes, ar, text, hmm, ar-mle, lds$/],
    [['--steps', '0'], /--steps must be an integer ≥ 1, got '0'/],
    [['--B', '2.5'], /--B must be an integer ≥ 1, got '2.5'/],
    [['--lr', 'fast'], /--lr must be a number ≥ 0, got 'fast'/],
    [['--optimizer', 'rmsprop'], /--optimizer must be sgd, adam or adamw, got 'rmsprop'/],
    [['--schedule', 'linear'], /--schedule must be constant or cosine/],
    [['--T', '10', '--tbptt', '3'], /--tbptt 3 must divide --T 10/],
    [['--task', 'text', '--text', '/no/such/file.txt'], /cannot read the text file \/no\/such\/file\.txt: ENOENT/],
  ] as const) {
    it(`${args.join(' ')} → ${message.source.slice(0, 40)}…`, async () => expectUserError(await inProcess([...base, ...args]), message));
  }

  it('a missing cell file, a missing --task', async () => {
    expectUserError(await inProcess(['train', 'nope.cell', '--task', 'adding']), /cannot read nope\.cell: no such file/);
    const r = await inProcess(['train', 'dsl-examples/lstm.cell']);
    expect(r.code).toBe(1);
    expectNoStack(r);
    expect(r.stderr.trim()).toMatch(/^cellc: give --task NAME \(a built-in task: adding, .*\) or --data FILE$/);
  });
});

// Generous limits: on lavapipe a cold shader cache makes a first run of a new configuration slow.
describe('train → eval → sample, compare (tiny budgets)', { timeout: 300_000 }, () => {
  const run = join(tmp, 'text-run');

  it('train a tiny character model; its checkpoint records the run', async (t) => {
    await needGpu(t);
    const r = await cellc(['train', 'dsl-examples/lstm.cell', '--task', 'text', '--T', '16', '--B', '4', '--steps', '6', '--set', 'H=8', '--embed', '8', '--out', run, '--checkpoint-every', '3', '--seed', '2']);
    expect(r.code, r.stderr).toBe(0);
    // the model's GPU gradients were checked against float64 before the first step (or the verdict was cached)
    expect(r.stderr).toMatch(/^verified against float64 \(B=2, T=4, \d+ tensors\): worst rel err \d\.\de-\d+( \(cached\))?$/m);
    expect(r.stdout).toMatch(/^final loss \(mean of the last 20 steps\): \S+ {2}\(baseline 2\.945: the unigram model \(4\.249 bits per character\)\)$/m);
    for (const f of ['checkpoint.safetensors', 'metrics.jsonl', 'loss.svg']) expect(existsSync(join(run, f))).toBe(true);
    const ck = loadCheckpoint(join(run, 'checkpoint.safetensors'));
    expect(ck.metadata.step).toBe('6');
    expect(ck.metadata.task).toBe('text');
    expect(JSON.parse(ck.metadata.config)).toMatchObject({ B: 4, T: 16, seed: 2, embed: 8, layerSizes: [{ I: 8, H: 8 }] });
    expect([...ck.metadata.alphabet].length).toBe(ck.params.get('embed.E')!.shape[0]);
  });

  it('eval: held-out loss, bits per character, accuracy, the unigram baseline', async (t) => {
    await needGpu(t);
    const r = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', run, '--batches', '3']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`LSTM on text, checkpoint ${join(run, 'checkpoint.safetensors')} (step 6)`);
    expect(lines[1]).toBe('held-out: 3 batches of B=4, T=16 (seed 2, stream 1)');
    expect(lines[2]).toMatch(/^mean loss: \d\.\d{4} nats$/);
    expect(lines[3]).toMatch(/^bits per character: \d\.\d{4}$/);
    expect(lines[4]).toMatch(/^accuracy: \d+\.\d\d% \(arg-max prediction\)$/);
    expect(lines[5]).toMatch(/^baseline: 2\.9454 nats = 4\.2493 bits per character \(the unigram model/);
    const j = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', join(run, 'checkpoint.safetensors'), '--batches', '2', '--B', '8', '--T', '20', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const o = JSON.parse(j.stdout);
    expect(o).toMatchObject({ cell: 'LSTM', task: 'text', step: 6, batches: 2, B: 8, T: 20, seed: 2 });
    expect(o.bits).toBeCloseTo(o.loss / Math.LN2, 12);
    expect(o.baselineBits).toBeCloseTo(4.2493, 3);
    expect(o.loss).toBeGreaterThan(0);
  });

  it('eval: errors before the device starts (wrong cell, no checkpoint, bad T)', async (t) => {
    await needGpu(t);
    expectUserError(await inProcess(['eval', 'dsl-examples/gru_cudnn.cell', '--checkpoint', run]), /has no tensor param\.W_ir \(the checkpoint was written for LSTM; the model is GRU_cuDNN\)/);
    expectUserError(await inProcess(['eval', 'dsl-examples/lstm.cell', '--checkpoint', join(tmp, 'nothing')]), /no checkpoint at .*nothing/);
    expectUserError(await inProcess(['eval', 'dsl-examples/lstm.cell', 'dsl-examples/lstm.cell', '--checkpoint', run]), /the checkpoint has 1 layer\(s\), but 2 cell files were given/);
    expectUserError(await inProcess(['eval', 'dsl-examples/lstm.cell', '--checkpoint', run, '--T', '0']), /--T must be an integer ≥ 1/);
  });

  it('sample (CPU): the prime and then --length characters, reproducible per seed', async (t) => {
    await needGpu(t);
    const a = await inProcess(['sample', 'dsl-examples/lstm.cell', '--checkpoint', run, '--length', '40', '--prime', 'The sea', '--seed', '3']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.startsWith('The sea')).toBe(true);
    expect([...a.stdout].length).toBe('The sea'.length + 40 + 1);
    const b = await inProcess(['sample', 'dsl-examples/lstm.cell', '--checkpoint', run, '--length', '40', '--prime', 'The sea', '--seed', '3']);
    expect(b.stdout).toBe(a.stdout);
    const greedy = await inProcess(['sample', 'dsl-examples/lstm.cell', '--checkpoint', run, '--length', '10', '--temperature', '0']);
    expect(greedy.code).toBe(0);
    expectUserError(await inProcess(['sample', 'dsl-examples/lstm.cell', '--checkpoint', run, '--prime', 'Zebra ~']), /--prime has character\(s\) the model never saw: .*"~"/);
    expectUserError(await inProcess(['sample', 'dsl-examples/lstm.cell', '--checkpoint', run, '--temperature', '-1']), /--temperature must be a number ≥ 0/);
  });

  it('compare: a table and one chart with every loss curve', async (t) => {
    await needGpu(t);
    const out = join(tmp, 'cmp');
    const r = await cellc(['compare', 'dsl-examples/lstm.cell', 'dsl-examples/elman.cell', '--task', 'adding', '--T', '8', '--B', '4', '--steps', '4', '--set', 'H=4', '--out', out, '--threshold', '10']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('adding: 4 steps, B=4, T=8, adam lr 0.01, seed 1');
    expect(lines[1]).toMatch(/^cell\s+final loss\s+steps to < 10\s+seconds$/);
    expect(lines[2]).toMatch(/^LSTM\s+\d\.\d+\s+1\s+\d+\.\d$/);
    expect(lines[3]).toMatch(/^Elman\s+\d\.\d+\s+1\s+\d+\.\d$/);
    expect(lines[4]).toMatch(/^baseline\s+0\.1667/);
    const svg = readFileSync(join(out, 'compare.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('LSTM');
    expect(svg).toContain('Elman');
    for (const d of ['LSTM', 'Elman']) expect(existsSync(join(out, d, 'checkpoint.safetensors'))).toBe(true);
  });

  it('compare: a bad file fails before any training', async () => {
    expectUserError(await inProcess(['compare', 'dsl-examples/lstm.cell', 'nope.cell', '--task', 'adding']), /cannot read nope\.cell/);
  });

  it('train: a diverging run (lr 1e30) stops with a message and exits 1', async (t) => {
    await needGpu(t);
    const r = await cellc(['train', 'dsl-examples/lstm.cell', '--task', 'adding', '--T', '8', '--B', '4', '--steps', '20', '--set', 'H=4', '--lr', '1e30']);
    expect(r.code).toBe(1);
    expectNoStack(r);
    expect(r.stderr).toMatch(/training stopped at step \d+: the (loss|gradient norm) is (NaN|-?Infinity) \(try a smaller --lr or --clip\)/);
  });
});

describe('import-torch / export-torch', { timeout: 300_000 }, () => {
  const rng = new Rng(17);
  const t32 = (shape: number[]): NamedTensor => ({ shape, data: Float32Array.from(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0.4)) });
  const [I, H] = [2, 6];
  const torch = new Map<string, NamedTensor>([
    ['rnn.weight_ih_l0', t32([4 * H, I])],
    ['rnn.weight_hh_l0', t32([4 * H, H])],
    ['rnn.bias_ih_l0', t32([4 * H])],
    ['rnn.bias_hh_l0', t32([4 * H])],
    ['readout.weight', t32([1, H])],
    ['readout.bias', t32([1])],
  ]);
  const weights = join(tmp, 'torch_lstm.safetensors');
  writeFileSync(weights, encodeSafetensors(torch, { format: 'pt' }));
  const ckpt = join(tmp, 'imported');

  it('import an nn.LSTM + nn.Linear state_dict for the adding task; export gives torch tensors back', async () => {
    const r = await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', weights, '--out', ckpt, '--task', 'adding']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported torch\.nn\.LSTM \(1 layer\(s\), I=2 H=6, prefix 'rnn\.'\) with readout readout\.weight\/\.bias onto LSTM: 14 tensors → .*checkpoint\.safetensors$/m);
    const ck = loadCheckpoint(join(ckpt, 'checkpoint.safetensors'));
    expect(ck.metadata.task).toBe('adding');
    expect(JSON.parse(ck.metadata.config).layerSizes).toEqual([{ I, H }]);
    // gate blocks i, f, g, o of weight_ih → i.W_x, f.W_x, g.W_x, o.W_x
    expect([...ck.params.get('g.W_x')!.data]).toEqual([...torch.get('rnn.weight_ih_l0')!.data.subarray(2 * H * I, 3 * H * I)]);
    expect([...ck.params.get('o.b')!.data]).toEqual([...torch.get('rnn.bias_ih_l0')!.data.subarray(3 * H)].map((v, j) => Math.fround(v + torch.get('rnn.bias_hh_l0')!.data[3 * H + j])));

    const back = join(tmp, 'back.safetensors');
    const e = await inProcess(['export-torch', ckpt, '--out', back]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/exported 1 layer\(s\) as torch\.nn\.LSTM \(bias_ih = the cell bias, bias_hh = 0\)/);
    const got = decodeSafetensors(readFileSync(back)).tensors;
    expect([...got.keys()].sort()).toEqual([...torch.keys()].sort());
    for (const n of ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'readout.weight', 'readout.bias']) {
      expect(got.get(n)!.shape).toEqual(torch.get(n)!.shape);
      expect(got.get(n)!.data).toEqual(torch.get(n)!.data);
    }
    const sum = torch.get('rnn.bias_ih_l0')!.data.map((v, j) => v + torch.get('rnn.bias_hh_l0')!.data[j]);
    expect(got.get('rnn.bias_ih_l0')!.data).toEqual(sum);
    expect(got.get('rnn.bias_hh_l0')!.data.every((v) => v === 0)).toBe(true);
  });

  it('the imported checkpoint evaluates (GPU)', async (t) => {
    await needGpu(t);
    const r = await cellc(['eval', 'dsl-examples/lstm.cell', '--checkpoint', ckpt, '--batches', '2', '--B', '4', '--T', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cell: 'LSTM', task: 'adding', step: 0, B: 4, T: 10 });
  });

  it('a GRU round trip is exact for every tensor (bare nn.GRU, no prefix)', async () => {
    const gru = new Map<string, NamedTensor>([
      ['weight_ih_l0', t32([3 * H, I])],
      ['weight_hh_l0', t32([3 * H, H])],
      ['bias_ih_l0', t32([3 * H])],
      ['bias_hh_l0', t32([3 * H])],
    ]);
    const w = join(tmp, 'gru.safetensors');
    writeFileSync(w, encodeSafetensors(gru));
    const c = join(tmp, 'gru.ckpt.safetensors');
    expect((await inProcess(['import-torch', 'dsl-examples/gru_cudnn.cell', '--weights', w, '--out', c])).code).toBe(0);
    const back = join(tmp, 'gru.back.safetensors');
    const e = await inProcess(['export-torch', c, '--out', back, '--prefix', '']);
    expect(e.code, e.stderr).toBe(0);
    const got = decodeSafetensors(readFileSync(back)).tensors;
    expect([...got.keys()].sort()).toEqual([...gru.keys()].sort());
    for (const [n, v] of gru) expect(got.get(n)!.data, n).toEqual(v.data);
  });

  it('errors name the tensor or the file', async () => {
    const broken = new Map(torch);
    broken.set('rnn.weight_hh_l0', t32([4 * H, H + 1]));
    const w = join(tmp, 'broken.safetensors');
    writeFileSync(w, encodeSafetensors(broken));
    expectUserError(await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', w, '--out', join(tmp, 'x')]), /tensor rnn\.weight_hh_l0 has shape \[24, 7\], expected \[4·H, H\]/);
    const missing = new Map(torch);
    missing.delete('rnn.weight_hh_l0');
    writeFileSync(w, encodeSafetensors(missing));
    expectUserError(await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', w, '--out', join(tmp, 'x')]), /no tensor named rnn\.weight_hh_l0/);
    expectUserError(await inProcess(['import-torch', 'dsl-examples/gru_cudnn.cell', '--weights', weights, '--out', join(tmp, 'x')]), /rnn\.weight_hh_l0 has shape \[24, 6\].*look like torch\.nn\.LSTM weights/);
    expectUserError(await inProcess(['import-torch', 'dsl-examples/elman.cell', '--weights', weights, '--out', join(tmp, 'x')]), /cell Elman does not have the parameters of torch\.nn\.LSTM/);
    expectUserError(await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', join(tmp, 'none.safetensors'), '--out', join(tmp, 'x')]), /cannot read .*none\.safetensors: ENOENT/);
    expectUserError(await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', weights, '--out', join(tmp, 'x'), '--task', 'text']), /the text task has discrete inputs: the weights need an embedding/);
    expectUserError(await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', weights, '--out', join(tmp, 'x'), '--task', 'sine']), /tensor param\.i\.W_x has shape \[6, 2\], the model needs \[6, 1\]/);
  });
});
