/**
 * The History view in Chromium, over the bridge, with the real engine: a profile the app ran (real
 * onnxruntime runs) and two runs recorded earlier are listed; filters narrow the table; a run reopens
 * into the report views; two runs compare side by side; a run is deleted after a confirmation, from the
 * table and from the disk. Also the Sweeps view reading a sweep folder's results and views.
 * Screenshots land in /tmp/history-*.png.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { RunHistory } from '../../src/main/engine/history/index';
import type { Report } from '../../src/shared/report';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { openEngineApp, profileAndWait, type EngineApp } from './browser-app';

const LENET = resolve(__dirname, '../../resources/models/mlp-lenet-300-100.onnx');

function recordFixture(history: RunHistory, id: string, report: Report): Promise<unknown> {
  mkdirSync(history.runDir(id), { recursive: true });
  writeFileSync(join(history.runDir(id), 'report.json'), JSON.stringify(report));
  return history.record(id, report, 'cli');
}

describe('the History view in Chromium, with the real engine', () => {
  let app: EngineApp;
  let engine: Engine;
  let workspace: string;
  let appReport: Report;
  let page: Page;
  let problems: string[] = [];
  let appRunId: string;

  beforeAll(async () => {
    app = await openEngineApp('history-e2e', async (engineBefore, dir) => {
      workspace = join(dir, 'workspace');
      // A profile the app runs: real runs in the run worker, recorded by the engine.
      const report = await profileAndWait(engineBefore, { modelPath: LENET, runs: 5, warmup: 1, profiledRuns: 1, prune: [0.9] });
      appReport = report;
      const history = new RunHistory(workspace);
      const listed = await history.list();
      expect(listed).toHaveLength(1);
      appRunId = listed[0].id;
      expect(listed[0].createdAt).toBe(report.generatedAt);

      // Two older runs of another model, one with WebGPU.
      const sample = buildSampleReport();
      await recordFixture(history, 'fixture-cpu', { ...sample, generatedAt: '2025-06-01T10:00:00.000Z' });
      await recordFixture(history, 'fixture-webgpu', { ...buildSampleReport({ webgpu: true }), generatedAt: '2025-07-01T10:00:00.000Z' });
    });
    ({ engine, page, problems } = app);
  }, 180_000);

  afterAll(() => app?.close());

  const rows = () => page.getByTestId('history-row');
  const rowIds = async () => rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));

  it('lists every run, newest first', async () => {
    await page.getByTestId('tab-history').click();
    await expect.poll(rowIds).toEqual([appRunId, 'fixture-webgpu', 'fixture-cpu']);
    const first = rows().first();
    expect(await first.textContent()).toContain('mlp-lenet-300-100.onnx');
    expect(await first.textContent()).toContain('dense, pruned-0.9');
    await page.screenshot({ path: '/tmp/history-1-list.png' });
  });

  it('filters by model, backend, variant and date', async () => {
    await page.getByTestId('history-filter-model').fill('lenet');
    await expect.poll(rowIds).toEqual([appRunId]);
    await page.getByTestId('history-filter-model').fill('');
    await page.getByTestId('history-filter-backend').selectOption('webgpu');
    await expect.poll(rowIds).toEqual(['fixture-webgpu']);
    await page.getByTestId('history-filter-backend').selectOption('');
    await page.getByTestId('history-filter-from').fill('2025-06-15');
    await page.getByTestId('history-filter-to').fill('2025-12-31');
    await expect.poll(rowIds).toEqual(['fixture-webgpu']);
    await page.getByTestId('history-filter-from').fill('');
    await page.getByTestId('history-filter-to').fill('');
    await page.getByTestId('history-filter-variant').selectOption('pruned-0.9');
    await expect.poll(rowIds).toEqual([appRunId, 'fixture-webgpu', 'fixture-cpu']);
    await page.getByTestId('history-filter-variant').selectOption('');
    await expect.poll(rowIds).toHaveLength(3);
  });

  it('reopens a run into the report views, where export works on it', async () => {
    await page.locator(`[data-testid="history-row"][data-run-id="${appRunId}"] [data-testid="history-open"]`).click();
    await expect.poll(() => page.getByTestId('history-opened').getAttribute('data-run-id')).toBe(appRunId);
    const results = page.getByTestId('history-panel').getByTestId('results');
    await expect.poll(() => results.isVisible()).toBe(true);
    expect(await results.textContent()).toContain('pruned-0.9');
    await page.screenshot({ path: '/tmp/history-2-open.png' });
    // Export goes through exportReport with the run's id as the job id.
    const download = page.waitForEvent('download');
    await page.getByTestId('history-panel').getByRole('button', { name: 'JSON' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/mlp-lenet-300-100.*\.json$/);
    await page.getByTestId('history-close').click();
    await expect.poll(rowIds).toHaveLength(3);
  });

  it('compares two runs side by side, any run of each', async () => {
    await page.locator(`[data-testid="history-row"][data-run-id="fixture-cpu"] [data-testid="history-pick"]`).check();
    await page.locator(`[data-testid="history-row"][data-run-id="${appRunId}"] [data-testid="history-pick"]`).check();
    await page.getByTestId('history-compare').click();
    const comparison = page.getByTestId('history-comparison');
    await expect.poll(() => comparison.isVisible()).toBe(true);
    expect(await page.getByTestId('history-side-baseline').textContent()).toContain('mlp-9216.onnx');
    expect(await page.getByTestId('history-side-candidate').textContent()).toContain('mlp-lenet-300-100.onnx');
    await expect.poll(() => page.getByTestId('history-speedup').textContent()).toMatch(/speed-up of the median \d+\.\d+×/);
    // The candidate's pruned run instead of its dense one (their medians may print alike: compare the numbers).
    const medianOf = (variant: string) => appReport.variants.find((v) => v.id === variant)!.runs[0].latencyMs.median;
    const shownMedian = async () => Number(await page.getByTestId('history-side-median-candidate').getAttribute('data-median-ms'));
    expect(await shownMedian()).toBeCloseTo(medianOf('dense'), 9);
    await page.getByTestId('history-side-run-candidate').selectOption('pruned-0.9@cpu');
    await expect.poll(() => page.getByTestId('history-side-run-candidate').inputValue()).toBe('pruned-0.9@cpu');
    await expect.poll(shownMedian).toBeCloseTo(medianOf('pruned-0.9'), 9);
    expect(await comparison.locator('table tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/history-3-compare.png', fullPage: true });
  });

  it('deletes a run only after confirming, from the table and the disk', async () => {
    await page.locator(`[data-testid="history-row"][data-run-id="fixture-cpu"] [data-testid="history-delete"]`).click();
    await expect.poll(() => page.getByTestId('history-confirm-delete').textContent()).toContain('fixture-cpu');
    await page.getByTestId('history-confirm-no').click();
    expect(await rowIds()).toContain('fixture-cpu');
    expect(existsSync(join(workspace, 'runs', 'fixture-cpu'))).toBe(true);

    await page.locator(`[data-testid="history-row"][data-run-id="fixture-cpu"] [data-testid="history-delete"]`).click();
    await page.getByTestId('history-confirm-yes').click();
    await expect.poll(rowIds).toEqual([appRunId, 'fixture-webgpu']);
    expect(existsSync(join(workspace, 'runs', 'fixture-cpu'))).toBe(false);
    // The comparison that showed the deleted run is gone with it.
    expect(await page.getByTestId('history-comparison').count()).toBe(0);
    expect((await engine.call('listRuns', {})).map((e) => e.id)).toEqual([appRunId, 'fixture-webgpu']);
  });

  it('shows a sweep folder: its cells, its dataset views, and a cell\'s report', async () => {
    // A sweep folder holding one cell: the app's run, as a sweep stores it.
    const sweepDir = join(app.dir, 'sweep');
    const key = 'lenet__dense__cpu__b1__t1';
    mkdirSync(join(sweepDir, 'cells', key), { recursive: true });
    const report = await engine.call('openRun', { runId: appRunId });
    writeFileSync(join(sweepDir, 'cells', key, 'report.json'), JSON.stringify(report));
    const run = report.variants[0].runs[0];
    writeFileSync(
      join(sweepDir, 'results.json'),
      JSON.stringify({
        version: 1, specHash: 'x', sweepFile: join(sweepDir, 'sweep.json'), total: 1, complete: true, startedAt: report.generatedAt, updatedAt: report.generatedAt,
        cells: [{ model: LENET, variant: 'dense', ep: 'cpu', batch: 1, threads: 1, status: 'ok', key, report: `cells/${key}/report.json`, latencyMs: run.latencyMs, sparsity: 0, wallMs: 1, finishedAt: report.generatedAt }],
      }),
    );
    await page.getByTestId('tab-sweeps').click();
    await page.getByTestId('sweep-out').fill(sweepDir);
    await page.getByTestId('sweep-load').click();
    await expect.poll(() => page.getByTestId('sweep-cell').count()).toBe(1);
    expect(await page.getByTestId('sweep-chart').evaluateAll((els) => els.map((el) => el.getAttribute('data-chart-id')))).toEqual(['latency-vs-sparsity', 'pareto']);
    expect(await page.getByTestId('sweep-chart').first().locator('svg circle').count()).toBe(1);
    await page.screenshot({ path: '/tmp/history-4-sweep.png', fullPage: true });
    await page.getByTestId('sweep-open-cell').click();
    await expect.poll(() => page.getByTestId('sweep-panel').getByTestId('results').isVisible()).toBe(true);
    await page.getByTestId('sweep-close-cell').click();
    expect(problems).toEqual([]);
  });
});
