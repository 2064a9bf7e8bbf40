// Storage buffers for tensors: creation with a size check that explains itself,
// writes, and read-back through a MAP_READ staging buffer.

import type { GpuContext, GpuLimits } from './device.js';
import { BufferTooLargeError, GpuError } from './errors.js';

/** GPUBufferUsage flags, spelled out so no global is needed in Node. */
export const BufferUsage = {
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;
const MAP_MODE_READ = 0x1; // GPUMapMode.READ

export type TypedArray32 = Float32Array | Int32Array | Uint32Array;

/** Storage buffers are also copy source and destination: they can be read back and written. */
export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Throws BufferTooLargeError if a storage buffer of `bytes` for `tensor` cannot be bound on a device with `limits`. */
export function checkStorageBufferSize(limits: Pick<GpuLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>, tensor: string, bytes: number, hint?: string): void {
  if (bytes > limits.maxStorageBufferBindingSize)
    throw new BufferTooLargeError(tensor, bytes, limits.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize', hint);
  if (bytes > limits.maxBufferSize) throw new BufferTooLargeError(tensor, bytes, limits.maxBufferSize, 'maxBufferSize', hint);
}

/**
 * A storage buffer labelled `tensor`, holding `init` (copied in at creation) or
 * `init` zero-filled 4-byte elements. Empty tensors get a 4-byte buffer, since
 * WebGPU cannot bind zero bytes.
 */
export function createStorageBuffer(ctx: GpuContext, tensor: string, init: TypedArray32 | number, usage: number = STORAGE_USAGE): GPUBuffer {
  ctx.assertUsable();
  const bytes = typeof init === 'number' ? init * 4 : init.byteLength;
  if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`tensor "${tensor}": bad element count ${init}`);
  checkStorageBufferSize(ctx.limits, tensor, bytes);
  const size = Math.max(4, bytes);
  if (typeof init === 'number') return ctx.device.createBuffer({ label: tensor, size, usage }); // zeroed by WebGPU
  const buffer = ctx.device.createBuffer({ label: tensor, size, usage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(init.buffer, init.byteOffset, init.byteLength));
  buffer.unmap();
  return buffer;
}

/** A uniform buffer holding `data` (e.g. a packed parameter struct). */
export function createUniformBuffer(ctx: GpuContext, label: string, data: ArrayBuffer): GPUBuffer {
  ctx.assertUsable();
  const buffer = ctx.device.createBuffer({ label, size: Math.max(16, data.byteLength), usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data));
  buffer.unmap();
  return buffer;
}

/** Queues a write of `data` into `buffer` starting at element `elementOffset` (4-byte elements). */
export function writeBuffer(ctx: GpuContext, buffer: GPUBuffer, data: TypedArray32, elementOffset = 0): void {
  ctx.assertUsable();
  const byteOffset = elementOffset * 4;
  if (!(buffer.usage & BufferUsage.COPY_DST)) throw new GpuError(`buffer "${buffer.label}" was not created with COPY_DST usage and cannot be written`);
  if (byteOffset + data.byteLength > buffer.size)
    throw new RangeError(`writing ${data.length} elements at element ${elementOffset} overruns buffer "${buffer.label}" (${buffer.size / 4} elements)`);
  ctx.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Copies bytes [byteOffset, byteOffset + byteLength) of `buffer` (whole buffer
 * by default) into a fresh ArrayBuffer, through a staging buffer; waits for the
 * work already submitted. Both must be multiples of 4.
 */
export async function readBuffer(ctx: GpuContext, buffer: GPUBuffer, byteOffset = 0, byteLength = buffer.size - byteOffset): Promise<ArrayBuffer> {
  ctx.assertUsable();
  if (!(buffer.usage & BufferUsage.COPY_SRC)) throw new GpuError(`buffer "${buffer.label}" was not created with COPY_SRC usage and cannot be read back`);
  if (byteOffset % 4 || byteLength % 4 || byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > buffer.size)
    throw new RangeError(`cannot read bytes ${byteOffset}..${byteOffset + byteLength} of buffer "${buffer.label}" (${buffer.size} bytes; offsets and sizes must be multiples of 4)`);
  if (byteLength === 0) return new ArrayBuffer(0);
  const staging = ctx.device.createBuffer({ label: `read-back of ${buffer.label}`, size: byteLength, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  try {
    const encoder = ctx.device.createCommandEncoder({ label: `read-back of ${buffer.label}` });
    encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, byteLength);
    ctx.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(MAP_MODE_READ);
    } catch (e) {
      ctx.assertUsable(); // a lost device explains a failed map better than the map's own error
      throw e;
    }
    ctx.throwUncaptured();
    return staging.getMappedRange().slice(0);
  } finally {
    staging.destroy();
  }
}

export async function readFloat32(ctx: GpuContext, buffer: GPUBuffer, elementOffset = 0, count = buffer.size / 4 - elementOffset): Promise<Float32Array> {
  return new Float32Array(await readBuffer(ctx, buffer, elementOffset * 4, count * 4));
}

