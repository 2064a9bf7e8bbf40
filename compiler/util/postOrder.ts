// Depth-first post-order without recursion. Walks over operands (elaboration,
// printing, code generation) follow chains as long as the user's cell: a
// chain of a few thousand steps would overflow the JavaScript stack if each
// level were a call. Here each level is an entry of an explicit stack.

/**
 * Calls `visit(n)` for `root` and every node reachable through `children`,
 * each after all of its children, in the order `children` lists them.
 * `children(n)` is asked once, when n is first reached, so it can leave out
 * what an earlier visit has already handled (a shared operand).
 */
export function postOrder<T>(root: T, children: (n: T) => Iterable<T>, visit: (n: T) => void): void {
  const stack: [T, Iterator<T>][] = [[root, children(root)[Symbol.iterator]()]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const next = top[1].next();
    if (next.done) {
      stack.pop();
      visit(top[0]);
    } else stack.push([next.value, children(next.value)[Symbol.iterator]()]);
  }
}
