// One allocator of WGSL identifiers per kernel. Every name a generator
// declares — a `let` for a value, an accumulator, a loop variable — comes from
// here, so two declarations can never share a name: a loop nested in another
// (a reduction inside a reduction, a product inside a sum) gets a loop
// variable of its own instead of shadowing the outer one. Names the kernel
// reserves (its thread indices, bindings, offsets), WGSL's keywords and
// reserved words, and the built-ins the kernels call are never handed out.
// Hints are often source names (`f`, `c'`, `∂f`): they are spelled as WGSL
// identifiers first (`f`, `c_p`, `d_f`).

const WGSL_RESERVED = new Set([
  // keywords
  'alias', 'break', 'case', 'const', 'const_assert', 'continue', 'continuing', 'default', 'diagnostic', 'discard', 'else', 'enable',
  'false', 'fn', 'for', 'if', 'let', 'loop', 'override', 'requires', 'return', 'struct', 'switch', 'true', 'var', 'while',
  // reserved words of the WGSL specification (a source name may be any of them)
  'NULL', 'Self', 'abstract', 'active', 'alignas', 'alignof', 'as', 'asm', 'asm_fragment', 'async', 'attribute', 'auto', 'await',
  'become', 'binding_array', 'cast', 'catch', 'class', 'co_await', 'co_return', 'co_yield', 'coherent', 'column_major', 'common',
  'compile', 'compile_fragment', 'concept', 'const_cast', 'consteval', 'constexpr', 'constinit', 'crate', 'debugger', 'decltype',
  'delete', 'demote', 'demote_to_helper', 'do', 'dynamic_cast', 'enum', 'explicit', 'export', 'extends', 'extern', 'external',
  'fallthrough', 'filter', 'final', 'finally', 'friend', 'from', 'fxgroup', 'get', 'goto', 'groupshared', 'highp', 'impl',
  'implements', 'import', 'inline', 'instanceof', 'interface', 'layout', 'lowp', 'macro', 'macro_rules', 'match', 'mediump', 'meta',
  'mod', 'module', 'move', 'mut', 'mutable', 'namespace', 'new', 'nil', 'noexcept', 'noinline', 'nointerpolation', 'non_coherent',
  'noncoherent', 'noperspective', 'null', 'nullptr', 'of', 'operator', 'package', 'packoffset', 'partition', 'pass', 'patch',
  'pixelfragment', 'precise', 'precision', 'premerge', 'priv', 'protected', 'pub', 'public', 'readonly', 'ref', 'regardless',
  'register', 'reinterpret_cast', 'require', 'resource', 'restrict', 'self', 'set', 'shared', 'sizeof', 'smooth', 'snorm', 'static',
  'static_assert', 'static_cast', 'std', 'subroutine', 'super', 'target', 'template', 'this', 'thread_local', 'throw', 'trait',
  'try', 'type', 'typedef', 'typeid', 'typename', 'typeof', 'union', 'unless', 'unorm', 'unsafe', 'unsized', 'use', 'using',
  'varying', 'virtual', 'volatile', 'wgsl', 'where', 'with', 'writeonly', 'yield',
  // predeclared types, address spaces and built-in functions the kernels use (a local must not hide them)
  'f32', 'i32', 'u32', 'f16', 'bool', 'vec2', 'vec3', 'vec4', 'array', 'atomic', 'ptr', 'mat2x2', 'mat3x3', 'mat4x4', 'bitcast',
  'function', 'private', 'storage', 'uniform', 'workgroup',
  'abs', 'clamp', 'exp', 'log', 'max', 'min', 'select', 'sqrt', 'inverseSqrt', 'tanh', 'dot', 'fma', 'workgroupBarrier',
  // the random-mask functions (wgslPhilox.ts)
  'cellc_mulhi', 'cellc_philox', 'cellc_mask',
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
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.taken.has(name)) name = `${base}_${++n}`;
    this.next.set(base, n + 1);
    this.taken.add(name);
    return name;
  }
}

/**
 * A WGSL identifier from a source name: primes become `_p`, a cotangent's `∂`
 * becomes `d_`, other characters `_` (`f.W_x` → `f_W_x`). The result never
 * starts with `_` or a digit, so it is never `_` and never starts with `__`.
 */
export function sanitize(hint: string): string {
  let s = hint.replace(/'/g, '_p').replace(/∂/g, 'd_').replace(/[^A-Za-z0-9_]/g, '_');
  if (!s || /^[0-9_]/.test(s)) s = `v${s}`;
  return s;
}
