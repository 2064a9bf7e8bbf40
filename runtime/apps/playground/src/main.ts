// The cellc playground: a cell editor with live diagnostics, what the cell
// compiles to (step graph, schedule, WGSL; graph nodes and schedule entries
// linked to their source lines), training on the GPU with a live loss chart
// (smoothed, and held-out; two cells side by side), the trained weights to
// download, the gradient-flow chart, share links. Everything runs in the page:
// the compiler is plain TypeScript, the runtime uses navigator.gpu.

import { acquireDevice, type GpuContext } from '../../../core/device.js';
import { analyze, parseSizeField, type Analysis, type PageDiagnostic } from './analysis.js';
import { byId, h } from './dom.js';
import { CompiledView } from './compiledView.js';
import { cellEditor, type CellEditor } from './editor.js';
import { EXAMPLES, exampleNamed } from './examples.js';
import { showDownloads } from './downloads.js';
import { decodeState, encodeState, type SharedState } from './share.js';
import { gradflowChart, lossChart, minT, PLAYGROUND_TASKS, taskFor, TrainingRun, type TrainCell, type TrainSettings } from './training.js';

type Which = 'A' | 'B';
type Tab = 'graph' | 'ir' | 'schedule' | 'wgsl';

const DEFAULT_A = 'lstm.cell';
const DEFAULT_B = 'gru.cell';
const TASK_T: Record<string, number> = { adding: 20, copy: 30, reber: 20, sine: 30 };
const EMBED = 16; // embedding width for the token tasks (copy, reber)

const analyses: Record<Which, Analysis | undefined> = { A: undefined, B: undefined };
let current: Which = 'A';
let tab: Tab = 'graph';
let run: TrainingRun | undefined;
/** The latest run, kept after it ends (its losses stay readable). */
let lastRun: TrainingRun | undefined;
let trainState = 'idle';
let gpu: Promise<GpuContext> | undefined;
let gpuError: string | undefined;

// ---- settings ---------------------------------------------------------------

const el = {
  task: byId<HTMLSelectElement>('task'),
  sizes: byId<HTMLInputElement>('sizes'),
  T: byId<HTMLInputElement>('T'),
  B: byId<HTMLInputElement>('B'),
  steps: byId<HTMLInputElement>('steps'),
  lr: byId<HTMLInputElement>('lr'),
  seed: byId<HTMLInputElement>('seed'),
  compare: byId<HTMLInputElement>('compare'),
  train: byId<HTMLButtonElement>('train'),
  stop: byId<HTMLButtonElement>('stop'),
  status: byId('train-status'),
  kernel: byId<HTMLSelectElement>('kernel'),
};

for (const t of PLAYGROUND_TASKS) el.task.append(h('option', { value: t }, t));
el.task.value = 'adding';

const intOf = (input: HTMLInputElement, min: number) => {
  const v = Number(input.value);
  return Number.isInteger(v) && v >= min ? v : undefined;
};
const sizeOverrides = () => parseSizeField(el.sizes.value).values;

// ---- editors ----------------------------------------------------------------

function fillPicker(select: HTMLSelectElement) {
  select.append(h('option', { value: '' }, '(edited)'));
  for (const name of EXAMPLES.keys()) select.append(h('option', { value: name }, name));
}
const pickers: Record<Which, HTMLSelectElement> = { A: byId('exampleA'), B: byId('exampleB') };
fillPicker(pickers.A);
fillPicker(pickers.B);

function check(which: Which, text: string): readonly PageDiagnostic[] {
  const a = analyze(`${which === 'A' ? 'a' : 'b'}.cell`, text, sizeOverrides(), { task: el.task.value, embed: EMBED });
  analyses[which] = a;
  pickers[which].value = exampleNamed(text) ?? '';
  renderDiagnostics(which, a);
  if (which === current) renderCompiled();
  scheduleGradflow();
  updateTrainButton();
  return a.diagnostics;
}

