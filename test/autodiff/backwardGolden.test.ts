// The canonical text of the backward step graph (printBackward) of three
// cells against golden files in test/golden/backward/. A change in the VJP
// rules, the save/recompute policy or the printer shows up as a diff here.
// UPDATE_GOLDEN=1 rewrites the files (then review the diff).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBackward } from '../../compiler/autodiff/backward.js';
import { printNode } from '../../compiler/ir/print.js';
import { printBackward } from '../../compiler/autodiff/printBackward.js';
import { example, ROOT } from './util.js';

const GOLDEN = join(ROOT, 'test', 'golden', 'backward');
const CASES = [
  ['lstm.cell', 'lstm.ir'],
  ['gru.cell', 'gru.ir'],
  ['elman.cell', 'elman.ir'],
] as const;

describe('printBackward golden files', () => {
  it.each(CASES)('%s → test/golden/backward/%s', (cell, golden) => {
    const text = printBackward(buildBackward(example(cell)));
    const path = join(GOLDEN, golden);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(path, text);
    }
    expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(text).toBe(readFileSync(path, 'utf8'));
  });
});

describe('printBackward structure', () => {
  it('prints every node with printNode, every leaf with its kind, every result', () => {
    const step = buildBackward(example('lstm.cell'));
    const lines = printBackward(step).trimEnd().split('\n');
    expect(lines[0]).toBe('backward LSTM');
    expect(lines[1]).toBe('  sizes I = 64, H = 128');
    expect(lines[2]).toMatch(/^ {2}saved %\d+(, %\d+)*$/);
    for (const n of step.nodes) expect(lines.some((l) => l.startsWith(`  ${printNode(n, step.origins.get(n.id))}`)), printNode(n)).toBe(true);
    const kinds = new Set(step.leaves.map((l) => l.kind));
    expect([...kinds].sort()).toEqual(['dnext', 'doutput', 'input', 'param', 'saved', 'state']);
    for (const l of step.leaves) expect(lines.some((x) => new RegExp(`^ {2}%${l.node}[ :]`).test(x) && x.includes(`(leaf ${l.kind} `))).toBe(true);
    const results = lines.filter((l) => /^ {2}d(state|input|param) /.test(l));
    expect(results.length).toBe(step.results.length);
    // LSTM: 2 states, 1 input, 12 parameters (i, f, o, g × W_x, W_h, b)
    expect(results.filter((l) => l.startsWith('  dparam ')).length).toBe(12);
    expect(results).toContain(`  dstate c = %${step.results.find((r) => r.name === 'c')!.node}`);
  });

  it('saves exactly the batched non-elementwise forward values (the matmuls of an Elman cell)', () => {
    const g = example('elman.cell');
    const step = buildBackward(g);
    expect(step.saved.map((id) => g.nodes[id].op)).toEqual(['matmul', 'matmul']);
  });
});
