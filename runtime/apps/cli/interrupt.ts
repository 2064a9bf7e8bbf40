// Ctrl-C during training: the first press asks the run to stop after the
// current step (it saves a checkpoint); a second press exits at once.
// SIGTERM (what schedulers, `kill` and `docker stop` send) is handled the same
// way, so a stopped job loses no steps; the exit code is then 143 (128 + 15).
// A second signal within REPEAT_MS of the first is the same event delivered
// twice — to the terminal's process group and forwarded by the stderr filter
// (stderrFilter.mjs), or by a scheduler that signals every process of a job —
// not a second press.

/** Signals closer together than this are one event. */
export const REPEAT_MS = 300;

export interface Interrupt {
  readonly signal: { interrupted: boolean; by?: 'SIGINT' | 'SIGTERM' };
  dispose(): void;
}

export function watchInterrupt(): Interrupt {
  const signal: Interrupt['signal'] = { interrupted: false };
  let at = 0;
  const on = (name: 'SIGINT' | 'SIGTERM') => () => {
    const now = performance.now();
    if (signal.interrupted && now - at >= REPEAT_MS) process.exit(exitCodeOf(name));
    if (signal.interrupted) return;
    signal.interrupted = true;
    signal.by = name;
    at = now;
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** The conventional exit code of a process stopped by a signal. */
export function exitCodeOf(by: 'SIGINT' | 'SIGTERM' | undefined): number {
  return by === 'SIGTERM' ? 143 : 130;
}
