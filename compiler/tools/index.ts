// The tools around the compiler (package entry "cellc/tools"): the float64
// reference interpreter of a cell's scan with BPTT, the gradient check and
// gradient-flow analysis built on it, losses, and SVG charts for reports.
// The compiler does not use them; the runtime's comparisons, the CLI and the
// playground do, through this entry only.

export { CellInterpreter, type Gradients, type NamedArrays, type Sequences, type Tape } from './interp/scan.js';
export { concatArrays } from './interp/tensor.js';
export { DEFAULT_EPS, DEFAULT_TOL, gradcheck, gradcheckSizes, indexRange, reachableInitialStates, type DotCheck, type GradcheckOptions, type GradcheckReport, type TensorCheck } from './interp/gradcheck.js';
export { describeVerdict, type Diagnosis, type FdVerdict } from './interp/fdJudge.js';
export { CPU_LIMIT_BYTES, cpuFootprint, cpuFootprintError, type CpuFootprint } from './interp/footprint.js';
export { gradientFlow, meanDecayPerStep, type GradflowOptions, type GradflowResult } from './interp/gradflow.js';
export { lossAndGradient, type LossSpec, type LossKind } from './interp/loss.js';
export { lineChart, PALETTE, type ChartOptions, type Series } from './report/svgChart.js';
export { barChart, type BarChartOptions, type BarSeries } from './report/barChart.js';

// the random cell generator and its shrinker (differential testing: test/fuzz, `npm run fuzz:cells`)
export { generateCell, generateSource, renderCell, shrinkCell, sizeValues, type Expr, type GenCell, type GenOptions, type ShrinkOptions, type Stmt } from './cellgen/index.js';

// the gate-design search over the cell language (`cellc search`): lifting a seed, mutations, strategies
export { canonicalSource, fitness, liftCell, LiftError, mutate, normalizeCell, MUTATION_KINDS, runStrategy, STRATEGIES, type Candidate, type Mutation, type MutationKind, type Score, type Scored, type SeedCell, type Strategy, type StrategyOptions, type StrategyRun } from './search/index.js';
