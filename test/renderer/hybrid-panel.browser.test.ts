/**
 * The results view's Sparse execution panel and the Profile form's break-even cache select, in Chromium over
 * the bridge:
 * - with a fake engine whose job ends with a `+sparse` variant in each state (test/fixtures/reports/
 *   hybrid-report.ts): every decision row as the report has it, the forced marker, an older report's
 *   missing basis and format, the fallback and unavailable reasons, sorting;
 * - with the real engine: LeNet-300-100 pruned 90% with the sparse kernels and the cache `off`, the request
 *   reaching the engine and the panel's rows matching the report it kept.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import type { HybridLayerDecision, Report } from '../../src/shared/report';
import { formatPercent, formatRatio, formatUs } from '../../src/renderer/src/format';
import { FakeEngine } from '../bridge/fake-engine';
import { buildHybridReport, HYBRID_VARIANTS } from '../fixtures/reports/hybrid-report';
import { openEngineApp, openProfiledFakeApp, type EngineApp, type ProfiledFakeApp } from './browser-app';

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

const variantSelector = (id: string) => `[data-testid="hybrid-variant"][data-variant="${id}"]`;
const rowsOf = (id: string) => `${variantSelector(id)} [data-testid="hybrid-decision"]`;

async function nodesInOrder(page: Page, id: string): Promise<string[]> {
  return page.locator(rowsOf(id)).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node') ?? ''));
}

/** What the panel's row should read for a decision of the report, cell by cell, in the UI's number format. */
function expectedCells(d: HybridLayerDecision): string[] {
  const us = (value: number | null) => (value === null ? '–' : formatUs(value));
  return [
    d.node,
    d.opType,
    `${d.rows} × ${d.cols}`,
    formatPercent(d.density),
    String(d.batch),
    d.forced ? `${d.choice}forced` : d.choice,
    d.format ?? '–',
    d.basis ?? 'not recorded',
    us(d.denseUs),
    us(d.sparseUs),
    formatRatio(d.denseUs !== null && d.sparseUs !== null ? d.denseUs / d.sparseUs : null),
    d.reason,
  ];
}

async function expectRowsMatch(page: Page, report: Report, id: string): Promise<void> {
  const decisions = report.variants.find((v) => v.id === id)!.hybrid!.decisions;
  expect(await nodesInOrder(page, id)).toEqual(decisions.map((d) => d.node));
  for (const d of decisions) {
    const row = `${rowsOf(id)}[data-node="${d.node}"]`;
    expect(await texts(page, `${row} td`)).toEqual(expectedCells(d));
    expect(await page.locator(row).getAttribute('data-choice')).toBe(d.choice);
    expect(await page.locator(row).getAttribute('data-forced')).toBe(String(d.forced));
  }
}

describe('Sparse execution panel with split, old, fallback and unavailable +sparse variants', () => {
  const report = buildHybridReport();
  let app: ProfiledFakeApp;

  beforeAll(async () => {
    app = await openProfiledFakeApp(new FakeEngine({ stepMs: 10, buildReport: () => structuredClone(report) }));
    await app.page.getByTestId('hybrid-panel').scrollIntoViewIfNeeded();
  });
  afterAll(() => app?.close());

  it('shows every +sparse variant with how it ran', async () => {
    const { page } = app;
    const variants = page.getByTestId('hybrid-variant');
    expect(await variants.evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-variant'), n.getAttribute('data-mode')]))).toEqual([
      [HYBRID_VARIANTS[0], 'hybrid'],
      [HYBRID_VARIANTS[1], 'hybrid'],
      [HYBRID_VARIANTS[2], 'ort-fallback'],
      [HYBRID_VARIANTS[3], 'unavailable'],
    ]);
    expect(await texts(page, '[data-testid="hybrid-mode-line"]')).toEqual([
      'split: 2 of 3 candidate layers on the sparse kernels, 1 onnxruntime segment for the rest',
      'split: 1 of 2 candidate layers on the sparse kernels, 1 onnxruntime segment for the rest',
      'ran whole on onnxruntime instead of split (fallback)',
      'not run on the sparse kernels',
    ]);
    expect(app.problems).toEqual([]);
  });

  it("lists each decision as the report has it: shape, density, batch, choice, format, basis, times, speedup and reason", async () => {
    const { page } = app;
    await expectRowsMatch(page, report, HYBRID_VARIANTS[0]);
    // Predicted from the break-even table: no times, so no speedup.
    expect(await texts(page, `${rowsOf(HYBRID_VARIANTS[0])}[data-node="/fc3/Gemm"] td`)).toEqual(
      expect.arrayContaining(['predicted', '–']),
    );
    const split = page.locator(variantSelector(HYBRID_VARIANTS[0]));
    expect(await split.getByTestId('hybrid-whole-check').textContent()).toMatch(/^\s*2\.95 ms vs 9\.44 ms \(3\.20×\): the cut model is faster: kept\s*$/);
    expect((await split.getByTestId('hybrid-output-check').textContent())?.trim()).toBe('4.10e-8');
    expect(await split.getByTestId('hybrid-steps').textContent()).toBe('sparse /fc1/Gemm + /relu1/Relu → sparse /fc2/Gemm + /relu2/Relu → onnxruntime segment0 (2 nodes)');
    expect(await texts(page, `${variantSelector(HYBRID_VARIANTS[0])} [data-testid="hybrid-rejected-row"] td`)).toEqual([
      '/head/Gemm', 'Gemm', 'transA=1 (the activations transposed) is not supported',
    ]);
    expect(await split.getByTestId('hybrid-reason').count()).toBe(0);
  });

  it("marks the forced layer and reads an older report's decisions without basis or format", async () => {
    const { page } = app;
    await expectRowsMatch(page, report, HYBRID_VARIANTS[1]);
    expect(await page.locator(`${rowsOf(HYBRID_VARIANTS[1])}[data-forced="true"] .forced`).count()).toBe(1);
    const old = page.locator(variantSelector(HYBRID_VARIANTS[1]));
    expect((await old.getByTestId('hybrid-whole-check').textContent())?.trim()).toBe('not compared: a layer was forced sparse');
  });

  it('gives the fallback and the unavailable variant their reasons in callouts', async () => {
    const { page } = app;
    const fallback = page.locator(variantSelector(HYBRID_VARIANTS[2]));
    expect(await fallback.getByTestId('hybrid-reason').textContent()).toBe(
      'Reason: the cut model failed its first run: segment0: Non-zero status code returned while running Gemm node',
    );
    expect(await fallback.getByTestId('hybrid-no-candidates').count()).toBe(0); // it has candidates: the cut failed
    expect(await fallback.getByTestId('hybrid-decisions').count()).toBe(0);

    const notRun = page.locator(variantSelector(HYBRID_VARIANTS[3]));
    expect(await notRun.getByTestId('hybrid-reason').textContent()).toMatch(/^Reason: sparse kernels unavailable: the native addon is not built/);
    expect(await notRun.locator('.callout').count()).toBe(1);
    expect(await notRun.getByTestId('hybrid-whole-check').count()).toBe(0);
    expect(app.problems).toEqual([]);
  });

  it('sorts the decisions by a column, either way', async () => {
    const { page } = app;
    const split = page.locator(variantSelector(HYBRID_VARIANTS[0]));
    const header = (name: string) => split.locator('th').filter({ hasText: name }).getByRole('button');
    await header('shape').click(); // largest first
    expect(await nodesInOrder(page, HYBRID_VARIANTS[0])).toEqual(['/fc1/Gemm', '/fc2/Gemm', '/fc3/Gemm']);
    await header('shape').click();
    expect(await nodesInOrder(page, HYBRID_VARIANTS[0])).toEqual(['/fc3/Gemm', '/fc2/Gemm', '/fc1/Gemm']);
    await header('basis').click();
    expect(await texts(page, `${rowsOf(HYBRID_VARIANTS[0])} td:nth-child(8)`)).toEqual(['cached', 'predicted', 'timed']);
    expect(await split.locator('th[aria-sort="ascending"]').textContent()).toMatch(/^basis/);
    expect(app.problems).toEqual([]);
  });
});

