/// <reference types="@webgpu/types" />
// Acquiring a WebGPU device, in a browser (navigator.gpu) or in Node (Dawn, the
// `webgpu` package, imported dynamically so a browser bundle never loads it).
//
// Dawn's Node bindings kill the process at random if the object returned by
// `create()` is garbage-collected while a device it made is alive, so the
// context and a module-level registry both hold it until `destroy()`. One
// device per adapter: every acquisition requests a fresh adapter.

import { GpuDeviceLostError, GpuUnavailableError, GpuValidationError } from './errors.js';
import { targetFromLimits, type Target } from '../../compiler/index.js';
import { vulkanDriverMayExist } from './vulkanDrivers.js';

/** The adapter limits the runtime raises from WebGPU's defaults to the adapter's maximum. */
export const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** The device limits the runtime and the kernel generators consult. */
export const REPORTED_LIMITS = [...REQUESTED_LIMITS, 'minStorageBufferOffsetAlignment', 'minUniformBufferOffsetAlignment', 'maxUniformBufferBindingSize'] as const;

export type GpuLimits = { readonly [K in (typeof REPORTED_LIMITS)[number]]: number };

export interface GpuAdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A CPU implementation (lavapipe, SwiftShader, WARP) or a fallback adapter: correct but slow. */
  readonly software: boolean;
}

export interface AcquireOptions {
  readonly powerPreference?: GPUPowerPreference;
  /** Node only: Dawn instance options, e.g. ['backend=vulkan'], ['adapter=llvmpipe']. */
  readonly dawnOptions?: readonly string[];
  /** Features to enable when the adapter has them (default: timestamp-query). */
  readonly optionalFeatures?: readonly GPUFeatureName[];
  readonly label?: string;
  /** Use this GPU object instead of navigator.gpu or Dawn (the caller keeps it alive). */
  readonly gpu?: GPU;
}

/** Where to get a driver; one sentence, also used by tests that skip outside CI. */
export const NO_ADAPTER_NODE =
  'No WebGPU adapter was found: Dawn needs a Vulkan driver (Metal on macOS, D3D12 on Windows) — install your GPU driver, ' +
  "or on Linux without a GPU Mesa's lavapipe CPU driver (Mesa 24 or newer) with `sudo bash runtime/setup/install-vulkan.sh`.";
const NO_ADAPTER_BROWSER =
  'This browser exposes WebGPU but returned no adapter: enable hardware acceleration in its settings, update the GPU driver, ' +
  'or (Chromium on Linux) launch it with --enable-unsafe-webgpu.';
const NO_WEBGPU_BROWSER =
  'This browser does not provide WebGPU (navigator.gpu is missing): use Chrome or Edge 113+ (on Linux with ' +
  '--enable-unsafe-webgpu or chrome://flags/#enable-unsafe-webgpu), Safari 26+, or Firefox 141+ (Windows; elsewhere set ' +
  'dom.webgpu.enabled in about:config), from a secure context (https or localhost).';

// Dawn GPU objects kept alive while any device made from them lives, keyed by options.
const liveDawnInstances = new Map<string, { gpu: GPU; users: number }>();

export class GpuContext {
  /** Caches of pipelines.ts, per device. */
  readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  readonly bindGroupLayouts = new Map<string, GPUBindGroupLayout>();
  /** Resolves when the device is lost (or destroyed); never rejects. */
  readonly whenLost: Promise<GpuDeviceLostError>;
  private lostError: GpuDeviceLostError | null = null;
  private uncaptured: GpuValidationError | null = null;
  /** Dawn's GPU object (or navigator.gpu), held while the device lives; null after destroy(). */
  private gpu: GPU | null;

