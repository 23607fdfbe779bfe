/**
 * The built renderer in Chromium over the bridge, in front of the fake engine with the sample report profiled
 * on the CPU and on WebGPU (test/fixtures/reports/sample-report.ts): what only a report with two execution
 * providers shows, which the real engine cannot be relied on to produce on a test machine. Ops that ran on
 * WebGPU are striped on the timeline, with a legend; the tooltip says where and how an op was timed; the
 * comparison picker offers all four runs; a failing compareRuns leaves one line of error.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/main/bridge/bridge';
import { EdgescopeError } from '../../src/shared/errors';
import type { Comparison } from '../../src/shared/report';
import { FakeEngine } from '../bridge/fake-engine';
import { buildSampleReport, CPU_PROVIDER, WEBGPU_PROVIDER } from '../fixtures/reports/sample-report';
import { hoverFirstSpan, openApp, requirePrerequisites, STATIC_DIR, type AppPage } from './browser-app';

describe('the app with a report on two execution providers (fake engine)', () => {
  const engine = new FakeEngine({ stepMs: 5, report: { webgpu: true } });
  /** The comparisons the fake engine's report holds (the report is deterministic). */
  const reported: Comparison[] = buildSampleReport({ webgpu: true }).comparisons;
  let bridge: Bridge;
  let app: AppPage;
  let page: Page;

  beforeAll(async () => {
    requirePrerequisites();
    bridge = await startBridge({ engine, staticDir: STATIC_DIR });
    app = await openApp(bridge.url);
    page = app.page;
  });

  afterAll(async () => {
    await app?.browser.close();
    await bridge?.close();
    engine.dispose();
  });

  it('profiles and draws a lane per variant and EP', async () => {
    await page.locator('[data-testid="demo-model"][data-model-id="mlp-lenet-300-100"]').click();
    await expect.poll(() => page.getByTestId('run-button').isEnabled()).toBe(true);
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('job-status').getAttribute('data-phase')).toBe('done');
    const lanes = page.getByTestId('lane-label');
    expect(await lanes.evaluateAll((els) => els.map((el) => el.getAttribute('data-lane-key')))).toEqual([
      'dense@cpu',
      'dense@webgpu',
      'pruned-0.9@cpu',
      'pruned-0.9@webgpu',
    ]);
  });

  it('names the stripe of ops off the CPU EP in a legend, and the tooltip says where and how an op was timed', async () => {
    const legend = page.getByTestId('provider-legend');
    expect(await legend.isVisible()).toBe(true);
    expect(await legend.locator('[data-provider]').evaluateAll((els) => els.map((el) => [el.getAttribute('data-provider'), el.textContent?.trim()]))).toEqual([
      [WEBGPU_PROVIDER, 'WebGpu'],
    ]);

    // The first op of a WebGPU lane is fc1's Gemm, which ran on the GPU.
    await hoverFirstSpan(page, 1);
    expect(await page.getByTestId('tooltip-provider').textContent()).toBe(WEBGPU_PROVIDER);
    expect(await page.getByTestId('tooltip-timing').textContent()).toBe('device (GPU timestamps)');
    expect(await page.getByTestId('span-tooltip').textContent()).toContain('/fc1/Gemm');
    await page.getByTestId('timeline').screenshot({ path: '/tmp/app-two-eps-timeline.png' });

    await hoverFirstSpan(page, 0);
    expect(await page.getByTestId('tooltip-provider').textContent()).toBe(CPU_PROVIDER);
    expect(await page.getByTestId('tooltip-timing').textContent()).toBe('host (host-side kernel time)');
    await page.mouse.move(5, 5);
  });

  it('offers every run for comparison and shows the pair picked across EPs', async () => {
    const pair = page.getByTestId('pair-comparison');
    await expect.poll(() => pair.getAttribute('data-candidate')).toBe('pruned-0.9@cpu');
    expect(await page.getByTestId('comparison-row').count()).toBe(reported.length);
    expect(await page.getByTestId('candidate-select').locator('option').allTextContents()).toEqual([
      'dense@cpu',
      'dense@webgpu',
      'pruned-0.9@cpu',
      'pruned-0.9@webgpu',
    ]);

    await page.getByTestId('candidate-select').selectOption('dense@webgpu');
    await expect.poll(() => pair.getAttribute('data-candidate')).toBe('dense@webgpu');
    const acrossEps = reported.find((c) => c.baselineEp === 'cpu' && c.ep === 'webgpu' && c.candidate === 'dense');
    expect(Number(await pair.getAttribute('data-speedup'))).toBeCloseTo(acrossEps?.speedupMedian ?? NaN, 12);
    // Lavapipe is far slower than the CPU: a significant slow-down, shown as such.
    expect(await page.getByTestId('pair-significant').textContent()).toContain('yes, candidate slower');
    expect(await page.getByTestId('pair-speedup').locator('.slower').count()).toBe(1);
    expect(await pair.textContent()).toContain('cpu → webgpu');
    // The report's own row for that pair is the one highlighted.
    expect(await page.locator('[data-testid="comparison-row"].selected').textContent()).toMatch(/dense → dense\s*cpu → webgpu/);
  });

  it('says in one line when the engine cannot compare, then recovers on the next pick', async () => {
    engine.failing.set('compareRuns', new EdgescopeError('E_INTERNAL', 'the comparison failed\n  at compare.ts:12'));
    await page.getByTestId('baseline-select').selectOption('pruned-0.9@webgpu');
    await expect.poll(() => page.getByTestId('error-line').textContent()).toContain(
      'Comparing pruned-0.9@webgpu with dense@webgpu failed: the comparison failed at compare.ts:12 (E_INTERNAL)',
    );
    expect(await page.getByTestId('pair-comparison').count()).toBe(0);

    engine.failing.delete('compareRuns');
    await page.getByTestId('baseline-select').selectOption('dense@cpu');
    await expect.poll(() => page.getByTestId('pair-comparison').getAttribute('data-baseline')).toBe('dense@cpu');
    expect(await page.getByTestId('pair-comparison').getAttribute('data-candidate')).toBe('dense@webgpu');
    const calls = engine.calls.filter((c) => c.method === 'compareRuns').map((c) => c.req);
    expect(calls.at(-1)).toEqual({ jobId: expect.any(String), baseline: { variant: 'dense', ep: 'cpu' }, candidate: { variant: 'dense', ep: 'webgpu' } });
  });

  it('ran without console errors or CSP violations', () => {
    expect(app.problems).toEqual([]);
  });
});
