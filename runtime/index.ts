/// <reference types="@webgpu/types" preserve="true" />
// The package entry ("cellc"): the compiler API (compiler/index.ts) and the
// WebGPU runtime that executes its artifacts.
//
//   import { compile, acquireDevice, createRuntime } from 'cellc';
//   const r = compile(source, { sizes: { H: 256, I: 64 } });
//   if ('diagnostics' in r) throw new Error(r.formatted);
//   const gpu = await acquireDevice();                  // Dawn in Node, navigator.gpu in a browser
//   const rt = await createRuntime(gpu, r.artifact, { B: 32, T: 50 });
//   rt.initParams(1); rt.setInputs(new Map([['x', xs]])); rt.setInitialStates();
//   await rt.forward();                                   // or forwardBackward()
//   const y = await rt.readOutput('h');
//   rt.destroy(); gpu.destroy();
//
// createRuntime accepts either a GpuContext from acquireDevice() (recommended:
// it requests the adapter's largest buffer limits and, in Node, keeps Dawn
// alive) or a GPUDevice you created yourself, wrapped by contextForDevice().

import { ARTIFACT_FORMAT, type Artifact } from '../compiler/index.js';
import { CellRuntime, type RuntimeShape } from './core/cellRuntime.js';
import { contextForDevice, GpuContext } from './core/device.js';

/**
 * Allocates the buffers of `artifact` for batch size B and sequence length T
 * and creates its pipelines. Throws BufferTooLargeError (naming the tensor)
 * when a buffer would exceed the device's limits, before allocating it, and
 * GpuValidationError / WgslCompileError (naming the kernel) when WebGPU
 * rejects a pipeline.
 */
export async function createRuntime(device: GPUDevice | GpuContext, artifact: Artifact, shape: RuntimeShape): Promise<CellRuntime> {
  if (!artifact || artifact.format !== ARTIFACT_FORMAT) {
    throw new TypeError(`createRuntime: not a cellc artifact of format ${ARTIFACT_FORMAT} (got ${JSON.stringify((artifact as { format?: unknown } | undefined)?.format)})`);
  }
  const ctx = device instanceof GpuContext ? device : contextForDevice(device);
  return CellRuntime.create(ctx, artifact, shape);
}

export * from '../compiler/index.js';
export { CellRuntime, type RuntimeShape } from './core/cellRuntime.js';
export {
  createTypedCell,
  type BackwardOptions,
  type CellGradients,
  type CellSignature,
  type Initializer,
  type ParamAccessor,
  type ParamAccessors,
  type ParamInfo,
  type ParamInfos,
  type Shape,
  type StateAccessor,
  type StateAccessors,
  type TensorValues,
  type TrainStepOptions,
  type TrainStepResult,
  type TypedCell,
  type UntypedSignature,
} from './core/typedCell.js';
export { acquireDevice, contextForDevice, GpuContext, NO_ADAPTER_NODE, targetOf, type AcquireOptions, type GpuAdapterSummary, type GpuLimits } from './core/device.js';
export { BufferTooLargeError, GpuDeviceLostError, GpuError, GpuUnavailableError, GpuValidationError, WgslCompileError } from './core/errors.js';
export { compareWithReference, type Comparison, type CompareOptions } from './apps/compare/gpuVsReference.js';

// Training on the GPU (the optimizers, schedules and clipping of `cellc train`), the built-in tasks,
// checkpoints and safetensors as bytes, PyTorch nn.LSTM / nn.GRU weights. Files, the verification
// cache and whole training runs with checkpoints are in the Node entry, "cellc/node".
export { DEFAULT_OPTIMIZER, learningRate, Trainer, type OptimizerConfig, type OptimizerName, type StepResult } from './apps/train/trainer.js';
export { MAX_TRIALS, TrialTrainer } from './apps/train/trialTrainer.js';
export {
  adding,
  arMleTask,
  arTask,
  batchRng,
  copyTask,
  getTask,
  hmmTask,
  ldsTask,
  reber,
  sine,
  TASK_NAMES,
  textTask,
  type Batch,
  type Task,
  type TaskInfo,
  type TaskName,
} from './apps/train/tasks.js';
export { decodeSafetensors, encodeSafetensors, SafetensorsError, type EncodeOptions, type NamedTensor, type SafetensorsDtype } from './apps/train/safetensors.js';
export { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './apps/train/checkpointCodec.js';
export {
  exportTorch,
  importTorch,
  InteropError,
  toNamedTensor,
  torchKindOfCell,
  type Tensor64,
  type TorchExportOptions,
  type TorchImport,
  type TorchImportOptions,
  type TorchRnnKind,
} from './apps/train/torchInterop.js';
