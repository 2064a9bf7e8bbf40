// One cellc command line in this process, with stdout and stderr captured and
// a time limit, judged as a user would see it: no exit 2 (cellc's own bug),
// no JavaScript stack trace or message, an answer in time.

import { main } from '../../cli/main.js';

export interface CliVerdict {
  readonly code: number | 'hang';
  readonly stderr: string;
  readonly ms: number;
  readonly problem?: string;
}

const STACK = /\n\s+at |internal (compiler )?error|bug in cellc|Cannot read properties|is not a function|Invalid typed array|Maximum call stack|TypeError|RangeError|SyntaxError: /;

export function judgeCli(code: number | 'hang', stderr: string, ms: number, limitMs: number): string | undefined {
  if (code === 'hang') return `no answer within ${limitMs} ms`;
  if (code === 2) return `exit 2: ${stderr.trim().split('\n')[0]}`;
  if (STACK.test(stderr)) return `a JavaScript message or stack: ${stderr.trim().slice(0, 300)}`;
  if (code !== 0 && !/^(cellc: |.*error E\d{3}|error: |Usage: )/m.test(stderr)) return `exit ${code} without a cellc message: ${stderr.trim().slice(0, 200)}`;
  return undefined;
}

/** main(ARGS) here, never two at once (stdout and stderr are this process's). */
export async function runInProcess(args: string[], limitMs: number): Promise<CliVerdict> {
  const err: string[] = [];
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([main(args), new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), limitMs)))]);
    const ms = performance.now() - t0;
    const stderr = err.join('');
    return { code, stderr, ms, problem: judgeCli(code, stderr, ms, limitMs) };
  } catch (e) {
    const stderr = err.join('');
    return { code: 2, stderr, ms: performance.now() - t0, problem: `uncaught: ${(e as Error)?.stack ?? e}` };
  } finally {
    clearTimeout(timer);
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}
