/**
 * Sweeps in the app, in Chromium over the bridge with the real engine: a sweep started from the small form
 * (real runs of LeNet-300-100, dense and 90% pruned) shows progress with an ETA, ends with its cells and
 * dataset views, saves its spec as OUTDIR/sweep.json, opens a cell's report, and its cells appear in the
 * History tab as sweep runs. Screenshots land in /tmp/sweeps-*.png.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { openEngineApp, type EngineApp } from './browser-app';

const LENET = resolve(__dirname, '../../resources/models/mlp-lenet-300-100.onnx');

describe('sweeps in the app, in Chromium, with the real engine', () => {
  let workDir: string;
  let engine: Engine;
  let app: EngineApp;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    app = await openEngineApp('sweeps-e2e');
    ({ dir: workDir, engine, page, problems } = app);
  });

  afterAll(() => app?.close());

  it('refuses an incomplete form before sending anything', async () => {
    await page.getByTestId('tab-sweeps').click();
    await page.getByTestId('sweep-source-form').check();
    await page.getByTestId('sweep-out').fill(join(workDir, 'results'));
    await page.getByTestId('sweep-form-batches').fill('0');
    await page.getByTestId('sweep-form-models').fill(LENET);
    await page.getByTestId('sweep-start').click();
    await expect.poll(() => page.getByTestId('error-line').filter({ visible: true }).textContent()).toContain("batches: '0' is not a positive integer");
    expect(existsSync(join(workDir, 'results'))).toBe(false);
    await page.getByTestId('error-line').filter({ visible: true }).getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('runs a sweep from the form with progress and an ETA, then shows its cells and views', async () => {
    await page.getByTestId('sweep-form-batches').fill('1');
    await page.getByTestId('sweep-form-sparsities').fill('0.9');
    await page.getByTestId('sweep-form-runs').fill('3');
    await page.getByTestId('sweep-start').click();
    const status = page.getByTestId('sweep-status');
    await expect.poll(() => status.textContent(), { interval: 20, timeout: 60_000 }).toMatch(/cell \d of 2 · ETA/);
    await page.screenshot({ path: '/tmp/sweeps-1-running.png' });
    await expect.poll(() => status.getAttribute('data-phase'), { interval: 200, timeout: 120_000 }).toBe('done');

    await expect.poll(() => page.getByTestId('sweep-cell').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')))).toEqual(['ok', 'ok']);
    // Each cell verified against dense: dense agrees with itself, the pruned cell says how far it moved.
    const agreement = await page.getByTestId('sweep-cell-agreement').allTextContents();
    expect(agreement[0]).toBe('100.0%');
    expect(agreement[1]).toMatch(/^\d+\.\d%$/);
    expect(await page.getByTestId('sweep-chart').evaluateAll((els) => els.map((el) => el.getAttribute('data-chart-id')))).toEqual([
      'latency-vs-sparsity',
      'speedup-heatmap-1',
      'pareto',
    ]);
    const saved = JSON.parse(readFileSync(join(workDir, 'results', 'sweep.json'), 'utf8')) as { models: string[]; variants: { id: string }[] };
    expect(saved.models).toEqual([LENET]);
    expect(saved.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.9']);
    await page.screenshot({ path: '/tmp/sweeps-2-done.png', fullPage: true });

    await page.getByTestId('sweep-open-cell').nth(1).click();
    const results = page.getByTestId('sweep-panel').getByTestId('results');
    await expect.poll(() => results.isVisible()).toBe(true);
    await page.getByTestId('sweep-close-cell').click();
  });

  it('lists the sweep\'s cells in the History tab', async () => {
    await page.getByTestId('tab-history').click();
    await page.getByTestId('history-refresh').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(2);
    expect(await page.getByTestId('history-row').first().textContent()).toContain('sweep');
    expect(problems).toEqual([]);
  });
});
