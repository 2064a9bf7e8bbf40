// Progress reporting for training: a progress bar (step, loss, steps/s, ETA)
// on a terminal, plain log lines otherwise (CI logs, pipes).

import cliProgress from 'cli-progress';
import type { Progress } from '../train/run.js';

export function makeProgress(label: string, logEvery: number, out: NodeJS.WriteStream = process.stderr): Progress {
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | loss {loss} | {sps} steps/s | ETA {eta_formatted}`, hideCursor: true, stream: out, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let running = false;
    let total = 0;
    return {
      // the bar (and the clock of its ETA) starts at the first update: the steps before it compile the kernels
      start(t) {
        total = t;
      },
      update(step, loss, sps) {
        if (!running) bar.start(total, step - 1, { loss: '-', sps: '-' });
        running = true;
        bar.update(step, { loss: loss.toPrecision(4), sps: sps.toFixed(1) });
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
      log(line) {
        out.write(`${line}\n`);
      },
    };
  }
  let total = 0;
  let t0 = 0;
  return {
    start(t, first) {
      total = t;
      t0 = performance.now();
      out.write(`${label}: training steps ${first + 1}…${t}\n`);
    },
    update(step, loss, sps) {
      if (step % logEvery === 0 || step === total) {
        const eta = sps > 0 ? (total - step) / sps : 0;
        out.write(`${label}: step ${step}/${total}  loss ${loss.toPrecision(4)}  ${sps.toFixed(1)} steps/s  ETA ${eta.toFixed(0)} s  (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
    },
    stop() {},
    log(line) {
      out.write(`${line}\n`);
    },
  };
}
