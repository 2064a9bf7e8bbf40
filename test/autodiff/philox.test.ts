// The counter-based generator behind random masks (compiler/numeric/philox.ts)
// and the masks in the interpreter and the language:
//   - Philox 4x32-10 gives the known-answer vectors of its authors' reference
//     implementation (Random123's kat_vectors), so the 16-bit-halves products
//     are the 64-bit ones;
//   - mask bits are on with the asked probability, independently of
//     neighbouring counters (elements, rows, steps, streams);
//   - the interpreter keeps masks fixed under a key (gradcheck passes with
//     dropout and zoneout drawn) and uses their expectation without one;
//   - every mask of a model has its own stream (two layers draw different masks).

import { describe, expect, it } from 'vitest';
import { buildModel, check } from '../../compiler/index.js';
import { maskBit, maskThreshold, mulhi32, philox4x32 } from '../../compiler/numeric/philox.js';
import { CellInterpreter, gradcheck } from '../../compiler/tools/index.js';

const hex = (ws: readonly number[]) => ws.map((w) => w.toString(16).padStart(8, '0')).join(' ');

describe('Philox 4x32-10', () => {
  it('gives the reference known-answer vectors', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('computes the high word of 32×32-bit products exactly', () => {
    const cases = [[0xffffffff, 0xffffffff], [0xd2511f53, 0x12345678], [0x10000, 0x10000], [1, 0xffffffff], [0xcd9e8d57, 0xfedcba98]];
    for (const [a, b] of cases) expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });

  it('turns mask elements on with the asked probability, over elements, rows, steps and streams alike', () => {
    const key = { seed: 7, draw: 0, training: true };
    for (const p of [0.05, 0.5, 0.8]) {
      const thr = maskThreshold(p);
      const axes: [string, (k: number) => boolean][] = [
        ['element', (k) => maskBit(key, 0, 0, 0, k, thr)],
        ['row', (k) => maskBit(key, 0, 0, k, 0, thr)],
        ['step', (k) => maskBit(key, 0, k, 0, 0, thr)],
        ['stream', (k) => maskBit(key, k, 0, 0, 0, thr)],
      ];
      for (const [axis, bit] of axes) {
        const n = 20000;
        let on = 0;
        let both = 0; // neighbours on together: p² for independent bits
        let prev = bit(0);
        for (let k = 0; k < n; k++) {
          const b = bit(k);
          on += +b;
          if (k > 0) both += +(b && prev);
          prev = b;
        }
        const sigma = Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs(on / n - p), `${axis}, p = ${p}`).toBeLessThan(5 * sigma);
        expect(Math.abs(both / (n - 1) - p * p), `${axis} neighbours, p = ${p}`).toBeLessThan(5 * Math.sqrt((p * p * (1 - p * p)) / n) + 1e-3);
      }
    }
  });
});

const CELL = `
cell Drop(x[I]) {
  size I = 3
  size H = 4
  state h[H] = 0
  state c[H] = 0
  a = dropout(x, 0.4)
  hd = dropout(h, 0.25, per = sequence)
  c' = zoneout(c, tanh(dense(a, hd, out = H)) + c, 0.3)
  h' = zoneout(h, sigmoid(dense(a, h)) * tanh(c'), 0.2, per = sequence)
  output h'
}`;

describe('random masks in the interpreter', () => {
  const g = check(CELL, 'drop.cell').graphs[0];

  it('gradcheck passes with the masks drawn (fixed by the key)', () => {
    const r = gradcheck(g, { T: 6, B: 3, seed: 2, sizes: { I: 3, H: 4 } });
    expect(r.tensors.filter((x) => !x.ok).map((x) => x.name)).toEqual([]);
    expect(r.dot.ok).toBe(true);
  });

  it('draws masks under a key and uses their expectation without one', () => {
    const interp = new CellInterpreter(g, { I: 3, H: 4 }, 2);
    const params = new Map(g.params.map((p) => [p.name, new Float64Array(interp.numelOf(p.node)).fill(0.1)]));
    const xs = Array.from({ length: 4 }, () => new Float64Array(6).fill(1));
    const run = (key?: { seed: number; draw: number; training: boolean }) => interp.forward(params, new Map([['x', xs]]), interp.initialStates(), 4, key).states.get('h')![4];
    const key = { seed: 1, draw: 0, training: true };
    expect(run(key)).toEqual(run(key));
    expect(run(key)).not.toEqual(run({ ...key, draw: 1 }));
    expect(run()).toEqual(run({ ...key, training: false }));
    expect(run()).not.toEqual(run(key));
  });

  it('gives every layer of a model its own mask streams', () => {
    const layer = { graph: g, sizes: { I: 3, H: 4 } };
    const layer2 = { graph: g, sizes: { I: 4, H: 4 } };
    const m = buildModel({ layers: [layer, layer2], input: { kind: 'float', size: 3 }, output: { kind: 'mse', size: 2 } }, []);
    const streams = m!.graph.nodes.filter((n) => n.op === 'mask').map((n) => (n.attrs as { stream: number }).stream);
    expect(streams).toHaveLength(8);
    expect(new Set(streams).size).toBe(8);
  });
});
