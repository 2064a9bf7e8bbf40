// `cellc emit | plan | run | bench` as child processes from the repository
// root: exit codes and the lines that matter. run and bench use the real
// adapter (each process acquires its own device); B·T ≥ 45 keeps lavapipe
// from unrolling the row loops into very slow shader compiles. Without an
// adapter these fail — in CI and elsewhere — with the message checked below.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NO_ADAPTER_NODE } from '../../runtime/core/device.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  /** stderr without the Vulkan loader's and Dawn's own warning lines. */
  readonly stderr: string;
}

function cellc(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const e: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', NO_COLOR: '1', ...env };
  delete e.CELLC_DEBUG;
  const r = spawnSync(process.execPath, ['runtime/apps/cli/cellc.mjs', ...args], { cwd: ROOT, env: e, encoding: 'utf8', timeout: 170_000 });
  if (r.error) throw r.error;
  const stderr = r.stderr
    .split('\n')
    .filter((l) => !/^Warning: |^\s+at CheckVkSuccessImpl/.test(l))
    .join('\n')
    .trim();
  return { code: r.status, stdout: r.stdout, stderr };
}

function expectNoCrash(r: Run): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toMatch(/^ {4}at /m);
  expect(all).not.toMatch(/internal (compiler )?error|this is a bug in cellc/i);
}

