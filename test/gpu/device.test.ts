// Device acquisition and lifetime on the real adapter: adapter info, raised
// limits, errors that say what to do, uncaptured errors surfacing at read-back,
// and every operation rejecting with GpuDeviceLostError once the device is gone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageBuffer, readFloat32, writeBuffer } from '../../runtime/core/buffers.js';
import { acquireDevice, NO_ADAPTER_NODE, REQUESTED_LIMITS } from '../../runtime/core/device.js';
import { GpuDeviceLostError, GpuUnavailableError, GpuValidationError } from '../../runtime/core/errors.js';
import { getComputePipeline } from '../../runtime/core/pipelines.js';
import { acquireTestDevice, deviceOrSkip, type TestDevice } from './helpers.js';

let dev: TestDevice = { ctx: null, reason: 'not acquired' };
beforeAll(async () => {
  dev = await acquireTestDevice('device.test');
});
afterAll(() => dev.ctx?.destroy());

describe('acquireDevice', () => {
  it('reports the adapter and the limits it raised', (t) => {
    const ctx = deviceOrSkip(t, dev);
    expect(ctx.platform).toBe('node');
    expect(typeof ctx.adapter.description).toBe('string');
    expect(ctx.adapter.vendor + ctx.adapter.device + ctx.adapter.description).not.toBe('');
    for (const k of REQUESTED_LIMITS) expect(ctx.limits[k], k).toBe(ctx.device.limits[k]);
    // At least WebGPU's defaults; on lavapipe exactly its maxima (128 MiB, 32 KiB, 1024).
    expect(ctx.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(ctx.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

  it('round-trips data through storage buffers, including sub-ranges', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const buf = createStorageBuffer(ctx, 'x', Float32Array.from({ length: 100 }, (_, i) => i));
    writeBuffer(ctx, buf, Float32Array.of(-1, -2), 10);
    expect([...(await readFloat32(ctx, buf, 8, 5))]).toEqual([8, 9, -1, -2, 12]);
    const zeros = createStorageBuffer(ctx, 'zeros', 7);
    expect([...(await readFloat32(ctx, zeros))]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(() => writeBuffer(ctx, zeros, new Float32Array(3), 5)).toThrow(/overruns buffer "zeros"/);
    buf.destroy();
    zeros.destroy();
  });

  it('surfaces an error raised outside any scope at the next read-back', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const buf = createStorageBuffer(ctx, 'y', 4);
    const layout = ctx.device.createBindGroupLayout({ entries: [] });
    ctx.device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: buf } }] }); // invalid: no binding 0
    await expect(readFloat32(ctx, buf)).rejects.toThrow(GpuValidationError);
    expect([...(await readFloat32(ctx, buf))]).toEqual([0, 0, 0, 0]); // reported once
    buf.destroy();
  });

  it('says what to install when there is no adapter', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const err = await acquireDevice({ gpu: noAdapter }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect((err as Error).message).toBe(NO_ADAPTER_NODE);
    expect(NO_ADAPTER_NODE).toMatch(/lavapipe.*sudo bash runtime\/setup\/install-vulkan\.sh/);
  });

  it('names the Dawn options when no adapter matches them', async (t) => {
    deviceOrSkip(t, dev); // needs Dawn to load
    const err = await acquireDevice({ dawnOptions: ['adapter=no-such-adapter'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect((err as Error).message).toMatch(/^No WebGPU adapter matched the Dawn options \[adapter=no-such-adapter\]/);
  });
});

// Last: destroys the file's device.
describe('after destroy()', () => {
  it('every operation rejects with GpuDeviceLostError', async (t) => {
    const ctx = deviceOrSkip(t, dev);
    const buf = createStorageBuffer(ctx, 'z', 4);
    ctx.destroy();
    ctx.destroy(); // idempotent
    const lost = await ctx.whenLost;
    expect(lost).toBeInstanceOf(GpuDeviceLostError);
    expect(lost.reason).toBe('destroyed');
    expect(lost.message).toMatch(/destroyed/);
    await expect(readFloat32(ctx, buf)).rejects.toThrow(GpuDeviceLostError);
    expect(() => createStorageBuffer(ctx, 'w', 4)).toThrow(GpuDeviceLostError);
    expect(() => getComputePipeline(ctx, { label: 'late', wgsl: '@compute @workgroup_size(1) fn main() {}' })).toThrow(GpuDeviceLostError);
  });
});
