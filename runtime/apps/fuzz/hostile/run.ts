// `npm run fuzz:hostile -- [--count N] [--seed S] [--no-checkpoints] [--no-cli]`:
// N hostile sources through the compiler (in worker threads, with a per-case
// time limit), every corrupt variant of a checkpoint through --resume, eval,
// apply and export-torch, and abusive command lines; then a table, the
// failures (each reproducible from its seed and index) and exit 1 if any.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runInProcess } from './capture.js';
import { checkpointCommands, goodCheckpoint } from './checkpointCases.js';
import { checkpointVariants } from './checkpoints.js';
import { cliCases } from './cliCases.js';
import { SOURCE_LIMIT_MS, type Verdict } from './judge.js';
import { SOURCE_FAMILIES } from './sources.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_LIMIT_MS = 300_000;
const CHUNK = 250;

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} needs a whole number, got ${process.argv[i + 1]}`);
  return v;
}

const failures: string[] = [];
/** Records a failure and prints it at once (a long run stopped early still shows what it found). */
const fail = (f: string) => {
  failures.push(f);
  process.stderr.write(`\nFAIL ${f}\n`);
};

/** Sources [from, to) in one worker; a case with no answer within the limit is a hang, and the rest of the chunk goes on in a new worker. */
function runChunk(examples: string[], seed: number, from: number, to: number, tally: (family: string, v: Verdict) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = from;
    const w = new Worker(new URL('./sourceWorker.mjs', import.meta.url), { workerData: { examples, seed, from, to } });
    let timer: NodeJS.Timeout | undefined; // armed once the worker is ready: its start-up is no case's time
    const hang = () => {
      fail(`source seed ${seed} case ${next}: no answer within ${SOURCE_LIMIT_MS * 3} ms (a hang)`);
      tally(SOURCE_FAMILIES[next % SOURCE_FAMILIES.length], { ms: SOURCE_LIMIT_MS * 3, outcome: 'failure', problem: 'hang' });
      void w.terminate().then(() => (next + 1 < to ? runChunk(examples, seed, next + 1, to, tally) : undefined)).then(resolve, reject);
    };
    w.on('message', (m: { ready: true } | { i: number; family: string; verdict: Verdict }) => {
      clearTimeout(timer);
      timer = setTimeout(() => hang(), SOURCE_LIMIT_MS * 3);
      if ('ready' in m) return;
      next = m.i + 1;
      if (m.verdict.problem) fail(`source seed ${seed} case ${m.i} (${m.family}): ${m.verdict.problem}`);
      tally(m.family, m.verdict);
    });
    w.on('error', (e) => {
      clearTimeout(timer);
      fail(`source seed ${seed} case ${next}: the worker died: ${e.message}`);
      resolve();
    });
    w.on('exit', () => {
      clearTimeout(timer);
      if (next >= to) resolve();
    });
  });
}

async function sources(count: number, seed: number): Promise<void> {
  const dir = join(ROOT, 'dsl-examples');
  const examples = readdirSync(dir).filter((f) => f.endsWith('.cell')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
  const rows = new Map<string, { n: number; artifact: number; diagnostics: number; failure: number; maxMs: number }>();
  const tally = (family: string, v: Verdict) => {
    const r = rows.get(family) ?? { n: 0, artifact: 0, diagnostics: 0, failure: 0, maxMs: 0 };
    r.n++;
    r[v.outcome]++;
    r.maxMs = Math.max(r.maxMs, v.ms);
    rows.set(family, r);
  };
  const t0 = performance.now();
  for (let from = 0; from < count; from += CHUNK) {
    await runChunk(examples, seed, from, Math.min(count, from + CHUNK), tally);
    process.stderr.write(`\rsources: ${Math.min(count, from + CHUNK)}/${count}`);
  }
  process.stderr.write('\n');
  console.log(`sources: ${count} (seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`  ${'family'.padEnd(10)} ${'cases'.padStart(6)} ${'compiled'.padStart(9)} ${'diagnosed'.padStart(10)} ${'failed'.padStart(7)} ${'slowest'.padStart(10)}`);
  for (const f of SOURCE_FAMILIES) {
    const r = rows.get(f);
    if (r) console.log(`  ${f.padEnd(10)} ${String(r.n).padStart(6)} ${String(r.artifact).padStart(9)} ${String(r.diagnostics).padStart(10)} ${String(r.failure).padStart(7)} ${`${r.maxMs.toFixed(0)} ms`.padStart(10)}`);
  }
}

async function commandLines(what: string, cases: string[][]): Promise<void> {
  const t0 = performance.now();
  const codes = new Map<string, number>();
  for (const args of cases) {
    const r = await runInProcess(args, CLI_LIMIT_MS);
    codes.set(String(r.code), (codes.get(String(r.code)) ?? 0) + 1);
    if (r.problem) fail(`${what}: cellc ${args.join(' ')}: ${r.problem}`);
  }
  const byCode = [...codes].map(([c, n]) => `exit ${c}: ${n}`).join(', ');
  console.log(`${what}: ${cases.length} command lines in ${((performance.now() - t0) / 1000).toFixed(1)} s (${byCode})`);
}

async function main(): Promise<number> {
  const count = flag('--count', 10_000);
  const seed = flag('--seed', 1);
  const tmp = mkdtempSync(join(tmpdir(), 'cellc-hostile-'));
  try {
    if (count) await sources(count, seed);
    if (!process.argv.includes('--no-checkpoints')) {
      const good = goodCheckpoint(ROOT);
      const variants = checkpointVariants(good, seed);
      const cases = variants.flatMap((v, i) => checkpointCommands(join(tmp, `ck${i}`), v.bytes));
      console.log(`checkpoints: ${variants.length} corrupt variants × --resume, eval, apply, export-torch`);
      await commandLines('checkpoints', cases);
    }
    if (!process.argv.includes('--no-cli')) await commandLines('command lines', cliCases(tmp));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(failures.length ? `${failures.length} failure(s):` : 'no failures: no exception, no exit 2, no hang, every source diagnostic located');
  for (const f of failures.slice(0, 50)) console.log(`  ${f}`);
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
