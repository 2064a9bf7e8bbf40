// Running the `cellc` CLI from tests: as a user does (a child process), or
// main() in this process with stdout and stderr captured (no tsx start-up).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../runtime/apps/cli/main.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `cellc ARGS` as a user runs it (a child process; GPU commands get their own device). */
export function cellc(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'runtime/apps/cli/cellc.mjs'), ...args], { cwd, env: { ...process.env, CELLC_DEBUG: '', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** main(ARGS) in this process, with stdout and stderr captured (never concurrently). */
export async function inProcess(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}
