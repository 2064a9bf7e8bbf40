// The public compiler API (package entry "cellc/compiler"): cell source text →
// artifact (plain JSON-serialisable data: kernel records with their WGSL,
// bindings and dispatch formulas; memory layout; forward, backward and
// training plans), or diagnostics. The runtime and every application use the
// compiler through this entry (and "cellc/tools" for the reference
// interpreter and reports) only.
//
//   const r = compile(text, { path: 'lstm.cell', sizes: { H: 256 } });
//   if ('diagnostics' in r) console.error(r.formatted);
//   else useArtifact(r.artifact);
//
// Nothing here (nor anywhere under compiler/) imports the runtime or WebGPU:
// the compiler runs in any JavaScript environment.

import { compileSource, type CompileResult, type SourceOptions } from './driver.js';

export type CompileOptions = SourceOptions;
export type { CompileResult } from './driver.js';

/**
 * Checks `source` and compiles one cell at concrete sizes: the cell's defaults
 * overridden by `options.sizes`. Every user error is returned as diagnostics
 * (E0xx–E3xx from the front end; E401 bad size override; E402 a free size
 * without a value; E101 no such cell / several cells and no `cell` option);
 * never thrown. `options.target` specialises device-dependent kernels (GEMM
 * tiling) for a device's limits; by default WebGPU's default limits, which
 * every adapter supports.
 */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  return compileSource(source, options);
}

// the driver's stages
export { applySizes, bindSizes, check, compileBound, compileSource, type CompileBoundOptions, dumpStage, failed, generate, lower, schedule, selectCell, STAGE_NAMES, type Bound, type DriverStage, type Failed } from './driver.js';
export { BACKENDS, type Backend, type BackendName, type GenerateOptions } from './backend/backend.js';
export type { ScheduleOption } from './analysis/choice.js';
export type { CellFindings, ScheduleRecord, StateFinding } from './analysis/findings.js';
export { PORTABLE_TARGET, DEFAULT_KERNEL_LIMITS, targetFromLimits, type Target } from './backend/webgpu/target.js';
export { parseSizeSettings, type SizeValues } from './ir/sizeBinding.js';
export type { FrontEndResult } from './frontend.js';
export type { SourceFile } from './source.js';

// the step IR and its pictures
export type { Graph, Initializer, Origin, Origins, SourceAt } from './ir/graph.js';
export { drawsMasks } from './ir/graph.js';
export { evalDim, evalShape, numel, symbolOf } from './ir/dims.js';
export { printGraph, describeNode } from './ir/print.js';
export { printBackward } from './autodiff/printBackward.js';
export { dotNodeLines, graphToDot } from './ir/dot.js';
export { buildBackward } from './autodiff/backward.js';
export { BUILTINS } from './sema/builtins.js';
export { diag, formatDiagnostic, DIAGNOSTIC_CODES, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
export { CompilerBug } from './util/assert.js';

// models (several cells, a readout and a loss as one step graph)
export { buildModel, type LayerSpec, type Model, type ModelSpec } from './model/buildModel.js';

// the artifact and the kernel ABI
export {
  ARTIFACT_FORMAT,
  type Artifact,
  type ArtifactInput,
  type ArtifactOutput,
  type ArtifactParam,
  type ArtifactState,
  type ArtifactTensor,
  type PassPlan,
  type TensorId,
  type TensorRef,
  type TrainingPlan,
} from './artifact/artifact.js';
export {
  describeBindings,
  dispatchText,
  evalDispatch,
  FOLD_WORKGROUPS,
  linText,
  packUniform,
  type BindingKind,
  type BindingResource,
  type BoundBinding,
  type DispatchFormula,
  type GemmProblem,
  type KernelBinding,
  type KernelLimits,
  type KernelRecord,
  type KernelRole,
  type UniformField,
} from './artifact/kernel.js';
export { addressParts, elementAddress, evalLin, type AddressParts, type ArenaName, type Lin } from './artifact/layout.js';
export { DIMS_RECORD_BYTES, DIMS_STRIDE } from './backend/webgpu/wgslDims.js';
export { type RandomKey } from './numeric/philox.js';
export { TRAIN_HYPER_BYTES } from './backend/webgpu/optimizer.js';
export { checkGemmTiling, chooseGemmTiling, gemmDispatchSize, gemmKernel, NAIVE_GEMM_WGSL, packGemmParams, type GemmKernel, type GemmKernelOptions, type GemmParams, type GemmTiling } from './backend/webgpu/gemm.js';
export { dispatchCounts, dispatchTotals, estimateFlops, formatPlan, kernelDispatchSize, placedSteps, STAGE_TITLE, STAGES, wgslListing, type PlacedStep, type StageName, type DispatchCounts, type FlopEstimate } from './artifact/inspect.js';

// parameter initialisation (seeded, the same on every host)
export { initialize } from './numeric/initializers.js';
export { Rng } from './numeric/random.js';
