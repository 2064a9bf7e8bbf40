// A worker thread that judges hostile sources [from, to) of one seed and
// posts one message per case, so the main thread can tell a hang (no message
// within the limit) from slow progress and stop the worker.

import { parentPort, workerData } from 'node:worker_threads';
import { hostileSource } from './sources.js';
import { judgeSource } from './judge.js';

const { examples, seed, from, to } = workerData as { examples: string[]; seed: number; from: number; to: number };
parentPort!.postMessage({ ready: true }); // loading the compiler in a new thread is not part of any case's time
for (let i = from; i < to; i++) {
  const c = hostileSource(examples, seed, i);
  parentPort!.postMessage({ i, family: c.family, verdict: judgeSource(c.text) });
}
