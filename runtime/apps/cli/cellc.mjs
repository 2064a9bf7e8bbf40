#!/usr/bin/env node
// The `cellc` command. In an installed package (under node_modules) it runs
// the compiled CLI from dist/ (built by `npm pack` / prepack), so nothing
// compiles TypeScript at run time. In a clone of the repository it runs the
// TypeScript sources through tsx (a dev dependency), so an edit takes effect
// without a build; without tsx it falls back to dist/ when that was built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../../../dist/runtime/apps/cli/main.js', import.meta.url);
const installed = /[\\/]node_modules[\\/]/.test(fileURLToPath(import.meta.url));

async function fromSource() {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    return false;
  }
  tsx.register();
  await import('./main.ts');
  return true;
}

if ((installed && existsSync(built)) || !(await fromSource())) {
  if (!existsSync(built)) {
    process.stderr.write('cellc: neither the build (dist/, made by `npm run build`) nor tsx (a dev dependency: `npm install`) is there to run the command line\n');
    process.exit(2);
  }
  await import(built.href);
}
