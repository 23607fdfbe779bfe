/**
 * The compression panel's layer views in Chromium, over the bridge, with the real engine: open the demo
 * CNN, select a layer, and watch its zero-pattern heat map and weight histogram follow the recipe. 50% of
 * the filters pruned empties half of conv1's rows (checked in the heat map's data and in its canvas
 * pixels) and moves those weights into the histogram's zero bar; a large layer's down-sampled map is
 * exactly what the engine computes. Screenshots land in /tmp/compression-views-*.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { openEngineApp, type EngineApp } from './browser-app';

const CNN_SMALL = join(__dirname, '../../resources/models/cnn-small.onnx');

describe('the compression panel\'s layer views in Chromium, with the real engine', () => {
  let dir: string;
  let engine: Engine;
  let app: EngineApp;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    app = await openEngineApp('compression-views-e2e');
    ({ dir: dir, engine, page, problems } = app);
  }, 60_000);

  afterAll(() => app?.close());

  const achieved = () => page.getByTestId('cmp-layer-achieved').allTextContents();
  const heatmap = () => page.getByTestId('weight-heatmap');
  const histogram = () => page.getByTestId('weight-histogram');
  const views = () => page.getByTestId('cmp-layer-views');
  const select = (layer: string) => page.locator(`[data-testid="cmp-layer-row"][data-layer="${layer}"]`).getByTestId('cmp-layer-view').click();
  /** Cell rows of the heat map's canvas whose every pixel is white: the all-zero rows it draws. */
  const whiteCanvasRows = () =>
    heatmap()
      .locator('canvas')
      .evaluate((canvas: HTMLCanvasElement) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let white = 0;
        for (let y = 0; y < canvas.height; y++) {
          let all = true;
          for (let x = 0; x < canvas.width && all; x++) all = data[4 * (y * canvas.width + x)] === 255 && data[4 * (y * canvas.width + x) + 2] === 255;
          if (all) white++;
        }
        return { width: canvas.width, height: canvas.height, white };
      });

  it('shows the selected layer dense: no empty rows, no zeros', async () => {
    await page.locator('[data-testid="demo-model"][data-model-id="cnn-small"]').click();
    await expect.poll(() => page.getByTestId('run-button').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('tab-compress').click();
    await page.getByTestId('cmp-sparsity').fill('0');
    await expect.poll(achieved).toEqual(['0.0%', '0.0%', '0.0%', '0.0%']);

    await select('conv1.weight');
    await expect.poll(() => views().getAttribute('data-layer')).toBe('conv1.weight');
    // conv1: 16 filters of 1 x 5 x 5, drawn one cell per weight.
    expect(await heatmap().getAttribute('data-cell-rows')).toBe('16');
    expect(await heatmap().getAttribute('data-cell-cols')).toBe('25');
    expect(await heatmap().getAttribute('data-empty-cell-rows')).toBe('0');
    expect(await whiteCanvasRows()).toEqual({ width: 25, height: 16, white: 0 });
    expect(await histogram().getAttribute('data-zeros-before')).toBe('0');
    expect(await histogram().getAttribute('data-zeros-after')).toBe('0');
  }, 120_000);

  it('50% filter pruning empties half the rows and moves their weights into the zero bar', async () => {
    const zeroBarHeight = async () => Number(await page.getByTestId('hist-zeros-after').getAttribute('height'));
    const denseZeroBar = await zeroBarHeight();
    await page.getByTestId('cmp-sparsity').fill('0.5');
    await page.getByTestId('cmp-granularity').selectOption('filter');
    await expect.poll(achieved).toEqual(['50.0%', '50.0%', '50.0%', '50.0%']);
    await expect.poll(() => heatmap().getAttribute('data-empty-cell-rows')).toBe('8');
    expect(await whiteCanvasRows()).toEqual({ width: 25, height: 16, white: 8 });
    // 8 filters x 25 weights are now zeros; the dense weight had none.
    expect(await histogram().getAttribute('data-zeros-before')).toBe('0');
    expect(await histogram().getAttribute('data-zeros-after')).toBe('200');
    expect(await zeroBarHeight()).toBeGreaterThan(denseZeroBar);
    await page.screenshot({ path: '/tmp/compression-views-1-conv1.png', fullPage: true });
  }, 60_000);

  it('down-samples a large layer to exactly what the engine computes', async () => {
    await select('fc1.weight');
    await expect.poll(() => views().getAttribute('data-layer')).toBe('fc1.weight');
    const recipe = { default: { sparsity: 0.5, granularity: 'filter', norm: 'l1' as const }, layers: [] };
    const engineViews = await engine.call('compressionLayerViews', { modelPath: CNN_SMALL, recipe, layer: 'fc1.weight' });
    const p = engineViews.zeroPattern;
    // fc1: 512 outputs x 1568 inputs in 128 x 128 cells of 4 x 12.25 weights.
    expect([p.rows, p.cols, p.rowEdges.length - 1, p.colEdges.length - 1]).toEqual([512, 1568, 128, 128]);
    let empty = 0;
    for (let r = 0; r < 128; r++) if (p.nonzeros.slice(r * 128, (r + 1) * 128).every((nz) => nz === 0)) empty++;
    expect(empty).toBeGreaterThan(0);
    expect(await heatmap().getAttribute('data-empty-cell-rows')).toBe(String(empty));
    expect((await whiteCanvasRows()).white).toBe(empty);
    expect(await histogram().getAttribute('data-zeros-after')).toBe(String(engineViews.histogram.after!.zeros));
    expect(engineViews.histogram.after!.zeros).toBe((512 * 1568) / 2);
    await page.screenshot({ path: '/tmp/compression-views-2-fc1.png', fullPage: true });

    // Selecting the layer again hides its views.
    await select('fc1.weight');
    await expect.poll(() => views().count()).toBe(0);
  }, 60_000);

  it('refuses a bad views request with one line naming the field or the layer', async () => {
    await expect(engine.call('compressionLayerViews', { modelPath: CNN_SMALL, recipe: {}, layer: 'fc1.weight', maxCells: 0 })).rejects.toThrow(
      "compressionLayerViews: 'maxCells' must be an integer in [1, 256]",
    );
    await expect(engine.call('compressionLayerViews', { modelPath: CNN_SMALL, recipe: {}, layer: 'conv9.weight' })).rejects.toThrow(
      "layer 'conv9.weight' is not a prunable weight of",
    );
    expect(problems).toEqual([]);
  });
});
