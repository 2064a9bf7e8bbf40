// The cellc command line. Every command returns an exit code; user errors are
// printed as one message (UserError) or as diagnostics, never as a stack trace.
// An internal error prints one line asking for a bug report (set
// CELLC_DEBUG=1 for the stack).

import { Command, CommanderError } from 'commander';
import { CompilerBug } from '../../compiler/util/assert.js';
import { benchCommand } from './commands/bench.js';
import { checkCommand } from './commands/check.js';
import { emitCommand } from './commands/emit.js';
import { gradcheckCommand } from './commands/gradcheck.js';
import { gradflowCommand } from './commands/gradflow.js';
import { graphCommand } from './commands/graph.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { demoCommand } from './commands/demo.js';
import { addTrainOptions, trainCommand } from './commands/train.js';
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
    .option('--backward', 'print the backward step graph (reverse-mode autodiff of one step)')
    .action((file: string, opts) => setExit(graphCommand(file, opts)));

  program
    .command('gradcheck')
    .description('check BPTT gradients against finite differences (float64) and run the dot-product test')
    .argument('<file>', '.cell file')
    .option('--T <n>', 'sequence length', '8')
    .option('--B <n>', 'batch size', '2')
    .option('--set <NAME=VALUE>', 'override a size (repeatable; default: small distinct sizes 3, 4, 5, …)', collect, [])
    .option('--seed <s>', 'random seed', '1')
    .option('--cell <name>', 'only this cell of the file')
    .option('--tol <x>', 'largest accepted relative error', '1e-6')
    .action((file: string, opts) => setExit(gradcheckCommand(file, opts)));

  program
    .command('gradflow')
    .description('norm of the state gradient dL/ds_t for t = T..0 under a loss at the last step; writes an SVG chart')
    .argument('<file>', '.cell file')
    .option('--T <n>', 'sequence length (required)')
    .option('--B <n>', 'batch size', '4')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--seed <s>', 'random seed (initialisers, inputs, readout)', '1')
    .option('--cell <name>', 'the cell to run (required when the file has several)')
    .option('--out <file>', 'SVG chart to write', 'gradflow.svg')
    .action((file: string, opts) => setExit(gradflowCommand(file, opts)));

  program
    .command('emit')
    .description('print the generated code: every WGSL kernel (with a header line each), then the GEMM descriptors')
    .argument('<file>', '.cell file')
    .option('--target <target>', 'what to emit: wgsl (ts is not implemented yet)', 'wgsl')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--cell <name>', 'only this cell of the file')
    .action((file: string, opts) => setExit(emitCommand(file, opts)));

  program
    .command('plan')
    .description('print the schedule: stages, kernels and GEMMs with what they fuse, dispatch sizes and counts')
    .argument('<file>', '.cell file')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--cell <name>', 'only this cell of the file')
    .option('--B <n>', 'batch size for the dispatch sizes', '32')
    .option('--T <n>', 'sequence length for the dispatch totals', '50')
    .action((file: string, opts) => setExit(planCommand(file, opts)));

  program
    .command('run')
    .description('run forward + backward on the GPU with random weights and inputs (--compare: against the float64 reference)')
    .argument('<file>', '.cell file')
    .option('--B <n>', 'batch size', '32')
    .option('--T <n>', 'sequence length', '50')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--cell <name>', 'the cell to run (required when the file has several)')
    .option('--seed <s>', 'random seed (initialisers, inputs)', '1')
    .option('--window <n>', 'truncated BPTT: backpropagate through windows of n steps')
    .option('--compare', 'compare every output and gradient with the float64 reference interpreter')
    .option('--tol <x>', 'largest accepted relative error with --compare', '1e-4')
    .action((file: string, opts) => setExit(runCommand(file, opts)));

  program
    .command('bench')
    .description('time forward and forward + backward on the GPU: ms per call, GFLOP/s, adapter, dispatch counts')
    .argument('<file>', '.cell file')
    .option('--B <n>', 'batch size', '32')
    .option('--T <n>', 'sequence length', '50')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--cell <name>', 'the cell to run (required when the file has several)')
    .option('--runs <n>', 'timed runs (the median is reported)', '5')
    .option('--warmup <n>', 'untimed runs first (shader compilation)', '2')
    .option('--seed <s>', 'random seed (initialisers, inputs)', '1')
    .action((file: string, opts) => setExit(benchCommand(file, opts)));

  addTrainOptions(
    program
      .command('train')
      .description('train a cell (or a stack of cells) on a built-in task on the GPU')
      .argument('<files...>', '.cell files: one cell, or one per layer')
      .option('--out <dir>', 'folder for checkpoint.safetensors, metrics.jsonl and loss.svg')
      .option('--resume', 'continue the run in --out from its checkpoint'),
  ).action((files: string[], opts) => setExit(trainCommand(files, opts)));

  program
    .command('demo')
    .description('train an LSTM and a tanh RNN on the adding problem (T = 50) and compare them')
    .option('--steps <n>', 'training steps per cell', '600')
    .option('--out <dir>', 'output folder', 'demo-output')
    .action((opts) => setExit(demoCommand(opts)));

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
