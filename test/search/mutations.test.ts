// The search's representation and mutations (compiler/tools/search): a seed
// lifts into the cellgen AST and prints as the same cell; every mutation,
// on every site of every kind and along random chains from lstm, gru and
// mut1, gives a cell the front end accepts (by construction: nothing is
// filtered); each mutation is named; the same random stream gives the same
// mutations.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../compiler/index.js';
import { renderCell, type GenCell } from '../../compiler/tools/cellgen/ast.js';
import { GenRng } from '../../compiler/tools/cellgen/rng.js';
import { canonicalSource, liftCell, LiftError, mutate, MUTATION_KINDS, normalizeCell, sitesOf } from '../../compiler/tools/search/index.js';
import { ROOT } from '../support/cli.js';

const read = (f: string) => readFileSync(join(ROOT, 'dsl-examples', f), 'utf8');
const lift = (f: string) => liftCell(read(f), f);
const SEEDS = ['lstm.cell', 'gru.cell', 'mut1.cell'];
const problems = (src: string, name: string) => check(src, name).diagnostics.map((d) => `${d.code} ${d.message}`);

/** What a cell's graph declares, in a comparable form. */
function signature(src: string) {
  const g = check(src, 'x.cell').graphs[0];
  const shape = (id: number) => JSON.stringify(g.nodes[id].type.shape);
  return {
    params: g.params.map((p) => `${p.name} ${shape(p.node)} ${JSON.stringify(p.init)}`).sort(),
    states: g.states.map((s) => `${s.name} ${shape(s.node)} ${s.init}`),
    outputs: g.outputs.map((o) => `${o.name} ${shape(o.node)}`),
    nodes: g.nodes.length,
  };
}

describe('lifting a seed', () => {
  it('every example the search handles prints as a cell with the same parameters, states, outputs and graph size', () => {
    let lifted = 0;
    for (const f of readdirSync(join(ROOT, 'dsl-examples')).filter((x) => x.endsWith('.cell'))) {
      let c: GenCell;
      try {
        c = lift(f);
      } catch (e) {
        expect(e, f).toBeInstanceOf(LiftError);
        continue;
      }
      lifted++;
      const printed = renderCell(c);
      expect(problems(printed, f), printed).toEqual([]);
      expect(signature(printed), f).toEqual(signature(read(f)));
    }
    expect(lifted).toBeGreaterThanOrEqual(20);
  });

  it('a cell outside the search space is refused with its location', () => {
    expect(() => lift('ar.cell')).toThrow(/^ar\.cell:\d+:\d+: 'delay' is beyond what cellc search mutates/);
    expect(() => lift('hmm_forward.cell')).toThrow(/the index input 'o'/);
    expect(() => lift('lstm_h0.cell')).toThrow(/the learned initial state 'h0'/);
    expect(() => lift('slstm_heads.cell')).toThrow(/^slstm_heads\.cell:\d+:\d+: the product of sizes 'NH \* DH' is beyond what cellc search mutates/);
  });
});

