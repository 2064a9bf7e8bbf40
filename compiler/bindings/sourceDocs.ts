// What the generated bindings' doc comments say, taken from the cell's source:
// its header comment (the `#` lines above `cell`) and its equations (the
// statements of the body, as written, with their trailing comments).

import type { CellDecl, Program, Stmt } from '../syntax/ast.js';

export interface CellDocs {
  /** The comment block right above the cell (without `#`), or the file's header for a later cell without one; '' when none. */
  readonly header: string;
  /** The body statements as written, one entry per statement (possibly several lines), dedented. */
  readonly equations: readonly string[];
  /**
   * The statements that declare or define `name` (a param, state, output or
   * assignment: `state h[H] = 0` and `h' = …`), as written; for a generated
   * name like `i.W_x` (from `dense`) those of its prefix `i`.
   */
  statementsFor(name: string): readonly string[];
}

/** The full source lines that a span touches, dedented to the first line's indentation. */
function sourceLines(text: string, start: number, end: number): string {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  let lineEnd = text.indexOf('\n', Math.max(start, end - 1));
  if (lineEnd < 0) lineEnd = text.length;
  const lines = text.slice(lineStart, lineEnd).replace(/\r/g, '').split('\n');
  const indent = /^[ \t]*/.exec(lines[0])![0].length;
  return lines.map((l) => l.slice(Math.min(indent, /^[ \t]*/.exec(l)![0].length)).trimEnd()).join('\n');
}

/** The `#` comment block that ends right above `offset` (blank lines between it and the cell allowed). */
function commentBlockAbove(text: string, from: number, offset: number): string {
  const lines = text.slice(from, offset).replace(/\r/g, '').split('\n');
  lines.pop(); // the text of the cell's own line before `cell`
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const block: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (!t.startsWith('#')) break;
    block.unshift(t.replace(/^#/, '').replace(/^ /, '').trimEnd());
  }
  while (block.length && block[0] === '') block.shift();
  while (block.length && block[block.length - 1] === '') block.pop();
  return block.join('\n');
}

function declaredName(s: Stmt): string {
  switch (s.kind) {
    case 'assign':
      return s.target.name;
    default:
      return s.name.name;
  }
}

export function cellDocs(text: string, program: Program, cell: CellDecl): CellDocs {
  const index = program.cells.indexOf(cell);
  const prevEnd = index > 0 ? program.cells[index - 1].span.end : 0;
  let header = commentBlockAbove(text, prevEnd, cell.span.start);
  if (!header && index > 0) header = commentBlockAbove(text, 0, program.cells[0].span.start);
  const equations = cell.body.map((s) => sourceLines(text, s.span.start, s.span.end));
  const byName = new Map<string, string[]>();
  cell.body.forEach((s, i) => {
    const n = declaredName(s);
    byName.set(n, [...(byName.get(n) ?? []), equations[i]]);
  });
  return {
    header,
    equations,
    statementsFor(name: string) {
      return byName.get(name) ?? byName.get(name.split('.')[0]) ?? [];
    },
  };
}
