// Checkpoints on the CPU side: the safetensors round trip (parameters,
// optimizer moments, carried state, metadata — bit for bit), a file other
// safetensors readers accept, torn files rejected, and atomicity under
// SIGKILL: a child process writes large checkpoints in a loop and is killed
// at random moments (some while the temporary file is being written); the
// checkpoint on disk always loads and is one complete version.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../runtime/apps/train/checkpoint.js';
import { decodeSafetensors, SafetensorsError } from '../../runtime/apps/train/safetensors.js';
import { ROOT } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('checkpoint round trip', () => {
  it('parameters, moments, carried state and metadata come back bit for bit', () => {
    const special = [0, -0, 1.5e-45, -3.4028234663852886e38, Infinity, -Infinity, Math.fround(Math.PI), 1e-40];
    const order = [
      { name: 'i.W_x', shape: [3, 4] },
      { name: 'readout.b', shape: [5] },
      { name: 'embed.E', shape: [2, 3] },
    ];
    const params = new Map(order.map((p, k) => [p.name, { shape: p.shape, data: Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => special[(i + k) % special.length] * (i + 1)) }]));
    const N = 12 + 5 + 6;
    const moments = Float32Array.from({ length: 2 * N }, (_, i) => Math.fround(Math.sin(i) * 1e-3));
    const carry = new Map([['h', { shape: [2, 4], data: Float32Array.from({ length: 8 }, (_, i) => -i / 7) }]]);
    const metadata = { format: 'cellc-checkpoint/1', step: '42', config: JSON.stringify({ B: 4, layerSizes: [{ I: 3, H: 4 }] }), alphabet: 'ab\n"é😀' };
    const path = join(tmp, 'rt.safetensors');
    saveCheckpoint(path, { params, moments, carry, metadata }, order);
    const ck = loadCheckpoint(path, order);
    expect(ck.metadata).toEqual(metadata);
    expect([...ck.params.keys()].sort()).toEqual(order.map((p) => p.name).sort());
    for (const p of order) {
      expect(ck.params.get(p.name)!.shape).toEqual(p.shape);
      expect(bits(ck.params.get(p.name)!.data)).toEqual(bits(params.get(p.name)!.data));
    }
    expect(bits(ck.moments!)).toEqual(bits(moments));
    expect(ck.carry!.get('h')!.shape).toEqual([2, 4]);
    expect(bits(ck.carry!.get('h')!.data)).toEqual(bits(carry.get('h')!.data));
    // without the parameter order, the moments are not reassembled (but the parameters are there)
    expect(loadCheckpoint(path).moments).toBeUndefined();
  });

  it('is a plain safetensors file: 8-byte header length, JSON header, contiguous little-endian F32 data', () => {
    const path = join(tmp, 'fmt.safetensors');
    const order = [{ name: 'a', shape: [2, 3] }];
    saveCheckpoint(path, { params: new Map([['a', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }]]), metadata: { step: '1' } }, order);
    const bytes = readFileSync(path);
    const len = Number(bytes.readBigUInt64LE(0));
    expect((8 + len) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8'));
    expect(header.__metadata__).toEqual({ step: '1' });
    expect(header['param.a']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(bytes.length).toBe(8 + len + 24);
    expect(bytes.readFloatLE(8 + len + 20)).toBe(6);
  });

  it('a torn or foreign file is an error that names the file, not garbage', () => {
    const path = join(tmp, 'torn.safetensors');
    saveCheckpoint(path, { params: new Map([['a', { shape: [1000], data: new Float32Array(1000).fill(1) }]]), metadata: {} }, [{ name: 'a', shape: [1000] }]);
    const bytes = readFileSync(path);
    for (const cut of [4, 20, bytes.length - 1]) {
      writeFileSync(path, bytes.subarray(0, cut));
      expect(() => loadCheckpoint(path)).toThrow(SafetensorsError);
      expect(() => loadCheckpoint(path)).toThrow(/torn\.safetensors/);
    }
    writeFileSync(path, 'hello, this is not a checkpoint');
    expect(() => loadCheckpoint(path)).toThrow(SafetensorsError);
    expect(() => loadCheckpoint(join(tmp, 'absent.safetensors'))).toThrow(/cannot read checkpoint .*absent\.safetensors: ENOENT/);
  });

  it('reads F64 tensors (e.g. written by numpy)', () => {
    const json = JSON.stringify({ 'param.x': { dtype: 'F64', shape: [2], data_offsets: [0, 16] } });
    const head = Buffer.from(json.padEnd(Math.ceil((json.length + 8) / 8) * 8 - 8, ' '));
    const out = Buffer.alloc(8 + head.length + 16);
    out.writeBigUInt64LE(BigInt(head.length), 0);
    head.copy(out, 8);
    out.writeDoubleLE(0.25, 8 + head.length);
    out.writeDoubleLE(-3, 8 + head.length + 8);
    expect([...decodeSafetensors(out).tensors.get('param.x')!.data]).toEqual([0.25, -3]);
  });
});