const editors: Record<Which, CellEditor> = {
  A: cellEditor(byId('editorA'), EXAMPLES.get(DEFAULT_A) ?? '', (t) => check('A', t), () => focusCell('A'), (line) => cursorLine('A', line)),
  B: cellEditor(byId('editorB'), EXAMPLES.get(DEFAULT_B) ?? '', (t) => check('B', t), () => focusCell('B'), (line) => cursorLine('B', line)),
};

for (const which of ['A', 'B'] as const) {
  pickers[which].addEventListener('change', () => {
    const text = EXAMPLES.get(pickers[which].value);
    if (text !== undefined) editors[which].setText(text);
    focusCell(which);
  });
}

function focusCell(which: Which) {
  if (current === which) return;
  editors[current].lightLine(undefined);
  current = which;
  compiledView.lightLine(undefined);
  renderCompiled();
}

/** The cursor moved to `line` of cell `which`: light what that line became. */
function cursorLine(which: Which, line: number) {
  if (which !== current) focusCell(which);
  editors[which].lightLine(undefined);
  compiledView.lightLine(line);
}

function renderDiagnostics(which: Which, a: Analysis) {
  const list = byId(`diags${which}`);
  const status = byId(`status${which}`);
  list.replaceChildren(
    ...a.diagnostics.map((d) =>
      h(
        'li',
        {
          'data-line': d.line,
          title: d.title,
          onclick: () => {
            const view = editors[which].view;
            view.dispatch({ selection: { anchor: d.from, head: d.to }, scrollIntoView: true });
            view.focus();
          },
        },
        `${d.line}:${d.col} error ${d.code}: ${d.message}`,
      ),
    ),
  );
  if (a.diagnostics.length) {
    status.textContent = `${a.diagnostics.length} error${a.diagnostics.length === 1 ? '' : 's'}`;
    status.className = 'status error';
  } else if (a.graph) {
    const g = a.graph;
    const extra = a.cells.length > 1 ? ` (first of ${a.cells.length} cells)` : '';
    const ignored = a.ignoredSizes.length ? `; no size ${a.ignoredSizes.join(', ')}` : '';
    status.textContent = `✓ ${g.name}${extra}: ${g.nodes.length} nodes, ${g.states.length} state${g.states.length === 1 ? '' : 's'}, ${g.params.length} params${ignored} — ${a.millis.toFixed(0)} ms`;
    status.className = 'status ok';
  } else {
    status.textContent = '';
  }
}

// ---- what it compiles to ----------------------------------------------------

const compiledView = new CompiledView(
  el.kernel,
  () => selectTab('wgsl'),
  (line) => editors[current].lightLine(line),
);

function renderCompiled() {
  compiledView.render(current, analyses[current], intOf(el.B, 1) ?? 16, intOf(el.T, 1) ?? 20);
}

function selectTab(t: Tab) {
  tab = t;
  document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === t));
  for (const name of ['graph', 'ir', 'schedule', 'wgsl']) byId(`tab-${name}`).hidden = name !== t;
}
document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach((b) => b.addEventListener('click', () => selectTab(b.dataset.tab as Tab)));
// ---- gradient flow ----------------------------------------------------------

let gradflowTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleGradflow() {
  clearTimeout(gradflowTimer);
  gradflowTimer = setTimeout(renderGradflow, 200);
}

function renderGradflow() {
  emptyLossChart();
  const box = byId('gradflow-chart');
  const T = intOf(el.T, 1);
  const seed = intOf(el.seed, 0) ?? 1;
  const which: Which[] = el.compare.checked ? ['A', 'B'] : ['A'];
  const cells = which.flatMap((w) => {
    const a = analyses[w];
    return a?.graph && a.sizes ? [{ label: `${w}: ${a.graph.name}`, graph: a.graph, sizes: a.sizes }] : [];
  });
  if (!T || cells.length === 0) {
    box.replaceChildren(h('p', { class: 'muted' }, 'The gradient-flow chart needs a cell without errors and a valid T.'));
    return;
  }
  try {
    box.innerHTML = gradflowChart(cells, Math.min(T, 200), seed).svg;
    box.dataset.cells = String(cells.length);
  } catch (e) {
    box.replaceChildren(h('p', { class: 'muted' }, `Gradient flow failed: ${(e as Error).message}`));
  }
}

