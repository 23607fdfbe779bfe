/**
 * The timeline's exploring tools in Chromium over the bridge, in front of the fake engine with a synthetic
 * 100,000-span report (bench/timeline-fps.ts): every span accounted for when all runs are in view, in a few
 * thousand rectangles at most; shift-drag brushes a range whose op types and counters are summed below; the per-op table
 * sorts, filters, and a click on a row outlines that op's spans.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticTimelineReport } from '../../bench/timeline-fps';
import { FakeEngine } from '../bridge/fake-engine';
import { numberAttribute, openProfiledFakeApp, type ProfiledFakeApp } from './browser-app';

const SPANS = 100_000;

describe('the timeline at scale (fake engine, 100,000 spans)', () => {
  const report = syntheticTimelineReport(SPANS);
  const engine = new FakeEngine({ stepMs: 5, buildReport: () => report });
  let app: ProfiledFakeApp;
  let page: Page;

  beforeAll(async () => {
    app = await openProfiledFakeApp(engine);
    page = app.page;
  });

  afterAll(() => app?.close());

  it('draws every span with all runs in view, merged into at most a rectangle per pixel per lane', async () => {
    const timeline = page.getByTestId('timeline');
    await timeline.getByRole('button', { name: 'All runs' }).click();
    await expect.poll(() => numberAttribute(page, '[data-testid="timeline"]', 'data-span-count')).toBe(SPANS);
    const width = (await timeline.locator('canvas').boundingBox())!.width;
    expect(await numberAttribute(page, '[data-testid="timeline"]', 'data-rect-count')).toBeLessThanOrEqual(2 * (width + 3));
  });

  it('sums the op types of a shift-dragged range', async () => {
    const timeline = page.getByTestId('timeline');
    await timeline.getByRole('button', { name: 'First run' }).click();
    const box = (await timeline.locator('canvas').boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.2, box.y + 18);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + 18, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.8, box.y + 18, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const summary = page.getByTestId('brush-summary');
    await expect.poll(() => summary.isVisible()).toBe(true);
    expect(await page.getByTestId('brush').isVisible()).toBe(true);
    // One table per lane, each with rows whose times add up to less than the brushed range.
    const lanes = page.getByTestId('brush-lane');
    expect(await lanes.count()).toBe(2);
    const from = Number(await summary.getAttribute('data-from-ms'));
    const to = Number(await summary.getAttribute('data-to-ms'));
    expect(to).toBeGreaterThan(from);
    const times = await lanes.first().getByTestId('brush-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-time-ms'))));
    expect(times.length).toBeGreaterThan(0);
    expect(times.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(to - from + 1e-9);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
    // The counters over the same range, per lane.
    expect(await summary.getByTestId('brush-counters').first().textContent()).toMatch(/mean .+, max /);
    await summary.getByRole('button', { name: 'Clear' }).click();
    expect(await summary.count()).toBe(0);
  });

  it('sorts and filters the per-op table, and a row click outlines the op on the timeline', async () => {
    const table = page.getByTestId('op-table');
    const ops = report.variants[0].runs[0].ops;
    expect(await table.getByTestId('op-row').count()).toBe(ops.length);
    // Sorted by median time, slowest first, by default; a click on the header reverses it.
    const slowestFirst = [...ops].sort((a, b) => b.durUs - a.durUs).map((o) => o.name);
    expect(await table.getByTestId('op-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-op')))).toEqual(slowestFirst);
    await table.getByTestId('sort-durUs').click();
    expect(await table.getByTestId('op-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-op')))).toEqual([...slowestFirst].reverse());

    await table.getByTestId('op-filter').fill(`type:${ops[0].opType}`);
    const matching = ops.filter((o) => o.opType === ops[0].opType).length;
    await expect.poll(() => table.getByTestId('op-row').count()).toBe(matching);
    await table.getByTestId('op-filter').fill('');

    await table.locator(`[data-testid="op-row"][data-op="${ops[0].name}"]`).click();
    expect(await table.locator('[data-testid="op-row"].selected').getAttribute('data-op')).toBe(ops[0].name);
    await page.getByTestId('timeline').screenshot({ path: '/tmp/timeline-selected-op.png' });
    expect(app.problems).toEqual([]);
  });
});
