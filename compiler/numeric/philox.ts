// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011): a counter-based generator, so any element of a random mask is
// a pure function of (key, counter) and is recomputed wherever it is read — on
// the CPU interpreter here, in WGSL by the twin in backend/webgpu/wgslPhilox.ts,
// which spells the same integer operations (32-bit products split in 16-bit
// halves: WGSL has no 64-bit integers), so both give the same bits.
//
// The masks of a cell (ir/ops.ts `mask`) use counter (element, row, step,
// stream) and key (seed, draw) and keep the first output word; a mask
// element is "on" when its top 24 bits fall below round(prob · 2²⁴).

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two u32 (exact: every partial product is below 2³²). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lo = al * bl;
  const m1 = al * bh;
  const m2 = ah * bl;
  const mid = (lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (ah * bh + Math.floor(m1 / 0x10000) + Math.floor(m2 / 0x10000) + (mid >>> 16)) >>> 0;
}

/** The four output words of Philox 4x32-10 for a counter and a key (each word a u32). */
export function philox4x32(counter: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The step counter of a mask drawn once per sequence (the same at every step). */
export const PER_SEQUENCE_STEP = 0xffffffff;

/** The integer threshold of a probability: an element is on when its top 24 bits are below it. */
export const maskThreshold = (prob: number): number => Math.round(prob * 0x1000000);

/** The key of a run's masks: the seed, the draw (a new one per training step), and whether it trains (false: masks are their expectation). */
export interface RandomKey {
  readonly seed: number;
  readonly draw: number;
  readonly training: boolean;
}

/** Is mask element `element` of `row` at `step` (PER_SEQUENCE_STEP for a per-sequence mask) of `stream` on? */
export function maskBit(key: RandomKey, stream: number, step: number, row: number, element: number, threshold: number): boolean {
  return philox4x32([element, row, step, stream], [key.seed, key.draw])[0] >>> 8 < threshold;
}
