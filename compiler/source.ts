// Source files and spans. Every AST node and every diagnostic carries a Span:
// half-open character offsets into one SourceFile, turned into 1-based
// line/column only when printed.

export interface Span {
  readonly start: number;
  readonly end: number;
}

export class SourceFile {
  private readonly lineStarts: number[];

  constructor(readonly path: string, readonly text: string) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** 1-based line and column of an offset (clamped to the text). */
  position(offset: number): { line: number; col: number } {
    const off = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - this.lineStarts[lo] + 1 };
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}

