// The reference interpreter of a whole sequence: the scan over T steps with
// JAX's three roles — carry (states), per-step (inputs, outputs) and const
// (parameters, whose per-step gradient contributions are summed over time
// and batch: BPTT's "replicas with shared weights").
//
//   forward:  s_0 → s_1 → … → s_T, recording the tape (states, saved values)
//   backward: in reverse time, t = T−1 … 0:
//             (∂s_t, ∂y_t) → ∂s_{t−1}, ∂x_t, Σ ∂params
//
// Truncated BPTT (window U): the forward pass carries the state across
// windows; the backward pass runs per window [a, b) and starts each window
// from ∂s_b = 0 (except the last, which gets the final-state cotangent), and
// ∂s_a is dropped at the window's start (except at t = 0, where it is the
// gradient of the initial state).

import { buildBackward, type BackwardStep } from '../../autodiff/backward.js';
import type { Graph } from '../../ir/graph.js';
import { assert } from '../../util/assert.js';
import { Evaluator } from './evalStep.js';
import { addInto, numel, sumBatch, toBatched, type Tensor } from './tensor.js';
import type { RandomKey } from '../../numeric/philox.js';

export type NamedArrays = ReadonlyMap<string, Float64Array>;
/** Per input or output name: T arrays of B·n values. */
export type Sequences = ReadonlyMap<string, readonly Float64Array[]>;

export interface Tape {
  readonly T: number;
  /** s_0 … s_T per state: T+1 arrays of B·n. */
  readonly states: ReadonlyMap<string, Float64Array[]>;
  readonly outputs: ReadonlyMap<string, Float64Array[]>;
  /** Saved forward values per step, keyed by forward node id. */
  readonly saved: ReadonlyMap<number, Float64Array[]>;
  /** States whose s_0 was their initial-value parameter (state → parameter): backward adds Σ_rows ∂s_0 to it. */
  readonly fromParams?: ReadonlyMap<string, string>;
  /** The key the forward pass drew its masks with (training); the backward pass draws the same. */
  readonly random?: RandomKey;
}

export interface Gradients {
  readonly params: Map<string, Float64Array>;
  readonly initialStates: Map<string, Float64Array>;
  readonly inputs: Map<string, Float64Array[]>;
}

export class CellInterpreter {
  readonly backwardStep: BackwardStep;
  private readonly fwd: Evaluator;
  private readonly bwd: Evaluator;

  constructor(
    readonly graph: Graph,
    readonly sizes: Readonly<Record<string, number>>,
    readonly B: number,
    /** Round every value to float32 as it is computed (evalStep.ts); default float64. */
    readonly float32 = false,
  ) {
    this.backwardStep = buildBackward(graph);
    this.fwd = new Evaluator(graph.nodes, sizes, B, float32);
    this.bwd = new Evaluator(this.backwardStep.nodes, sizes, B, float32);
  }

  /** Concrete shape of a forward node. */
  shapeOf(node: number): readonly number[] {
    return this.fwd.shapeOf(node);
  }

  numelOf(node: number): number {
    return numel(this.shapeOf(node));
  }

  /**
   * Initial states from their declared constants, batched. A state whose
   * initial value is a parameter (`state h[H] = h0`) is left out: `forward`
   * takes it from the parameters.
   */
  initialStates(): Map<string, Float64Array> {
    return new Map(this.graph.states.filter((s) => !s.initParam).map((s) => [s.name, new Float64Array(this.B * this.numelOf(s.node)).fill(s.init)]));
  }