describe('mutations', () => {
  it('every site of every kind, on lstm, gru and mut1, gives a cell that passes check', () => {
    const perKind = Object.fromEntries(MUTATION_KINDS.map((k) => [k, 0]));
    const failures: string[] = [];
    for (const f of SEEDS) {
      const seed = lift(f);
      for (const kind of MUTATION_KINDS) {
        for (const site of sitesOf(seed, kind)) {
          const { cell, description } = site.apply(new GenRng(perKind[kind]));
          const src = renderCell(normalizeCell(cell));
          perKind[kind]++;
          const p = problems(src, `${f}-${kind}.cell`);
          if (p.length) failures.push(`${f} ${description}: ${p[0]}\n${src}`);
        }
      }
    }
    expect(failures, failures.slice(0, 2).join('\n')).toEqual([]);
    for (const kind of MUTATION_KINDS) expect(perKind[kind], kind).toBeGreaterThan(0);
  });

  for (const f of SEEDS) {
    it(`500 random chains of 1–4 mutations from ${f}: 100% pass check`, () => {
      const seed = lift(f);
      const failures: string[] = [];
      const kinds = new Set<string>();
      let count = 0;
      for (let s = 1; s <= 500; s++) {
        const rng = new GenRng(s);
        let c = seed;
        for (let j = 0; j < 1 + (s % 4); j++) {
          const m = mutate(c, rng);
          if (!m) break;
          c = m.cell;
          count++;
          kinds.add(m.mutation.kind);
          const src = renderCell(c);
          const p = problems(src, `${f}-${s}.cell`);
          if (p.length) failures.push(`seed ${s} after '${m.mutation.description}': ${p[0]}\n${src}`);
        }
      }
      expect(count).toBeGreaterThanOrEqual(500);
      expect(failures, failures.slice(0, 2).join('\n')).toEqual([]);
      expect(kinds.size).toBeGreaterThanOrEqual(f === 'lstm.cell' ? 8 : 6); // one-state cells have no state to remove or reuse
    });
  }

  it('the same random stream gives the same mutations', () => {
    const seed = lift('lstm.cell');
    const chain = (s: number) => {
      const rng = new GenRng(s);
      let c = seed;
      const out: string[] = [];
      for (let j = 0; j < 6; j++) {
        const m = mutate(c, rng)!;
        c = m.cell;
        out.push(m.mutation.description, renderCell(c));
      }
      return out;
    };
    expect(chain(11)).toEqual(chain(11));
    expect(chain(11)).not.toEqual(chain(12));
  });

  it('each mutation says what it did, and the cell shows it', () => {
    const seed = lift('lstm.cell');
    const applied = (kind: (typeof MUTATION_KINDS)[number], match: RegExp) => {
      const site = sitesOf(seed, kind).map((x) => x.apply(new GenRng(1))).find((x) => match.test(x.description));
      expect(site, `${kind} ${match}`).toBeDefined();
      return { description: site!.description, src: renderCell(normalizeCell(site!.cell)) };
    };
    expect(applied('swap-activation', /^swap tanh→sigmoid in h': tanh\(c'\) → sigmoid\(c'\)$/).src).toContain("h' = o * sigmoid(c')");
    const drop = applied('drop-gate', /^drop gate o in h'/);
    expect(drop.src).toContain("h' = tanh(c')");
    expect(drop.src).not.toMatch(/^ {2}o = /m); // the gate's local is gone with its parameters
    expect(applied('add-peephole', /^add peephole p1 \* c to f$/).src).toContain('f = sigmoid(dense(x, h, bias = 1) + p1 * c)');
    expect(applied('rewire', /^rewire i: dense\(x, h\) → dense\(x, h, c, out = H\)$/).src).toContain('i = sigmoid(dense(x, h, c, out = H))');
    const gate = applied('add-gate', /^add gate g1 = sigmoid\(dense\(.*\)\) on i \* g in c'$/);
    expect(gate.src).toMatch(/g1 = sigmoid\(dense\(.*out = H\)\)\n {2}c' = f \* c \+ g1 \* \(i \* g\)/);
    const removed = applied('remove-state', /^remove state c:/).src;
    expect(removed).not.toContain('state c[H]');
    expect(removed).toContain('cnew = i * g');
    expect(removed).toContain("h' = o * tanh(cnew)");
    const reused = applied('reuse-state', /^reuse state h for c:/).src;
    expect(reused).toContain('cnew = f * h + i * g');
    expect(applied('swap-op', /^change \+ to \* in c': f \* c \+ i \* g → f \* c \* \(i \* g\)$/).src).toContain("c' = f * c * (i * g)");
  });

  it('a cell identical to one seen prints the same: swapping + to * and back gives the seed', () => {
    const seed = lift('lstm.cell');
    const there = sitesOf(seed, 'swap-op')[0].apply(new GenRng(1));
    const back = sitesOf(normalizeCell(there.cell), 'swap-op')[0].apply(new GenRng(1));
    expect(canonicalSource(back.cell)).toBe(canonicalSource(seed));
    expect(canonicalSource(there.cell)).not.toBe(canonicalSource(seed));
  });
});