describe('cellc emit', () => {
  it('prints every kernel that runs, GEMMs included, with a header, its bindings and its WGSL', () => {
    const r = cellc(['emit', 'dsl-examples/lstm.cell', '--target', 'wgsl', '--set', 'I=3', '--set', 'H=4']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\/\/ cellc: LSTM \(sizes I=3, H=4\); \d+ kernel\(s\); specialised for an adapter with maxComputeWorkgroupStorageSize 16384/);
    expect(r.stdout).toMatch(/^\/\/ ===== kernel f_loop_level0 \(fused\) — forward, per step .*; workgroups ceil\(H\/64\) × ceil\(B\/4\)$/m);
    expect(r.stdout).toContain('@compute @workgroup_size(64)');
    expect(r.stdout).toMatch(/^\/\/ ===== kernel f_pre_gemm0 \(gemm\) — forward, before the loop/m);
    expect(r.stdout).toMatch(/^\/\/ {3}computes: C\[T·B×16\] = A·Bᵀ \(K = 3\), A = x:x, B = p:i\.W_x, C = t:f_pre_gemm0: /m);
    expect(r.stdout).toMatch(/^\/\/ {3}@group\(0\) @binding\(3\) params: uniform ← uniform \{M = T·B, N = 16, K = 3, /m);
    expect(r.stdout).toMatch(/^\/\/ {3}@group\(1\) @binding\(0\) dims: uniform ← dims \(t, B, T\) of the step$/m);
  });

  it('is the golden listing', () => {
    const r = cellc(['emit', 'dsl-examples/gru.cell', '--set', 'I=3', '--set', 'H=4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(`${ROOT}/test/golden/wgsl/gru.wgsl`, 'utf8'));
  });

  it('rejects an unknown target in one line', () => {
    const glsl = cellc(['emit', 'dsl-examples/lstm.cell', '--target', 'glsl']);
    expect(glsl.code).toBe(1);
    expect(glsl.stdout).toBe('');
    expect(glsl.stderr).toMatch(/^cellc: unknown --target 'glsl' \(supported: wgsl[^)]*\)$/);
  });

  it('a free size without --set is E402; a bad --set is E401; exit 1 either way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellc-emit-'));
    try {
      const file = join(dir, 'free.cell');
      writeFileSync(file, "cell Free(x[I]) {\n  size H = 4\n  state h[H] = 0\n  h' = tanh(dense(x, h))\n  output h'\n}\n");
      const r = cellc(['emit', file]);
      expectNoCrash(r);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error E402: size I of cell Free has no value; pass --set I=N/);
      expect(cellc(['emit', file, '--set', 'I=2']).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = cellc(['emit', 'dsl-examples/lstm.cell', '--set', 'H=0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error E401/);
  });
});

describe('cellc plan', () => {
  it('prints the stages, what each kernel fuses, dispatch sizes and counts', () => {
    const r = cellc(['plan', 'dsl-examples/lstm.cell', '--B', '32', '--T', '50']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^plan LSTM: sizes I=64, H=128; dispatch sizes for B=32, T=50$/m);
    expect(out).toMatch(/^ {2}before the loop \(once, over all T·B rows\): 1 dispatch$/m);
    expect(out).toMatch(/^ {4}gemm {3}f_pre_gemm0 {2}workgroups ceil\(512\/64\) × ceil\(T·B\/64\) = 8 × 25$/m);
    expect(out).toMatch(/^ {6}fuses: C\[T·B×512\] = A·Bᵀ \(K = 64\), A = x:x/m);
    expect(out).toMatch(/^ {2}per step \(T times, t = 0 … T−1\): 1 dispatch$/m);
    expect(out).toMatch(/^ {4}kernel f_loop_level0 {2}workgroups ceil\(H\/64\) × ceil\(B\/4\) = 2 × 8$/m);
    expect(out).toMatch(/^ {6}fuses: %\d+: f32\[B,H\] = matmul /m);
    // what a kernel fuses is named after the source, with the source line
    expect(out).toMatch(/^ {6}fuses: %6: f32\[B,H\] = matmul i\.W_h, h; .*; %37 c': f32\[B,H\] = add %35, %36 {2}\(line 24\); %39 h': f32\[B,H\] = mul o, %38 {2}\(line 25\)$/m);
    expect(out).toMatch(/^ {2}per step \(T times, in reverse: t = T−1 … 0\): 2 dispatches$/m);
    expect(out).toMatch(/^ {2}parameter gradients \(once, after the loop, into cleared gradients\): \d+ dispatch/m);
    expect(out).toMatch(/^ {2}forward +1 +1 +51$/m);
    expect(out).toMatch(/^ {2}backward +2 +\d+ +\d+$/m);
  });

  it('GRU: two dispatches per forward step', () => {
    const r = cellc(['plan', 'dsl-examples/gru.cell', '--T', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}per step \(T times, t = 0 … T−1\): 2 dispatches$/m);
    expect(r.stdout).toMatch(/^ {2}forward +2 +1 +21$/m);
  });

  it('bad --B: one line, exit 1', () => {
    const r = cellc(['plan', 'dsl-examples/lstm.cell', '--B', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cellc: --B expects a whole number ≥ 1, got 'x'");
  });
});

describe('cellc run', () => {
  it('--compare at small sizes: one line per tensor, all OK, exit 0', () => {
    const r = cellc(['run', 'dsl-examples/lstm.cell', '--B', '3', '--T', '15', '--set', 'I=5', '--set', 'H=17', '--compare']);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run --compare LSTM: sizes I=5, H=17; B=3, T=15; seed 1; random initial states$/m);
    expect(r.stdout).toMatch(/^ {2}adapter: /m);
    for (const line of ['output +h', 'final state +c', 'param grad +i\\.W_x', 'param grad +g\\.b', 'initial state grad +h', 'input grad +x'])
      expect(r.stdout).toMatch(new RegExp(`^  ${line} +\\d\\.\\d\\de[-+]\\d+ +\\d\\.\\d\\de[-+]\\d+  OK$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}OK: 18 tensors against the float64 reference, worst rel err .* \(tolerance 1\.00e-4\)$/m);
  });

  it('--compare --states reachable draws the states the cell reaches; another --states is a usage error', () => {
    const r = cellc(['run', 'dsl-examples/lstm.cell', '--B', '2', '--T', '4', '--set', 'I=3', '--set', 'H=5', '--compare', '--states', 'reachable']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/; seed 1; reachable initial states$/m);
    const bad = cellc(['run', 'dsl-examples/lstm.cell', '--compare', '--states', 'zero']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("cellc: --states expects reachable or random, got 'zero'");
  });

  it('--compare: a tensor left at float32 roundoff by cancellation in the cell passes, and says so; a tighter --tol takes it literally', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cellc-cancel-')), 'cancel.cell');
    writeFileSync(file, 'cell C(x[I]) {\n  size I = 8\n  output y = log(abs(x) * 0.000001 + 1)\n}\n');
    const r = cellc(['run', file, '--B', '3', '--T', '5', '--compare']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^  output +y .* OK \(float32 roundoff \d\.\d\de-\d+\)$/m);
    expect(r.stdout).toMatch(/1 within 10x the float32 roundoff of the same cell \(cancellation\), not counted$/m);
    const strict = cellc(['run', file, '--B', '3', '--T', '5', '--compare', '--tol', '1e-5']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^  output +y .* FAIL$/m);
  });

  it('--compare fails (exit 1, FAIL lines) when the tolerance cannot be met', () => {
    const r = cellc(['run', 'dsl-examples/lstm.cell', '--B', '3', '--T', '15', '--set', 'I=5', '--set', 'H=17', '--compare', '--tol', '1e-12']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ FAIL$/m);
    expect(r.stdout).toMatch(/^ {2}FAIL: 18 tensors/m);
  });

  it('without --compare: norms of outputs and gradients, and the time of a call', () => {
    const r = cellc(['run', 'dsl-examples/gru.cell', '--B', '3', '--T', '15', '--set', 'I=5', '--set', 'H=17', '--window', '5']);
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run GRU: sizes I=5, H=17; B=3, T=15, truncated BPTT window 5; seed 1$/m);
    expect(r.stdout).toMatch(/^ {2}forward\+backward: one submit, \d+ dispatches; [\d.]+ ms the first time/m);
    expect(r.stdout).toMatch(/^ {2}output +h +\d+\.\d+ +\(765 values\)$/m);
    expect(r.stdout).toMatch(/^ {2}param grad +n\.W_x +\d/m);
  });

  it('warns that the reference is slow when a size exceeds 64', () => {
    const r = cellc(['run', 'dsl-examples/elman.cell', '--B', '5', '--T', '9', '--set', 'I=3', '--set', 'H=65', '--compare']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^cellc: warning: H=65 > 64: the float64 reference runs on the CPU and will be slow/);
  });

  it('a huge T fails fast with BufferTooLargeError naming the tensor, before allocating', () => {
    const t0 = Date.now();
    const r = cellc(['run', 'dsl-examples/lstm.cell', '--B', '512', '--T', '100000']);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expectNoCrash(r);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cellc: Tensor "tape arena \(largest tensor s:h: \d+ bytes at B=512, T=100000\)" needs [\d.]+ MiB \(\d+ bytes\), more than this device's max\w+ of [\d.]+ MiB/);
  });

  it('no adapter: the one sentence from device.ts, exit 1', () => {
    const r = cellc(['run', 'dsl-examples/lstm.cell', '--B', '2', '--T', '2'], { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('cellc:'))).toEqual([`cellc: ${NO_ADAPTER_NODE}`]);
  });

  it('--cell must name a cell of the file', () => {
    const r = cellc(['run', 'dsl-examples/lstm.cell', '--cell', 'GRU']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cellc: dsl-examples/lstm.cell has no cell named 'GRU' (it has: LSTM)");
  });
});

describe('cellc bench', () => {
  it('tiny B and T, 2 runs: a table with ms, GFLOP/s and dispatch counts, and the adapter', () => {
    const r = cellc(['bench', 'dsl-examples/lstm.cell', '--B', '3', '--T', '15', '--set', 'I=5', '--set', 'H=17', '--runs', '2', '--warmup', '1']);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^bench LSTM: sizes I=5, H=17; B=3, T=15; median of 2 run\(s\) after 1 warm-up run\(s\)$/m);
    expect(out).toMatch(/^ {2}adapter: .+/m);
    expect(out).toMatch(/^ +wall ms( +GPU ms)? +GFLOP +GFLOP\/s +dispatches$/m);
    // forward: 1 GEMM + 15 steps × 1 kernel = 16 dispatches
    expect(out).toMatch(/^ {2}forward +[\d.]+( +[\d.—]+)? +0\.\d{3} +[\d.]+ +16$/m);
    expect(out).toMatch(/^ {2}forward\+backward +[\d.]+( +[\d.—]+)? +0\.\d{3} +[\d.]+ +\d+$/m);
    expect(out).toMatch(/^ {2}dispatches per step: forward 1, backward 2; once per call: forward 1, backward \d+$/m);
    // FLOPs: 2 × 4 gates × (17×5 + 17×17) weights = 2992 per example and step
    expect(out).toContain('FLOPs = matrix products only: 2992 per example and step forward');
  });
});