// ---- WebGPU -----------------------------------------------------------------

function device(): Promise<GpuContext> {
  gpu ??= acquireDevice({ label: 'cellc playground' }).then((ctx) => {
    const a = ctx.adapter;
    byId('adapter').textContent = `WebGPU: ${a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'adapter'}${a.software ? ' (software)' : ''}`;
    void ctx.whenLost.then((err) => {
      gpu = undefined;
      if (trainState !== 'idle') setStatus('error', err.message);
    });
    return ctx;
  });
  return gpu;
}

function showNoGpu(message: string) {
  gpuError = message;
  const banner = byId('nogpu');
  banner.replaceChildren(h('strong', {}, 'Training needs WebGPU. '), message, ' The editor, the step graph, the schedule and the WGSL work without it.');
  banner.hidden = false;
  byId('adapter').textContent = 'no WebGPU';
  updateTrainButton();
}

// ---- training ---------------------------------------------------------------

function setStatus(state: string, text: string) {
  trainState = state;
  el.status.dataset.state = state;
  el.status.textContent = text;
}

/** The cells to train, or why they cannot be (one sentence). */
function trainCells(): TrainCell[] | string {
  const which: Which[] = el.compare.checked ? ['A', 'B'] : ['A'];
  const out: TrainCell[] = [];
  for (const w of which) {
    const a = analyses[w];
    if (!a?.graph || a.diagnostics.length) return `Fix the errors in cell ${w} first.`;
    if (a.untrainable) return a.untrainable;
    out.push({ label: `${w}: ${a.graph.name}`, graph: a.graph });
  }
  return out;
}

function updateTrainButton() {
  const running = trainState === 'running' || trainState === 'starting';
  const cells = trainCells();
  el.train.disabled = running || gpuError !== undefined || typeof cells === 'string';
  const why = typeof cells === 'string' ? cells : undefined;
  el.train.title = gpuError ?? why ?? 'Train on the GPU';
  const reason = byId('train-reason');
  reason.textContent = running ? '' : (gpuError ? 'Training needs WebGPU (see above).' : why) ?? '';
  reason.hidden = reason.textContent === '';
  el.stop.disabled = !running;
}

function updateTaskInfo() {
  const task = taskFor(el.task.value);
  byId('task-info').textContent = `${task.name}: ${task.describe}.${task.baseline ? ` A trivial predictor scores ${task.baseline.loss.toPrecision(3)} (${task.baseline.what}).` : ''}`;
}

/** An empty loss chart (axes and the trivial predictor's loss) until the first run. */
function emptyLossChart() {
  if (lastRun || run) return;
  const names = (el.compare.checked ? (['A', 'B'] as const) : (['A'] as const)).map((w) => `${w}: ${analyses[w]?.graph?.name ?? '?'}`);
  byId('loss-chart').innerHTML = lossChart(new Map(names.map((n) => [n, []])), taskFor(el.task.value), intOf(el.steps, 1) ?? 100);
}

el.task.addEventListener('change', () => {
  el.T.value = String(Math.max(TASK_T[el.task.value] ?? 20, minT(el.task.value)));
  // the task sets the input width and decides whether a cell can be trained
  editors.A.recheck();
  if (el.compare.checked) editors.B.recheck();
  updateTaskInfo();
  emptyLossChart();
  scheduleGradflow();
});

