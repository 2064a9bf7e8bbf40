// The package as a user installs it: `npm pack` (its prepack builds dist/) →
// `npm install` of the tarball into a fresh project outside the repository →
// the README's library examples that need no generated bindings (among them
// the whole workflow: a 2-layer model trained with Adam on the GPU, saved,
// read back, evaluated and exported to PyTorch) compiled there with
// `tsc --strict` and run with `node`, importing only the package's public
// entry points. Also: the installed `cellc` command runs from dist/ (no tsx),
// and the install is light (no native or compiler package; its size is printed).
//
// `webgpu` and `@types/node` are what a Node user adds next to cellc; they are
// linked from this repository's node_modules instead of being downloaded again.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCI, readmeExamples, root } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'cellc-pack-'));
const project = join(work, 'project');
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', CELLC_CACHE_DIR: join(work, 'cache'), npm_config_update_notifier: 'false' };

function sh(cmd: string, args: readonly string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, [...args], { cwd, env, encoding: 'utf8', timeout });
}

const ok = (r: SpawnSyncReturns<string>, what: string) => expect(r.status, `${what}:\n${r.stdout}\n${r.stderr}`).toBe(0);

/** Apparent size of a folder in bytes, not following links (du -sb). */
function bytes(dir: string): number {
  return Number(sh('du', ['-sb', dir], work).stdout.split('\t')[0]);
}

const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8')).filter((e) => !/npx cellc emit/.test(e));
let installedBytes = 0;
/** Top-level packages of the install, before webgpu and @types are linked. */
let installed: string[] = [];

beforeAll(() => {
  const pack = sh('npm', ['pack', '--pack-destination', work, '--silent'], root);
  ok(pack, 'npm pack');
  const tarball = join(work, pack.stdout.trim().split('\n').pop()!);
  cpSync(join(root, 'dsl-examples'), join(project, 'dsl-examples'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  ok(sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project), 'npm install the tarball');
  installedBytes = bytes(join(project, 'node_modules'));
  const nm = join(project, 'node_modules');
  installed = readdirSync(nm).filter((n) => !n.startsWith('.'));
  console.log(`installed cellc for a browser or Node user (without webgpu, ts-morph): ${(installedBytes / 1e6).toFixed(1)} MB in node_modules (${installed.join(', ')}; cellc itself ${(bytes(join(nm, 'cellc')) / 1e6).toFixed(1)} MB)`);
  symlinkSync(join(root, 'node_modules', 'webgpu'), join(nm, 'webgpu'));
  symlinkSync(join(root, 'node_modules', '@types'), join(nm, '@types'));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed into a fresh project', () => {
  it('is light: no native, compiler or dev package is installed with it', () => {
    const nm = join(project, 'node_modules');
    expect(installed).toContain('cellc');
    for (const p of ['webgpu', 'ts-morph', 'typescript', 'tsx', 'esbuild', 'vite', 'vitest', '@ts-morph']) expect(installed, `installed ${p}`).not.toContain(p);
    expect(installedBytes).toBeGreaterThan(0);
    expect(installedBytes, 'the install without webgpu stays under 10 MB').toBeLessThan(10e6);
    expect(existsSync(join(nm, 'cellc', 'dist', 'runtime', 'node.js'))).toBe(true);
  });

  it('the installed cellc command runs from dist/ without tsx', () => {
    const v = sh(join(project, 'node_modules', '.bin', 'cellc'), ['--version'], project);
    ok(v, 'cellc --version');
    expect(v.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
    const c = sh(join(project, 'node_modules', '.bin', 'cellc'), ['check', 'node_modules/cellc/dsl-examples/lstm.cell'], project);
    ok(c, 'cellc check');
    expect(c.stdout).toContain('ok (LSTM)');
    // without ts-morph, emitting bindings says what to install
    const e = sh(join(project, 'node_modules', '.bin', 'cellc'), ['emit', 'dsl-examples/elman.cell', '--target', 'ts'], project);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/needs the optional package ts-morph.*npm install ts-morph/);
  });

  it('the README examples compile with tsc --strict against the installed declarations', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(examples.some((e) => /from 'cellc\/node'/.test(e) && /trainRun/.test(e) && /exportTorch/.test(e))).toBe(true);
    examples.forEach((e, i) => writeFileSync(join(project, `example${i + 1}.ts`), e));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], skipLibCheck: false, outDir: 'out' }, include: ['example*.ts'] }),
    );
    ok(sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--pretty', 'false'], project), 'tsc --strict');
  });

  it.for(examples.map((_, i) => i + 1))('example %i runs with node', { timeout: 300_000 }, (i, t) => {
    const js = join(project, 'out', `example${i}.js`);
    if (!existsSync(js)) throw new Error(`${js} was not compiled (see the tsc test)`);
    const r = sh(process.execPath, [js], project, 290_000);
    if (r.status !== 0 && /GpuUnavailableError|No WebGPU adapter/.test(r.stderr)) {
      if (inCI) throw new Error(`no WebGPU device in CI: ${r.stderr}`);
      return t.skip(`no WebGPU adapter: ${r.stderr.trim().split('\n')[0]}`);
    }
    ok(r, `node example${i}.js`);
    console.log(`example${i}.js: ${r.stdout.trim()}`);
  });
});
