/**
 * The comparison's node-by-node diff in Chromium over the bridge (fake engine, sample report): the picked
 * pair's ops as a diff, one row per aligned model node, largest change first, with the summed change.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEngine } from '../bridge/fake-engine';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { openProfiledFakeApp, type ProfiledFakeApp } from './browser-app';

describe('the diff view (fake engine)', () => {
  const engine = new FakeEngine({ stepMs: 5 });
  let app: ProfiledFakeApp;
  let page: Page;

  beforeAll(async () => {
    app = await openProfiledFakeApp(engine);
    page = app.page;
  });

  afterAll(() => app?.close());

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
