// End-to-end tests of the playground (runtime/apps/playground/) in headless
// Chromium: Debian's `chromium` package driven by playwright-core, WebGPU on
// SwiftShader. The app is built with Vite's API and served from 127.0.0.1 on
// a free port. Screenshots go to test/playground/screenshots/.
//
// Without /usr/bin/chromium the tests are skipped with the reason, except
// under CI (CI=true), where they fail: CI installs it (.ci/run).

import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../runtime/apps/train/safetensors.ts';
import { readSavedRun } from '../../runtime/apps/train/savedRun.ts';
import { buildPlayground, CHROMIUM_ARGS, chromiumPath, removeDir, repoRoot, serveStatic } from './harness.ts';

const exe = chromiumPath();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
const SKIP_REASON = "Debian's chromium is not installed (as root: apt-get install -y chromium); set CHROMIUM_PATH to use another Chromium";
const shots = join(repoRoot, 'test/playground/screenshots');

interface PlaygroundApi {
  ready: boolean;
  trainState: string;
  losses(): Record<string, [number, number][]>;
  heldOut(): Record<string, [number, number][]>;
  graphViewBox(): { x: number; y: number; w: number; h: number };
  source(w: 'A' | 'B'): string;
  setSource(w: 'A' | 'B', text: string): void;
  analysis(w: 'A' | 'B'): { diagnostics: { line: number; code: string }[]; cell?: string; kernels: string[]; sizes?: Record<string, number>; untrainable?: string } | undefined;
}
declare global {
  interface Window {
    __playground: PlaygroundApi;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

if (!exe && !inCi) {
  console.warn(`test/playground/playground.test.ts: skipped: ${SKIP_REASON}`);
  describe('playground in headless Chromium', () => {
    it.skip(`skipped: ${SKIP_REASON}`, () => {});
  });
} else {
  describe('playground in headless Chromium', () => {
    let dist: string | undefined;
    let server: { url: string; close(): Promise<void> } | undefined;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    const errors: string[] = [];
    const timings: string[] = [];

    const watch = (p: Page) => {
      p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      return p;
    };
    const open = async (ctx: BrowserContext, url: string) => {
      const p = watch(await ctx.newPage());
      await p.goto(url);
      await p.waitForFunction(() => window.__playground?.ready === true);
      return p;
    };
    const timed = async <T>(what: string, f: () => Promise<T>) => {
      const t0 = performance.now();
      const r = await f();
      timings.push(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    };

    beforeAll(async () => {
      if (!exe) throw new Error(`CI is set and ${SKIP_REASON}`);
      mkdirSync(shots, { recursive: true });
      const { chromium } = await import('playwright-core');
      dist = await timed('vite build', buildPlayground);
      server = await serveStatic(dist);
      browser = await timed('chromium start', () => chromium.launch({ executablePath: exe, headless: false, args: CHROMIUM_ARGS }));
      context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      page = await timed('first page load', () => open(context, server!.url));
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      removeDir(dist);
      if (timings.length) console.log(`playground e2e timings (SwiftShader): ${timings.join('; ')}`);
    });

    it('loads, compiles the default cell and draws its step graph', async () => {
      await page.waitForSelector('#graph svg', { timeout: 30_000 });
      expect(await page.locator('#graph svg').textContent()).toContain('sigmoid');
      // the graph is labelled with the cell's names and their source lines
      const drawn = (await page.locator('#graph svg').textContent()) ?? '';
      expect(drawn).toContain('%18 f = sigmoid');
      expect(drawn).toContain("%37 c' = add");
      expect(drawn).toContain('line 21');
      expect(await page.locator('#ir').textContent()).toContain('  %18 f: f32[B,H] = sigmoid %17  # line 21\n');
      expect(await page.locator('#statusA').textContent()).toMatch(/✓ LSTM/);
      await expect.poll(() => page.locator('#adapter').textContent()).toMatch(/^WebGPU: /);
      expect(await page.locator('#nogpu').isHidden()).toBe(true);
      expect(await page.locator('#exampleA option').count()).toBeGreaterThan(20);
      expect(await page.locator('#exampleA').inputValue()).toBe('lstm.cell');
      // The gradient-flow chart (CPU) and the empty loss chart with the task's trivial-predictor line.
      await page.waitForSelector('#gradflow-chart svg', { timeout: 20_000 });
      expect(await page.locator('#loss-chart svg').textContent()).toContain('trivial predictor');
      await page.screenshot({ path: join(shots, 'load.png') });
      expect(errors).toEqual([]);
    });

    it('links graph nodes and schedule entries to source lines, both ways; the graph pans and zooms', async () => {
      await page.waitForSelector('#graph svg g.node.linked', { timeout: 30_000 });
      const litLine = page.locator('#editorA .cm-linked-line');
      // a node → its line lights up in the editor (scrolled into view)
      await page.locator('#graph g.node', { hasText: '%18 f = sigmoid' }).click();
      await expect.poll(() => litLine.textContent()).toBe('  f = sigmoid(dense(x, h, bias = 1))');
      expect(await page.locator('#graph g.node.lit', { hasText: '%18 f = sigmoid' }).count()).toBe(1);
      // an unnamed node (a matmul of o's dense) → o's line
      const oLine = (await page.evaluate(() => window.__playground.source('A'))).split('\n').findIndex((l) => l.includes('o = sigmoid')) + 1;
      await page.locator(`#graph g.node[data-line="${oLine}"]`, { hasText: 'matmul' }).first().click();
      await expect.poll(() => litLine.textContent()).toBe('  o = sigmoid(dense(x, h))');
      // the cursor on a line → the nodes of that line light up, and its schedule entries
      await page.locator('#editorA .cm-line', { hasText: "c' = f * c + i * g" }).click();
      await expect.poll(() => page.locator('#graph g.node.lit', { hasText: "%37 c' = add" }).count()).toBe(1);
      expect(await page.locator('#graph g.node.lit').count()).toBeGreaterThanOrEqual(3); // c' = add, and its two muls
      expect(await litLine.count()).toBe(0); // the cursor's own line is not also lit
      expect(await page.locator('.schedule .value.lit').allTextContents()).toContain("%37 c': f32[B,H] = add %35, %36  (line 24)");
      // a schedule entry's (line N) → that line
      await page.click('.tabs button[data-tab=schedule]');
      await page.locator('.schedule .value', { hasText: "%39 h'" }).first().locator('.src-line').click();
      await expect.poll(() => litLine.textContent()).toBe("  h' = o * tanh(c')");
      await page.click('.tabs button[data-tab=graph]');

      // zoom with the wheel around the pointer, pan by dragging, double-click to fit
      const full = await page.evaluate(() => window.__playground.graphViewBox());
      const box = (await page.locator('#graph').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
      await page.mouse.wheel(0, -300);
      await expect.poll(async () => (await page.evaluate(() => window.__playground.graphViewBox())).w).toBeLessThan(full.w * 0.9);
      const zoomed = await page.evaluate(() => window.__playground.graphViewBox());
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 3 + 40, { steps: 5 });
      await page.mouse.up();
      const panned = await page.evaluate(() => window.__playground.graphViewBox());
      expect(panned.w).toBeCloseTo(zoomed.w, 6);
      expect(panned.x).toBeLessThan(zoomed.x);
      expect(panned.y).toBeLessThan(zoomed.y);
      await page.click('.graph-tools button[data-zoom=fit]');
      expect(await page.evaluate(() => window.__playground.graphViewBox())).toEqual(full);
      await page.screenshot({ path: join(shots, 'linked.png') });
      expect(errors).toEqual([]);
    });

    it('shows a typed error at its line with the message on hover, then the graph and WGSL once fixed', async () => {
      const target = 'o = sigmoid(dense(x, h))';
      const line = (await page.evaluate(() => window.__playground.source('A'))).split('\n').findIndex((l) => l.includes(target)) + 1;
      expect(line).toBeGreaterThan(1);
      const cmLine = page.locator('#editorA .cm-line', { hasText: target });
      // CodeMirror renders only the lines in view: scroll the editor as a user would.
      for (let i = 0; i < 40 && (await cmLine.count()) === 0; i++) {
        await page.locator('#editorA .cm-scroller').evaluate((el) => el.scrollBy(0, 120));
        await page.waitForTimeout(50);
      }
      await cmLine.click();
      await page.keyboard.press('End');
      await page.keyboard.type(' + q');

      // The diagnostic list, the squiggle on that line (under 'q'), the gutter marker, the hover message.
      const item = page.locator('#diagsA li');
      await expect.poll(() => item.count(), { timeout: 10_000 }).toBe(1);
      expect(await item.textContent()).toBe(`${line}:${target.length + 6} error E101: undefined name 'q'`);
      expect(await item.getAttribute('data-line')).toBe(String(line));
      const squiggle = page.locator('#editorA .cm-line', { hasText: `${target} + q` }).locator('.cm-lintRange-error');
      await expect.poll(() => squiggle.count()).toBe(1);
      expect(await squiggle.textContent()).toBe('q');
      expect(await page.locator('#editorA .cm-lint-marker-error').count()).toBe(1);
      await squiggle.hover();
      const tooltip = page.locator('.cm-tooltip-lint');
      await tooltip.waitFor({ timeout: 5000 });
      expect(await tooltip.textContent()).toContain("undefined name 'q'");
      expect(await page.locator('#statusA').textContent()).toBe('1 error');
      expect(await page.locator('#train').isDisabled()).toBe(true);
      // The compiled views keep the last good version, dimmed, and say so.
      await expect.poll(() => page.locator('#stale-note').textContent()).toBe('Cell A has 1 error: showing the last version without errors.');
      expect(await page.locator('section.compiled.stale').count()).toBe(1);
      await page.screenshot({ path: join(shots, 'diagnostic.png') });

      // Fix it: the graph, the schedule and the WGSL come back.
      await cmLine.click();
      await page.keyboard.press('End');
      for (let i = 0; i < 4; i++) await page.keyboard.press('Backspace');
      await expect.poll(() => item.count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => page.locator('#statusA').textContent()).toMatch(/^✓ LSTM/);
      await page.waitForSelector('#graph svg', { timeout: 20_000 });
      expect(await page.locator('#editorA .cm-lintRange-error').count()).toBe(0);
      expect(await page.locator('section.compiled.stale').count()).toBe(0);
      expect(await page.locator('#stale-note').isHidden()).toBe(true);

      await page.click('.tabs button[data-tab=schedule]');
      const perStep = Number(await page.locator('[data-count=forward-per-step]').textContent());
      expect(perStep).toBeGreaterThanOrEqual(1);
      expect(await page.locator('table.plan[data-pass=forward][data-stage=step] tr').count()).toBe(perStep + 1);
      expect(await page.locator('table.plan[data-pass=backward]').count()).toBeGreaterThan(0);
      // what each step computes, one value per line, by source name and line
      const computes = await page.locator('table.plan[data-pass=forward][data-stage=step] td.summary .value').allTextContents();
      expect(computes).toContain("%37 c': f32[B,H] = add %35, %36  (line 24)");
      expect(computes).toContain('%14: f32[B,H] = matmul f.W_h, h');
      const backward = await page.locator('table.plan[data-pass=backward] td.summary .value').allTextContents();
      expect(backward.some((v) => v.startsWith('%53 ∂c: '))).toBe(true);

      await page.click('.tabs button[data-tab=wgsl]');
      const kernels = await page.locator('#kernel option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(kernels.length).toBeGreaterThan(1);
      const code = page.locator('#wgsl .cm-content');
      const first = await code.textContent();
      expect(first).toContain('@compute');
      expect(first).toMatch(/fn \w+\(/);
      // the forward step kernel declares the gates under their names (CodeMirror draws the lines in view: scroll)
      expect(kernels).toContain('f_pre_gemm0'); // GEMMs are kernels of the artifact like the others
      expect(await page.locator('#kernel').inputValue()).toBe('f_loop_level0');
      expect(await page.locator('#kernel-info').textContent()).toContain("%39 h': f32[B,H] = mul o, %38  (line 25)");
      const gate = page.locator('#wgsl .cm-line', { hasText: 'let f = 1.0 / (1.0 + exp(' });
      for (let i = 0; i < 40 && (await gate.count()) === 0; i++) {
        await page.locator('#wgsl .cm-scroller').evaluate((el) => el.scrollBy(0, 200));
        await page.waitForTimeout(50);
      }
      expect(await gate.count()).toBe(1);
      await page.locator('#wgsl .cm-scroller').evaluate((el) => el.scrollTo(0, 0));
      await page.selectOption('#kernel', kernels[kernels.length - 1]);
      await expect.poll(() => code.textContent()).not.toBe(first);
      expect(await page.locator('#wgsl .cm-content').getAttribute('contenteditable')).toBe('false');
      await page.screenshot({ path: join(shots, 'wgsl.png') });
      await page.click('.tabs button[data-tab=graph]');
      expect(errors).toEqual([]);
    });

    it('Train is disabled, with the reason in view, for a cell that cannot be trained on the task', async () => {
      await page.selectOption('#exampleA', 'viterbi.cell');
      await expect.poll(() => page.locator('#statusA').textContent()).toMatch(/^✓ Viterbi/);
      expect(await page.locator('#train').isDisabled()).toBe(true);
      const reason = page.locator('#train-reason');
      expect(await reason.isVisible()).toBe(true);
      expect(await reason.textContent()).toBe('Viterbi cannot be trained on adding: layer 1 (cell Viterbi) must have exactly one float vector input to be stacked: its input o is i32[B], an index, and the task gives float vectors.');
      expect(await page.locator('#train').getAttribute('title')).toBe(await reason.textContent());
      // the compiler views still show the cell
      await page.waitForSelector('#graph svg', { timeout: 20_000 });
      await page.screenshot({ path: join(shots, 'untrainable.png') });
      await page.selectOption('#exampleA', 'lstm.cell');
      await expect.poll(() => page.locator('#train').isDisabled()).toBe(false);
      expect(await reason.isHidden()).toBe(true);
      expect(errors).toEqual([]);
    });

    it('trains an LSTM on the adding problem with a live loss chart, and the loss goes down', async () => {
      await page.selectOption('#task', 'adding');
      await page.fill('#sizes', 'H=8');
      await page.fill('#T', '10');
      await page.fill('#B', '8');
      await page.fill('#steps', '30');
      await page.fill('#lr', '0.01');
      await page.fill('#seed', '1');
      await timed('train LSTM H=8 T=10 B=8, 30 steps', async () => {
        await page.click('#train');
        await page.waitForFunction(() => ['done', 'error', 'nan', 'stopped'].includes(window.__playground.trainState), null, { timeout: 90_000 });
      });
      expect(await page.locator('#train-status').getAttribute('data-state'), (await page.locator('#train-status').textContent()) ?? '').toBe('done');
      const losses = await page.evaluate(() => window.__playground.losses());
      expect(Object.keys(losses)).toEqual(['A: LSTM']);
      const l = losses['A: LSTM'].map(([, v]) => v);
      expect(l).toHaveLength(30);
      expect(l.every(Number.isFinite)).toBe(true);
      expect(mean(l.slice(-10))).toBeLessThan(0.5 * mean(l.slice(0, 5)));
      // the held-out loss: every 2 steps (30 steps / 20, rounded), on the same scale, and going down
      const held = (await page.evaluate(() => window.__playground.heldOut()))['A: LSTM'];
      expect(held.map(([k]) => k)).toEqual(Array.from({ length: 15 }, (_, i) => 2 * (i + 1)));
      expect(held.every(([, v]) => Number.isFinite(v) && v > 0)).toBe(true);
      expect(held[held.length - 1][1]).toBeLessThan(0.5 * held[0][1]);
      // the sizes shown are the ones trained: the adding task's input width I=2, not the cell's I=64
      expect(await page.locator('#viewing').textContent()).toContain('(I=2, H=8; I from the task)');
      const chartText = await page.locator('#loss-chart svg').textContent();
      expect(chartText).toContain('A: LSTM: training, smoothed');
      expect(chartText).toContain('A: LSTM: held-out');

      // the trained weights: a cellc checkpoint the CLI reads, and a torch.nn.LSTM state dict
      const [ckpt] = await Promise.all([page.waitForEvent('download'), page.click('button.download[data-kind=checkpoint][data-cell=A]')]);
      expect(ckpt.suggestedFilename()).toBe('lstm-adding.safetensors');
      const ckptPath = join(tmpdir(), `cellc-playground-${process.pid}-lstm-adding.safetensors`);
      await ckpt.saveAs(ckptPath);
      const saved = readSavedRun(ckptPath);
      expect(saved.step).toBe(30);
      expect(saved.layerSizes).toEqual([{ I: 2, H: 8 }]);
      expect(saved.checkpoint.params.get('f.W_x')?.shape).toEqual([8, 2]);
      expect([...saved.checkpoint.params.values()].every((t) => t.data.every(Number.isFinite))).toBe(true);
      const [torch] = await Promise.all([page.waitForEvent('download'), page.click('button.download[data-kind=torch][data-cell=A]')]);
      const sd = decodeSafetensors(new Uint8Array(readFileSync(await torch.path())));
      expect(sd.tensors.get('rnn.weight_ih_l0')?.shape).toEqual([32, 2]);
      expect(sd.tensors.get('rnn.weight_hh_l0')?.shape).toEqual([32, 8]);
      expect(sd.tensors.get('readout.weight')?.shape).toEqual([1, 8]);
      removeDir(ckptPath);
      expect(await page.locator('#gradflow-chart svg').textContent()).toContain('∂L/∂s');
      await page.screenshot({ path: join(shots, 'training.png'), fullPage: true });
      expect(errors).toEqual([]);
    });

    it('trains two cells side by side on the same task and seed', async () => {
      await page.check('#compare');
      await page.selectOption('#exampleB', 'gru.cell');
      await page.fill('#steps', '15');
      await expect.poll(() => page.locator('#statusB').textContent()).toMatch(/^✓ GRU/);
      await timed('train LSTM + GRU, 15 steps each', async () => {
        await page.click('#train');
        await page.waitForFunction(() => ['done', 'error', 'nan', 'stopped'].includes(window.__playground.trainState), null, { timeout: 90_000 });
      });
      expect(await page.locator('#train-status').getAttribute('data-state'), (await page.locator('#train-status').textContent()) ?? '').toBe('done');
      const losses = await page.evaluate(() => window.__playground.losses());
      expect(Object.keys(losses)).toEqual(['A: LSTM', 'B: GRU']);
      for (const l of Object.values(losses)) expect(l.map(([k]) => k)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      const chart = await page.locator('#loss-chart svg').textContent();
      expect(chart).toContain('A: LSTM');
      expect(chart).toContain('B: GRU');
      await expect.poll(() => page.locator('#gradflow-chart').getAttribute('data-cells')).toBe('2');
      await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });
      expect(errors).toEqual([]);
    });

    it('a shared link reproduces the cells and settings', async () => {
      const edited = (await page.evaluate(() => window.__playground.source('A'))).replace('size H = 128', 'size H = 32') + '# shared by the e2e test: σ ⊙ ü\n';
      await page.evaluate((t) => window.__playground.setSource('A', t), edited);
      await page.selectOption('#task', 'sine');
      await page.click('#share');
      const link = page.locator('#share-link');
      await expect.poll(() => link.inputValue()).toMatch(/#s=[A-Za-z0-9_-]+$/);
      const url = await link.inputValue();
      expect(url.startsWith(server!.url)).toBe(true);
      const sourceB = await page.evaluate(() => window.__playground.source('B'));

      const fresh = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
      try {
        const other = await open(fresh, url);
        expect(await other.evaluate(() => window.__playground.source('A'))).toBe(edited);
        expect(await other.evaluate(() => window.__playground.source('B'))).toBe(sourceB);
        expect(await other.locator('#exampleA').inputValue()).toBe('');
        expect(await other.locator('#exampleB').inputValue()).toBe('gru.cell');
        expect(await other.locator('#compare').isChecked()).toBe(true);
        expect(await other.locator('#task').inputValue()).toBe('sine');
        expect(await other.locator('#sizes').inputValue()).toBe('H=8');
        expect(await other.locator('#steps').inputValue()).toBe('15');
        await other.waitForSelector('#graph svg', { timeout: 20_000 });
        expect(await other.locator('#viewing').textContent()).toContain('H=8');
        await other.screenshot({ path: join(shots, 'shared.png') });
      } finally {
        await fresh.close();
      }
      expect(errors).toEqual([]);
    });

    it('says which browsers and flags provide WebGPU when the browser has none', async () => {
      const noGpu = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
      try {
        await noGpu.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
        const p = await open(noGpu, server!.url);
        const banner = p.locator('#nogpu');
        await banner.waitFor({ state: 'visible', timeout: 10_000 });
        const text = await banner.textContent();
        expect(text).toContain('does not provide WebGPU');
        expect(text).toContain('Chrome or Edge 113+');
        expect(text).toContain('--enable-unsafe-webgpu');
        expect(await p.locator('#train').isDisabled()).toBe(true);
        // The compiler still runs.
        await p.waitForSelector('#graph svg', { timeout: 20_000 });
        await p.screenshot({ path: join(shots, 'no-webgpu.png') });
      } finally {
        await noGpu.close();
      }
      expect(errors).toEqual([]);
    });
  });
}
