#!/usr/bin/env node
// Run before `npm test` and `npm run demo`: installs what a fresh clone lacks
// (npm packages; a Vulkan driver for WebGPU when none is present and we are
// root) or stops with one sentence saying what to run. Plain Node, no deps.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (m) => process.stderr.write(`cellc setup: ${m}\n`);

function haveModules() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  return names.every((m) => existsSync(join(root, 'node_modules', m, 'package.json')));
}

if (!haveModules()) {
  say('installing npm packages (npm install)…');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 || !haveModules()) {
    say('npm install failed; run `npm install` in the repository and try again.');
    process.exit(1);
  }
}

function haveVulkan() {
  if (process.platform !== 'linux') return true; // Dawn uses Metal / D3D12 there
  let libs = '';
  try {
    libs = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });
  } catch {
    libs = '';
  }
  if (!libs.includes('libvulkan.so.1')) return false;
  const icdDirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  const icds = icdDirs.flatMap((d) => (existsSync(d) ? readdirSync(d) : []));
  if (icds.length === 0 && !process.env.VK_DRIVER_FILES && !process.env.VK_ICD_FILENAMES) return false;
  // lavapipe from Mesa < 24 is rejected by Dawn; a real GPU driver is fine.
  const onlyLvp = icds.length > 0 && icds.every((f) => f.startsWith('lvp'));
  if (onlyLvp) {
    try {
      const v = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'mesa-vulkan-drivers'], { encoding: 'utf8' });
      return Number.parseInt(v, 10) >= 24;
    } catch {
      return true; // not a dpkg system: trust what is there
    }
  }
  return true;
}

if (!haveVulkan()) {
  const shared = join(root, '..', 'shared', 'gpu', 'install-vulkan.sh');
  const script = existsSync(shared) ? shared : join(root, 'runtime', 'setup', 'install-vulkan.sh');
  if (process.getuid && process.getuid() !== 0) {
    say(`WebGPU needs a Vulkan driver (Mesa 24+ lavapipe or a GPU driver); run: sudo bash ${script}`);
    process.exit(1);
  }
  say('installing a Vulkan driver (Mesa lavapipe)…');
  const r = spawnSync('bash', [script], { stdio: 'inherit' });
  if (r.status !== 0 || !haveVulkan()) {
    say(`installing the Vulkan driver failed; run: bash ${script}`);
    process.exit(1);
  }
}
