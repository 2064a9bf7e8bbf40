// Dawn prints two lines on adapters that report huge limits (lavapipe among
// them) straight to file descriptor 2, from native code:
//
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
//   Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
//
// Nothing in the API silences them, and a Node process cannot redirect its own
// descriptor 2. So the commands that open a GPU run in a child process whose
// stderr passes through this filter: every byte reaches the terminal as it is
// written (progress bars included) except those two complete lines. The
// parent forwards SIGINT, SIGTERM and SIGHUP (interrupt.ts treats a signal
// that arrives twice at once as one), exits with the child's code or dies of
// the child's signal, and the child dies with the parent (its IPC channel
// closes). CELLC_STDERR=raw turns the filter off.

import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const DAWN_LIMIT_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const PREFIX = 'Warning: maxDynamic';
/** A held line longer than this is not a warning: let it through. */
const HOLD_MAX = 400;

/** The commands that open a GPU device (the others never see the warnings). */
export const GPU_COMMANDS = new Set(['run', 'apply', 'bench', 'train', 'demo', 'eval', 'sample', 'compare', 'sweep', 'search']);

/** Set in the child: its stderr is filtered, and whether the parent's stderr is a terminal (and its width). */
export const CHILD_ENV = 'CELLC_STDERR_FILTERED';

/**
 * A stateful filter over text chunks: returns what to write now. A line that
 * starts like a warning is held until it ends (or cannot be one); any other
 * text passes at once.
 */
export function dawnWarningFilter() {
  let held = '';
  let lineStart = true;
  const feed = (chunk) => {
    let text = held + chunk;
    held = '';
    let out = '';
    while (text.length) {
      const nl = text.indexOf('\n');
      const line = nl < 0 ? text : text.slice(0, nl);
      const mayBe = lineStart && (PREFIX.startsWith(line) || line.startsWith(PREFIX)) && line.length < HOLD_MAX;
      if (nl < 0) {
        if (mayBe) held = line;
        else {
          out += line;
          lineStart = false;
        }
        break;
      }
      if (!(lineStart && DAWN_LIMIT_WARNING.test(line))) out += `${line}\n`;
      lineStart = true;
      text = text.slice(nl + 1);
    }
    return out;
  };
  const end = () => {
    const rest = held;
    held = '';
    return rest;
  };
  return { feed, end };
}

/** Whether `argv` (the arguments after `cellc`) runs a command that opens a GPU. */
export function needsFilter(argv, env = process.env) {
  if (env[CHILD_ENV] || env.CELLC_STDERR === 'raw') return false;
  const command = argv.find((a) => !a.startsWith('-'));
  return command !== undefined && GPU_COMMANDS.has(command);
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs `script argv…` in a child node with its stderr filtered; resolves never (the parent exits as the child did). */
export function runFiltered(script, argv) {
  const err = process.stderr;
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, [CHILD_ENV]: err.isTTY ? `tty:${err.columns ?? 80}` : 'pipe' },
  });
  const filter = dawnWarningFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const out = filter.feed(chunk);
    if (out) err.write(out);
  });
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    process.on(sig, h);
    return [sig, h];
  });
  child.on('error', (e) => {
    err.write(`cellc: cannot start the command: ${e.message}\n`);
    process.exit(2);
  });
  child.on('close', (code, signal) => {
    const rest = filter.end();
    const finish = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
      if (signal) {
        process.kill(process.pid, signal);
        // in case the signal is ignored here: the shell's code for it
        setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 500).unref();
      } else process.exit(code ?? 2);
    };
    if (rest) err.write(rest, finish);
    else err.write('', finish);
  });
  return new Promise(() => {});
}

/**
 * In the child: stderr looks like the parent's (a terminal of that width, for
 * progress bars), and the child dies with the parent.
 */
export function setUpChild(env = process.env) {
  const mode = env[CHILD_ENV];
  if (!mode) return;
  const tty = /^tty:(\d+)$/.exec(mode);
  if (tty) {
    process.stderr.isTTY = true;
    process.stderr.columns = Number(tty[1]);
  }
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }
}