  /** s_0 of the states `init` leaves out: their initial-value parameter in every row. */
  private fromParams(init: NamedArrays): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of this.graph.states) {
      if (init.has(s.name)) continue;
      assert(s.initParam, `no initial value for state ${s.name}`);
      out.set(s.name, s.initParam);
    }
    return out;
  }

  private batched(node: number, data: Float64Array): Tensor {
    return { shape: this.shapeOf(node), batched: true, data };
  }

  private paramLeaves(params: NamedArrays, leaves: Map<number, Tensor>, bindings: readonly { name: string; node: number }[], shapeOf: (n: number) => readonly number[]) {
    for (const p of bindings) {
      const data = params.get(p.name);
      assert(data, `no value for parameter ${p.name}`);
      leaves.set(p.node, { shape: shapeOf(p.node), batched: false, data });
    }
  }

  /**
   * The time index that scan step t reads and writes: t for a forward cell,
   * T−1−t for a reverse cell. Inputs, outputs and their cotangents are
   * indexed by time; states, the tape and onStep by scan step (s_0 is the
   * state before the first step, s_T after the last, in either direction).
   */
  timeOf(t: number, T: number): number {
    return this.graph.reverse ? T - 1 - t : t;
  }

  /** `random`: the key of the run's masks when it trains (dropout, zoneout); without it they are their expectation. */
  forward(params: NamedArrays, inputs: Sequences, init: NamedArrays, T: number, random?: RandomKey): Tape {
    const g = this.graph;
    const fromParams = this.fromParams(init);
    const rows = (p: string) => {
      const v = params.get(p);
      assert(v, `no value for parameter ${p}`);
      const out = new Float64Array(this.B * v.length);
      for (let b = 0; b < this.B; b++) out.set(v, b * v.length);
      return out;
    };
    const states = new Map(g.states.map((s) => [s.name, [init.get(s.name) ?? rows(fromParams.get(s.name)!)]]));
    const outputs = new Map(g.outputs.map((o) => [o.name, new Array<Float64Array>(T)]));
    const saved = new Map(this.backwardStep.saved.map((id) => [id, [] as Float64Array[]]));
    const paramLeaves = new Map<number, Tensor>();
    this.paramLeaves(params, paramLeaves, g.params, (n) => this.shapeOf(n));
    for (let t = 0; t < T; t++) {
      const time = this.timeOf(t, T);
      const leaves = new Map(paramLeaves);
      for (const x of g.inputs) leaves.set(x.node, this.batched(x.node, inputs.get(x.name)![time]));
      for (const s of g.states) leaves.set(s.node, this.batched(s.node, states.get(s.name)![t]));
      const v = this.fwd.run(leaves, { step: t, key: random });
      for (const s of g.states) states.get(s.name)!.push(toBatched(v[s.next], this.B).data);
      for (const o of g.outputs) outputs.get(o.name)![time] = toBatched(v[o.node], this.B).data;
      for (const id of this.backwardStep.saved) saved.get(id)!.push(v[id].data);
    }
    return { T, states, outputs, saved, fromParams, ...(random ? { random } : {}) };
  }

  /**
   * Backward through time. `dOutputs` holds ∂L/∂y_t (missing names or steps
   * are zero); `dFinal` holds ∂L/∂s_T. `window` = U for truncated BPTT.
   * `onStep(t, ∂L/∂s_t)` is called for t = T (with dFinal), then after each
   * step for t = T−1 … 0 (within a truncation window: the value before the
   * window start drops it). The arrays must not be modified.
   */
  backward(params: NamedArrays, inputs: Sequences, tape: Tape, dOutputs: Sequences, dFinal: NamedArrays, window = tape.T, onStep?: (t: number, dState: NamedArrays) => void): Gradients {
    const g = this.graph;
    const step = this.backwardStep;
    const T = tape.T;
    assert(Number.isInteger(window) && window >= 1, `truncation window must be a positive integer, got ${window}`);
    const dParams = new Map(g.params.map((p) => [p.name, new Float64Array(this.numelOf(p.node))]));
    const dInputs = new Map(g.inputs.filter((x) => g.nodes[x.node].type.dtype === 'f32').map((x) => [x.name, new Array<Float64Array>(T)]));
    const zero = (node: number) => new Float64Array(this.B * this.numelOf(node));
    const paramLeaves = new Map<number, Tensor>();
    this.paramLeaves(params, paramLeaves, step.leaves.filter((l) => l.kind === 'param'), (n) => this.bwd.shapeOf(n));
    const outputNode = new Map(g.outputs.map((o) => [o.name, o.node]));

    let dState = new Map(g.states.map((s) => [s.name, dFinal.get(s.name) ?? zero(s.node)]));
    const initialStates = new Map<string, Float64Array>();
    onStep?.(T, dState);
    for (let t = T - 1; t >= 0; t--) {
      const windowEnd = t + 1 < T && (t + 1) % window === 0;
      if (windowEnd) dState = new Map(g.states.map((s) => [s.name, zero(s.node)]));
      const time = this.timeOf(t, T);
      const leaves = new Map(paramLeaves);
      for (const l of step.leaves) {
        const shape = this.bwd.shapeOf(l.node);
        switch (l.kind) {
          case 'input':
            leaves.set(l.node, { shape, batched: true, data: inputs.get(l.name)![time] });
            break;
          case 'state':
            leaves.set(l.node, { shape, batched: true, data: tape.states.get(l.name)![t] });
            break;
          case 'saved':
            leaves.set(l.node, { shape, batched: true, data: tape.saved.get(Number(l.name))![t] });
            break;
          case 'dnext':
            leaves.set(l.node, { shape, batched: true, data: dState.get(l.name)! });
            break;
          case 'doutput': {
            const d = dOutputs.get(l.name)?.[time];
            leaves.set(l.node, { shape, batched: true, data: d ?? zero(outputNode.get(l.name)!) });
            break;
          }
          case 'param':
            break;
        }
      }
      const v = this.bwd.run(leaves, { step: t, key: tape.random });
      const next = new Map<string, Float64Array>();
      for (const r of step.results) {
        const val = v[r.node];
        if (r.kind === 'dstate') next.set(r.name, toBatched(val, this.B).data);
        else if (r.kind === 'dinput') dInputs.get(r.name)![time] = toBatched(val, this.B).data;
        else addInto(dParams.get(r.name)!, sumBatch(val, this.B).data);
      }
      dState = next;
      onStep?.(t, dState);
    }
    for (const s of g.states) initialStates.set(s.name, dState.get(s.name)!);
    for (const [s, p] of tape.fromParams ?? []) {
      const node = g.states.find((x) => x.name === s)!.node;
      addInto(dParams.get(p)!, sumBatch({ shape: this.shapeOf(node), batched: true, data: dState.get(s)! }, this.B).data);
    }
    return { params: dParams, initialStates, inputs: dInputs };
  }
}
