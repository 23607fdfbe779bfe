/**
 * End to end in a real browser: the built renderer (dist/renderer, built by `npm run pretest`), served by the
 * loopback bridge in front of the real engine, driven in Debian's Chromium through playwright-core.
 *
 * The flow a user takes: open the LeNet-300-100 demo, profile it on the CPU with a 90% pruned variant, read
 * the timeline (both lanes drawn on one axis, counter tracks), hover a span, zoom, read the comparison, pick
 * another pair of runs to compare, export in every format, and look at the machine's devices (read from a fake
 * sysfs tree, so there are accelerators to show, and one is plugged in during the test). Screenshots land in
 * /tmp/app-*.png for a person to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/main/bridge/bridge';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { writeFakeSysfs } from '../engine/devices/fake-sysfs';
import { hoverFirstSpan, numberAttribute, openApp, requirePrerequisites, STATIC_DIR } from './browser-app';

const MODELS_DIR = resolve(__dirname, '../../resources/models');
const DEMO_ID = 'mlp-lenet-300-100';

describe('the app in Chromium, over the bridge, with the real engine', () => {
  let workDir: string;
  let engine: Engine;
  let bridge: Bridge;
  let browser: Browser;
  let page: Page;
  let pageProblems: string[] = [];
  let sysfsRoot: string;

  beforeAll(async () => {
    requirePrerequisites();
    workDir = mkdtempSync(join(tmpdir(), 'edgescope-e2e-'));
    sysfsRoot = writeFakeSysfs(join(workDir, 'sys'));
    engine = createEngine({ workspaceDir: join(workDir, 'workspace'), cacheDir: join(workDir, 'cache'), sysfsRoot });
    bridge = await startBridge({ engine, staticDir: STATIC_DIR });
    // Console errors include CSP violations: the page must run under its policy without any.
    ({ browser, page, problems: pageProblems } = await openApp(bridge.url));
  });

  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await engine?.dispose();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('opens a demo model and shows its summary', async () => {
    await expect.poll(() => page.getByTestId('demo-model').count()).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/app-0-start.png' });
    await page.locator(`[data-testid="demo-model"][data-model-id="${DEMO_ID}"]`).click();
    const summary = page.getByTestId('model-summary');
    await expect.poll(() => summary.isVisible()).toBe(true);
    await expect.poll(() => summary.textContent()).toContain('mlp-lenet-300-100.onnx');
    expect(await page.getByTestId('initializer-table').locator('tbody tr').count()).toBeGreaterThan(0);
    // Execution providers come from the engine's probe; the CPU EP is always there.
    await expect.poll(() => page.getByTestId('ep-cpu').isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('ep-cpu').isChecked()).toBe(true);
    await page.screenshot({ path: '/tmp/app-1-model.png' });
  });

  it('refuses a bad prune value before sending anything', async () => {
    await page.getByTestId('prune-input').fill('1.5');
    await expect.poll(() => page.getByTestId('config-problem').textContent()).toContain("'1.5' is not a sparsity");
    expect(await page.getByTestId('run-button').isDisabled()).toBe(true);
  });

  it('profiles dense and pruned-0.9 on the CPU and draws both lanes on the timeline', async () => {
    await page.getByTestId('prune-input').fill('0.9');
    await page.getByTestId('run-button').click();
    // A screenshot of the progress bar, if the job is not already over (it takes seconds).
    await expect.poll(() => page.getByTestId('job-status').getAttribute('data-phase'), { interval: 20 }).toMatch(/^(running|done)$/);
    await page.locator('.sidebar').screenshot({ path: '/tmp/app-1b-running.png' });
    await expect.poll(() => page.getByTestId('job-status').getAttribute('data-phase'), { timeout: 90_000, interval: 250 }).toBe('done');

    const timeline = page.getByTestId('timeline');
    await expect.poll(() => numberAttribute(page, '[data-testid="timeline"]', 'data-span-count')).toBeGreaterThan(0);
    const lanes = page.getByTestId('lane-label');
    expect(await lanes.evaluateAll((els) => els.map((el) => el.getAttribute('data-lane-key')))).toEqual(['dense@cpu', 'pruned-0.9@cpu']);
    const perLane = await lanes.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-span-count'))));
    for (const count of perLane) expect(count).toBeGreaterThan(0);
    expect(perLane[0] + perLane[1]).toBe(await numberAttribute(page, '[data-testid="timeline"]', 'data-span-count'));
    expect(await lanes.allTextContents()).toEqual([expect.stringContaining('dense'), expect.stringContaining('pruned-0.9')]);

    // Counter tracks: one per counter, a line per lane, each line with a drawn path.
    const tracks = timeline.getByTestId('counter-track');
    expect(await tracks.count()).toBeGreaterThan(0);
    const lines = tracks.locator('path[data-lane-key]');
    const lineLanes = await lines.evaluateAll((els) => els.map((el) => [el.getAttribute('data-lane-key'), (el.getAttribute('d') ?? '').length]));
    expect(new Set(lineLanes.map(([lane]) => lane))).toEqual(new Set(['dense@cpu', 'pruned-0.9@cpu']));
    for (const [, pathLength] of lineLanes) expect(pathLength).toBeGreaterThan(0);

    const row = page.locator('[data-testid="comparison-row"][data-candidate="pruned-0.9"]');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/dense → pruned-0\.9.*×/);
    expect(await page.getByTestId('latency-row').count()).toBe(2);
    // Every op of a CPU run ran on the CPU provider.
    expect(await page.getByTestId('placement').allTextContents()).toEqual(['CPU 100%', 'CPU 100%'].map((t) => expect.stringContaining(t)));
    expect(await page.getByTestId('op-comparison-table').locator('tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/app-2-results.png' });
    await timeline.screenshot({ path: '/tmp/app-3-timeline.png' });
    // The results scroll inside the window; a tall viewport shows all of them at once.
    await page.setViewportSize({ width: 1480, height: 2000 });
    await page.screenshot({ path: '/tmp/app-6-results-full.png' });
    await page.setViewportSize({ width: 1480, height: 940 });
  });

  it('shows an op tooltip on hover and zooms with the wheel', async () => {
    const { box: laneBox, laneY: denseLaneY } = await hoverFirstSpan(page, 0);
    const tooltip = page.getByTestId('span-tooltip');
    expect(await tooltip.textContent()).toMatch(/memory.*compute.*overhead/s);
    expect(await page.getByTestId('tooltip-provider').textContent()).toBe('CPUExecutionProvider');
    expect(await page.getByTestId('tooltip-timing').textContent()).toBe('host (host-side kernel time)');
    // One provider only: nothing is striped, so there is no provider legend.
    expect(await page.getByTestId('provider-legend').count()).toBe(0);
    await page.getByTestId('timeline').screenshot({ path: '/tmp/app-4-tooltip.png' });

    const before = await numberAttribute(page, '[data-testid="timeline"]', 'data-span-count');
    await page.mouse.move(laneBox.x + 40, denseLaneY);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -400);
    await expect.poll(() => numberAttribute(page, '[data-testid="timeline"]', 'data-span-count')).toBeLessThan(before);
    await page.mouse.move(laneBox.x + laneBox.width / 2, laneBox.y + laneBox.height + 40);
    await page.getByTestId('timeline').screenshot({ path: '/tmp/app-5-zoomed.png' });
  });

  it("compares any two runs: the report's first comparison by default, then the pair the user picks", async () => {
    const pair = page.getByTestId('pair-comparison');
    const reportRow = page.locator('[data-testid="comparison-row"][data-candidate="pruned-0.9"]');
    await expect.poll(() => pair.getAttribute('data-candidate')).toBe('pruned-0.9@cpu');
    expect(await pair.getAttribute('data-baseline')).toBe('dense@cpu');
    expect(await reportRow.getAttribute('class')).toContain('selected');
    const reportSpeedup = Number(await reportRow.getAttribute('data-speedup'));
    expect(reportSpeedup).toBeGreaterThan(0);
    // The engine compares the default pair exactly as the report did.
    expect(Number(await pair.getAttribute('data-speedup'))).toBeCloseTo(reportSpeedup, 12);
    for (const select of ['baseline-select', 'candidate-select']) {
      expect(await page.getByTestId(select).locator('option').allTextContents()).toEqual(['dense@cpu', 'pruned-0.9@cpu']);
    }

    await page.getByTestId('baseline-select').selectOption('pruned-0.9@cpu');
    await page.getByTestId('candidate-select').selectOption('dense@cpu');
    await expect.poll(() => pair.getAttribute('data-candidate')).toBe('dense@cpu');
    expect(await pair.getAttribute('data-baseline')).toBe('pruned-0.9@cpu');
    expect(await reportRow.getAttribute('class')).not.toContain('selected');
    // Shown with two decimals: the inverse of the report's speed-up, to within that rounding.
    const shown = Number((await page.getByTestId('pair-speedup').textContent())?.replace('×', ''));
    expect(Math.abs(shown - 1 / reportSpeedup)).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(Number(await pair.getAttribute('data-speedup'))).toBeCloseTo(1 / reportSpeedup, 9);
    expect(await pair.textContent()).toContain('Per op: pruned-0.9@cpu → dense@cpu');
    const opRows = pair.getByTestId('op-comparison-table').locator('tbody tr');
    expect(await opRows.count()).toBeGreaterThan(0);
    // Both phase bars on every op (the LeNet ops all ran in both variants).
    expect(await opRows.first().locator('svg.phase-bar').count()).toBe(2);
    expect(await page.getByTestId('error-line').count()).toBe(0);

    await page.getByTestId('comparison-panel').scrollIntoViewIfNeeded();
    await page.setViewportSize({ width: 1480, height: 1500 });
    await page.getByTestId('comparison-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/app-compare.png' });
    await page.setViewportSize({ width: 1480, height: 940 });

    // A row of the report's comparisons picks its pair again.
    await reportRow.click();
    await expect.poll(() => pair.getAttribute('data-baseline')).toBe('dense@cpu');
    expect(await pair.getAttribute('data-candidate')).toBe('pruned-0.9@cpu');
    expect(await page.getByTestId('baseline-select').inputValue()).toBe('dense@cpu');
  });

  it('exports the report as a JSON download', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('export-json').click();
    expect((await download).suggestedFilename()).toBe('mlp-lenet-300-100.report.json');
  });

  it.each([
    ['md', 'mlp-lenet-300-100.report.md', /^# edgescope report/],
    ['tex', 'mlp-lenet-300-100.report.tex', /\\toprule/],
    ['csv', 'mlp-lenet-300-100.runs.csv', /^variant,ep,/],
    ['ops-csv', 'mlp-lenet-300-100.ops.csv', /^variant,ep,/],
    // Printed by the engine's headless Chromium here (by Electron's printToPDF in the app).
    ['pdf', 'mlp-lenet-300-100.report.pdf', /^%PDF-1\.\d/],
  ])('exports the report as %s', async (format, fileName, content) => {
    const download = page.waitForEvent('download');
    await page.getByTestId(`export-${format}`).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(fileName);
    const path = await file.path();
    expect(readFileSync(path, 'utf8')).toMatch(content);
  });

  it("shows the machine's devices with the EPs that could drive each, and rescans when a USB device is plugged in", async () => {
    await page.getByTestId('devices-button').click();
    const panel = page.getByTestId('devices-panel');
    await expect.poll(() => panel.getAttribute('data-loads'), { timeout: 30_000 }).toBe('1');
    expect(await page.getByTestId('device-cpu').textContent()).toMatch(/CPU.*Cores/s);
    expect(await page.getByTestId('device-memory').textContent()).toMatch(/Memory.*iB/);
    const cpuEp = page.locator('[data-testid="device-ep"][data-ep="cpu"]');
    expect(await cpuEp.getAttribute('data-available')).toBe('true');
    expect(await cpuEp.textContent()).toContain('available');
    // Every EP that cannot run says why.
    for (const ep of await page.locator('[data-testid="device-ep"][data-available="false"]').all()) expect(await ep.locator('.reason').textContent()).not.toBe('');
    // The fake tree's accelerators, with their state and the runtime that could drive each.
    const accelerators = page.getByTestId('device-accelerator');
    expect(await accelerators.allTextContents()).toContainEqual(expect.stringMatching(/Intel NCS2 \(Myriad X\).*not booted/));
    expect(await page.locator('[data-testid="device-accelerator"][data-vendor-product="1e60:2864"] [data-testid="device-backend"]').getAttribute('data-ep')).toBe('hailort');
    expect(await page.getByTestId('device-gpu').count()).toBeGreaterThan(0);
    await panel.screenshot({ path: '/tmp/app-devices.png' });

    const before = await accelerators.count();
    const device = join(sysfsRoot, 'bus/usb/devices/1-10');
    mkdirSync(device);
    for (const [file, value] of Object.entries({ idVendor: '18d1', idProduct: '9302', busnum: '1', devnum: '12' })) writeFileSync(join(device, file), `${value}\n`);
    await expect.poll(() => accelerators.count(), { timeout: 15_000 }).toBe(before + 1);
    expect(await panel.getAttribute('data-loads')).toBe('2');
    expect(await accelerators.allTextContents()).toContainEqual(expect.stringContaining('(1-10)'));

    await page.getByTestId('devices-close').click();
    expect(await panel.count()).toBe(0);
  });

  it('imports a model chosen in the file picker or dropped on the window (a browser tab has no paths)', async () => {
    const summary = page.getByTestId('model-summary');
    await page.getByTestId('file-input').setInputFiles(join(MODELS_DIR, 'cnn-small.onnx'));
    await expect.poll(() => summary.textContent()).toMatch(/-cnn-small\.onnx/);

    const modelBase64 = readFileSync(join(MODELS_DIR, 'mlp-lenet-300-100.onnx')).toString('base64');
    const dataTransfer = await page.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped-lenet.onnx'));
      return transfer;
    }, modelBase64);
    await page.dispatchEvent('.workspace', 'dragover', { dataTransfer });
    await page.dispatchEvent('.workspace', 'drop', { dataTransfer });
    await expect.poll(() => summary.textContent()).toMatch(/-dropped-lenet\.onnx/);
    // Importing made it a recent model, which the engine can reopen by path.
    expect(await page.locator('button[title$="-dropped-lenet.onnx"]').count()).toBe(1);
  });

  it('cancels a running profile', async () => {
    await page.locator('[data-testid="demo-model"][data-model-id="cnn-small"]').click();
    await expect.poll(() => page.getByTestId('model-summary').textContent()).toContain('cnn-small.onnx');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('cancel-button').isEnabled(), { timeout: 30_000, interval: 50 }).toBe(true);
    await page.getByTestId('cancel-button').click();
    await expect.poll(() => page.getByTestId('job-status').getAttribute('data-phase'), { timeout: 30_000 }).toBe('cancelled');
    await page.screenshot({ path: '/tmp/app-7-cancelled.png' });
  });

  it('ran without console errors or CSP violations', () => {
    expect(pageProblems).toEqual([]);
  });

  it('says so in one line when the bridge goes away', async () => {
    await bridge.close();
    await expect.poll(() => page.getByTestId('error-line').textContent()).toContain('Lost the engine: the connection to the edgescope bridge was closed (E_BRIDGE)');
    await page.screenshot({ path: '/tmp/app-8-lost.png' });
  });
});
