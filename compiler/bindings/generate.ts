// Typed TypeScript bindings for cells (`cellc emit FILE --target ts`): a
// module, built with ts-morph's structures, that exports for each cell
//
//   export const H = 128;                          its sizes (and <Cell>Sizes)
//   export interface LSTMParams { readonly 'i.W_x': readonly [128, 64]; … }
//   export interface LSTMStates / LSTMInputs / LSTMOutputs   (likewise)
//   export interface LSTMSignature extends CellSignature { … }
//   export interface LSTMCell extends TypedCell<LSTMSignature> {}
//   export const LSTMParamInfo: ParamInfos<LSTMParams>      name, shape, initialiser
//   export const LSTMArtifact: Artifact = { … }             the compiled cell
//   export function createLSTM(device, { B, T }): Promise<LSTMCell>
//
// with doc comments from the cell's source (header comment, equations). The
// module imports from the package entry ('cellc'), so a consumer type-checks
// against the package's declarations, and a renamed parameter, state, input or
// output is a type error where the consumer still uses the old name.

import { printInitExpr } from '../ir/initExpr.js';
import { IndentationText, Project, QuoteKind, StructureKind, VariableDeclarationKind, type CodeBlockWriter, type JSDocStructure, type OptionalKind, type PropertySignatureStructure, type StatementStructures, type WriterFunction } from 'ts-morph';
import type { Artifact } from '../artifact/artifact.js';
import { compile } from '../index.js';
import { diag, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { checkSource } from '../frontend.js';
import { dimKey, type Shape as DimShape } from '../ir/dims.js';
import type { Graph, Initializer } from '../ir/graph.js';
import { cellDocs, type CellDocs } from './sourceDocs.js';

export interface BindingsOptions {
  /** File name for diagnostics and the doc comments (default "<input>"). */
  readonly path?: string;
  /** Only this cell (default: every cell of the file, one factory each). */
  readonly cell?: string;
  /** Size overrides, as for compile(). */
  readonly sizes?: Readonly<Record<string, number>>;
  /** The module the bindings import the runtime from (default 'cellc'). */
  readonly importFrom?: string;
  /** The command that regenerates the module, quoted in its header. */
  readonly command?: string;
}

export type BindingsResult =
  | { readonly code: string; readonly cells: readonly string[] }
  | { readonly diagnostics: readonly Diagnostic[]; readonly formatted: string };

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface ' +
    'package private protected public await async of type declare namespace module any unknown never object string number boolean symbol bigint undefined'
  ).split(' '),
);

