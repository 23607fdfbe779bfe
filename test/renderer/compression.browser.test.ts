/**
 * The compression panel in Chromium, over the bridge, with the real engine: open the demo CNN, build a
 * recipe (50% of the filters of every layer), watch the preview's sparsity and sizes change, see a bad
 * per-layer value as one error line, create the variant (written and verified in the workspace), profile
 * it next to dense (real onnxruntime runs) and find both in the latency table; save and load the recipe.
 * Screenshots land in /tmp/compression-*.png.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { openEngineApp, type EngineApp } from './browser-app';

/** cnn-small's prunable weights, in graph order. */
const LAYERS = ['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight'];

describe('the compression panel in Chromium, with the real engine', () => {
  let dir: string;
  let engine: Engine;
  let app: EngineApp;
  let page: Page;
  let problems: string[] = [];
  let variantPath: string;

  beforeAll(async () => {
    app = await openEngineApp('compression-e2e');
    ({ dir: dir, engine, page, problems } = app);
  }, 60_000);

  afterAll(() => app?.close());

  const achieved = () => page.getByTestId('cmp-layer-achieved').allTextContents();
  const layerRow = (name: string) => page.locator(`[data-testid="cmp-layer-row"][data-layer="${name}"]`);
  const visibleErrors = () => page.locator('[data-testid="error-line"]:visible');

  it('previews the recipe as it changes: 0 then 50% of the filters of every layer', async () => {
    await page.locator('[data-testid="demo-model"][data-model-id="cnn-small"]').click();
    await expect.poll(() => page.getByTestId('run-button').isEnabled(), { timeout: 60_000 }).toBe(true);
    // Few runs: the test is about the flow, not the numbers.
    await page.locator('#cfg-warmup').fill('1');
    await page.locator('#cfg-runs').fill('5');
    await page.locator('#cfg-profiled').fill('1');

    await page.getByTestId('tab-compress').click();
    await page.getByTestId('cmp-sparsity').fill('0');
    await expect.poll(achieved).toEqual(['0.0%', '0.0%', '0.0%', '0.0%']);
    expect(await page.getByTestId('cmp-layer-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-layer')))).toEqual(LAYERS);
    const denseCsr = await page.getByTestId('cmp-total-csr16').textContent();

    await page.getByTestId('cmp-sparsity').fill('0.5');
    await page.getByTestId('cmp-granularity').selectOption('filter');
    await expect.poll(achieved).toEqual(['50.0%', '50.0%', '50.0%', '50.0%']);
    expect(await page.getByTestId('cmp-total-sparsity').textContent()).toBe('50.0%');
    // Half the nonzeros: the CSR16 total shrinks, the dense total does not.
    expect(await page.getByTestId('cmp-total-csr16').textContent()).not.toBe(denseCsr);

    // Exactly what the engine computes for the same recipe.
    const preview = await engine.call('previewCompression', {
      modelPath: join(__dirname, '../../resources/models/cnn-small.onnx'),
      recipe: { default: { sparsity: 0.5, granularity: 'filter' } },
    });
    const rows = page.getByTestId('cmp-layer-row');
    expect(await rows.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-nnz'))))).toEqual(preview.layers.map((l) => l.nnz));
    expect(await rows.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-csr16'))))).toEqual(preview.layers.map((l) => l.csr16Bytes));
    expect(Number(await page.getByTestId('cmp-total-csr16').getAttribute('data-bytes'))).toBe(preview.totals.csr16Bytes);

    // Weight sharing adds its column and total.
    await page.getByTestId('cmp-share-bits').selectOption('5');
    await expect.poll(() => page.getByTestId('cmp-total-shared').count()).toBe(1);
    await page.getByTestId('cmp-share-bits').selectOption('0');
    await expect.poll(() => page.getByTestId('cmp-total-shared').count()).toBe(0);
    await page.screenshot({ path: '/tmp/compression-1-preview.png', fullPage: true });
  }, 120_000);

  it('shows a bad per-layer value as one error line naming the entry, and recovers', async () => {
    await layerRow('conv2.weight').getByTestId('cmp-layer-sparsity').fill('1.5');
    await expect.poll(() => visibleErrors().count()).toBe(1);
    expect(await visibleErrors().locator('.text').textContent()).toBe(
      'Previewing the compression failed: recipe for cnn-small.onnx: layers[0] (conv2.weight): sparsity must be a number in [0, 1), got 1.5 (E_BAD_REQUEST)',
    );
    expect(await page.getByTestId('cmp-create').isDisabled()).toBe(true);
    await page.screenshot({ path: '/tmp/compression-2-error.png' });

    await layerRow('conv2.weight').getByTestId('cmp-layer-sparsity').fill('0.25');
    await expect.poll(() => visibleErrors().count()).toBe(0);
    await expect.poll(achieved).toEqual(['50.0%', '25.0%', '50.0%', '50.0%']);
    await layerRow('conv2.weight').getByTestId('cmp-layer-sparsity').fill('');
    await expect.poll(achieved).toEqual(['50.0%', '50.0%', '50.0%', '50.0%']);
  });

  it('saves the recipe as JSON and loads one back into the form', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('cmp-save').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('cnn-small.recipe.json');
    const saved = JSON.parse(readFileSync((await file.path())!, 'utf8'));
    expect(saved).toEqual({ default: { sparsity: 0.5, granularity: 'filter', norm: 'l1' }, layers: [] });

    const loaded = join(dir, 'loaded.json');
    writeFileSync(loaded, JSON.stringify({ default: { sparsity: 0.5, granularity: 'filter' }, layers: [{ name: 'fc2.weight', sparsity: 0, granularity: 'filter' }], keepFirst: true }));
    await page.getByTestId('cmp-load').setInputFiles(loaded);
    await expect.poll(achieved).toEqual(['0.0%', '50.0%', '50.0%', '0.0%']);
    expect(await layerRow('fc2.weight').getByTestId('cmp-layer-sparsity').inputValue()).toBe('0');
    expect(await page.getByTestId('cmp-keep-first').isChecked()).toBe(true);
    // Back to the recipe under test: every layer at 50% of its filters.
    await layerRow('fc2.weight').getByTestId('cmp-layer-sparsity').fill('');
    await layerRow('fc2.weight').getByTestId('cmp-layer-granularity').selectOption('');
    await page.getByTestId('cmp-keep-first').uncheck();
    await expect.poll(achieved).toEqual(['50.0%', '50.0%', '50.0%', '50.0%']);
  });

  it('creates the variant, verified, in the workspace', async () => {
    await expect.poll(() => page.getByTestId('cmp-create').isEnabled()).toBe(true);
    await page.getByTestId('cmp-create').click();
    const created = page.getByTestId('cmp-created');
    await expect.poll(() => created.count(), { timeout: 60_000 }).toBe(1);
    variantPath = (await created.getAttribute('data-path'))!;
    expect(variantPath).toMatch(new RegExp(`^${join(dir, 'workspace', 'variants')}/cnn-small\\.recipe-[0-9a-f]{8}\\.onnx$`));
    expect(existsSync(variantPath)).toBe(true);
    expect(await page.getByTestId('cmp-verification').textContent()).toMatch(/^vs dense: cosine \d\.\d{4}, max \|Δ\| [\d.e+-]+, top-1 agreement \d+\.\d% \(8 samples\)$/);
    // The written variant has the previewed sparsity.
    const written = await engine.call('previewCompression', { modelPath: variantPath, recipe: {} });
    expect(written.layers.map((l) => l.sparsity)).toEqual([0.5, 0.5, 0.5, 0.5]);
    await page.screenshot({ path: '/tmp/compression-3-created.png', fullPage: true });
  }, 90_000);

  it('profiles the variant next to dense: both in the latency table', async () => {
    await page.getByTestId('cmp-profile').click();
    // The Profile tab takes over and shows the job and its report.
    await expect.poll(() => page.getByTestId('tab-profile').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByTestId('job-status').getAttribute('data-phase'), { timeout: 180_000, interval: 500 }).toBe('done');
    const variantId = variantPath.split('/').pop()!.replace(/\.onnx$/, '');
    const rows = await page.getByTestId('latency-row').evaluateAll((els) => els.map((el) => el.querySelector('td')?.textContent?.trim()));
    expect(rows).toEqual(['dense', variantId]);
    await page.screenshot({ path: '/tmp/compression-4-profile.png', fullPage: true });
    expect(problems).toEqual([]);
  }, 200_000);
});
