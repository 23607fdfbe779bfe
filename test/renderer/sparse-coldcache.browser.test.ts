/**
 * The Profile form's sparse-kernels and cold-cache switches, in Chromium over the bridge with the real
 * engine: LeNet-300-100 pruned 90% profiled with both, the latency table lists dense, the pruned variant
 * and its `+sparse` twin (sparse kernels when the addon is built, else the variant says why), and the
 * report holds each run's cold-vs-warm table.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { openEngineApp, type EngineApp } from './browser-app';

describe('sparse kernels and cold caches from the Profile form (real engine)', () => {
  let app: EngineApp;
  let engine: Engine;
  let page: Page;

  beforeAll(async () => {
    app = await openEngineApp('sparse-ui');
    ({ engine, page } = app);
  });

  afterAll(() => app?.close());

  it('needs a pruned variant for the sparse kernels, then profiles dense, pruned and pruned+sparse with cold caches', async () => {
    await page.locator('[data-testid="demo-model"][data-model-id="mlp-lenet-300-100"]').click();
    await expect.poll(() => page.getByTestId('ep-cpu').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('prune-input').fill('');
    await page.getByTestId('sparse-checkbox').check();
    await expect.poll(() => page.getByTestId('config-problem').textContent()).toMatch(/sparse/);
    expect(await page.getByTestId('run-button').isDisabled()).toBe(true);

    await page.getByTestId('prune-input').fill('0.9');
    await page.getByTestId('cold-cache-checkbox').check();
    await page.locator('#cfg-runs').fill('10');
    await page.locator('#cfg-profiled').fill('4');
    await expect.poll(() => page.getByTestId('run-button').isEnabled()).toBe(true);
    await page.getByTestId('run-button').click();
    await page.waitForSelector('[data-testid="job-status"][data-phase="done"]', { timeout: 120_000 });

    const variants = await page.getByTestId('latency-row').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
    expect(variants.some((t) => t.includes('dense'))).toBe(true);
    expect(variants.some((t) => t.includes('pruned-0.9') && !t.includes('+sparse'))).toBe(true);
    expect(variants.some((t) => t.includes('pruned-0.9+sparse'))).toBe(true);

    // The results header says what state the machine was in (here: a VM without cpufreq or sensors).
    expect(await page.getByTestId('run-conditions').textContent()).toMatch(/governor .*, .*, .*power source|on (ac|battery)/);

    // The job is in the run history: its report has the hybrid plan and every run's cold-vs-warm table.
    const [entry] = await engine.call('listRuns', {});
    const report = await engine.call('openRun', { runId: entry.id });
    expect(report.settings.coldCache).toBe(true);
    const hybrid = report.variants.find((v) => v.id === 'pruned-0.9+sparse')!.hybrid!;
    expect(['hybrid', 'unavailable']).toContain(hybrid.mode);
    if (hybrid.mode === 'hybrid') expect(hybrid.decisions.length).toBe(3);
    for (const v of report.variants.filter((v) => v.id !== 'pruned-0.9+sparse')) {
      for (const run of v.runs) expect(run.coldCache?.ops.length).toBe(run.ops.length);
    }
    expect(app.problems).toEqual([]);
  });
});
