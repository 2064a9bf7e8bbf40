// CodeMirror 6 editors: the cell editor (highlighting, live diagnostics as
// squiggles with the message on hover, a lint gutter) and a read-only WGSL view.

import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentUnit } from '@codemirror/language';
import { lintGutter, linter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import type { PageDiagnostic } from './analysis.js';
import { cellLanguage, highlightStyle, wgslLanguage } from './languages.js';

export interface CellEditor {
  readonly view: EditorView;
  getText(): string;
  setText(text: string): void;
  /** Re-runs the check now (e.g. after the sizes changed). */
  recheck(): void;
}

/**
 * `check` runs on every change (after `delay` ms without typing) and on
 * recheck(); it returns the diagnostics to draw.
 */
export function cellEditor(parent: HTMLElement, text: string, check: (text: string) => readonly PageDiagnostic[], onFocus: () => void, delay = 250): CellEditor {
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
        EditorView.contentAttributes.of({ 'aria-label': 'cell source', spellcheck: 'false' }),
      ],
    }),
  });
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText: (t: string) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }),
    recheck: () => view.dispatch(setDiagnostics(view.state, toCm(view, check(view.state.doc.toString())))),
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