async function train() {
  // Check what is in the editors now (the live check waits for a pause in typing).
  clearTimeout(sizesTimer);
  editors.A.recheck();
  if (el.compare.checked) editors.B.recheck();
  const cells = trainCells();
  const T = intOf(el.T, 1);
  const B = intOf(el.B, 1);
  const steps = intOf(el.steps, 1);
  const seed = intOf(el.seed, 0);
  const lr = Number(el.lr.value);
  if (typeof cells === 'string') return setStatus('error', `Cannot train. ${cells}`);
  if (!T || !B || !steps || seed === undefined || !(lr > 0)) return setStatus('error', 'Cannot train: T, B and steps must be positive integers, the seed an integer ≥ 0 and lr positive.');
  const settings: TrainSettings = { task: el.task.value, T, B, steps, lr, seed, embed: EMBED };
  if (T < minT(settings.task)) return setStatus('error', `Cannot train: the ${settings.task} task needs T ≥ ${minT(settings.task)}.`);
  const task = taskFor(settings.task);
  const thisRun = new TrainingRun(cells, settings);
  run = thisRun;
  lastRun = thisRun;
  setStatus('starting', 'Compiling and creating pipelines…');
  updateTrainButton();
  showDownloads(undefined);
  const chart = byId('loss-chart');
  chart.innerHTML = lossChart(thisRun.losses, task, steps);
  let lastDraw = 0;
  const t0 = performance.now();
  try {
    const ctx = await device();
    const result = await thisRun.run(ctx, (p) => {
      if (trainState === 'starting') setStatus('running', '');
      const lastOf = (l: readonly [number, number][]) => (l.length ? l[l.length - 1][1].toPrecision(3) : '—');
      const last = [...p.losses].map(([name, l]) => `${name.split(':')[0]} ${lastOf(l)} (held-out ${lastOf(p.heldOut.get(name) ?? [])})`).join(', ');
      el.status.textContent = `step ${p.step}/${p.steps} · loss ${last} · ${p.stepsPerSecond.toFixed(1)} steps/s`;
      const now = performance.now();
      if (now - lastDraw > 250 || p.step === p.steps || p.step % 5 === 0) {
        lastDraw = now;
        chart.innerHTML = lossChart(p.losses, task, steps, p.heldOut);
      }
    });
    chart.innerHTML = lossChart(thisRun.losses, task, steps, thisRun.heldOut);
    showDownloads(thisRun);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const finals = [...thisRun.losses].map(([name, l]) => {
      const tail = l.slice(-Math.min(10, l.length));
      const h = thisRun.heldOut.get(name) ?? [];
      return `${name} ${tail.length ? (tail.reduce((s, [, v]) => s + v, 0) / tail.length).toPrecision(3) : '—'}${h.length ? ` (held-out ${h[h.length - 1][1].toPrecision(3)})` : ''}`;
    });
    if (result === 'nan') setStatus('nan', `Stopped: the loss became NaN or infinite (try a smaller lr). ${secs} s.`);
    else setStatus(result, `${result === 'done' ? 'Done' : 'Stopped'}: ${thisRun.losses.values().next().value?.length ?? 0} steps in ${secs} s; mean loss of the last 10 steps: ${finals.join(', ')}.`);
  } catch (e) {
    setStatus('error', `Training failed: ${(e as Error).message}`);
  } finally {
    if (run === thisRun) run = undefined;
    updateTrainButton();
  }
}

el.train.addEventListener('click', () => void train());

el.stop.addEventListener('click', () => run?.stop());

// ---- settings that re-check ---------------------------------------------------

let sizesTimer: ReturnType<typeof setTimeout> | undefined;
el.sizes.addEventListener('input', () => {
  clearTimeout(sizesTimer);
  sizesTimer = setTimeout(() => {
    const bad = parseSizeField(el.sizes.value).errors;
    el.sizes.setCustomValidity(bad.length ? `expected NAME=N (N ≥ 1), got ${bad.join(' ')}` : '');
    editors.A.recheck();
    if (el.compare.checked) editors.B.recheck();
  }, 300);
});
for (const input of [el.T, el.B]) input.addEventListener('change', () => renderCompiled());
for (const input of [el.T, el.seed]) input.addEventListener('change', scheduleGradflow);

