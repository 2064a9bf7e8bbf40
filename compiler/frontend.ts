// The front end as one call: text → step IR graphs, or diagnostics.
//
//   lex + parse (chevrotain, recovering) → AST → elaborate (names, shapes) → IR
//
// Syntax errors stop the pipeline before elaboration (a recovered tree has
// holes); every syntax error the parser can find is still reported.

import { buildAst } from './syntax/buildAst.js';
import { parseText } from './syntax/parser.js';
import { nestingDiagnostic } from './syntax/depth.js';
import { syntaxDiagnostics } from './syntax/syntaxErrors.js';
import { diag, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import type { Graph } from './ir/graph.js';
import { verifyGraph } from './ir/verify.js';
import { elaborateCell } from './sema/elaborate.js';
import type { Program } from './syntax/ast.js';
import { SourceFile } from './source.js';

export interface FrontEndResult {
  readonly file: SourceFile;
  readonly program?: Program;
  readonly graphs: readonly Graph[];
  readonly diagnostics: readonly Diagnostic[];
}

export function parseSource(file: SourceFile): { program?: Program; diagnostics: Diagnostic[] } {
  const parsed = parseText(file.text);
  const diagnostics = syntaxDiagnostics(file.text, parsed.lexErrors, parsed.parseErrors);
  if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics) };
  const program = buildAst(parsed.cst);
  const deep = nestingDiagnostic(program);
  if (deep) return { diagnostics: [deep] };
  return { program, diagnostics };
}

export function checkSource(path: string, text: string): FrontEndResult {
  const file = new SourceFile(path, text);
  const { program, diagnostics } = parseSource(file);
  if (!program) return { file, graphs: [], diagnostics };
  const diags: Diagnostic[] = [];
  const graphs: Graph[] = [];
  const names = new Set<string>();
  if (program.cells.length === 0) diags.push(diag('E109', "the file defines no cell; write 'cell NAME(x[I]) { … }'", { start: 0, end: Math.max(1, Math.min(1, text.length)) }));
  for (const cell of program.cells) {
    if (names.has(cell.name.name)) diags.push(diag('E110', `cell '${cell.name.name}' is defined twice in this file`, cell.name.span));
    names.add(cell.name.name);
    const g = elaborateCell(cell, diags, file);
    if (g) {
      verifyGraph(g);
      graphs.push(g);
    }
  }
  return { file, program, graphs: diags.length ? [] : graphs, diagnostics: sortDiagnostics(diags) };
}
