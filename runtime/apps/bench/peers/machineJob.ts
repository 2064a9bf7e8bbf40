// Child process: what the WebGPU adapter says about itself (the one cellc's
// and TF.js's WebGPU jobs run on), for the benchmark's machine block.

import { acquireDevice } from '../../../core/device.js';
import { RESULT_PREFIX } from './jobs.js';
import { jobMain } from './jobMain.js';

process.argv[2] ??= '{}';
await jobMain(async () => {
  const ctx = await acquireDevice({ label: 'cellc peer benchmark: adapter info' });
  try {
    process.stdout.write(RESULT_PREFIX + JSON.stringify({ ...ctx.adapter, features: [...ctx.features].sort(), platform: ctx.platform }) + '\n');
  } finally {
    ctx.destroy();
  }
});