const isIdentifier = (s: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) && !RESERVED.has(s);
/** A property name: bare when it is an identifier, else a single-quoted string. */
const propName = (s: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
const tupleType = (shape: readonly number[]) => `readonly [${shape.join(', ')}]`;
/** Text for a doc comment: nothing in it may end the comment. */
const docText = (s: string) => s.replace(/\*\//g, '*\\/');
const code = (s: string) => '```\n' + docText(s) + '\n```';
const joinParas = (...ps: (string | undefined | false)[]) => ps.filter((p): p is string => !!p && p.trim() !== '').join('\n\n');

function initText(init: Initializer): string {
  switch (init.kind) {
    case 'zeros':
      return 'zeros';
    case 'const':
      return `constant ${init.value}`;
    case 'uniform':
      return `uniform(${init.lo}, ${init.hi})`;
    case 'normal':
      return `normal(std ${init.std})`;
    case 'glorot':
      return 'Glorot (Xavier) uniform';
    case 'orthogonal':
      return 'orthogonal';
    case 'identity':
      return `identity × ${init.scale}`;
    case 'expr':
      return printInitExpr(init.expr);
  }
}

const symbolic = (s: DimShape | undefined) => (s ? `[${s.map(dimKey).join(', ')}]` : undefined);

interface CellModel {
  readonly graph: Graph;
  readonly artifact: Artifact;
  readonly docs: CellDocs;
  readonly inputDecls: ReadonlyMap<string, string>;
}

function nodeShape(g: Graph, list: readonly { name: string; node: number }[], name: string): DimShape | undefined {
  const b = list.find((x) => x.name === name);
  return b ? g.nodes[b.node].type.shape : undefined;
}

/** Generates the bindings module for the cells of `source`, or returns diagnostics. */
export function generateBindings(source: string, options: BindingsOptions = {}): BindingsResult {
  const path = options.path ?? '<input>';
  const checked = checkSource(path, source);
  const fail = (ds: readonly Diagnostic[]): BindingsResult => ({
    diagnostics: ds,
    formatted: ds.map((d) => formatDiagnostic(d, d.span ? checked.file : undefined)).join('\n'),
  });
  if (checked.diagnostics.length || !checked.program) return fail(checked.diagnostics);
  const program = checked.program;

  let graphs = checked.graphs;
  if (options.cell !== undefined) {
    graphs = graphs.filter((g) => g.name === options.cell);
    if (!graphs.length) return fail([diag('E101', `${path} has no cell named '${options.cell}' (it has: ${checked.graphs.map((g) => g.name).join(', ')})`)]);
  }
  const sizes = options.sizes ?? {};
  for (const name of Object.keys(sizes)) {
    if (!graphs.some((g) => g.sizes.some((s) => s.name === name))) {
      return fail([diag('E401', `no cell of ${path} has a size symbol '${name}' that can be set`)]);
    }
  }

  const cells: CellModel[] = [];
  for (const graph of graphs) {
    const own = Object.fromEntries(Object.entries(sizes).filter(([k]) => graph.sizes.some((s) => s.name === k)));
    const r = compile(source, { path, cell: graph.name, sizes: own });
    if ('diagnostics' in r) return { diagnostics: r.diagnostics, formatted: r.formatted };
    const decl = program.cells.find((c) => c.name.name === graph.name)!;
    const inputDecls = new Map(decl.inputs.map((i) => [i.name.name, source.slice(i.span.start, i.span.end)]));
    cells.push({ graph, artifact: r.artifact, docs: cellDocs(source, program, decl), inputDecls });
  }
  return { code: emitModule(path, cells, options), cells: cells.map((c) => c.graph.name) };
}

function emitModule(path: string, cells: readonly CellModel[], options: BindingsOptions): string {
  const from = options.importFrom ?? 'cellc';
  const statements: (string | StatementStructures)[] = [];
  const imported = ['createTypedCell', 'Artifact', 'CellSignature', 'GpuContext', 'ParamInfos', 'RuntimeShape', 'TypedCell'];
  const taken = new Set<string>(imported);
  const names = cells.map((c) => {
    const n = c.graph.name;
    const base = n[0].toUpperCase() + n.slice(1);
    const r = {
      factory: `create${base}`,
      cell: `${base}Cell`,
      signature: `${base}Signature`,
      params: `${base}Params`,
      states: `${base}States`,
      inputs: `${base}Inputs`,
      outputs: `${base}Outputs`,
      paramInfo: `${base}ParamInfo`,
      artifact: `${base}Artifact`,
      sizes: `${base}Sizes`,
    };
    for (const v of Object.values(r)) taken.add(v);
    return r;
  });

  const sizeText = (a: Artifact) => Object.entries(a.sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'no sizes';
  statements.push(
    [
      `// Generated by cellc from ${path} (${cells.map((c) => `cell ${c.graph.name}: ${sizeText(c.artifact)}`).join('; ')}).`,
      `// Do not edit: regenerate with \`${options.command ?? `cellc emit ${path} --target ts`}\`.`,
    ].join('\n'),
  );

  statements.push({
    kind: StructureKind.ImportDeclaration,
    moduleSpecifier: from,
    namedImports: [
      { name: imported[0] },
      ...imported.slice(1).map((name) => ({ name, isTypeOnly: true })),
    ],
  });

  // Sizes: a plain constant per size name when every cell that has it agrees on its value.
  const sizeOwners = new Map<string, { value: number; cells: CellModel[] }[]>();
  for (const c of cells) {
    for (const [k, v] of Object.entries(c.artifact.sizes)) {
      const list = sizeOwners.get(k) ?? [];
      const same = list.find((x) => x.value === v);
      if (same) same.cells.push(c);
      else list.push({ value: v, cells: [c] });
      sizeOwners.set(k, list);
    }
  }
  for (const [name, list] of sizeOwners) {
    if (list.length !== 1 || !isIdentifier(name) || taken.has(name)) continue;
    taken.add(name);
    const { value, cells: owners } = list[0];
    const decls = owners.map((c) => {
      const d = c.graph.sizes.find((s) => s.name === name);
      const declared = c.docs.statementsFor(name)[0];
      return `cell ${c.graph.name}: ${declared ? `\`${declared}\`` : `size ${name}`}${d?.value !== undefined && d.value !== value ? ` (set to ${value})` : ''}`;
    });
    statements.push({
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [{ description: docText(`Size \`${name}\` = ${value}; ${decls.join('; ')}.`) }],
      declarations: [{ name, initializer: String(value) }],
    });
  }

  // Multi-line initializers are set after the file is built: a structure's
  // initializer is printed with a hanging indent (every line after the first indented).
  const initializers = new Map<string, WriterFunction>();
  cells.forEach((c, i) => statements.push(...cellStatements(path, from, c, names[i], initializers)));

  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { quoteKind: QuoteKind.Single, indentationText: IndentationText.TwoSpaces },
  });
  const file = project.createSourceFile('bindings.ts', { statements });
  for (const [name, init] of initializers) file.getVariableDeclarationOrThrow(name).getInitializerOrThrow().replaceWithText(init);
  return file.getFullText();
}