describe('atomic writes under SIGKILL', () => {
  const FLOATS = 1 << 21; // 8 MiB of parameters + 16 MiB of moments per checkpoint

  function start(path: string, first: number): { child: ChildProcess; saved: () => number; exited: Promise<void> } {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/train/fixtures/checkpointWriter.ts'), path, String(FLOATS), String(first)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let last = first - 1;
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      for (const m of buf.matchAll(/saved (\d+)\n/g)) last = Math.max(last, Number(m[1]));
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    return { child, saved: () => last, exited };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a child killed at random moments (also mid-write) always leaves a complete, loadable checkpoint', async () => {
    const dir = join(tmp, 'kill');
    const path = join(dir, 'checkpoint.safetensors');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let version = 1;
    let midWrite = 0;
    const order = [
      { name: 'w', shape: [FLOATS / 4, 4] },
      { name: 'b', shape: [7] },
    ];
    for (let round = 0; round < 6; round++) {
      const w = start(path, version);
      // wait for a first complete checkpoint of this child
      const t0 = Date.now();
      while (w.saved() < version && Date.now() - t0 < 60_000) await sleep(2);
      expect(w.saved()).toBeGreaterThanOrEqual(version);
      if (round % 2 === 0) {
        // kill while the temporary file is being written (poll for it; give up after a while and kill anyway)
        const t1 = Date.now();
        while (Date.now() - t1 < 5_000 && !readdirSync(dir).some((f) => f.endsWith('.tmp') && f.includes(String(w.child.pid)) && statSync(join(dir, f), { throwIfNoEntry: false })?.size)) await sleep(0);
      } else {
        await sleep(Math.random() * 300);
      }
      const before = w.saved();
      w.child.kill('SIGKILL');
      await w.exited;
      const tornTmp = readdirSync(dir).filter((f) => f.endsWith(`.${w.child.pid}.tmp`));
      if (tornTmp.length) midWrite++;
      const after = w.saved();
      const ck = loadCheckpoint(path, order);
      const v = Number(ck.metadata.version);
      // the file holds the last version reported, or the one whose rename happened just before the kill
      expect(v).toBeGreaterThanOrEqual(before);
      expect(v).toBeLessThanOrEqual(after + 1);
      const w0 = ck.params.get('w')!.data;
      expect(w0.length).toBe(FLOATS);
      expect(w0.every((x) => x === v)).toBe(true);
      expect(ck.params.get('b')!.data.every((x) => x === v)).toBe(true);
      expect(ck.moments!.every((x) => x === v + 0.5)).toBe(true);
      version = v + 1;
    }
    console.log(`SIGKILL: 6 kills, ${midWrite} while a temporary file was being written; the checkpoint loaded complete every time`);
    expect(midWrite).toBeGreaterThan(0);
    expect(existsSync(path)).toBe(true);
  }, 180_000);
});
