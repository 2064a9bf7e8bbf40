// Runs one job in a child process and turns whatever happens into a result
// or a one-line reason: a crash (Dawn aborts now and then), an error the
// child reported, a timeout, or output without a result line. The parent
// never shares a process with a peer, so one peer's crash costs one figure.

import { spawn } from 'node:child_process';
import { ERROR_PREFIX, RESULT_PREFIX } from './jobs.js';

export type JobResult = { readonly ok: true; readonly value: unknown; readonly wallS: number } | { readonly ok: false; readonly reason: string; readonly wallS: number };

export interface JobOptions {
  readonly timeoutS: number;
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** At most this many characters of a reason, on one line. */
const REASON_CHARS = 200;
export const oneLine = (s: string) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > REASON_CHARS ? t.slice(0, REASON_CHARS - 1) + '…' : t;
};

/** The result from a child's output; exported for the tests. */
export function interpret(stdout: string, stderr: string, code: number | null, signal: NodeJS.Signals | null, timedOut: boolean, timeoutS: number): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (timedOut) return { ok: false, reason: `timed out after ${timeoutS} s` };
  const errLines = stderr.split('\n').filter((l) => l.trim() !== '');
  const reported = errLines.filter((l) => l.startsWith(ERROR_PREFIX)).pop()?.slice(ERROR_PREFIX.length);
  if (signal) return { ok: false, reason: oneLine(`crashed (${signal})${reported ? `: ${reported}` : errLines.length ? `: ${errLines[errLines.length - 1]}` : ''}`) };
  if (code !== 0) return { ok: false, reason: oneLine(reported ?? (errLines.length ? errLines[errLines.length - 1] : `exit code ${code}`)) };
  const line = stdout.split('\n').filter((l) => l.startsWith(RESULT_PREFIX)).pop();
  if (line === undefined) return { ok: false, reason: 'the job printed no result' };
  try {
    return { ok: true, value: JSON.parse(line.slice(RESULT_PREFIX.length)) };
  } catch {
    return { ok: false, reason: 'the job printed a result that is not JSON' };
  }
}

/** The children running now, stopped by stopJobs() when the benchmark itself is interrupted. */
const running = new Set<ReturnType<typeof spawn>>();

/** Kills every running job (SIGKILL): an interrupted benchmark leaves no peer running. */
export function stopJobs(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function runJob(command: string, args: readonly string[], o: JobOptions): Promise<JobResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ ok: false, reason: oneLine(`could not start ${command}: ${e.message}`), wallS: (performance.now() - t0) / 1e3 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ ...interpret(stdout, stderr, code, signal, timedOut, o.timeoutS), wallS: (performance.now() - t0) / 1e3 });
    });
  });
}