  constructor(
    readonly device: GPUDevice,
    readonly platform: 'node' | 'browser',
    /** What the adapter says about itself (not the GPUAdapter, which the device has consumed). */
    readonly adapter: GpuAdapterSummary,
    readonly limits: GpuLimits,
    readonly features: ReadonlySet<string>,
    gpu: GPU,
    private readonly release: () => void,
  ) {
    this.gpu = gpu;
    this.whenLost = device.lost.then((info) => {
      this.lostError ??= new GpuDeviceLostError(info.reason ?? 'unknown', info.message ?? '');
      return this.lostError;
    });
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      ev.preventDefault(); // reported by throwUncaptured(), not printed by the implementation
      this.uncaptured ??= new GpuValidationError('uncaptured error (raised outside any error scope)', 'validation', e.message);
    });
  }

  get queue(): GPUQueue {
    return this.device.queue;
  }

  /** The loss error, or null while the device is usable. */
  get lost(): GpuDeviceLostError | null {
    return this.lostError;
  }

  /** Throws the device-lost error, if any; every runtime operation starts with this. */
  assertUsable(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Throws (and clears) the first error WebGPU reported outside any error scope since the last call. */
  throwUncaptured(): void {
    const e = this.uncaptured;
    this.uncaptured = null;
    if (e) throw e;
  }

  /** Destroys the device and drops the reference to Dawn's GPU object. Idempotent. */
  destroy(): void {
    if (!this.gpu) return;
    this.lostError ??= new GpuDeviceLostError('destroyed', '');
    this.pipelines.clear();
    this.bindGroupLayouts.clear();
    this.device.destroy();
    this.gpu = null;
    this.release();
  }
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

async function dawnGpu(options: readonly string[]): Promise<{ gpu: GPU; release: () => void }> {
  const key = options.join('\n');
  let entry = liveDawnInstances.get(key);
  if (!entry) {
    const specifier = 'webgpu'; // a variable, so bundlers for the browser leave it alone
    let mod: DawnModule;
    try {
      mod = (await import(/* @vite-ignore */ specifier)) as DawnModule;
    } catch (e) {
      throw new GpuUnavailableError(
        `The 'webgpu' package (Dawn for Node, an optional dependency of cellc) could not be loaded (${(e as Error).message.split('\n')[0]}): install it next to cellc with \`npm install webgpu\`, on a platform it ships binaries for (Linux x64, macOS, Windows x64).`,
      );
    }
    // GPUBufferUsage, GPUMapMode, … for code that uses the browser's globals.
    for (const [name, value] of Object.entries(mod.globals)) {
      if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
    }
    entry = { gpu: mod.create([...options]), users: 0 };
    liveDawnInstances.set(key, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    gpu: held.gpu,
    release: () => {
      if (released) return;
      released = true;
      if (--held.users === 0 && liveDawnInstances.get(key) === held) liveDawnInstances.delete(key);
    },
  };
}

function summarize(info: GPUAdapterInfo | undefined): GpuAdapterSummary {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const fallback = Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter);
  const software = fallback || architecture === 'software' || /llvmpipe|lavapipe|swiftshader|warp|software/i.test(`${device} ${description}`);
  return { vendor, architecture, device, description, software };
}

/** Requests an adapter and a device with raised limits. Throws GpuUnavailableError with what to do. */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<GpuContext> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  const platform: 'node' | 'browser' = nav?.gpu || !isNode ? 'browser' : 'node';
  let gpu: GPU;
  let release = () => {};
  if (opts.gpu) {
    gpu = opts.gpu;
  } else if (platform === 'browser') {
    if (!nav?.gpu) throw new GpuUnavailableError(NO_WEBGPU_BROWSER);
    gpu = nav.gpu;
  } else {
    // on Linux without any Vulkan driver, say so without waking Dawn (whose native complaints would precede the sentence)
    const proc = (globalThis as { process?: { platform?: string; env?: Record<string, string | undefined> } }).process;
    if (proc?.platform === 'linux' && !opts.dawnOptions?.some((o) => o.startsWith('backend=')) && !(await vulkanDriverMayExist(proc.env ?? {}))) {
      throw new GpuUnavailableError(NO_ADAPTER_NODE);
    }
    ({ gpu, release } = await dawnGpu(opts.dawnOptions ?? []));
  }
  try {
    let adapter: GPUAdapter | null;
    try {
      adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
    } catch (e) {
      const dawn = (e as Error).message.replace(/\s+/g, ' ').trim();
      if (opts.dawnOptions?.length) throw new GpuUnavailableError(`No WebGPU adapter matched the Dawn options [${opts.dawnOptions.join(', ')}] (Dawn: ${dawn}).`);
      throw new GpuUnavailableError(`${platform === 'node' ? NO_ADAPTER_NODE : NO_ADAPTER_BROWSER} (requestAdapter() failed: ${dawn})`);
    }
    if (!adapter) throw new GpuUnavailableError(platform === 'node' ? NO_ADAPTER_NODE : NO_ADAPTER_BROWSER);

    const requiredLimits: Record<string, number> = {};
    for (const k of REQUESTED_LIMITS) requiredLimits[k] = adapter.limits[k];
    const wanted = opts.optionalFeatures ?? ['timestamp-query'];
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ label: opts.label ?? 'cellc', requiredLimits, requiredFeatures });
    } catch (e) {
      throw new GpuUnavailableError(`The WebGPU adapter refused to create a device: ${(e as Error).message.split('\n')[0]}.`);
    }
    const limits = Object.fromEntries(REPORTED_LIMITS.map((k) => [k, device.limits[k]])) as GpuLimits;
    const info = adapter.info ?? (await (adapter as { requestAdapterInfo?: () => Promise<GPUAdapterInfo> }).requestAdapterInfo?.());
    return new GpuContext(device, platform, summarize(info), limits, new Set(device.features), gpu, release);
  } catch (e) {
    release();
    throw e;
  }
}

const wrapped = new WeakMap<GPUDevice, GpuContext>();

/**
 * A GpuContext around a device the caller created (e.g. in a browser page that
 * also renders with it). The caller keeps owning the device and, in Node, the
 * Dawn object it came from (keep it reachable while the device lives). Limits
 * and features are the device's own — request raised limits
 * (maxStorageBufferBindingSize, maxBufferSize, …) when creating it for large
 * B·T. The same device always gets the same context (shared pipeline caches).
 * Calling destroy() on it destroys the device.
 */
export function contextForDevice(device: GPUDevice, adapterInfo?: GPUAdapterInfo): GpuContext {
  const known = wrapped.get(device);
  if (known) return known;
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  const hasNavigatorGpu = Boolean((globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu);
  const info = adapterInfo ?? (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const limits = Object.fromEntries(REPORTED_LIMITS.map((k) => [k, device.limits[k]])) as GpuLimits;
  const ctx = new GpuContext(device, hasNavigatorGpu || !isNode ? 'browser' : 'node', summarize(info), limits, new Set(device.features), {} as GPU, () => {});
  wrapped.set(device, ctx);
  return ctx;
}

/** The compilation target of this device: its kernel limits, and whether it is a CPU implementation. */
export function targetOf(ctx: GpuContext): Target {
  return targetFromLimits(ctx.limits, ctx.adapter.software);
}
