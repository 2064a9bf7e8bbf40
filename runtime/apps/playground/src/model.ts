// A cell as the page trains it: the cell, a linear readout and the task's
// loss (an embedding for the token tasks), built by compiler/model — and, when
// that is impossible, why, in one sentence for the Train button. Pure: the
// page's analysis uses it to show the sizes training will use.

import { buildModel, type Diagnostic, formatDiagnostic, type Graph, type Model, type ModelSpec } from '../../../../compiler/index.js';
import { getTask, type Task } from '../../train/tasks.js';

export function taskFor(name: string): Task {
  return getTask(name);
}

/** How a cell becomes a model for a task: the cell, a linear readout, the task's loss (an embedding for token tasks). */
export function modelSpecFor(graph: Graph, taskName: string, embed: number): ModelSpec {
  const task = taskFor(taskName);
  return {
    layers: [{ graph }],
    input: task.input.kind === 'float' ? { kind: 'float', size: task.input.size } : { kind: 'index', vocab: task.input.vocab, embed },
    output: task.output.kind === 'mse' ? { kind: 'mse', size: task.output.size } : task.output.kind === 'xent' ? { kind: 'xent', classes: task.output.classes } : { kind: 'likelihood' },
  };
}

/** The model, or why the cell cannot be trained on the task, in one sentence for the page. */
export function modelFor(graph: Graph, taskName: string, embed: number): Model | string {
  const ds: Diagnostic[] = [];
  const model = buildModel(modelSpecFor(graph, taskName, embed), ds);
  if (model) return model;
  const why = ds.map((d) => formatDiagnostic(d, undefined).replace(/^[^:]*error (E\d+): /, '').replace(/pass --set (\w+)=N/, 'give it a value in Sizes ($1=N)')).join('; ');
  return `${graph.name} cannot be trained on ${taskName}: ${why || 'the model could not be built'}.`;
}