function cellStatements(path: string, from: string, c: CellModel, n: Record<string, string>, initializers: Map<string, WriterFunction>): StatementStructures[] {
  const { graph: g, artifact: a, docs } = c;
  const cellName = g.name;
  const about = joinParas(
    docText(docs.header),
    `Equations (cell \`${cellName}\` of ${docText(path)}${a.reverse ? ', a reverse-time cell: the scan runs t = T−1 … 0' : ''}):\n${code(docs.equations.join('\n'))}`,
  );
  const statementsOf = (name: string) => docs.statementsFor(name);
  const stmtDoc = (name: string) => {
    const ss = statementsOf(name);
    return ss.length ? code(ss.join('\n')) : undefined;
  };
  const jsdoc = (description: string, tags: { tagName: string; text?: string }[] = []): OptionalKind<JSDocStructure> => ({
    description: '\n' + description,
    tags: tags.map((t) => ({ kind: StructureKind.JSDocTag, ...t })),
  });
  const shapeProps = (
    list: readonly { name: string; shape: readonly number[] }[],
    describe: (x: { name: string; shape: readonly number[] }) => string,
  ): OptionalKind<PropertySignatureStructure>[] =>
    list.map((x) => ({ name: propName(x.name), type: tupleType(x.shape), isReadonly: true, docs: [jsdoc(describe(x))] }));

  const out: StatementStructures[] = [];
  const deferred = (name: string, init: WriterFunction) => {
    initializers.set(name, init);
    return '{}';
  };

  out.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsdoc(`The sizes cell \`${cellName}\` was compiled with.`)],
    declarations: [
      {
        name: n.sizes,
        initializer: (w: CodeBlockWriter) => {
          w.write('{ ');
          w.write(Object.entries(a.sizes).map(([k, v]) => `${propName(k)}: ${v}`).join(', '));
          w.write(' } as const');
        },
      },
    ],
  });

  out.push({
    kind: StructureKind.Interface,
    name: n.params,
    isExported: true,
    docs: [jsdoc(`The parameters of cell \`${cellName}\`: name → shape.`)],
    properties: shapeProps(a.params, (x) => {
      const p = a.params.find((q) => q.name === x.name)!;
      const sym = symbolic(nodeShape(g, g.params, x.name));
      return joinParas(
        `Parameter \`${docText(x.name)}\`, shape ${sym ?? ''}${sym ? ' = ' : ''}[${x.shape.join(', ')}], initialiser ${initText(p.init)}.`,
        stmtDoc(x.name),
      );
    }),
  });

  out.push({
    kind: StructureKind.Interface,
    name: n.states,
    isExported: true,
    docs: [jsdoc(`The states of cell \`${cellName}\`: name → shape (per example; B rows at run time).`)],
    properties: shapeProps(a.states, (x) => {
      const s = a.states.find((q) => q.name === x.name)!;
      const sym = symbolic(nodeShape(g, g.states, x.name));
      return joinParas(
        `State \`${docText(x.name)}\`, shape ${sym ?? ''}${sym ? ' = ' : ''}[${x.shape.join(', ')}], starting from ${s.initParam ? `parameter \`${docText(s.initParam.param)}\` (a learned initial state)` : s.init}.`,
        stmtDoc(x.name) ?? (x.name.includes('.') ? 'A state the compiler created (a delay line).' : undefined),
      );
    }),
  });

  out.push({
    kind: StructureKind.Interface,
    name: n.inputs,
    isExported: true,
    docs: [jsdoc(`The inputs of cell \`${cellName}\`: name → shape per step and example (T·B rows at run time, time-major).`)],
    properties: shapeProps(a.inputs, (x) => {
      const inp = a.inputs.find((q) => q.name === x.name)!;
      const declared = c.inputDecls.get(x.name);
      return joinParas(
        `Input \`${docText(declared ?? x.name)}\`${inp.dtype === 'i32' ? ' (an index input: pass the integer values as floats)' : ''}, shape [${x.shape.join(', ')}].`,
      );
    }),
  });

  out.push({
    kind: StructureKind.Interface,
    name: n.outputs,
    isExported: true,
    docs: [jsdoc(`The outputs of cell \`${cellName}\`: name → shape per step and example (T·B rows at run time, time-major).`)],
    properties: shapeProps(a.outputs, (x) => {
      const sym = symbolic(nodeShape(g, g.outputs, x.name));
      return joinParas(`Output \`${docText(x.name)}\`, shape ${sym ?? ''}${sym ? ' = ' : ''}[${x.shape.join(', ')}].`, stmtDoc(x.name));
    }),
  });

  const gradInputs = a.inputs.filter((x) => x.dtensor).map((x) => `'${x.name}'`);
  out.push({
    kind: StructureKind.Interface,
    name: n.signature,
    isExported: true,
    extends: ['CellSignature'],
    docs: [jsdoc(`The names and shapes of cell \`${cellName}\` (its header comment and equations: {@link ${n.cell}}).`)],
    properties: [
      { name: 'params', type: n.params, isReadonly: true, docs: [jsdoc('Parameters: name → shape.')] },
      { name: 'states', type: n.states, isReadonly: true, docs: [jsdoc('States: name → shape.')] },
      { name: 'inputs', type: n.inputs, isReadonly: true, docs: [jsdoc('Inputs: name → shape.')] },
      { name: 'outputs', type: n.outputs, isReadonly: true, docs: [jsdoc('Outputs: name → shape.')] },
      { name: 'gradInputs', type: gradInputs.join(' | ') || 'never', isReadonly: true, docs: [jsdoc('The inputs with a gradient (float inputs).')] },
    ],
  });

  out.push({
    kind: StructureKind.Interface,
    name: n.cell,
    isExported: true,
    extends: [`TypedCell<${n.signature}>`],
    docs: [jsdoc(`Cell \`${cellName}\` running on a device: typed parameter and state accessors, forward, backward, trainStep.\n\n${about}`)],
  });

  out.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsdoc(`The parameters of cell \`${cellName}\`: name, shape and initialiser of each.`)],
    declarations: [
      {
        name: n.paramInfo,
        type: `ParamInfos<${n.params}>`,
        initializer: deferred(n.paramInfo, (w: CodeBlockWriter) => {
          if (!a.params.length) return void w.write('{}');
          w.inlineBlock(() => {
            for (const p of a.params) w.writeLine(`${propName(p.name)}: ${JSON.stringify({ name: p.name, shape: p.shape, init: p.init })},`);
          });
        }),
      },
    ],
  });

  out.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsdoc(`Cell \`${cellName}\` compiled at ${Object.entries(a.sizes).map(([k, v]) => `${k}=${v}`).join(', ') || 'its sizes'}: kernels, memory layout, schedules (for createRuntime or createTypedCell).`)],
    declarations: [
      {
        name: n.artifact,
        type: 'Artifact',
        initializer: deferred(n.artifact, (w: CodeBlockWriter) => {
          w.inlineBlock(() => {
            for (const [k, v] of Object.entries(a)) {
              if (Array.isArray(v) && v.length) {
                w.write(`${JSON.stringify(k)}: [`).newLine();
                w.indent(() => v.forEach((x) => w.writeLine(`${JSON.stringify(x)},`)));
                w.writeLine('],');
              } else w.writeLine(`${JSON.stringify(k)}: ${JSON.stringify(v)},`);
            }
          });
        }),
      },
    ],
  });

  const example = [
    `import { acquireDevice } from '${from}';`,
    '',
    'const gpu = await acquireDevice();',
    `const cell = await ${n.factory}(gpu, { B: 2, T: 3 });`,
    'cell.initParams(1);',
    `const outputs = await cell.forward({ ${a.inputs.map((x) => `${propName(x.name)}: new Float32Array(3 * 2${x.shape.map((d) => ` * ${d}`).join('')})`).join(', ')} });`,
    'cell.destroy();',
    'gpu.destroy();',
  ].join('\n');
  out.push({
    kind: StructureKind.Function,
    name: n.factory,
    isExported: true,
    parameters: [
      { name: 'device', type: 'GPUDevice | GpuContext' },
      { name: 'shape', type: 'RuntimeShape' },
    ],
    returnType: `Promise<${n.cell}>`,
    docs: [
      jsdoc(`Allocates cell \`${cellName}\` on a device for batch size B and sequence length T and creates its pipelines.\n\n${about}`, [
        { tagName: 'param', text: 'device A GpuContext from acquireDevice() (recommended), or a GPUDevice.' },
        { tagName: 'param', text: 'shape The batch size B and sequence length T.' },
        { tagName: 'returns', text: `The running cell; call destroy() when done with it.` },
        { tagName: 'example', text: '\n```ts\n' + example + '\n```' },
      ]),
    ],
    statements: [`return createTypedCell<${n.signature}>(device, ${n.artifact}, shape);`],
  });
  return out;
}
