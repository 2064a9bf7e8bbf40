#!/usr/bin/env node
// The `cellc` command. In an installed package (under node_modules) it runs
// the compiled CLI from dist/ (built by `npm pack` / prepack), so nothing
// compiles TypeScript at run time. In a clone of the repository it runs the
// TypeScript sources through tsx (a dev dependency), so an edit takes effect
// without a build — unless dist/ was built (`npm run build`, or by the test
// suite) after the newest source was changed: then it runs dist/, which starts
// about a second sooner. CELLC_FROM_SOURCE=1 always takes the sources; without
// tsx it falls back to dist/ when that was built.
// A command that opens a GPU runs in a child process whose stderr is filtered
// of Dawn's two limit warnings (stderrFilter.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildIsFresh } from './buildStamp.mjs';
import { needsFilter, runFiltered, setUpChild } from './stderrFilter.mjs';

const argv = process.argv.slice(2);
if (needsFilter(argv)) await runFiltered(fileURLToPath(import.meta.url), argv);
setUpChild();

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

const fresh = () => !process.env.CELLC_FROM_SOURCE && buildIsFresh(fileURLToPath(new URL('../../../', import.meta.url)));
if ((existsSync(built) && (installed || fresh())) || !(await fromSource())) {
  if (!existsSync(built)) {
    process.stderr.write('cellc: neither the build (dist/, made by `npm run build`) nor tsx (a dev dependency: `npm install`) is there to run the command line\n');
    process.exit(2);
  }
  await import(built.href);
}
