// Ctrl-C during training: the first press asks the run to stop after the
// current step (it saves a checkpoint); a second press exits at once.
// SIGTERM (what schedulers, `kill` and `docker stop` send) is handled the same
// way, so a stopped job loses no steps; the exit code is then 143 (128 + 15).

export interface Interrupt {
  readonly signal: { interrupted: boolean; by?: 'SIGINT' | 'SIGTERM' };
  dispose(): void;
}

export function watchInterrupt(): Interrupt {
  const signal: Interrupt['signal'] = { interrupted: false };
  const on = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (signal.interrupted) process.exit(exitCodeOf(name));
    signal.interrupted = true;
    signal.by = name;
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
