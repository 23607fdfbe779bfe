/**
 * The comparison's node-by-node diff in Chromium over the bridge (fake engine, sample report): the picked
 * pair's ops as a diff, one row per aligned model node, largest change first, with the summed change.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/main/bridge/bridge';
import { FakeEngine } from '../bridge/fake-engine';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { openApp, requirePrerequisites, STATIC_DIR, type AppPage } from './browser-app';

describe('the diff view (fake engine)', () => {
  const engine = new FakeEngine({ stepMs: 5 });
  let bridge: Bridge;
  let app: AppPage;
  let page: Page;

  beforeAll(async () => {
    requirePrerequisites();
    bridge = await startBridge({ engine, staticDir: STATIC_DIR });
    app = await openApp(bridge.url);
    page = app.page;
    await page.locator('[data-testid="demo-model"]').first().click();
    await page.getByTestId('run-button').click();
    await page.waitForSelector('[data-testid="job-status"][data-phase="done"]', { timeout: 60_000 });
  });

  afterAll(async () => {
    await app?.browser.close();
    await bridge?.close();
    engine.dispose();
  });

  it("shows the picked pair's ops aligned node by node, largest change first", async () => {
    const expected = buildSampleReport().comparisons[0];
    await page.waitForSelector('[data-testid="pair-comparison"]');
    await page.getByTestId('op-view-diff').click();
    const diff = page.getByTestId('diff-view');
    const rows = diff.getByTestId('diff-row');
    expect(await rows.count()).toBe(expected.ops.length);
    const deltas = await rows.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-delta-us'))));
    for (let i = 1; i < deltas.length; i++) expect(Math.abs(deltas[i])).toBeLessThanOrEqual(Math.abs(deltas[i - 1]));
    const total = expected.ops.reduce((sum, o) => sum + (o.candidateDurUs ?? 0) - (o.baselineDurUs ?? 0), 0);
    expect(Number(await diff.getAttribute('data-total-delta-us'))).toBeCloseTo(total, 6);
    expect(await page.getByTestId('pair-p').textContent()).toMatch(/^(< 0\.001|\d\.\d+(e-\d+)?|1\.0)$/);
    await page.getByTestId('comparison-panel').screenshot({ path: '/tmp/diff-view.png' });
    await page.getByTestId('op-view-table').click();
    expect(await diff.count()).toBe(0);
    expect(app.problems).toEqual([]);
  });
});
