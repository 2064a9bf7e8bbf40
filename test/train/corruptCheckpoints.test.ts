// Corrupt and foreign checkpoints, and output paths that cannot be made, as a
// careless or hostile user produces them: every case is one sentence on
// stderr and exit 1 (never a JavaScript message, never exit 2). All of these
// fail before a device is needed, so they run in this process.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../runtime/apps/train/checkpoint.js';
import { resumeMismatches } from '../../runtime/apps/train/runGuard.js';
import { buildModelOrThrow } from '../../runtime/apps/train/run.js';
import { adding } from '../../runtime/apps/train/tasks.js';
import { paramShapes } from '../../runtime/apps/train/savedRun.js';
import { encodeSafetensors, type NamedTensor } from '../../runtime/apps/train/safetensors.js';
import { exampleCell, expectNoStack, inProcess, type Run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-corrupt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectOneSentence(r: Run, message: RegExp) {
  expect(r.code, r.stderr).toBe(1);
  expectNoStack(r);
  expect(r.stderr).not.toMatch(/Cannot read properties|Invalid typed array|undefined|TypeError|RangeError/);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

const model = buildModelOrThrow({ layers: [{ graph: exampleCell('lstm.cell', ['H=4']) }], task: adding, embed: 8 });
const order = paramShapes(model);
const params = new Map<string, NamedTensor>(order.map((p) => [p.name, { shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(0.1) }]));
const N = [...params.values()].reduce((s, t) => s + t.data.length, 0);
const goodMeta = {
  format: 'cellc-checkpoint/1',
  step: '3',
  cell: 'LSTM',
  task: 'adding',
  config: JSON.stringify({ B: 4, T: 10, seed: 1, tbptt: null, embed: 32, layerSizes: model.layerSizes, optimizer: { optimizer: 'adam' } }),
  losses: '[[1,0.5],[2,0.4],[3,0.3]]',
};

function write(name: string, bytes: Uint8Array | string): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** A raw safetensors file with the given JSON header text. */
function rawFile(name: string, header: string, dataBytes = 0): string {
  const head = Buffer.from(header);
  const out = Buffer.alloc(8 + head.length + dataBytes);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  return write(name, out);
}

describe('corrupt checkpoints → one sentence, exit 1 (eval, export-torch)', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a header that is a JSON list', () => rawFile('list.safetensors', '[1,2]'), /corrupt safetensors header \(not a JSON object\)/],
    ['a header that is null', () => rawFile('null.safetensors', 'null'), /corrupt safetensors header/],
    ['a negative dimension', () => rawFile('neg.safetensors', JSON.stringify({ 'param.a': { dtype: 'F32', shape: [-10], data_offsets: [0, 40] } }), 40), /tensor param\.a has shape \[-10\]; a shape is a list of integers ≥ 0/],
    ['a tensor entry that is a number', () => rawFile('num.safetensors', JSON.stringify({ 'param.a': 7 })), /the header entry of tensor param\.a is not an object/],
    ['offsets that are strings', () => rawFile('off.safetensors', JSON.stringify({ 'param.a': { dtype: 'F32', shape: [1], data_offsets: ['0', '4'] } }), 4), /tensor param\.a has inconsistent offsets/],
    ['metadata that is not strings', () => rawFile('meta.safetensors', JSON.stringify({ __metadata__: { step: 3 } })), /__metadata__ must map names to strings/],
    ['null config', () => save('nullconfig', { ...goodMeta, config: 'null' }), /config metadata is not a JSON object/],
    ['a non-numeric step', () => save('nanstep', { ...goodMeta, step: 'abc' }), /step is "abc", not a step count/],
    ['layer sizes that are not records', () => save('sizes', { ...goodMeta, config: JSON.stringify({ layerSizes: [3] }) }), /layerSizes is not a list of size records/],
  ];
  function save(name: string, metadata: Record<string, string>): string {
    const p = join(tmp, `${name}.safetensors`);
    saveCheckpoint(p, { params, moments: new Float32Array(2 * N), metadata }, order);
    return p;
  }
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const path = make();
      expectOneSentence(await inProcess(['eval', 'dsl-examples/lstm.cell', '--checkpoint', path]), message);
      expectOneSentence(await inProcess(['export-torch', path, '--out', join(tmp, 'x.safetensors')]), message);
    });
  }
});

