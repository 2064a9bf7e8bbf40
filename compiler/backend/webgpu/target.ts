// The device a WebGPU artifact is specialised for: the adapter limits that
// decide device-dependent choices (the GEMM tiling), and whether the adapter
// is a CPU implementation (lavapipe, SwiftShader), where other tilings win.
//
// `compile()` uses PORTABLE_TARGET unless told otherwise: WebGPU's default
// limits, which every adapter supports, so such an artifact runs anywhere.
// A client holding a device passes its limits (the runtime's
// `targetOf(ctx)`) and gets kernels chosen for it; the runtime refuses an
// artifact whose kernels need more than its device offers.

import type { KernelLimits } from '../../artifact/kernel.js';

export interface Target {
  readonly limits: KernelLimits;
  /** A CPU implementation of WebGPU. */
  readonly software: boolean;
}

/** WebGPU's default limits (what every adapter supports). */
export const DEFAULT_KERNEL_LIMITS: KernelLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
};

export const PORTABLE_TARGET: Target = { limits: DEFAULT_KERNEL_LIMITS, software: false };

/** The kernel-relevant subset of a device's limits. */
export function targetFromLimits(limits: KernelLimits, software: boolean): Target {
  return {
    limits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
    },
    software,
  };
}
