// Child process: cellc's figures for one cell at one size, timed by
// `cellc bench`'s own code (benchTiming.ts): wall ms per forward and per
// forward + backward call on the WebGPU adapter, after verifying the cell
// against the float64 interpreter as `cellc bench` does (cached).
//
//   node --import tsx runtime/apps/bench/peers/cellcJob.ts '{"cell":"lstm","B":8,"T":20,"H":32,"runs":5,"warmup":2,"seed":1}'

import { join } from 'node:path';
import { targetOf } from '../../../core/device.js';
import { bindOneCell, compileCell, withGpu } from '../../cli/commands/gpuCommon.js';
import { timeBenchCalls } from '../../cli/commands/benchTiming.js';
import { assertVerified, verificationLine } from '../../verify/verify.js';
import { CELLS } from './options.js';
import { RESULT_PREFIX, type JobSpec } from './jobs.js';
import { jobMain, REPO_ROOT } from './jobMain.js';

await jobMain(async (spec: JobSpec) => {
  const file = join(REPO_ROOT, 'dsl-examples', CELLS[spec.cell].file);
  const bound = bindOneCell(file, [`I=${spec.H}`, `H=${spec.H}`]);
  return withGpu('peer benchmark', async (ctx) => {
    const verified = await assertVerified(ctx, bound, `the cell ${bound.graph.name}`, 'benchmark it');
    const c = compileCell(bound, targetOf(ctx), { schedule: 'auto', shape: { B: spec.B, T: spec.T } });
    const t = await timeBenchCalls(ctx, c, spec);
    const fwd = t.calls.forward;
    const train = t.calls['forward+backward'];
    const result = {
      fwd_ms: fwd.wall,
      train_ms: train.wall,
      fwd_runs: fwd.wallRuns,
      train_runs: train.wallRuns,
      detail: {
        ...(t.gpuTimed ? { gpu_fwd_ms: fwd.gpu, gpu_train_ms: train.gpu, gpu_fwd_runs: fwd.gpuRuns, gpu_train_runs: train.gpuRuns } : {}),
        schedule: c.artifact.schedule?.name ?? 'sequential',
        verified: verificationLine(verified),
        adapter: ctx.adapter,
      },
    };
    process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
  });
});
