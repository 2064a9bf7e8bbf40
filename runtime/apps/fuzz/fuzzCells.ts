// `npm run fuzz:cells -- --count N [--seed S] [--out DIR] [--depth D] [--large] [--masks] [--heads] [--no-gpu] [--no-shrink] [--schedule S] [--gpu-only]`
// (--depth: productions per expression, default 2; --large: sizes up to 13, default ≤ 10; --masks: cells
// that draw random masks too (dropout, zoneout), compared under drawn masks; --heads: cells with per-head products; --schedule: the schedule the
// GPU half compiles for, e.g. step-fused or persistent, default the driver's choice)
//
// Generates N random cells (seeds S, S+1, …), runs each through the
// differential test (differential.ts), prints progress and a summary (cells,
// passed, failed by kind, time), writes each failing cell, original and
// shrunk, to DIR (default fuzz-failures/), and exits 1 if any failed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCell, renderCell, shrinkCell } from '../../../compiler/tools/index.js';
import { acquireDevice, type GpuContext } from '../../index.js';
import { differential, type CellResult, type DiffOptions } from './differential.js';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

async function main(): Promise<number> {
  const count = Number(arg('count', '100'));
  const seed0 = Number(arg('seed', '1'));
  const out = arg('out', 'fuzz-failures')!;
  const ctx: GpuContext | null = flag('no-gpu') ? null : await acquireDevice({ label: 'fuzz:cells' });
  const gen = { depth: Number(arg('depth', '2')), small: !flag('large'), ...(flag('masks') ? { masks: true } : {}), ...(flag('heads') ? { heads: true } : {}) };
  const schedule = arg('schedule') as DiffOptions['schedule'];
  const SCHEDULES = ['sequential', 'scan', 'step-fused', 'persistent', 'auto'];
  if (schedule !== undefined && !SCHEDULES.includes(schedule)) {
    console.error(`--schedule expects one of ${SCHEDULES.join(', ')}, got '${schedule}'`);
    return 1;
  }
  // --gpu-only: the GPU half alone (the float64 gradcheck does not depend on the schedule)
  const diffOptions: DiffOptions = { ...(schedule ? { schedule } : {}), ...(flag('gpu-only') ? { noGradcheck: true } : {}) };
  const started = Date.now();
  let dotRetries = 0;
  const byKind = new Map<string, number[]>();
  let passed = 0;
  let retries = 0;
  const inconclusive: number[] = [];
  for (let k = 0; k < count; k++) {
    const seed = seed0 + k;
    const cell = generateCell(seed, gen);
    const source = renderCell(cell);
    const t0 = Date.now();
    const r: CellResult = await differential(ctx, source, diffOptions);
    const took = (Date.now() - t0) / 1000;
    if (took > 20) console.log(`seed ${seed}: slow (${took.toFixed(1)} s)`);
    retries += r.fdRetries;
    dotRetries += r.dotRetries ?? 0;
    if (r.inconclusive) {
      inconclusive.push(seed);
      console.log(`seed ${seed}: gradcheck inconclusive (${r.inconclusive.slice(0, 300)})`);
    }
    if (r.ok) passed++;
    else {
      byKind.set(r.kind!, [...(byKind.get(r.kind!) ?? []), seed]);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `seed${seed}.cell`), `# seed ${seed}: ${r.kind}\n# ${r.detail!.split('\n').join('\n# ')}\n${source}`);
      console.log(`seed ${seed}: FAILED (${r.kind}) ${r.detail!.split('\n')[0].slice(0, 300)}`);
      if (!flag('no-shrink')) {
        const kind = r.kind;
        const small = await shrinkCell(cell, async (c) => (await differential(ctx, renderCell(c), diffOptions)).kind === kind, { maxTries: 300 });
        const rs = await differential(ctx, renderCell(small), diffOptions);
        writeFileSync(join(out, `seed${seed}.shrunk.cell`), `# seed ${seed}, shrunk: ${rs.kind}\n# ${(rs.detail ?? '').split('\n').join('\n# ')}\n${renderCell(small)}`);
        console.log(`  shrunk to ${renderCell(small).split('\n').length} lines: ${join(out, `seed${seed}.shrunk.cell`)}`);
      }
    }
    if ((k + 1) % 10 === 0 || k + 1 === count) {
      const s = (Date.now() - started) / 1000;
      console.log(`[${k + 1}/${count}] passed ${passed}, failed ${k + 1 - passed}, ${s.toFixed(0)} s`);
    }
  }
  const secs = (Date.now() - started) / 1000;
  console.log(`\ncells ${count}, passed ${passed}, failed ${count - passed}, time ${secs.toFixed(1)} s, FD step retries ${retries}, gradchecks retried at other points ${dotRetries}`);
  if (inconclusive.length) console.log(`  passed with the gradcheck inconclusive (non-differentiable at every point tried): ${inconclusive.length} (seeds ${inconclusive.slice(0, 20).join(', ')}${inconclusive.length > 20 ? ', …' : ''})`);
  for (const [kind, seeds] of byKind) console.log(`  ${kind}: ${seeds.length} (seeds ${seeds.slice(0, 20).join(', ')}${seeds.length > 20 ? ', …' : ''})`);
  ctx?.destroy();
  return passed === count ? 0 : 1;
}

process.exit(await main());
