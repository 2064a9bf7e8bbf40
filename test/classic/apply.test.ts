// `cellc apply`: a cell run over given sequences (JSON) with given parameters
// (safetensors), outputs written as JSON — here with the float64 reference
// (--reference, no GPU), chaining viterbi.cell's two cells through files as a
// user would, against brute-force decoding.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../runtime/apps/train/safetensors.js';
import { bruteForceViterbi, hmmFromLogits, ROOT, uniforms } from './reference.js';

const tmp = mkdtempSync(join(tmpdir(), 'cellc-apply-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cellc(...args: string[]) {
  const r = spawnSync(process.execPath, ['runtime/apps/cli/cellc.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cellc apply', () => {
  const [S, V, T, B] = [3, 4, 6, 3];
  const rand = uniforms(42);
  const logits = {
    init_logits: Float32Array.from({ length: S }, () => 3 * (rand() - 0.5)),
    trans_logits: Float32Array.from({ length: S * S }, () => 3 * (rand() - 0.5)),
    emit_logits: Float32Array.from({ length: S * V }, () => 3 * (rand() - 0.5)),
  };
  const obs = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rand() * V)));
  const hmm = hmmFromLogits(S, V, new Map(Object.entries(logits).map(([k, v]) => [k, Float64Array.from(v)])));

  const params = join(tmp, 'hmm.safetensors');
  const shapes: Record<string, number[]> = { init_logits: [S], trans_logits: [S, S], emit_logits: [S, V] };
  writeFileSync(params, encodeSafetensors(new Map(Object.entries(logits).map(([k, v]) => [`param.${k}`, { shape: shapes[k], data: v }]))));

  it('chains Viterbi → Backtrack through JSON files with parameters from safetensors (param.NAME, as in a checkpoint)', () => {
    writeFileSync(join(tmp, 'obs.json'), JSON.stringify({ o: Array.from({ length: T }, (_, t) => obs.map((o) => o[t])) }));
    const v = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'obs.json'), '--params', params, '--outputs', join(tmp, 'v.json'), '--reference');
    expect(v.stderr).toMatch(/Viterbi: 3 output\(s\) over T=6, B=3 written to/);
    expect(v.code).toBe(0);
    const forward = JSON.parse(readFileSync(join(tmp, 'v.json'), 'utf8'));
    expect(Object.keys(forward).sort()).toEqual(['bp', 'delta', 'score']);
    expect(forward.bp[0][0]).toHaveLength(S); // [T][B][S][S]
    const p = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Backtrack', '--inputs', join(tmp, 'v.json'), '--reference');
    expect(p.code).toBe(0);
    const path = JSON.parse(p.stdout).path as number[][][];
    for (let b = 0; b < B; b++) {
      const best = bruteForceViterbi(hmm, obs[b]);
      expect(forward.score[T - 1][b]).toBeCloseTo(best.score, 5); // float32 parameters
      expect(path.map((step) => step[b].indexOf(1))).toEqual(best.path);
    }
  });

  it('applies sequences of different lengths ({"sequences": […]}): each as if applied alone, on the GPU and in float64', () => {
    const lengths = [6, 2, 4, 2, 1];
    const seqs = lengths.map((n, k) => Array.from({ length: n }, (_, t) => obs[k % B][t % T]));
    writeFileSync(join(tmp, 'ragged.json'), JSON.stringify({ sequences: seqs.map((o) => ({ o })) }));
    const ragged = (where: string[]) => {
      const r = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'ragged.json'), '--params', params, ...where);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).sequences as { score: number[] }[];
    };
    const ref = ragged(['--reference']);
    expect(ref.map((e) => e.score.length)).toEqual(lengths);
    for (const [k, o] of seqs.entries()) {
      // the same example alone, in the [T][B] form with B = 1
      writeFileSync(join(tmp, 'one.json'), JSON.stringify({ o: o.map((v) => [v]) }));
      const alone = JSON.parse(cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'one.json'), '--params', params, '--reference').stdout);
      expect(ref[k].score).toEqual(alone.score.map((s: number[]) => s[0]));
      expect(ref[k].score[o.length - 1]).toBeCloseTo(bruteForceViterbi(hmm, o).score, 4);
    }
    // the GPU runs the batches of equal length together (three batches here), to float32 accuracy
    const gpu = ragged([]);
    gpu.forEach((e, k) => e.score.forEach((v, t) => expect(v).toBeCloseTo(ref[k].score[t], 4)));
  });

  it('reports a missing input, a wrong shape and a bad index as one-line errors (exit 1)', () => {
    writeFileSync(join(tmp, 'bad1.json'), JSON.stringify({ x: [[1]] }));
    let r = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'bad1.json'), '--reference');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no sequence for input o of cell Viterbi/);
    writeFileSync(join(tmp, 'bad2.json'), JSON.stringify({ o: [[0, 1], [2]] }));
    r = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'bad2.json'), '--reference');
    expect(r.stderr).toMatch(/o\[1\] must be an array of 2 \(B\)/);
    writeFileSync(join(tmp, 'bad3.json'), JSON.stringify({ o: [[0, 7]] }));
    r = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'bad3.json'), '--reference');
    expect(r.stderr).toMatch(/o\[0\]\[1\] must be an index in 0\.\.3, got 7/);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    writeFileSync(join(tmp, 'bad4.json'), JSON.stringify({ sequences: [{ o: [0, 1] }, { x: [1] }] }));
    r = cellc('apply', 'dsl-examples/viterbi.cell', '--cell', 'Viterbi', '--inputs', join(tmp, 'bad4.json'), '--reference');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sequences\[1\] has no sequence for input o of cell Viterbi/);
  });
});
