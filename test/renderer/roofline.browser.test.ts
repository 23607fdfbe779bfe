/**
 * The roofline in Chromium over the bridge (fake engine, the sample report on the CPU): a point per modelled
 * op of each lane, the DRAM and cache roofs, and a click on a point selects the op: its row in the op table,
 * its spans outlined on the timeline (zoomed to the first run if they were off screen).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEngine } from '../bridge/fake-engine';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { numberAttribute, openProfiledFakeApp, type ProfiledFakeApp } from './browser-app';

describe('the roofline (fake engine)', () => {
  const engine = new FakeEngine({ stepMs: 5 });
  const report = buildSampleReport();
  let app: ProfiledFakeApp;
  let page: Page;

  beforeAll(async () => {
    app = await openProfiledFakeApp(engine);
    page = app.page;
  });

  afterAll(() => app?.close());

  it('plots every modelled op of every run under the DRAM and cache roofs', async () => {
    const roofline = page.getByTestId('roofline');
    await roofline.scrollIntoViewIfNeeded();
    const modelled = report.variants.flatMap((v) => v.runs.flatMap((r) => r.ops.filter((o) => o.flops !== null && o.flops > 0 && o.durUs > 0)));
    expect(await roofline.getByTestId('roofline-point').count()).toBe(modelled.length);
    expect(await roofline.getByTestId('roof').evaluateAll((roofs) => roofs.map((r) => r.getAttribute('data-level')))).toEqual(['dram', 'cache']);
  });

  it('selects the op of a clicked point in the op table and on the timeline', async () => {
    const pruned = report.variants[1];
    // The last point drawn is on top of any it overlaps.
    const op = pruned.runs[0].ops.filter((o) => o.flops !== null && o.flops > 0).at(-1)!;
    const laneKey = `${pruned.id}@${pruned.runs[0].ep}`;
    // Zoomed far out first: the selection brings the op's spans back on screen.
    await page.getByTestId('timeline').getByRole('button', { name: 'All samples' }).click();
    await page.locator(`[data-testid="roofline-point"][data-lane-key="${laneKey}"][data-op="${op.name}"]`).click();
    const table = page.getByTestId('op-table');
    expect(await table.getByTestId('op-table-lane').inputValue()).toBe(laneKey);
    expect(await table.locator('[data-testid="op-row"].selected').getAttribute('data-op')).toBe(op.name);
    // One outlined span per profiled run of that lane, all on screen.
    await expect.poll(() => numberAttribute(page, '[data-testid="timeline"]', 'data-selected-rects')).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="roofline-point"].selected').count()).toBe(1);
    await page.getByTestId('timeline').screenshot({ path: '/tmp/roofline-selected.png' });
    expect(app.problems).toEqual([]);
  });
});
