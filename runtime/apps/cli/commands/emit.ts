// `cellc emit FILE [--target wgsl|ts] [-o OUT] [--set NAME=VALUE…] [--cell NAME]`:
// the generated code of each cell at concrete sizes.
//
//   wgsl  every fused kernel with a header line (where it runs, its dispatch
//         size, its bindings), then the GEMM descriptors as comments
//         (compiler/artifact/inspect.ts, wgslListing)
//   ts    a TypeScript module with typed bindings for the cell(s): sizes,
//         parameter / state / input / output names and shapes as types, the
//         embedded artifact and a factory create<Cell>(device, { B, T })
//         (compiler/bindings/generate.ts, built with ts-morph)
//
// Without -o the code goes to stdout.

import { type Diagnostic, parseSizeSettings, wgslListing } from '../../../../compiler/index.js';
import { writeFileSync } from 'node:fs';
import { ensureDir } from '../../train/checkpoint.js';
import { dirname } from 'node:path';
import { readSourceFile, UserError } from '../io.js';
import { compileCells } from './gpuCommon.js';

export interface EmitCliOptions {
  target: string;
  set: string[];
  cell?: string;
  out?: string;
  importFrom?: string;
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function write(out: string | undefined, text: string) {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    ensureDir(dirname(out));
    writeFileSync(out, text);
  } catch (e) {
    throw new UserError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function emitCommand(file: string, opts: EmitCliOptions): Promise<number> {
  const target = String(opts.target).trim().toLowerCase();
  if (target === 'ts' || target === 'typescript') return emitTypeScript(file, opts);
  if (target !== 'wgsl') throw new UserError(`unknown --target '${opts.target}' (supported: wgsl, ts)`);
  const cells = compileCells(file, opts.set, opts.cell);
  write(opts.out, cells.map((c) => wgslListing(c.artifact)).join('\n'));
  return 0;
}

async function emitTypeScript(file: string, opts: EmitCliOptions): Promise<number> {
  const ds: Diagnostic[] = [];
  const sizes = parseSizeSettings(opts.set, ds);
  if (ds.length) throw new UserError(ds.map((d) => d.message).join('\n'));
  const source = readSourceFile(file);
  // ts-morph (and the TypeScript compiler it carries) loads only for this target
  const { generateBindings } = await loadBindingsGenerator();
  const command = ['cellc', 'emit', file, '--target', 'ts', ...opts.set.flatMap((s) => ['--set', s]), ...(opts.cell !== undefined ? ['--cell', opts.cell] : [])]
    .concat(opts.importFrom !== undefined && opts.importFrom !== 'cellc' ? ['--import-from', opts.importFrom] : [])
    .map(shellQuote)
    .join(' ');
  const r = generateBindings(source, { path: file, sizes, cell: opts.cell, importFrom: opts.importFrom, command });
  if ('diagnostics' in r) {
    process.stderr.write(r.formatted + '\n');
    throw new UserError(`${file}: ${r.diagnostics.length} error(s)`);
  }
  write(opts.out, r.code);
  if (opts.out !== undefined) process.stderr.write(`cellc: wrote ${opts.out} (${r.cells.map((c) => `create${c[0].toUpperCase()}${c.slice(1)}`).join(', ')})\n`);
  return 0;
}

/** The bindings generator; ts-morph is an optional dependency of cellc, installed only by those who emit TypeScript. */
async function loadBindingsGenerator(): Promise<typeof import('../../../../compiler/bindings/index.js')> {
  try {
    return await import('../../../../compiler/bindings/index.js');
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    if (x?.code === 'ERR_MODULE_NOT_FOUND' && /'ts-morph'/.test(x.message)) {
      throw new UserError('emit --target ts needs the optional package ts-morph, which is not installed: run `npm install ts-morph` next to cellc');
    }
    throw e;
  }
}
