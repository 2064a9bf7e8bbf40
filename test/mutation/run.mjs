#!/usr/bin/env node
// The mutation pass: plants each bug of mutants.mjs, one at a time, in a
// temporary copy of the repository (the working tree is never touched), runs
// the test files named for it with a time limit, and reports whether a test
// failed (caught) or all passed (missed). First the same test files run on the
// unmutated copy: a failure there makes the pass meaningless and stops it.
//
//   npm run mutate                          every mutant
//   npm run mutate -- --only cg-,op-sgd     ids starting with these
//   npm run mutate -- --list                the mutants and their tests
//   npm run mutate -- --timeout 300 --report out/mutation.json --no-baseline
//
// GPU test files need the adapter; the child runs with CI=1, so a missing
// adapter fails the baseline instead of skipping tests (which would read as
// "missed").

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutants.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = 'test/mutation/vitest.config.ts';

function parseArgs(argv) {
  const o = { only: [], timeout: 400, report: undefined, baseline: true, list: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--only') o.only = next().split(',').filter(Boolean);
    else if (a === '--timeout') o.timeout = Number(next());
    else if (a === '--report') o.report = next();
    else if (a === '--no-baseline') o.baseline = false;
    else if (a === '--list') o.list = true;
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a} (see the header of test/mutation/run.mjs)`);
  }
  if (!(o.timeout > 0)) throw new Error('--timeout must be a positive number of seconds');
  return o;
}

/** Tracked and untracked-but-not-ignored files, copied; node_modules linked. */
function copyRepository() {
  const dir = mkdtempSync(join(tmpdir(), 'cellc-mutate-'));
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (files.status !== 0) throw new Error(`git ls-files failed: ${files.stderr}`);
  for (const f of files.stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(ROOT, f), join(dir, f));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e; // a deleted but still tracked file
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const childEnv = { ...process.env, CI: '1', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', NO_COLOR: '1' };
delete childEnv.UPDATE_GOLDEN; // never rewrite goldens to match a mutant
delete childEnv.FORCE_COLOR;

/** Runs vitest on `tests` in `dir`; 'pass', 'fail' or 'timeout', with the tail of its output. */
function runTests(dir, tests, timeoutS) {
  const t0 = Date.now();
  const r = spawnSync('nice', ['-n', '10', process.execPath, join(dir, 'node_modules/vitest/vitest.mjs'), 'run', '--config', CONFIG, ...tests], {
    cwd: dir,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
    env: childEnv,
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = (Date.now() - t0) / 1000;
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
  const status = r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL' ? 'timeout' : r.status === 0 ? 'pass' : 'fail';
  const failed = [...new Set([...out.matchAll(/^\s*FAIL\s+(.+)$/gm)].map((m) => m[1].trim()))].slice(0, 3);
  return { status, seconds, failed, tail: out.split('\n').slice(-25).join('\n') };
}

function apply(dir, m) {
  const originals = new Map();
  for (const e of m.edits) {
    const path = join(dir, e.file);
    const text = originals.get(path) ?? readFileSync(path, 'utf8');
    if (!originals.has(path)) originals.set(path, text);
    const current = readFileSync(path, 'utf8');
    const n = current.split(e.find).length - 1;
    if (n !== 1) {
      for (const [p, t] of originals) writeFileSync(p, t);
      return { stale: `${e.file}: the search text occurs ${n} times (want exactly 1)` };
    }
    writeFileSync(path, current.replace(e.find, () => e.replace));
  }
  return { revert: () => originals.forEach((t, p) => writeFileSync(p, t)) };
}

const o = parseArgs(process.argv.slice(2));
const chosen = MUTANTS.filter((m) => !o.only.length || o.only.some((p) => m.id.startsWith(p)));
if (o.list) {
  for (const m of chosen) console.log(`${m.id.padEnd(22)} ${m.area.padEnd(10)} ${m.what}\n${' '.repeat(34)}${m.tests.join(' ')}`);
  process.exit(0);
}
if (!chosen.length) {
  console.error(`no mutant matches --only ${o.only.join(',')}`);
  process.exit(1);
}

const dir = copyRepository();
console.log(`mutation pass: ${chosen.length} mutants in ${dir}`);
let code = 0;
try {
  if (o.baseline) {
    const files = [...new Set(chosen.flatMap((m) => m.tests))].sort();
    const b = runTests(dir, files, o.timeout * 3);
    console.log(`baseline (unmutated, ${files.length} test files): ${b.status} in ${b.seconds.toFixed(0)} s`);
    if (b.status !== 'pass') {
      console.error(b.tail);
      throw new Error('the tests fail without any mutant: fix that first');
    }
  }
  const results = [];
  for (const m of chosen) {
    const a = apply(dir, m);
    if (a.stale) {
      results.push({ id: m.id, area: m.area, what: m.what, tests: m.tests, result: 'stale', detail: a.stale, seconds: 0 });
      console.log(`${'STALE'.padEnd(8)} ${m.id}: ${a.stale}`);
      continue;
    }
    let r;
    try {
      r = runTests(dir, m.tests, o.timeout);
    } finally {
      a.revert();
    }
    const result = r.status === 'pass' ? 'missed' : r.status === 'timeout' ? 'timeout' : 'caught';
    results.push({ id: m.id, area: m.area, what: m.what, tests: m.tests, result, seconds: r.seconds, failed: r.failed });
    console.log(`${result.toUpperCase().padEnd(8)} ${m.id.padEnd(22)} ${r.seconds.toFixed(0).padStart(4)} s  ${result === 'caught' ? r.failed[0] ?? '' : m.what}`);
  }
  const counted = results.filter((r) => r.result !== 'stale');
  const caught = counted.filter((r) => r.result === 'caught').length; // a timeout decides nothing: not counted as caught
  const score = counted.length ? (100 * caught) / counted.length : 0;
  console.log('');
  for (const area of [...new Set(counted.map((r) => r.area))]) {
    const xs = counted.filter((r) => r.area === area);
    console.log(`  ${area.padEnd(10)} ${xs.filter((r) => r.result === 'caught').length}/${xs.length}`);
  }
  console.log(`mutation score: ${caught}/${counted.length} caught = ${score.toFixed(1)}%${results.length > counted.length ? ` (${results.length - counted.length} stale, not counted)` : ''}`);
  for (const r of results.filter((x) => x.result === 'missed' || x.result === 'timeout')) console.log(`  ${r.result}: ${r.id}: ${r.what}`);
  if (o.report) {
    mkdirSync(dirname(o.report), { recursive: true });
    writeFileSync(o.report, JSON.stringify({ score, caught, total: counted.length, results }, null, 2));
    console.log(`report: ${o.report}`);
  }
  if (results.some((r) => r.result !== 'caught')) code = 1;
} catch (e) {
  console.error(`mutation pass: ${e.message}`);
  code = 2;
} finally {
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
process.exit(code);
