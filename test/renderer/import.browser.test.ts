/**
 * Importing a vendor tool's measurements from the History tab, in Chromium over the bridge, with the real
 * engine: an ORT profile of cnn-small on the CPU (real runs), then OpenVINO benchmark_app's -json_stats
 * output for the same model on an NCS2 (the committed fixture test/fixtures/vendor/openvino-myriad-json)
 * imported through the "Import measurements" form. The import lands in the history with backend
 * openvino:MYRIAD, filters by it, and compares side by side with the ORT run. Bad requests are refused in
 * one line. Screenshots land in /tmp/history-import-*.png.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import type { Report } from '../../src/shared/report';
import { openEngineApp, profileAndWait, type EngineApp } from './browser-app';

const REPO = resolve(__dirname, '../..');
const MODEL = join(REPO, 'resources/models/cnn-small.onnx');
const OPENVINO_JSON = join(REPO, 'test/fixtures/vendor/openvino-myriad-json/benchmark_average_counters_report.json');
const TFLITE = join(REPO, 'test/fixtures/vendor/tflite-mobilenet_v1-op-profiling.txt');

describe('importing vendor measurements from the History tab, with the real engine', () => {
  let app: EngineApp;
  let engine: Engine;
  let workspace: string;
  let page: Page;
  let problems: string[] = [];
  let ortRunId: string;

  beforeAll(async () => {
    app = await openEngineApp('import-e2e', async (engineBefore, dir) => {
      workspace = join(dir, 'workspace');
      // The ORT run the import is compared with: the same model on this machine's CPU.
      await profileAndWait(engineBefore, { modelPath: MODEL, runs: 5, warmup: 1, profiledRuns: 1 });
      const listed = await engineBefore.call('listRuns', {});
      expect(listed).toHaveLength(1);
      ortRunId = listed[0].id;
    });
    ({ engine, page, problems } = app);
  }, 240_000);

  afterAll(() => app?.close());

  const rows = () => page.getByTestId('history-row');
  const rowIds = async () => rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));

  it('refuses bad import requests in one line, recording nothing', async () => {
    await expect(engine.call('importVendorReport', { file: OPENVINO_JSON, format: 'onnx' } as never)).rejects.toThrow(
      "importVendorReport: 'format' must be one of openvino, tflite",
    );
    await expect(engine.call('importVendorReport', { file: OPENVINO_JSON, format: 'openvino', colour: 'red' } as never)).rejects.toThrow(/unknown field 'colour'|colour/);
    await expect(engine.call('importVendorReport', { file: OPENVINO_JSON, format: 'openvino', device: 'MYRIAD; rm' })).rejects.toThrow(/'device' must be a device name/);
    await expect(engine.call('importVendorReport', { file: join(app.dir, 'missing.json'), format: 'openvino' })).rejects.toThrow(/openvino output '.*missing\.json' does not exist or is not a file/);
    expect((await engine.call('listRuns', {})).map((e) => e.id)).toEqual([ortRunId]);
  });

  it('imports OpenVINO benchmark_app output from the History tab: listed with backend openvino:MYRIAD', async () => {
    await page.getByTestId('tab-history').click();
    await expect.poll(rowIds).toEqual([ortRunId]);
    await page.getByTestId('history-import-file').fill(OPENVINO_JSON);
    await page.getByTestId('history-import-format').selectOption('openvino');
    await page.getByTestId('history-import-model').fill(MODEL);
    await page.screenshot({ path: '/tmp/history-import-1-form.png' });
    await page.getByTestId('history-import-submit').click();
    await expect.poll(async () => (await rowIds()).length, { timeout: 120_000 }).toBe(2);

    const entries = await engine.call('listRuns', {});
    const imported = entries.find((e) => e.id !== ortRunId)!;
    expect(imported).toMatchObject({ source: 'app', backends: ['openvino:MYRIAD'], model: 'cnn-small.onnx' });
    // The report in the run folder is the one the engine returns: the fixture's latency, as imported.
    const stored = JSON.parse(readFileSync(join(workspace, 'runs', imported.id, 'report.json'), 'utf8')) as Report;
    const opened = await engine.call('openRun', { runId: imported.id });
    expect(opened.variants[0].runs[0].latencyMs).toEqual(stored.variants[0].runs[0].latencyMs);
    expect(stored.variants[0].runs[0].ops.find((o) => o.name === 'conv2')?.flops).toBeGreaterThan(0);

    const row = page.locator(`[data-testid="history-row"][data-run-id="${imported.id}"]`);
    expect(await row.textContent()).toContain('openvino:MYRIAD');
    expect(await row.getAttribute('class')).toContain('imported');
    await page.getByTestId('history-filter-backend').selectOption('openvino:MYRIAD');
    await expect.poll(rowIds).toEqual([imported.id]);
    await page.getByTestId('history-filter-backend').selectOption('');
    await expect.poll(async () => (await rowIds()).length).toBe(2);
    await page.screenshot({ path: '/tmp/history-import-2-listed.png' });
  }, 180_000);

  it('compares the imported NCS2 run with the ORT CPU run side by side', async () => {
    const imported = (await rowIds()).find((id) => id !== ortRunId)!;
    await page.locator(`[data-testid="history-row"][data-run-id="${ortRunId}"] [data-testid="history-pick"]`).check();
    await page.locator(`[data-testid="history-row"][data-run-id="${imported}"] [data-testid="history-pick"]`).check();
    await page.getByTestId('history-compare').click();
    await expect.poll(() => page.getByTestId('history-comparison').isVisible()).toBe(true);
    expect(await page.getByTestId('history-side-baseline').textContent()).toContain('cnn-small.onnx');
    expect(await page.getByTestId('history-side-candidate').textContent()).toContain('openvino:MYRIAD');
    await expect.poll(() => page.getByTestId('history-speedup').textContent()).toMatch(/speed-up of the median \d+\.\d+×/);
    // The same comparison through the API: ops matched by name between the ORT trace and the vendor's layers.
    const comparison = await engine.call('compareHistoryRuns', {
      baseline: { runId: ortRunId, variant: 'dense', ep: 'cpu' },
      candidate: { runId: imported, variant: 'dense', ep: 'openvino:MYRIAD' },
    });
    const stored = await engine.call('openRun', { runId: imported });
    expect(comparison.candidateMedianMs).toBe(stored.variants[0].runs[0].latencyMs.median);
    await page.screenshot({ path: '/tmp/history-import-3-compare.png', fullPage: true });
  });

  it('shows a failed import in the error line and keeps the history as it was', async () => {
    await page.getByTestId('history-import-file').fill(TFLITE);
    await page.getByTestId('history-import-format').selectOption('openvino'); // the wrong reader for this file
    await page.getByTestId('history-import-model').fill('');
    await page.getByTestId('history-import-submit').click();
    const line = page.getByTestId('error-line').filter({ hasText: 'Importing the measurements failed' });
    await expect.poll(() => line.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await line.first().textContent()).toContain('tflite-mobilenet_v1-op-profiling.txt');
    await page.screenshot({ path: '/tmp/history-import-4-error.png' });
    expect(await rowIds()).toHaveLength(2);
    expect(problems).toEqual([]);
  });
});
