// CodeMirror 6 editors: the cell editor (highlighting, live diagnostics as
// squiggles with the message on hover, a lint gutter, a line lit from the
// graph or the schedule, the cursor's line reported back) and a read-only
// WGSL view.

import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentUnit } from '@codemirror/language';
import { lintGutter, linter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { Decoration, drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import type { PageDiagnostic } from './analysis.js';
import { cellLanguage, highlightStyle, wgslLanguage } from './languages.js';

export interface CellEditor {
  readonly view: EditorView;
  getText(): string;
  setText(text: string): void;
  /** Re-runs the check now (e.g. after the sizes changed). */
  recheck(): void;
  /** Lights source line `line` (1-based) and scrolls to it; undefined: none. */
  lightLine(line: number | undefined): void;
}

/** The lit line: a line decoration set by an effect, moved with the text as it is edited. */
const setLitLine = StateEffect.define<number | undefined>();
const litLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let out = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setLitLine)) continue;
      const n = e.value;
      out = n !== undefined && n >= 1 && n <= tr.state.doc.lines ? Decoration.set([Decoration.line({ class: 'cm-linked-line' }).range(tr.state.doc.line(n).from)]) : Decoration.none;
    }
    return out;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/**
 * `check` runs on every change (after `delay` ms without typing) and on
 * recheck(); it returns the diagnostics to draw. `onCursorLine` hears the
 * line of the cursor whenever the user moves it.
 */
export function cellEditor(
  parent: HTMLElement,
  text: string,
  check: (text: string) => readonly PageDiagnostic[],
  onFocus: () => void,
  onCursorLine: (line: number) => void = () => {},
  delay = 250,
): CellEditor {
  const toCm = (view: EditorView, ds: readonly PageDiagnostic[]): CmDiagnostic[] =>
    ds.map((d) => ({
      from: Math.min(d.from, view.state.doc.length),
      to: Math.min(d.to, view.state.doc.length),
      severity: 'error',
      source: d.code,
      message: `${d.code} (${d.line}:${d.col}): ${d.message}`,
    }));
  const lint = linter((view) => toCm(view, check(view.state.doc.toString())), { delay });
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        bracketMatching(),
        highlightActiveLine(),
        indentUnit.of('  '),
        EditorView.lineWrapping,
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        cellLanguage,
        highlightStyle,
        lint,
        lintGutter(),
        EditorView.domEventHandlers({ focus: () => onFocus() }),
        litLine,
        EditorView.updateListener.of((u) => {
          if (u.selectionSet && u.transactions.some((t) => t.isUserEvent('select') || t.isUserEvent('input') || t.isUserEvent('delete'))) {
            onCursorLine(u.state.doc.lineAt(u.state.selection.main.head).number);
          }
        }),
        EditorView.contentAttributes.of({ 'aria-label': 'cell source', spellcheck: 'false' }),
      ],
    }),
  });
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText: (t: string) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }),
    recheck: () => view.dispatch(setDiagnostics(view.state, toCm(view, check(view.state.doc.toString())))),
    lightLine: (line) => {
      const ok = line !== undefined && line >= 1 && line <= view.state.doc.lines;
      view.dispatch({ effects: ok ? [setLitLine.of(line), EditorView.scrollIntoView(view.state.doc.line(line).from, { y: 'center' })] : [setLitLine.of(undefined)] });
    },
  };
}

export interface CodeView {
  setText(text: string): void;
}

export function wgslView(parent: HTMLElement): CodeView {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [lineNumbers(), wgslLanguage, highlightStyle, EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ 'aria-label': 'WGSL' })],
    }),
  });
  return { setText: (t) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }) };
}
