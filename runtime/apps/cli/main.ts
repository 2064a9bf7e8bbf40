// The cellc command line. Every command returns an exit code; user errors are
// printed as one message (UserError) or as diagnostics, never as a stack trace.
// An internal error prints one line asking for a bug report (set
// CELLC_DEBUG=1 for the stack).

import { CompilerBug } from '../../../compiler/index.js';
import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.js';
import { checkCommand } from './commands/check.js';
import { emitCommand } from './commands/emit.js';
import { gradcheckCommand } from './commands/gradcheck.js';
import { gradflowCommand } from './commands/gradflow.js';
import { graphCommand } from './commands/graph.js';
import { planCommand } from './commands/plan.js';
import { DEFAULT_TOL, runCommand } from './commands/run.js';
import { applyCommand } from './commands/apply.js';
import { demoCommand } from './commands/demo.js';
import { addTrainOptions, trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { sampleCommand } from './commands/sample.js';
import { compareCommand } from './commands/compare.js';
import { sweepCommand, sweepMergeCommand } from './commands/sweep.js';
import { DEFAULT_SEARCH_OUT, searchCommand } from './commands/search.js';
import { exportTorchCommand, importTorchCommand } from './commands/torch.js';
import { collect, UserError } from './io.js';
import { VerificationError } from '../verify/verify.js';
import { BufferTooLargeError, GpuDeviceLostError, GpuUnavailableError } from '../../core/errors.js';
import { SafetensorsError } from '../train/safetensors.js';
import { packageVersion } from '../packageFiles.js';

export function buildProgram(setExit: (code: number | Promise<number>) => void): Command {
  const program = new Command('cellc')
    .description('A compiler for recurrent neural-network cells.')
    .version(packageVersion(), '-V, --version', 'print the version of cellc')
    .showHelpAfterError('(run cellc --help for usage)')
    .enablePositionalOptions() // `cellc sweep merge DIR… --out D`: --out belongs to merge
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
    .option('--after <stage>', "print the driver's result after a stage: check, bind, lower, schedule or generate")
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
    .option('--eps <x>', 'base finite-difference step ε (per tensor ε·max(1, rms); further steps are tried when it disagrees)', '1e-6')
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
    .description('print the generated code: every kernel that runs — fused step kernels, GEMMs, gradient sums — with its bindings and dispatch, or (--target ts) typed TypeScript bindings')
    .argument('<file>', '.cell file')
    .option('--target <target>', 'what to emit: wgsl, or ts (a TypeScript module: sizes, typed names and shapes, the artifact, a create<Cell>() factory)', 'wgsl')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--import-from <module>', "with --target ts: the module the bindings import the runtime from", 'cellc')
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
    .option('--schedule <name>', 'sequential, scan, step-fused, persistent or auto (the scan where exact and estimated faster at --B, --T)', 'auto')
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
    .option('--tol <x>', 'largest accepted relative error with --compare', DEFAULT_TOL.toExponential(0))
    .option('--states <kind>', 'initial states with --compare: random (N(0, 0.5²) per element) or reachable (the states the cell reaches from its declared ones, as gradcheck draws them)', 'random')
    .option('--schedule <name>', 'sequential, scan, step-fused, persistent or auto (the scan where exact and estimated faster at --B, --T)', 'auto')
    .option('--eval', 'random masks (dropout, zoneout) at their expectation, as in evaluation (default: drawn from --seed, as in training)')
    .action((file: string, opts) => setExit(runCommand(file, opts)));

  program
    .command('apply')
    .description('run a cell forward over given input sequences (JSON) with given parameters (safetensors); write its outputs as JSON')
    .argument('<file>', '.cell file')
    .requiredOption('--inputs <file.json>', 'input sequences: {"name": [T][B][…], …} (index inputs as integers)')
    .option('--outputs <file.json>', 'write the outputs {"name": [T][B][…], …} here (default: stdout)')
    .option('--params <file.safetensors>', 'parameters, one tensor per parameter named NAME or param.NAME (default: the initialisers, --seed)')
    .option('--set <NAME=VALUE>', 'override a size (repeatable)', collect, [])
    .option('--cell <name>', 'the cell to run (required when the file has several)')
    .option('--seed <s>', 'seed of the initialisers when no --params are given', '1')
    .option('--reference', 'use the float64 reference interpreter (CPU) instead of the GPU')
    .action((file: string, opts) => setExit(applyCommand(file, opts)));

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
    .option('--no-verify', 'skip the first-use comparison with the float64 interpreter')
    .option('--schedule <name>', 'sequential, scan, step-fused, persistent, auto; both (sequential and scan) or a comma-separated list: timed in alternation, with the speed-ups', 'auto')
    .action((file: string, opts) => setExit(benchCommand(file, opts)));

  addTrainOptions(
    program
      .command('train')
      .description('train a cell (or a stack of cells) on a built-in task or your own data (--data) on the GPU')
      .argument('<files...>', '.cell files: one cell, or one per layer')
      .option('--out <dir>', 'folder for checkpoint.safetensors, metrics.jsonl and loss.svg')
      .option('--resume', 'continue the run in --out from its checkpoint (the learning rate and clipping may be changed)')
      .option('--force', 'start a new run in --out even if it holds another run (overwrites it)'),
  ).action((files: string[], opts) => setExit(trainCommand(files, opts)));

  program
    .command('demo')
    .description('train an LSTM and a tanh RNN on the adding problem (T = 50) and compare them')
    .option('--steps <n>', 'training steps per cell', '600')
    .option('--out <dir>', 'output folder', 'demo-output')
    .action((opts) => setExit(demoCommand(opts)));

  program
    .command('eval')
    .description('mean loss of a trained model on held-out batches (GPU, forward only); bits per symbol and accuracy for classification tasks')
    .argument('<files...>', '.cell files the model was trained with: one, or one per layer')
    .requiredOption('--checkpoint <path>', 'checkpoint.safetensors, or the run folder that holds it')
    .option('--task <name>', "task (default: the checkpoint's)")
    .option('--text <path>', 'text file for --task text (default: the shipped corpus)')
    .option('--data <file>', "a checkpoint trained with --data: this file instead of the recorded one (read the same way, the checkpoint's normalisation)")
    .option('--batches <n>', 'held-out batches to average over', '20')
    .option('--B <n>', "batch size (default: the checkpoint's)")
    .option('--T <n>', "sequence length (default: the checkpoint's)")
    .option('--seed <n>', "seed of the held-out batches (default: the run's)")
    .option('--json', 'print one JSON object instead of text')
    .action((files: string[], opts) => setExit(evalCommand(files, opts)));

  program
    .command('sample')
    .description('generate text from a character model (a checkpoint of --task text), on the CPU')
    .argument('<files...>', '.cell files the model was trained with: one, or one per layer')
    .requiredOption('--checkpoint <path>', 'checkpoint.safetensors, or the run folder that holds it')
    .option('--text <path>', 'the text the model was trained on (only for checkpoints without a stored alphabet)')
    .option('--length <n>', 'characters to generate after the prime', '300')
    .option('--prime <text>', 'text fed to the model before sampling', 'The ')
    .option('--temperature <x>', 'softmax temperature (0: always the most likely character)', '0.8')
    .option('--seed <n>', 'sampling seed', '1')
    .action((files: string[], opts) => setExit(sampleCommand(files, opts)));

  addTrainOptions(
    program
      .command('compare')
      .description('train each cell on the same task, budget and seeds; print a table and chart all loss curves')
      .argument('<files...>', '.cell files, one model each')
      .option('--out <dir>', 'folder for compare.svg and one run folder per cell', 'compare-output')
      .option('--threshold <x>', 'report the steps until the smoothed loss falls below x')
      .option('--force', 'overwrite the run folders of an earlier compare in --out'),
  ).action((files: string[], opts) => setExit(compareCommand(files, opts)));

  const sweep = program
    .command('sweep')
    .description('train every trial of a sweep file (cells × tasks × hyperparameters × seeds), resumable and shardable; print statistics over seeds and factor importance')
    .enablePositionalOptions()
    .argument('<sweepfile>', 'the sweep (JSON; see the README)')
    .option('--out <dir>', 'folder of the sweep: trials/<id>/, summary.md, summary.json, charts', 'sweep-output')
    .option('--shard <i/n>', 'train only shard i of n (0 ≤ i < n): every n-th trial in id order')
    .option('--dry-run', 'list the trials (done or pending) and train nothing')
    .option('--trials-per-dispatch <k>', 'train up to k trials of one model (differing in seed and optimizer settings) together, in one set of dispatches; the same results as one by one', '1')
    .action((file: string, opts) => setExit(sweepCommand(file, opts)));
  sweep
    .command('merge')
    .description('the statistics and charts of a sweep from the folders of its shards (or of one folder)')
    .argument('<dirs...>', 'sweep folders (--out of each shard)')
    .option('--out <dir>', 'folder for summary.md, summary.json and the charts (default: the one DIR)')
    .action((dirs: string[], opts) => setExit(sweepMergeCommand(dirs, opts)));

  program
    .command('search')
    .description('gate-design search from a seed cell: regularised evolution and/or random chains of mutations, each candidate verified, trained and scored by its held-out loss')
    .argument('<seed>', 'the seed .cell file')
    .requiredOption('--task <name>', 'built-in task every candidate is trained on (e.g. adding)')
    .requiredOption('--budget <n>', 'candidates to train (with --strategy both: split equally between the strategies)')
    .option('--strategy <name>', 'evolve (regularised evolution), random (1–4 random mutations of the seed), or both', 'evolve')
    .option('--population <n>', 'evolve: population size', '10')
    .option('--steps <n>', 'training steps per candidate', '500')
    .option('--lr <x>', 'learning rate (Adam)', '0.01')
    .option('--T <n>', 'sequence length', '50')
    .option('--B <n>', 'batch size', '32')
    .option('--eval-batches <n>', 'held-out batches of each evaluation', '20')
    .option('--seed <k>', "seed of the search's choices and of every candidate's training", '1')
    .option('--out <dir>', 'folder of the search: candidates/, trials/, results.json, best-K.cell', DEFAULT_SEARCH_OUT)
    .option('--top <k>', 'best candidates written as DIR/best-1.cell …', '5')
    .option('--set <NAME=VALUE>', 'override a size of the seed (repeatable)', collect, [])
    .action((file: string, opts) => setExit(searchCommand(file, opts)));

  program
    .command('import-torch')
    .description('torch.nn.LSTM / torch.nn.GRU weights (safetensors) → a cellc checkpoint for lstm.cell / gru_cudnn.cell')
    .argument('<file>', 'the cell: dsl-examples/lstm.cell or dsl-examples/gru_cudnn.cell')
    .requiredOption('--weights <path>', 'a safetensors file (safetensors.torch.save_file(module.state_dict(), path))')
    .requiredOption('--out <path>', 'checkpoint file (*.safetensors) or folder')
    .option('--prefix <p>', "prefix of the RNN's tensors, e.g. 'rnn.' (default: found from weight_ih_l0)")
    .option('--embedding <name>', 'nn.Embedding weight [V, E] → embed.E (default: embed.weight when present)')
    .option('--readout <prefix>', 'nn.Linear: PREFIX.weight, PREFIX.bias → readout.W, readout.b (default: readout when present)')
    .option('--task <name>', 'check the model against this task and record it (needed by eval and sample)')
    .option('--text <path>', 'text file for --task text (default: the shipped corpus)')
    .action((file: string, opts) => setExit(importTorchCommand(file, opts)));

  program
    .command('export-torch')
    .description('a cellc checkpoint of lstm.cell / gru_cudnn.cell → torch.nn.LSTM / torch.nn.GRU weights (safetensors)')
    .argument('<checkpoint>', 'checkpoint.safetensors, or the run folder that holds it')
    .requiredOption('--out <path>', 'safetensors file to write')
    .option('--prefix <p>', "prefix of the RNN's tensors ('' for a bare nn.LSTM / nn.GRU)", 'rnn.')
    .option('--embedding <name>', "name for embed.E (default: embed.weight; none with --prefix '')")
    .option('--readout <prefix>', "nn.Linear prefix for readout.W, readout.b (default: readout; none with --prefix '')")
    .option('--dtype <dtype>', 'F32, or F16 (half the size; rounded to nearest even)', 'F32')
    .action((ckpt: string, opts) => setExit(exportTorchCommand(ckpt, opts)));

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
    // What the user can act on: bad input, no GPU, a tensor too large for the device, a lost device.
    if (e instanceof UserError || e instanceof GpuUnavailableError || e instanceof BufferTooLargeError || e instanceof GpuDeviceLostError || e instanceof SafetensorsError) {
      process.stderr.write(`cellc: ${e.message}\n`);
      return 1;
    }
    if (e instanceof VerificationError) {
      process.stderr.write(`cellc: ${e.message}\n(a bug in cellc or in the adapter's driver, not in your cell; please report it with the cell)\n`);
      return 2;
    }
    const fsError = fileSystemError(e);
    if (fsError) {
      process.stderr.write(`cellc: ${fsError}\n`);
      return 1;
    }
    const bug = e instanceof CompilerBug ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    process.stderr.write(`cellc: ${bug}\n(this is a bug in cellc; please report it with the input that caused it)\n`);
    if (process.env.CELLC_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 2;
  }
}

/**
 * A failed file-system call (a path that cannot be created or written: under
 * /dev/null, read-only, no space) is about the user's paths or machine, not a
 * bug: one sentence naming the path and the reason.
 */
function fileSystemError(e: unknown): string | undefined {
  const x = e as NodeJS.ErrnoException | undefined;
  if (!x || typeof x.code !== 'string' || typeof x.syscall !== 'string' || !/^E[A-Z]+$/.test(x.code)) return undefined;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory', ENOTDIR: 'a part of the path is not a directory', EACCES: 'permission denied', EPERM: 'operation not permitted',
    EROFS: 'read-only file system', ENOSPC: 'no space left on the device', EISDIR: 'is a directory', EEXIST: 'already exists', ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'name too long', EDQUOT: 'disk quota exceeded', EMFILE: 'too many open files', EIO: 'input/output error', EBUSY: 'busy',
  };
  const verb = /^(mkdir)$/.test(x.syscall) ? 'create the folder' : /^(write|rename|fsync|close|copyfile|unlink)$/.test(x.syscall) ? 'write' : x.syscall;
  return `cannot ${verb} ${x.path ?? ''}: ${why[x.code] ?? x.code}`.replace(/ {2}/, ' ');
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
