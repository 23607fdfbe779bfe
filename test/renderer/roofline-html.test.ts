/** The report.html roofline (static SVG): the same points and roofs as the app's, escaped, on decade axes. */
import { describe, expect, it } from 'vitest';
import { renderRoofline } from '../../src/main/engine/report/html/roofline';
import { renderReportHtml } from '../../src/main/engine/report/report-html';
import { rooflineModel } from '../../src/renderer/src/charts/roofline-model';
import { buildTimelineData } from '../../src/renderer/src/charts/timeline-data';
import { buildHostileReport, buildSampleReport, HOSTILE_TEXT } from '../fixtures/reports/sample-report';

describe('report.html roofline', () => {
  const report = buildSampleReport();

  it("draws a point per modelled op and a roof per memory level, as the app's model has them", () => {
    const svg = String(renderRoofline(report));
    const model = rooflineModel(buildTimelineData(report).lanes);
    expect(svg.match(/class="rl-point"/g)).toHaveLength(model.points.length);
    expect(svg.match(/class="rl-roof[^"]*"/g)).toHaveLength(model.roofs.length);
    expect(svg).toContain('rl-roof rl-cache');
    // The point of the first modelled op sits where log10 scales put it on the same decade domains.
    const p = model.points[0];
    const [x0, x1] = model.xDomain.map(Math.log10);
    const xPx = 86 + ((Math.log10(p.intensity) - x0) / (x1 - x0)) * (760 - 86 - 20);
    expect(svg).toContain(`translate(${xPx.toFixed(1)},`);
  });

  it('is part of the report page, and escapes op names', () => {
    expect(renderReportHtml(report)).toContain('<section id="roofline">');
    const hostile = String(renderRoofline(buildHostileReport()));
    expect(hostile).not.toContain(HOSTILE_TEXT);
    expect(hostile).toContain('&lt;/script&gt;');
  });

  it('is left out when no op has a FLOP model', () => {
    const bare = { ...report, variants: report.variants.map((v) => ({ ...v, runs: v.runs.map((r) => ({ ...r, ops: r.ops.map((o) => ({ ...o, flops: null, intensity: null })) })) })) };
    expect(String(renderRoofline(bare))).toBe('');
  });
});
