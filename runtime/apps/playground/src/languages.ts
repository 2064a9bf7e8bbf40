// Syntax highlighting for the cell language and for WGSL: small CodeMirror
// StreamLanguages (no Lezer grammar), with one highlight style for both.

import { BUILTINS } from '../../../../compiler/index.js';
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StreamParser } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

/** Keywords of the cell language (compiler/syntax/tokens.ts). */
export const CELL_KEYWORDS = new Set(['cell', 'size', 'param', 'state', 'output', 'init', 'index']);
const CELL_FUNCTIONS = new Set(Object.keys(BUILTINS));

interface CellState {
  depth: number;
  /** The previous token was the keyword that introduces a name (cell, size, state, param). */
  defines: string | null;
}

const cellParser: StreamParser<CellState> = {
  name: 'cell',
  startState: () => ({ depth: 0, defines: null }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    if (stream.match(/^#.*/)) return 'comment';
    if (stream.match(/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/)) {
      state.defines = null;
      return 'number';
    }
    const primed = stream.match(/^[A-Za-z_][A-Za-z0-9_]*'/);
    if (primed) {
      state.defines = null;
      return 'primed';
    }
    const id = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (id) {
      const word = id[0];
      const defines = state.defines;
      state.defines = null;
      if (CELL_KEYWORDS.has(word)) {
        if (word !== 'init' && word !== 'index') state.defines = word;
        return 'keyword';
      }
      if (defines === 'cell') return 'cellName';
      if (defines) return 'definition';
      if (CELL_FUNCTIONS.has(word) && stream.match(/^\s*\(/, false)) return 'function';
      if (state.depth > 0 && stream.match(/^\s*=(?!=)/, false)) return 'keyword-argument';
      return 'variable';
    }
    state.defines = null;
    const ch = stream.next()!;
    if (ch === '(' || ch === '[' || ch === '{') {
      state.depth++;
      return 'bracket';
    }
    if (ch === ')' || ch === ']' || ch === '}') {
      state.depth = Math.max(0, state.depth - 1);
      return 'bracket';
    }
    if ('+-*/@=<>!:'.includes(ch)) {
      stream.eatWhile(/[=]/);
      return 'operator';
    }
    return 'punctuation';
  },
  languageData: { commentTokens: { line: '#' } },
  tokenTable: {
    primed: t.special(t.variableName),
    cellName: t.definition(t.typeName),
    definition: t.definition(t.variableName),
    function: t.function(t.variableName),
    'keyword-argument': t.propertyName,
    variable: t.variableName,
  },
};

export const cellLanguage = StreamLanguage.define(cellParser);

const WGSL_KEYWORDS = new Set([
  'fn', 'let', 'var', 'const', 'override', 'struct', 'return', 'if', 'else', 'for', 'loop', 'while', 'break',
  'continue', 'switch', 'case', 'default', 'discard', 'alias', 'enable', 'requires', 'continuing', 'true', 'false',
]);
const WGSL_TYPES = /^(?:f32|f16|i32|u32|bool|vec[234][fhiu]?|mat[234]x[234][fh]?|array|ptr|atomic|uniform|storage|read_write|read|workgroup|private|function)$/;

const wgslParser: StreamParser<null> = {
  name: 'wgsl',
  startState: () => null,
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match(/^\/\/.*/)) return 'comment';
    if (stream.match(/^@[A-Za-z_]+/)) return 'meta';
    if (stream.match(/^(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[fhiu]?/)) return 'number';
    const id = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (id) {
      if (WGSL_KEYWORDS.has(id[0])) return 'keyword';
      if (WGSL_TYPES.test(id[0])) return 'type';
      if (stream.match(/^\s*\(/, false)) return 'function';
      return 'variable';
    }
    const ch = stream.next()!;
    if ('()[]{}'.includes(ch)) return 'bracket';
    if ('+-*/%=<>!&|^~'.includes(ch)) return 'operator';
    return 'punctuation';
  },
  languageData: { commentTokens: { line: '//' } },
  tokenTable: { function: t.function(t.variableName), variable: t.variableName, type: t.typeName },
};

export const wgslLanguage = StreamLanguage.define(wgslParser);

export const highlightStyle = syntaxHighlighting(
  HighlightStyle.define([
    { tag: t.keyword, color: '#8b2fc9', fontWeight: '600' },
    { tag: t.comment, color: '#6a737d', fontStyle: 'italic' },
    { tag: t.lineComment, color: '#6a737d', fontStyle: 'italic' },
    { tag: t.number, color: '#b35900' },
    { tag: t.special(t.variableName), color: '#c2185b', fontWeight: '600' },
    { tag: t.definition(t.typeName), color: '#005cc5', fontWeight: '700' },
    { tag: t.definition(t.variableName), color: '#005cc5' },
    { tag: t.function(t.variableName), color: '#22863a' },
    { tag: t.propertyName, color: '#795e26' },
    { tag: t.typeName, color: '#005cc5' },
    { tag: t.meta, color: '#b31d28' },
    { tag: t.operator, color: '#d73a49' },
    { tag: t.bracket, color: '#586069' },
  ]),
);