function setCompare(on: boolean) {
  el.compare.checked = on;
  byId('paneB').hidden = !on;
  if (on) editors.B.recheck();
  if (!on && current === 'B') focusCell('A');
  scheduleGradflow();
  updateTrainButton();
}
el.compare.addEventListener('change', () => setCompare(el.compare.checked));

// ---- share links --------------------------------------------------------------

function pageState(): SharedState {
  return {
    a: editors.A.getText(),
    ...(el.compare.checked ? { b: editors.B.getText() } : {}),
    task: el.task.value,
    sizes: el.sizes.value,
    T: Number(el.T.value),
    B: Number(el.B.value),
    steps: Number(el.steps.value),
    lr: Number(el.lr.value),
    seed: Number(el.seed.value),
  };
}

function applyState(s: SharedState) {
  if (s.task && (PLAYGROUND_TASKS as readonly string[]).includes(s.task)) el.task.value = s.task;
  if (typeof s.sizes === 'string') el.sizes.value = s.sizes;
  const num = (input: HTMLInputElement, v: number | undefined) => {
    if (typeof v === 'number' && Number.isFinite(v)) input.value = String(v);
  };
  num(el.T, s.T);
  num(el.B, s.B);
  num(el.steps, s.steps);
  num(el.lr, s.lr);
  num(el.seed, s.seed);
  editors.A.setText(s.a);
  if (typeof s.b === 'string') editors.B.setText(s.b);
  setCompare(typeof s.b === 'string');
  updateTaskInfo();
}

byId('share').addEventListener('click', async () => {
  const hash = await encodeState(pageState());
  history.replaceState(null, '', hash);
  const link = byId<HTMLInputElement>('share-link');
  link.value = location.href;
  byId('share-box').hidden = false;
  link.select();
  let note = `${location.href.length} characters`;
  try {
    await navigator.clipboard.writeText(location.href);
    note += ', copied to the clipboard';
  } catch {
    // no clipboard permission (e.g. headless): the link is selected in the box
  }
  byId('share-note').textContent = note;
});

window.addEventListener('hashchange', async () => {
  const s = await decodeState(location.hash);
  if (s) applyState(s);
});

// ---- start --------------------------------------------------------------------

/** For tests and the console: the page's state. */
const api = {
  ready: false,
  get trainState() {
    return trainState;
  },
  losses: () => Object.fromEntries(lastRun?.losses ?? []),
  heldOut: () => Object.fromEntries(lastRun?.heldOut ?? []),
  graphViewBox: () => ({ ...compiledView.graph.viewBox }),
  source: (w: Which) => editors[w].getText(),
  setSource: (w: Which, text: string) => editors[w].setText(text),
  analysis: (w: Which) => {
    const a = analyses[w];
    return a && { diagnostics: a.diagnostics, cell: a.graph?.name, kernels: a.artifact?.kernels.map((k) => k.name) ?? [], sizes: a.sizes, untrainable: a.untrainable };
  },
};
(window as unknown as { __playground: typeof api }).__playground = api;

async function start() {
  updateTaskInfo();
  showDownloads(undefined);
  const shared = await decodeState(location.hash);
  if (shared) applyState(shared);
  if (!('gpu' in navigator) || !navigator.gpu) {
    // acquireDevice() says which browsers and flags provide WebGPU.
    await acquireDevice().catch((e: Error) => showNoGpu(e.message));
  } else {
    device().catch((e: Error) => showNoGpu(e.message));
  }
  selectTab(tab);
  updateTrainButton();
  api.ready = true;
  document.body.dataset.ready = 'true';
}
void start();
