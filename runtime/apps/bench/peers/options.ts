// The options of `npm run bench` (the peer benchmark): the grid of sizes, the
// cells, the peers, run counts and the output folder. Pure: argv in, options
// out, or a UserError whose one sentence names the flag.

import { parseArgs } from 'node:util';
import { UserError } from '../../cli/io.js';

/** One point of the grid: batch B, sequence length T, hidden size H (input size I = H). */
export interface Size {
  readonly B: number;
  readonly T: number;
  readonly H: number;
}

/** The cells the benchmark knows: key → example file and the name used in tables. */
export const CELLS = {
  lstm: { file: 'lstm.cell', label: 'LSTM' },
  gru: { file: 'gru.cell', label: 'GRU' },
  mut1: { file: 'mut1.cell', label: 'MUT1' },
  lnlstm: { file: 'lstm_layernorm.cell', label: 'LayerNorm-LSTM' },
} as const;
export type CellKey = keyof typeof CELLS;

export const PEERS = ['tfjs-webgpu', 'tfjs-cpu', 'torch'] as const;
export type PeerName = (typeof PEERS)[number];

export const DEFAULT_GRID: readonly Size[] = [
  { B: 8, T: 20, H: 32 },
  { B: 16, T: 50, H: 128 },
  { B: 1, T: 200, H: 128 },
  { B: 64, T: 100, H: 256 },
];
/** --quick: one small size, one timed run (B·T ≥ 45: lavapipe unrolls the row loops of smaller B·T into slow shader compiles). */
export const QUICK_GRID: readonly Size[] = [{ B: 3, T: 15, H: 8 }];

export interface BenchOptions {
  readonly grid: readonly Size[];
  readonly cells: readonly CellKey[];
  readonly peers: readonly PeerName[];
  readonly runs: number;
  readonly warmup: number;
  readonly out: string;
  /** Seconds one job (one implementation at one cell and size) may take before it is stopped and reported failed. */
  readonly timeout: number;
  /** The Python to run the torch peer with; default: the first of python3, /usr/bin/python3 that imports torch. */
  readonly python?: string;
  readonly quick: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --grid "B,T,H;B,T,H"   sizes (input size I = H); default ${DEFAULT_GRID.map((s) => `${s.B},${s.T},${s.H}`).join(';')}
  --cells LIST           of ${Object.keys(CELLS).join(',')} (default: all)
  --peers LIST           of ${PEERS.join(',')} (default: all); cellc always runs
  --runs N               timed runs per figure, the median is reported (default 5)
  --warmup N             untimed runs before them (default 2)
  --out DIR              where bench.md, bench.json and bench.svg go (default bench-results)
  --timeout S            seconds one job may take before it is reported failed (default 300)
  --python PATH          the Python with torch (default: python3, else /usr/bin/python3)
  --quick                one small size (${QUICK_GRID.map((s) => `${s.B},${s.T},${s.H}`).join(';')}), 1 run, 1 warm-up
  -h, --help             this text`;

function whole(flag: string, value: string, min: number): number {
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)) || Number(value) < min) throw new UserError(`${flag} expects a whole number ≥ ${min}, got '${value}'`);
  return Number(value);
}

/** "B,T,H;B,T,H" → sizes; every number a whole number ≥ 1. */
export function parseGrid(text: string): Size[] {
  const points = text.split(';').map((p) => p.trim());
  if (points.length === 0 || points.some((p) => p === '')) throw new UserError(`--grid expects "B,T,H;B,T,H…" (e.g. "8,20,32;16,50,128"), got '${text}'`);
  return points.map((p) => {
    const parts = p.split(',').map((x) => x.trim());
    if (parts.length !== 3 || parts.some((x) => !/^\d+$/.test(x) || Number(x) < 1)) throw new UserError(`--grid: '${p}' is not B,T,H with three whole numbers ≥ 1`);
    const [B, T, H] = parts.map(Number);
    return { B, T, H };
  });
}

/** A comma-separated list of names, each one of `allowed`, without repeats. */
function parseList<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const names = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (names.length === 0) throw new UserError(`${flag} expects a comma-separated list of ${allowed.join(', ')}, got '${text}'`);
  for (const n of names) if (!(allowed as readonly string[]).includes(n)) throw new UserError(`${flag}: unknown name '${n}' (expected ${allowed.join(', ')})`);
  return [...new Set(names)] as T[];
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        grid: { type: 'string' },
        cells: { type: 'string' },
        peers: { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        out: { type: 'string' },
        timeout: { type: 'string' },
        python: { type: 'string' },
        quick: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util's messages name the flag; keep its first sentence and point at --help
    throw new UserError(`${(e as Error).message.split('\n')[0].split(/\.\s/)[0].replace(/\.$/, '')} (see --help)`);
  }
  const v = parsed.values;
  const quick = v.quick ?? false;
  if (quick && v.grid !== undefined) throw new UserError('--quick and --grid exclude each other: --quick runs one small size');
  return {
    grid: v.grid !== undefined ? parseGrid(v.grid) : quick ? QUICK_GRID : DEFAULT_GRID,
    cells: v.cells !== undefined ? parseList('--cells', v.cells, Object.keys(CELLS) as CellKey[]) : (Object.keys(CELLS) as CellKey[]),
    peers: v.peers !== undefined ? parseList('--peers', v.peers, PEERS) : [...PEERS],
    runs: v.runs !== undefined ? whole('--runs', v.runs, 1) : quick ? 1 : 5,
    warmup: v.warmup !== undefined ? whole('--warmup', v.warmup, 0) : quick ? 1 : 2,
    out: v.out ?? 'bench-results',
    timeout: v.timeout !== undefined ? whole('--timeout', v.timeout, 1) : 300,
    ...(v.python !== undefined ? { python: v.python } : {}),
    quick,
    help: v.help ?? false,
  };
}
