// The cellc command line. Every command returns an exit code; user errors are
// printed as one message (UserError) or as diagnostics, never as a stack trace.
// An internal error prints one line asking for a bug report (set
// CELLC_DEBUG=1 for the stack).

import { Command, CommanderError } from 'commander';
import { CompilerBug } from '../../compiler/util/assert.js';
import { checkCommand } from './commands/check.js';
import { graphCommand } from './commands/graph.js';
import { collect, UserError } from './io.js';

export function buildProgram(setExit: (code: number | Promise<number>) => void): Command {
  const program = new Command('cellc')
    .description('A compiler for recurrent neural-network cells.')
    .showHelpAfterError('(run cellc --help for usage)')
    .exitOverride();

  program
    .command('check')
    .description('parse and shape-check cell files; print every diagnostic')
    .argument('<files...>', '.cell files')
    .action((files: string[]) => setExit(checkCommand(files)));

  program
    .command('graph')
    .description('print the step IR of each cell (or Graphviz DOT with --dot)')
    .argument('<file>', '.cell file')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--cell <name>', 'only this cell of the file')
    .option('--dot', 'print Graphviz DOT instead of text')
    .action((file: string, opts) => setExit(graphCommand(file, opts)));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number | Promise<number> = 0;
  try {
    const program = buildProgram((c) => (code = c));
    await program.parseAsync(argv, { from: 'user' });
    return await code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof UserError) {
      process.stderr.write(`cellc: ${e.message}\n`);
      return 1;
    }
    const bug = e instanceof CompilerBug ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    process.stderr.write(`cellc: ${bug}\n(this is a bug in cellc; please report it with the input that caused it)\n`);
    if (process.env.CELLC_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 2;
  }
}

const isEntry = process.argv[1] && /cellc(\.mjs)?$|main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 2;
    },
  );
}
