/**
 * The HTML report in a real browser (Debian's Chromium via playwright-core), opened from
 * disk as a user would: no network, no errors, charts drawn, hostile text inert.
 *
 * Chromium is required, not optional: CI installs it, and a missing browser fails this
 * file with instructions rather than skipping it silently.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../src/main/engine/report/report-html';
import type { Report, RunReport } from '../../../src/shared/report';
import { HOSTILE_TEXT, buildHostileReport, buildSampleReport } from '../../fixtures/reports/sample-report';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

interface OpenedReport {
  page: Page;
  url: string;
  requests: string[];
  errors: string[];
  dialogs: string[];
}

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the HTML report's browser tests need it. ` +
        'Install the Debian package (apt-get install -y chromium); these tests fail rather than skip without it.',
    );
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  dir = mkdtempSync(join(tmpdir(), 'edgescope-report-html-'));
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openReport(report: Report, fileName: string): Promise<OpenedReport> {
  const file = join(dir, fileName);
  writeFileSync(file, renderReportHtml(report));
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const opened: OpenedReport = { page, url: pathToFileURL(file).href, requests: [], errors: [], dialogs: [] };
  page.on('request', (request) => opened.requests.push(request.url()));
  page.on('pageerror', (error) => opened.errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') opened.errors.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('dialog', async (dialog) => {
    opened.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  // The chart script is inline and synchronous: by the load event every chart is drawn.
  await page.goto(opened.url, { waitUntil: 'load' });
  return opened;
}

function runsOf(report: Report): RunReport[] {
  return report.variants.flatMap((variant) => variant.runs);
}

/** Index of the profiled run of median length (the timeline's choice), computed independently. */
function medianLengthRun(run: RunReport): number {
  const lengths = run.profiledRuns.map((w) => w.endMs - w.startMs);
  const sorted = [...lengths].sort((a, b) => a - b);
  return lengths.indexOf(sorted[(sorted.length - 1) >> 1]);
}

function nonZeroPhases(run: RunReport, opIndex: number): number {
  const { memoryUs, computeUs, overheadUs } = run.ops[opIndex].phases;
  return [memoryUs, computeUs, overheadUs].filter((us) => us > 0).length;
}

