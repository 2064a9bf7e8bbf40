// The runtime's GPU errors, and error scopes that turn Dawn's asynchronous
// validation / out-of-memory / internal errors into exceptions that name what
// the caller was building ("pipeline gemm_nn_64x64x16_4x4: …").

/** Base class: every error the GPU runtime raises on purpose. */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No usable WebGPU implementation or adapter; the message says what to install or enable. */
export class GpuUnavailableError extends GpuError {}

/** The device was lost (driver reset, out of memory, or destroyed); later operations reject with this. */
export class GpuDeviceLostError extends GpuError {
  constructor(
    readonly reason: string,
    readonly dawnMessage: string,
  ) {
    const why = reason === 'destroyed' ? 'it was destroyed (GpuContext.destroy() was called)' : `reason "${reason}"`;
    super(`The WebGPU device was lost: ${why}${dawnMessage ? `: ${dawnMessage}` : ''}.`);
  }
}

export type ErrorFilter = 'validation' | 'out-of-memory' | 'internal';

/** WebGPU rejected what was built or submitted; names the caller's label and Dawn's message. */
export class GpuValidationError extends GpuError {
  constructor(
    readonly label: string,
    readonly filter: ErrorFilter,
    readonly dawnMessage: string,
  ) {
    const what = filter === 'validation' ? 'validation error' : filter === 'out-of-memory' ? 'out of GPU memory' : 'internal GPU error';
    super(`${label}: ${what}: ${dawnMessage.trim()}`);
  }
}

/** A WGSL module failed to compile; `messages` are "line:col: text" with lines of the WGSL source. */
export class WgslCompileError extends GpuValidationError {
  constructor(
    label: string,
    readonly messages: readonly string[],
  ) {
    super(label, 'validation', `WGSL compilation failed:\n${messages.map((m) => `  ${m}`).join('\n')}`);
  }
}

const FILTERS: readonly ErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/**
 * Runs `body` inside validation, out-of-memory and internal error scopes and
 * throws a GpuValidationError naming `label` if any of them caught an error.
 * The scopes are popped even when `body` throws; a caught scope error then
 * wins, since it carries Dawn's explanation.
 */
export async function withErrorScopes<T>(device: GPUDevice, label: string, body: () => T | Promise<T>): Promise<T> {
  for (const f of FILTERS) device.pushErrorScope(f);
  let result: T;
  try {
    result = await body();
  } finally {
    // Scopes pop in reverse order of pushing: internal, out-of-memory, validation.
    const caught = await Promise.all([...FILTERS].reverse().map(() => device.popErrorScope()));
    const popped = [...FILTERS].reverse();
    // Report validation first: an OOM or internal error is usually its consequence.
    for (const f of FILTERS) {
      const e = caught[popped.indexOf(f)];
      if (e) throw new GpuValidationError(label, f, e.message);
    }
  }
  return result;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** A tensor's buffer would exceed what the device can bind or allocate. */
export class BufferTooLargeError extends GpuError {
  constructor(
    readonly tensor: string,
    readonly bytes: number,
    readonly limit: number,
    readonly limitName: string,
    /** What to change, when the caller knows better than B and T (e.g. the sizes, when the parameters alone do not fit). */
    hint = 'use a smaller batch size B or sequence length T, or truncated BPTT with a shorter window',
  ) {
    super(`Tensor "${tensor}" needs ${mib(bytes)} MiB (${bytes} bytes), more than this device's ${limitName} of ` + `${mib(limit)} MiB (${limit} bytes): ${hint}.`);
  }
}
