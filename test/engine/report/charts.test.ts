/**
 * The HTML report's charts as standalone SVG files and PNGs, from the fixture report: every file
 * well-formed, sized, carrying its data and the reproducibility block; PNGs rendered by Chromium
 * with the PNG signature and the SVG's size (x2); `edgescope report --format svg,png` writes charts/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCharts } from '../../../src/main/engine/report/charts/report-charts';
import { pngBrowser, svgSize, svgsToPng } from '../../../src/main/engine/report/charts/png';
import { linearScale, logScale, niceStep, tickLabel } from '../../../src/main/engine/report/charts/svg';
import { buildChartModel } from '../../../src/main/engine/report/html/chart-model';
import { buildHostileReport, buildSampleReport, HOSTILE_TEXT } from '../../fixtures/reports/sample-report';
import { REPO_ROOT, tempDir } from '../../helpers';
import { checkXml } from './charts-xml';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = Buffer.from(png);
  // The IHDR chunk follows the signature: length, 'IHDR', width, height (big-endian).
  expect(view.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

describe('scales', () => {
  it('picks round tick steps and round domain ends', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.7, 7)).toBeCloseTo(0.1, 12);
    expect(niceStep(4300, 8)).toBe(1000);
    const x = linearScale([0.13, 9.7], [0, 100], true, 5);
    expect(x.domain).toEqual([0, 10]);
    expect(x.ticks(5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(x(5)).toBe(50);
    const log = logScale([3, 4000], [100, 0]);
    expect(log.domain).toEqual([1, 10000]);
    expect(log(100)).toBeCloseTo(50, 9);
  });

  it('labels ticks briefly', () => {
    expect([0, 0.25, 5000, 15000, 2.5e6, 1e9].map(tickLabel)).toEqual(['0', '0.25', '5000', '15k', '2.5M', '1G']);
  });

  it('survives a degenerate domain', () => {
    const x = linearScale([5, 5], [0, 10]);
    expect(Number.isFinite(x(5))).toBe(true);
    expect(x.ticks(4).length).toBeGreaterThan(1);
  });
});

describe('report charts as SVG', () => {
  const report = buildSampleReport({ webgpu: true });
  const charts = reportCharts(report);

  it('makes every chart of the HTML report, each a well-formed standalone SVG', () => {
    const model = buildChartModel(report);
    expect(charts.map((c) => c.id)).toEqual(['latency', 'top-ops', 'timeline', ...model.counters.map((_, i) => `counter-${i + 1}`)]);
    expect(model.counters.length).toBeGreaterThan(0);
    for (const chart of charts) {
      const xml = checkXml(chart.svg);
      expect(xml.problems, chart.id).toEqual([]);
      expect(xml.root).toBe('svg');
      expect(xml.rootAttributes.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(Number(xml.rootAttributes.width)).toBeGreaterThan(100);
      expect(chart.svg).not.toMatch(/NaN|Infinity|undefined/);
    }
  });

  it('draws the data: a dot per timed run, a bar segment per op phase, the spans of each lane', () => {
    const model = buildChartModel(report);
    const latency = checkXml(charts[0].svg);
    const timedRuns = model.latency.reduce((s, row) => s + row.runsMs.length, 0);
    expect(latency.counts.circle).toBe(timedRuns);
    for (const row of model.latency) expect(charts[0].svg).toContain(row.medianLabel);
    const topOps = charts[1].svg;
    for (const group of model.topOps) for (const op of group.ops) expect(topOps).toContain(`>${op.durLabel}`);
    const timeline = checkXml(charts[2].svg);
    const slices = model.timeline.reduce((s, lane) => s + lane.spans.reduce((t, span) => t + span.slices.length, 0), 0);
    // One background rect per lane, one per slice, the white page and the legend's three swatches.
    expect(timeline.counts.rect).toBe(slices + model.timeline.length + 1 + 3);
  });

  it('carries the reproducibility block: machine, versions, settings, model hash, command line', () => {
    for (const chart of charts) {
      expect(chart.svg).toContain('AMD EPYC 7B13');
      expect(chart.svg).toContain(`onnxruntime-node ${report.tool.onnxruntimeVersion}`);
      expect(chart.svg).toContain(report.model.sha256);
      expect(chart.svg).toContain('--profiled-runs 3');
      expect(checkXml(chart.svg).counts.metadata).toBe(1);
    }
  });

  it('escapes hostile names into text', () => {
    for (const chart of reportCharts(buildHostileReport())) {
      expect(checkXml(chart.svg).problems, chart.id).toEqual([]);
      expect(chart.svg).not.toContain(HOSTILE_TEXT);
    }
  });
});

describe.runIf(pngBrowser() !== null)('report charts as PNG (headless Chromium)', () => {
  it('renders each SVG to a PNG of twice its size', async () => {
    const charts = reportCharts(buildSampleReport()).slice(0, 3);
    const rendered = await svgsToPng(charts.map((c) => c.svg));
    expect(rendered.ok).toBe(true);
    if (!rendered.ok) return;
    rendered.pngs.forEach((png, i) => {
      expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      const { width, height } = svgSize(charts[i].svg);
      expect(pngSize(png)).toEqual({ width: width * 2, height: height * 2 });
      expect(png.length).toBeGreaterThan(5_000);
    });
  }, 60_000);
});

describe('edgescope report --format svg,png', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 90_000 });

  it('writes charts/*.svg and, with a browser, charts/*.png', () => {
    const dir = tempDir('charts-cli');
    writeFileSync(join(dir, 'report.json'), JSON.stringify(buildSampleReport()));
    const r = cli(['report', dir, '--format', 'svg,png']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, 'charts')).sort();
    expect(files.filter((f) => f.endsWith('.svg'))).toContain('latency.svg');
    if (pngBrowser()) {
      expect(files.filter((f) => f.endsWith('.png')).length).toBe(files.filter((f) => f.endsWith('.svg')).length);
      expect([...readFileSync(join(dir, 'charts', 'latency.png')).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    }
    for (const f of files.filter((name) => name.endsWith('.svg'))) expect(checkXml(readFileSync(join(dir, 'charts', f), 'utf8')).problems).toEqual([]);
  }, 120_000);

  it('without a browser: one line saying so, and the SVGs still written', () => {
    const dir = tempDir('charts-cli');
    writeFileSync(join(dir, 'report.json'), JSON.stringify(buildSampleReport()));
    const r = cli(['report', dir, '--format', 'png'], { EDGESCOPE_CHROMIUM: join(dir, 'no-such-browser') , PATH: '/nonexistent' });
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/PNG charts need Chromium or Chrome/);
    expect(existsSync(join(dir, 'charts', 'latency.svg'))).toBe(true);
    expect(existsSync(join(dir, 'charts', 'latency.png'))).toBe(false);
  });
});
