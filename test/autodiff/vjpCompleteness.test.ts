// "An op added to the vocabulary without a VJP rule does not compile."
//
// The vocabulary is the key set of the OpAttrs interface (ops.ts), and
// VJP_RULES is a Record<Op, VjpRule>. The test ADDS an op the way a developer
// would — a new key in OpAttrs, here through module augmentation in a
// virtual file — and type-checks compiler/autodiff/vjpRules.ts with the
// TypeScript compiler API: the table must now fail to compile, naming the
// op. Without the augmentation the same program has no error (the control).
// The interpreter's EVAL_RULES table, the op classification (ir/opInfo.ts)
// and the WGSL spellings (backend/webgpu/wgslOps.ts) are held to the same property.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { VJP_RULES, type VjpRule } from '../../compiler/autodiff/vjpRules.js';
import { WGSL_OPS } from '../../compiler/backend/webgpu/wgslOps.js';
import { OP_INFO } from '../../compiler/ir/opInfo.js';
import { TYPE_RULES, type Op } from '../../compiler/ir/ops.js';
import { ROOT } from './util.js';

const VJP = join(ROOT, 'compiler', 'autodiff', 'vjpRules.ts');
const EVAL = join(ROOT, 'compiler', 'tools', 'interp', 'evalRules.ts');
const INFO = join(ROOT, 'compiler', 'ir', 'opInfo.ts');
const WGSL = join(ROOT, 'compiler', 'backend', 'webgpu', 'wgslOps.ts');
const TABLES = [VJP, EVAL, INFO, WGSL];
const AUGMENT = join(ROOT, 'compiler', 'autodiff', '__new_op_augmentation__.ts');
const AUGMENT_TEXT = `// a new op, added to the vocabulary as ops.ts would add it
declare module '../ir/ops.js' {
  interface OpAttrs {
    frobnicate: Record<string, never>;
  }
}
export {};
`;

function typeErrors(files: string[], withNewOp: boolean): Map<string, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, skipLibCheck: true, lib: ['lib.es2022.d.ts'], types: [] };
  const host = ts.createCompilerHost(options);
  const norm = (f: string) => f.replace(/\\/g, '/');
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onError, create) =>
    norm(f) === norm(AUGMENT) ? ts.createSourceFile(f, AUGMENT_TEXT, lang, true) : getSourceFile(f, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => norm(f) === norm(AUGMENT) || fileExists(f);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => (norm(f) === norm(AUGMENT) ? AUGMENT_TEXT : readFile(f));
  const program = ts.createProgram(withNewOp ? [...files, AUGMENT] : files, options, host);
  const out = new Map<string, string[]>();
  for (const f of files) {
    const sf = program.getSourceFile(f)!;
    expect(sf, f).toBeDefined();
    out.set(f, program.getSemanticDiagnostics(sf).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')));
  }
  return out;
}

describe('every op has a VJP rule, enforced by the type checker', () => {
  it('VJP_RULES covers exactly the op vocabulary at run time too', () => {
    expect(Object.keys(VJP_RULES).sort()).toEqual(Object.keys(TYPE_RULES).sort());
    // the declared type is the total Record (a Partial would accept a missing rule)
    const total: Record<Op, VjpRule> = VJP_RULES;
    expect(total).toBe(VJP_RULES);
  });

  it('the classification and WGSL tables cover exactly the op vocabulary at run time too', () => {
    expect(Object.keys(OP_INFO).sort()).toEqual(Object.keys(TYPE_RULES).sort());
    expect(Object.keys(WGSL_OPS).sort()).toEqual(Object.keys(TYPE_RULES).sort());
  });

  it('adding an op to OpAttrs without a rule makes vjpRules.ts, evalRules.ts, opInfo.ts and wgslOps.ts fail to compile', () => {
    expect(readFileSync(VJP, 'utf8')).toMatch(/export const VJP_RULES: Record<Op, VjpRule>/);
    const control = typeErrors(TABLES, false);
    for (const f of TABLES) expect(control.get(f), f).toEqual([]);
    const extended = typeErrors(TABLES, true);
    for (const f of TABLES) {
      const errs = extended.get(f)!;
      expect(errs.length, `${f} should not compile with a new op and no rule`).toBeGreaterThan(0);
      expect(errs.join('\n')).toMatch(/Property 'frobnicate' is missing/);
    }
  });
});

// The same fact for the project's own `tsc --noEmit`: a table typed for a larger
// vocabulary cannot be the existing one. (Checked by the typecheck, not at run time.)
type ExtendedOp = Op | 'frobnicate';
// @ts-expect-error — 'frobnicate' has no VJP rule
export const missingRule: Record<ExtendedOp, VjpRule> = VJP_RULES;
