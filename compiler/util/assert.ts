// Internal invariants. A failed assertion is a compiler bug, never a user error.

export class CompilerBug extends Error {
  constructor(message: string) {
    super(`internal compiler error: ${message}`);
    this.name = 'CompilerBug';
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new CompilerBug(message);
}

export function assertNever(x: never, what = 'value'): never {
  throw new CompilerBug(`unexpected ${what}: ${JSON.stringify(x)}`);
}
