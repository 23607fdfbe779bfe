/**
 * The results view's Power & heat panel in Chromium, over the bridge with a fake engine whose jobs end with
 * reports measured by the engine's power and thermal readers on scripted fake sysfs trees
 * (test/fixtures/reports/power-report.ts): the energy per inference of each source, the throttling warning
 * and evidence, the frequency and temperature over the timed runs, the picked pair side by side; and, for a
 * machine without sources and a report from before power was recorded, the reasons instead.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/shared/report';
import { FakeEngine } from '../bridge/fake-engine';
import { buildNoPowerReport, buildPowerReport } from '../fixtures/reports/power-report';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { openProfiledFakeApp, type ProfiledFakeApp } from './browser-app';

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((nodes) => nodes.map((n) => (n.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

function withApp(buildReport: () => Report, body: (app: () => ProfiledFakeApp) => void): void {
  let app: ProfiledFakeApp;
  beforeAll(async () => {
    app = await openProfiledFakeApp(new FakeEngine({ stepMs: 10, buildReport }));
    await app.page.getByTestId('power-panel').scrollIntoViewIfNeeded();
  });
  afterAll(() => app?.close());
  body(() => app);
}

describe('Power & heat panel with RAPL, battery, GPU and thermal series', () => {
  withApp(buildPowerReport, (app) => {
    it('warns that the dense run throttled and shows the evidence, the frequency and the temperature', async () => {
      const { page } = app();
      const warning = page.getByTestId('throttle-warning');
      expect(await warning.isVisible()).toBe(true);
      expect(await warning.textContent()).toMatch(/The CPU throttled during dense@cpu\b/);
      expect(await warning.textContent()).not.toContain('pruned-0.9@cpu');

      const dense = page.locator('[data-testid="power-run"][data-run="dense@cpu"]');
      expect(await dense.getByTestId('throttle-verdict').getAttribute('data-state')).toBe('throttled');
      expect(await texts(page, '[data-run="dense@cpu"] [data-testid="throttle-evidence"] li')).toEqual([
        'hottest sensor coretemp.Package id 0 reached 95 °C (high: 85 °C)',
        'CPU frequency fell from 3400 to 2800 MHz (82%; run started at 3400 MHz) while hot',
        'thermal_throttle/core_throttle_count did not change',
        'thermal_throttle/package_throttle_count rose by 3',
      ]);
      expect(await dense.getByTestId('frequency-stats').textContent()).toBe('2800 / 3400 / 3400 MHz');
      expect(await dense.getByTestId('temperature-stats').textContent()).toBe('70.0 / 82.5 / 95.0 °C');

      const pruned = page.locator('[data-testid="power-run"][data-run="pruned-0.9@cpu"]');
      expect(await pruned.getByTestId('throttle-verdict').getAttribute('data-state')).toBe('not throttled');
      expect(await pruned.getByTestId('temperature-stats').textContent()).toBe('60.0 / 60.0 / 60.0 °C');
      expect(app().problems).toEqual([]);
    });

    it('lists every power source of each run with its energy per inference', async () => {
      const { page } = app();
      const rows = page.locator('[data-run="dense@cpu"] [data-testid="energy-row"]');
      expect(await rows.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-series')))).toEqual([
        'power.rapl.package-0', 'power.rapl.dram', 'power.battery', 'gpu0.power',
      ]);
      // 40 timed runs in 1 s: 15, 3, 20 and 60 W are 375, 75, 500 and 1500 mJ per inference.
      expect(await texts(page, '[data-run="dense@cpu"] [data-testid="energy-mj"]')).toEqual(['375', '75', '500', '1500']);
      expect(await texts(page, '[data-run="pruned-0.9@cpu"] [data-testid="energy-mj"]')).toEqual(['250', '62.5', '400', '1500']);
      const battery = await texts(page, '[data-run="dense@cpu"] [data-series="power.battery"] td');
      expect(battery[1]).toMatch(/class\/power_supply\/BAT0$/);
      expect(battery.slice(2, 6)).toEqual(['20', '20', '500', '100.0%']);
    });

    it('puts the compared pair side by side with the ratio, and follows the pair picked', async () => {
      const { page } = app();
      const pair = page.getByTestId('energy-comparison');
      expect(await pair.getAttribute('data-baseline')).toBe('dense@cpu');
      expect(await pair.getAttribute('data-candidate')).toBe('pruned-0.9@cpu');
      expect(await texts(page, '[data-testid="energy-pair"][data-series="power.rapl.package-0"] td')).toEqual(['power.rapl.package-0', '375', '250', '1.50×']);
      await page.getByRole('button', { name: 'Swap baseline and candidate' }).click();
      await expect.poll(() => pair.getAttribute('data-baseline')).toBe('pruned-0.9@cpu');
      expect(await texts(page, '[data-testid="energy-pair"][data-series="power.rapl.package-0"] td')).toEqual(['power.rapl.package-0', '250', '375', '0.67×']);
      expect(app().problems).toEqual([]);
    });
  });
});

describe('Power & heat panel on a machine without power or thermal sources', () => {
  withApp(buildNoPowerReport, (app) => {
    it('shows each source with why it is unavailable, and no warning', async () => {
      const { page } = app();
      expect(await page.getByTestId('throttle-warning').count()).toBe(0);
      const reasons = await texts(page, '[data-run="dense@cpu"] [data-testid="energy-row"] td:last-child');
      expect(reasons[0]).toMatch(/^unavailable: no RAPL \(no .*intel-rapl:\*\)$/);
      expect(reasons[1]).toMatch(/^unavailable: no battery/);
      expect(reasons[2]).toBe('unavailable: nvidia-smi not found (no NVIDIA driver installed)');
      expect(await texts(page, '[data-run="dense@cpu"] [data-testid="energy-mj"]')).toEqual(['–', '–', '–']);
      const dense = page.locator('[data-testid="power-run"][data-run="dense@cpu"]');
      expect(await dense.getByTestId('throttle-verdict').getAttribute('data-state')).toBe('unavailable');
      expect(await dense.getByTestId('throttle-unavailable').textContent()).toMatch(/^Throttling not judged: unavailable: no cpufreq in sysfs/);
      expect(await dense.getByTestId('frequency-stats').textContent()).toBe('unavailable: no cpufreq in sysfs (a VM or a kernel without frequency scaling)');
      expect(await page.getByTestId('energy-comparison-empty').textContent()).toMatch(/^unavailable: no power source measured both runs \(no RAPL/);
      expect(app().problems).toEqual([]);
    });
  });
});

describe('Power & heat panel on a report written before power was recorded', () => {
  withApp(() => buildSampleReport(), (app) => {
    it('says so in place of the energy table and the verdict', async () => {
      const { page } = app();
      expect(await texts(page, '[data-testid="energy-empty"]')).toEqual([
        'No energy estimate: unavailable: this report was written before edgescope recorded it',
        'No energy estimate: unavailable: this report was written before edgescope recorded it',
      ]);
      expect(await page.getByTestId('throttle-unavailable').first().textContent()).toBe(
        'Throttling not judged: unavailable: this report was written before edgescope recorded it',
      );
      expect(app().problems).toEqual([]);
    });
  });
});
