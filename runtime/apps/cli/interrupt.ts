// Ctrl-C during training: the first press asks the run to stop after the
// current step (it saves a checkpoint); a second press exits at once.

export interface Interrupt {
  readonly signal: { interrupted: boolean };
  dispose(): void;
}

export function watchInterrupt(): Interrupt {
  const signal = { interrupted: false };
  const onSigint = () => {
    if (signal.interrupted) process.exit(130);
    signal.interrupted = true;
  };
  process.on('SIGINT', onSigint);
  return { signal, dispose: () => process.off('SIGINT', onSigint) };
}
