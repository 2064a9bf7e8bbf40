// A block of generated WGSL lines with its own cache of computed values:
// a value computed in an enclosing block is reused, one computed inside a
// loop body stays there. Nested blocks indent by two spaces.

export class Scope {
  readonly lines: string[] = [];
  private readonly cache = new Map<string, string>();
  constructor(
    readonly parent: Scope | undefined,
    readonly indent: string,
  ) {}
  get(key: string): string | undefined {
    return this.cache.get(key) ?? this.parent?.get(key);
  }
  set(key: string, v: string) {
    this.cache.set(key, v);
  }
  emit(line: string) {
    this.lines.push(this.indent + line);
  }
}