describe('--resume validation names every mismatch', () => {
  const full = () => {
    const tensors = new Map<string, NamedTensor>();
    for (const [k, t] of params) {
      tensors.set(`param.${k}`, t);
      tensors.set(`optim.m.${k}`, t);
      tensors.set(`optim.v.${k}`, t);
    }
    return tensors;
  };
  const expectation = { model, paramOrder: order, task: 'adding', config: { B: 4, T: 10, seed: 1, tbptt: null, embed: 32, layerSizes: model.layerSizes, optimizer: 'adam' } };
  it('a good checkpoint fits; lr and clipping are not part of the run', () => {
    expect(resumeMismatches({ params, metadata: { ...goodMeta, config: JSON.stringify({ ...JSON.parse(goodMeta.config), optimizer: { optimizer: 'adam', lr: 5, clip: 0 } }) }, tensors: full() }, expectation)).toEqual([]);
  });
  it('swapped shape, missing moment, missing parameter, a foreign tensor, bad metadata', () => {
    const t = full();
    const w = order.find((p) => p.shape.length === 2 && p.shape[0] !== p.shape[1])!;
    t.set(`param.${w.name}`, { shape: [w.shape[1], w.shape[0]], data: params.get(w.name)!.data });
    t.delete(`optim.v.${order[0].name}`);
    t.delete(`param.${order[1].name}`);
    t.set('param.nope', { shape: [1], data: new Float32Array(1) });
    const meta = { ...goodMeta, step: '1e3', task: 'copy', config: JSON.stringify({ B: 8, layerSizes: model.layerSizes }), losses: '{}' };
    const got = resumeMismatches({ params, metadata: meta, tensors: t }, expectation);
    expect(got).toEqual(
      expect.arrayContaining([
        `tensor param.${w.name} has shape [${w.shape[1]}, ${w.shape[0]}], the model needs [${w.shape.join(', ')}]`,
        `tensor optim.v.${order[0].name} is missing`,
        `tensor param.${order[1].name} is missing`,
        'it has a tensor param.nope the model does not have',
        'its step is "1e3", not a step count',
        "it was written for task copy, this run's is adding",
        'B is 8 in the checkpoint, 4 here',
        'its losses metadata is not a list of [step, loss] pairs',
      ]),
    );
    expect(got).toHaveLength(8);
  });
});

describe('user errors, not internal errors (exit 1)', () => {
  it('train --task copy --T 5', async () => expectOneSentence(await inProcess(['train', 'dsl-examples/lstm.cell', '--task', 'copy', '--T', '5']), /^cellc: the copy task needs T ≥ 21, got 5$/));
  const bad = '/dev/null/x';
  it('--out that cannot be created: train, compare, demo, import-torch, export-torch; emit -o under /proc', async () => {
    const folder = /^cellc: cannot create the folder \/dev\/null\/x\S*: a part of the path is not a directory$/;
    expectOneSentence(await inProcess(['train', 'dsl-examples/lstm.cell', '--task', 'adding', '--out', bad]), folder);
    expectOneSentence(await inProcess(['compare', 'dsl-examples/lstm.cell', '--task', 'adding', '--out', bad]), folder);
    expectOneSentence(await inProcess(['demo', '--steps', '1', '--out', bad]), folder);
    const ck = join(tmp, 'ok.safetensors');
    saveCheckpoint(ck, { params, metadata: goodMeta }, order);
    expectOneSentence(await inProcess(['export-torch', ck, '--out', `${bad}/t.safetensors`]), folder);
    const weights = write('w.safetensors', encodeSafetensors(new Map([['weight_ih_l0', { shape: [16, 1], data: new Float32Array(16) }]])));
    expectOneSentence(await inProcess(['import-torch', 'dsl-examples/lstm.cell', '--weights', weights, '--out', `${bad}/c.safetensors`]), /^cellc: /);
    const t0 = Date.now();
    expectOneSentence(await inProcess(['emit', 'dsl-examples/lstm.cell', '-o', '/proc/cellc/x.wgsl']), /^cellc: cannot write \/proc\/cellc\/x\.wgsl/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
  it('demo --steps 0 is a user error', async () => expectOneSentence(await inProcess(['demo', '--steps', '0']), /--steps must be a positive integer, got '0'/));
});