describe('Sparse execution from the Profile form with the break-even cache off (real engine)', () => {
  let app: EngineApp;
  let engine: Engine;
  let page: Page;

  beforeAll(async () => {
    app = await openEngineApp('hybrid-ui');
    ({ engine, page } = app);
  });
  afterAll(() => app?.close());

  it('sends the cache mode with the sparse runs and shows the decisions of the report it kept', async () => {
    await page.locator('[data-testid="demo-model"][data-model-id="mlp-lenet-300-100"]').click();
    await expect.poll(() => page.getByTestId('ep-cpu').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('prune-input').fill('0.9');
    expect(await page.getByTestId('sparse-cache-select').count()).toBe(0); // only with the sparse kernels on
    await page.getByTestId('sparse-checkbox').check();
    expect(await page.getByTestId('sparse-cache-select').inputValue()).toBe('use');
    await page.getByTestId('sparse-cache-select').selectOption('off');
    await page.locator('#cfg-runs').fill('8');
    await page.locator('#cfg-profiled').fill('2');
    await expect.poll(() => page.getByTestId('run-button').isEnabled()).toBe(true);
    await page.getByTestId('run-button').click();
    await page.waitForSelector('[data-testid="job-status"][data-phase="done"]', { timeout: 180_000 });

    const [entry] = await engine.call('listRuns', {});
    const report = await engine.call('openRun', { runId: entry.id });
    expect(report.settings.sparse).toBe(true);
    expect(report.settings.sparseCache).toBe('off');
    const hybrid = report.variants.find((v) => v.id === 'pruned-0.9+sparse')!.hybrid!;

    await page.getByTestId('hybrid-panel').scrollIntoViewIfNeeded();
    const variant = page.locator(variantSelector('pruned-0.9+sparse'));
    expect(await variant.getAttribute('data-mode')).toBe(hybrid.mode);
    if (hybrid.mode === 'unavailable') {
      // No addon on this machine: the panel says why instead of a table.
      expect(await variant.getByTestId('hybrid-reason').textContent()).toBe(`Reason: ${hybrid.reason}`);
    } else {
      // With the cache off every layer is timed now, in the report and in the panel.
      expect(hybrid.decisions.map((d) => d.node)).toEqual(['fc1/MatMul', 'fc2/MatMul', 'fc3/MatMul']);
      expect(hybrid.decisions.every((d) => d.basis === 'timed')).toBe(true);
      await expectRowsMatch(page, report, 'pruned-0.9+sparse');
      expect(await texts(page, `${rowsOf('pruned-0.9+sparse')} td:nth-child(8)`)).toEqual(['timed', 'timed', 'timed']);
      expect(await variant.getByTestId('hybrid-output-check').textContent()).toContain(hybrid.check!.maxRelError.toExponential(2));
    }
    expect(app.problems).toEqual([]);
  });
});
