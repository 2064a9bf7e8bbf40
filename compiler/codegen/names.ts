// One allocator of WGSL identifiers per kernel. Every name a generator
// declares — a `let` for a value, an accumulator, a loop variable — comes from
// here, so two declarations can never share a name: a loop nested in another
// (a reduction inside a reduction, a product inside a sum) gets a loop
// variable of its own instead of shadowing the outer one. Names the kernel
// reserves (its thread indices, bindings, offsets) and WGSL's keywords are
// never handed out.

const WGSL_RESERVED = new Set([
  // keywords
  'alias', 'break', 'case', 'const', 'const_assert', 'continue', 'continuing', 'default', 'diagnostic', 'discard', 'else', 'enable',
  'false', 'fn', 'for', 'if', 'let', 'loop', 'override', 'requires', 'return', 'struct', 'switch', 'true', 'var', 'while',
  // predeclared types and built-in functions the kernels use (a local must not hide them)
  'f32', 'i32', 'u32', 'f16', 'bool', 'vec2', 'vec3', 'vec4', 'array', 'atomic', 'mat2x2', 'mat3x3', 'mat4x4',
  'abs', 'clamp', 'exp', 'log', 'max', 'min', 'select', 'sqrt', 'inverseSqrt', 'tanh', 'dot', 'fma', 'workgroupBarrier',
]);

export class NameAllocator {
  private readonly taken = new Set<string>(WGSL_RESERVED);
  private readonly next = new Map<string, number>();

  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.taken.add(r);
  }

  /** Marks names the kernel declares itself (bindings, thread indices). */
  reserve(...names: string[]): void {
    for (const n of names) this.taken.add(n);
  }

  /**
   * A fresh identifier based on `hint` (a source name such as `c'` becomes
   * `c_p`); `hint` itself when it is free, else `hint_1`, `hint_2`, …
   */
  fresh(hint: string): string {
    const base = sanitize(hint);
    let n = this.next.get(base) ?? 0;
    let name = n === 0 && !/\d$/.test(base) ? base : `${base}_${n}`;
    while (this.taken.has(name) || name.startsWith('__')) name = `${base}_${++n}`;
    this.next.set(base, n + 1);
    this.taken.add(name);
    return name;
  }
}

/** A WGSL identifier from a source name: primes become `_p`, other characters `_`. */
export function sanitize(hint: string): string {
  let s = hint.replace(/'/g, '_p').replace(/[^A-Za-z0-9_]/g, '_');
  if (!s || /^[0-9]/.test(s)) s = `v${s}`;
  if (s.startsWith('_')) s = `v${s}`;
  return s;
}