describe('the HTML report in Chromium', () => {
  const report = buildSampleReport();
  let opened: OpenedReport;

  beforeAll(async () => {
    opened = await openReport(report, 'report.html');
  });

  it('opens from disk without any network request or error', () => {
    expect(opened.requests).toContain(opened.url);
    for (const url of opened.requests) expect(url, `request to ${url}`).toMatch(/^(file|data):/);
    expect(opened.errors).toEqual([]);
    expect(opened.dialogs).toEqual([]);
  });

  it('draws one latency mark per timed run, with a median and CI per variant x EP', async () => {
    const runs = runsOf(report);
    const marks = await opened.page.locator('#chart-latency circle.run-mark').count();
    expect(marks).toBe(runs.reduce((sum, run) => sum + run.latenciesMs.length, 0));
    expect(await opened.page.locator('#chart-latency line.median-mark').count()).toBe(runs.length);
    expect(await opened.page.locator('#chart-latency .row-label').allTextContents()).toEqual(['dense @ cpu', 'pruned-0.9 @ cpu']);
  });

  it('stacks the top ops by phase, one group per variant', async () => {
    const runs = runsOf(report);
    expect(await opened.page.locator('#chart-top-ops .group-label').allTextContents()).toEqual(['dense @ cpu', 'pruned-0.9 @ cpu']);
    expect(await opened.page.locator('#chart-top-ops g.op-bar').count()).toBe(runs.reduce((sum, run) => sum + run.ops.length, 0));
    const expectedRects = runs.reduce((sum, run) => sum + run.ops.reduce((n, _, op) => n + nonZeroPhases(run, op), 0), 0);
    expect(await opened.page.locator('#chart-top-ops rect.phase').count()).toBe(expectedRects);
  });

  it('draws the timeline with one rect per phase of every span of one profiled run per lane', async () => {
    const runs = runsOf(report);
    const expected = runs.reduce((sum, run) => {
      const chosen = medianLengthRun(run);
      return sum + run.spans.filter((s) => s.run === chosen).reduce((n, s) => n + nonZeroPhases(run, s.op), 0);
    }, 0);
    const page = opened.page;
    expect(await page.locator('#chart-timeline rect.phase').count()).toBe(expected);
    expect(await page.locator('#chart-timeline g.span').count()).toBe(runs.reduce((sum, run) => sum + run.ops.length, 0));
    const titles = await page.locator('#chart-timeline g.span > title').allTextContents();
    expect(titles[0].split('\n')[0]).toBe('/fc1/Gemm (Gemm)');
    // Lanes share one axis: both runs start at the same x.
    const laneStarts = await page.locator('#chart-timeline rect.lane-window').evaluateAll((rects) => rects.map((r) => r.getAttribute('x')));
    expect(laneStarts).toHaveLength(2);
    expect(laneStarts[0]).toBe(laneStarts[1]);
  });

  it('uses one colour per phase in charts, tables and legend', async () => {
    const colours = await opened.page.evaluate(() => {
      const fill = (selector: string) => getComputedStyle(document.querySelector(selector)!).fill;
      const background = (selector: string) => getComputedStyle(document.querySelector(selector)!).backgroundColor;
      return ['memory', 'compute', 'overhead'].map((phase) => ({
        timeline: fill(`#chart-timeline rect.phase-${phase}`),
        topOps: fill(`#chart-top-ops rect.phase-${phase}`),
        table: background(`.split-${phase}`),
        legend: background(`.swatch.${phase}`),
      }));
    });
    for (const c of colours) expect(new Set([c.timeline, c.topOps, c.table, c.legend]).size).toBe(1);
    expect(new Set(colours.map((c) => c.timeline)).size).toBe(3);
  });

  it('draws one line chart per sampled counter series', async () => {
    expect(await opened.page.locator('#chart-counters path.counter-line').count()).toBe(2);
    expect(await opened.page.locator('#chart-counters figcaption').allTextContents()).toEqual([
      'cpu utilization · dense @ cpu',
      'cpu utilization · pruned-0.9 @ cpu',
    ]);
  });

  it('zooms the timeline with ctrl + wheel', async () => {
    const page = opened.page;
    const firstSlice = page.locator('#chart-timeline rect.phase').first();
    const widthBefore = Number(await firstSlice.getAttribute('width'));
    await page.locator('#chart-timeline svg').scrollIntoViewIfNeeded();
    const area = (await page.locator('#chart-timeline svg').boundingBox())!;
    await page.mouse.move(area.x + area.width * 0.4, area.y + 20);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await expect.poll(async () => Number(await firstSlice.getAttribute('width'))).toBeGreaterThan(widthBefore * 1.5);
    expect(opened.errors).toEqual([]);
  });

  it('enforces its Content Security Policy: no connection can leave the page', async () => {
    const page = (await openReport(report, 'csp.html')).page;
    const directive = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (event) => resolve(event.violatedDirective));
          fetch('https://example.com/').catch(() => undefined);
        }),
    );
    expect(directive).toBe('connect-src');
  });
});

describe('a report in which every run failed', () => {
  it('opens cleanly and says why there is nothing to chart', async () => {
    const failed = buildSampleReport();
    failed.comparisons = [];
    for (const variant of failed.variants) {
      variant.runs = [];
      variant.failures = [{ ep: 'cpu', error: 'session creation failed: out of memory' }];
    }
    const { page, errors } = await openReport(failed, 'failed.html');
    expect(errors).toEqual([]);
    expect(await page.locator('#chart-timeline').textContent()).toContain('Nothing to draw');
    expect(await page.locator('#warnings li').allTextContents()).toContain('dense @ cpu failed: session creation failed: out of memory');
  });
});

describe('hostile report text in Chromium', () => {
  it('stays text: no script runs, no element is injected', async () => {
    const hostile = buildHostileReport();
    const { page, errors, dialogs, requests } = await openReport(hostile, 'hostile.html');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    for (const url of requests) expect(url).toMatch(/^(file|data):/);
    expect(await page.locator('img').count()).toBe(0);
    const opName = hostile.variants[0].runs[0].ops[0].name;
    const titles = await page.locator('#chart-timeline g.span > title').allTextContents();
    expect(titles.some((title) => title.startsWith(opName))).toBe(true);
    expect(await page.locator('td.name', { hasText: HOSTILE_TEXT }).count()).toBeGreaterThan(0);
    expect(await page.locator('header .path').textContent()).toBe(hostile.model.path);
  });
});
