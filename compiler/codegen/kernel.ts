// What a generated compute kernel tells the runtime about itself, as plain data.
//
// A kernel generator returns WGSL text plus this description; the runtime turns
// the bindings into an explicit GPUBindGroupLayout (so bind groups can be shared
// between pipelines with the same interface) and checks what it binds against
// them. Nothing here touches WebGPU: `compiler/` never imports `runtime/`.

/** How a binding is declared in WGSL. */
export type BindingKind =
  | 'read-only-storage' // var<storage, read>
  | 'storage' // var<storage, read_write>
  | 'uniform'; // var<uniform>

export interface KernelBinding {
  readonly group: number;
  readonly binding: number;
  /** The WGSL variable name. */
  readonly name: string;
  readonly kind: BindingKind;
  /** What the buffer holds, for messages and documentation. */
  readonly role: string;
}

/** The limits a kernel generator may consult; a subset of GPUSupportedLimits. */
export interface KernelLimits {
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
}
