// Next to real PyTorch: torch.nn.LSTM and nn.GRU weights imported with `cellc import-torch`
// give, through `cellc apply --reference`, the outputs torch computes (within
// 1e-6), and `export-torch --prefix ''` loads into a bare module with
// strict=True and gives them again. Runs where `import torch` works in
// $CELLC_PYTHON, python3 or /usr/bin/python3 (Debian: apt-get install
// python3-torch); skipped with that reason elsewhere. Python reads safetensors with a few lines of its own (no
// safetensors package needed).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../compiler/numeric/random.js';
import { encodeSafetensors, type NamedTensor } from '../../runtime/apps/train/safetensors.js';
import { inProcess } from '../support/cli.js';

// the first Python that has torch: $CELLC_PYTHON, python3 on the PATH, then Debian's (python3-torch)
const pythons = [process.env.CELLC_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
const found = pythons.map((exe) => ({ exe, r: spawnSync(exe, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }) })).find((p) => p.r.status === 0);
const hasTorch = !!found;
const PYTHON = found?.exe ?? 'python3';
const python = { stdout: found?.r.stdout ?? '' };
const tmp = mkdtempSync(join(tmpdir(), 'cellc-torch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TORCH_RNN = `
import json, struct, sys, torch
def load(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    dt = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16}
    return {k: torch.frombuffer(bytearray(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]]), dtype=dt[v['dtype']]).reshape(v['shape'])
            for k, v in h.items() if k != '__metadata__'}
weights, inputs, I, H, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
m = (torch.nn.LSTM if kind == 'lstm' else torch.nn.GRU)(I, H)
m.load_state_dict(load(weights), strict=True)
x = torch.tensor(json.load(open(inputs))['x'], dtype=torch.float64)
with torch.no_grad():
    y, _ = m.double()(x)
print(json.dumps(y.tolist()))
`;

function torchOutputs(kind: 'lstm' | 'gru', weights: string, inputs: string, I: number, H: number): number[] {
  const r = spawnSync(PYTHON, ['-c', TORCH_RNN, weights, inputs, String(I), String(H), kind], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as number[][][]).flat(2);
}

describe.skipIf(!hasTorch)(`real PyTorch${hasTorch ? ` ${python.stdout.trim()} (${PYTHON})` : `: skipped, import torch fails in ${pythons.join(', ')} (Debian: apt-get install python3-torch)`}`, () => {
  it.for([
    ['lstm', 'dsl-examples/lstm.cell', 4],
    ['gru', 'dsl-examples/gru_cudnn.cell', 3],
  ] as const)("%s: import-torch → apply gives torch's outputs; export-torch --prefix '' loads strictly into a bare module", async ([kind, cell, gates]) => {
    const [I, H, T, B] = [3, 5, 7, 2];
    const rng = new Rng(23);
    const t = (shape: number[]): NamedTensor => ({ shape, data: Float32Array.from(rng.fillNormal(shape.reduce((a, b) => a * b, 1), 0.5)) });
    const weights = join(tmp, `${kind}.safetensors`);
    writeFileSync(weights, encodeSafetensors(new Map([['weight_ih_l0', t([gates * H, I])], ['weight_hh_l0', t([gates * H, H])], ['bias_ih_l0', t([gates * H])], ['bias_hh_l0', t([gates * H])]])));
    const inputs = join(tmp, `${kind}.x.json`);
    writeFileSync(inputs, JSON.stringify({ x: Array.from({ length: T }, () => Array.from({ length: B }, () => Array.from(rng.fillNormal(I, 1)))) }));
    const expected = torchOutputs(kind, weights, inputs, I, H);

    const ckpt = join(tmp, `${kind}.ckpt.safetensors`);
    expect((await inProcess(['import-torch', cell, '--weights', weights, '--out', ckpt])).code).toBe(0);
    const a = await inProcess(['apply', cell, '--params', ckpt, '--inputs', inputs, '--reference']);
    expect(a.code, a.stderr).toBe(0);
    const got = (JSON.parse(a.stdout) as { h: number[][][] }).h.flat(2);
    expect(got).toHaveLength(T * B * H);
    const diff = Math.max(...got.map((v, i) => Math.abs(v - expected[i])));
    console.log(`cellc (float64 interpreter) vs torch.nn.${kind.toUpperCase()}: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-6);

    const bare = join(tmp, `${kind}.bare.safetensors`);
    expect((await inProcess(['export-torch', ckpt, '--out', bare, '--prefix', ''])).code).toBe(0);
    const back = torchOutputs(kind, bare, inputs, I, H); // strict=True: no missing or unexpected key
    expect(Math.max(...back.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-6);
  });
});
