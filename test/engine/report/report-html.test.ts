import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CHART_SCRIPT } from '../../../src/main/engine/report/html/chart-script';
import { escapeHtml, html, jsonForScript } from '../../../src/main/engine/report/html/safe-html';
import { CHART_JSON_ELEMENT_ID, REPORT_JSON_ELEMENT_ID, renderReportHtml } from '../../../src/main/engine/report/report-html';
import type { Report } from '../../../src/shared/report';
import { HOSTILE_TEXT, buildHostileReport, buildSampleReport } from '../../fixtures/reports/sample-report';

function embeddedJson(page: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(page);
  if (!match) throw new Error(`no #${id} element`);
  return JSON.parse(match[1]);
}

/** Text of every executable (non-JSON) inline script, as the browser hashes it. */
function inlineScripts(page: string): string[] {
  return [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

/** Values of URL-bearing attributes in the markup (script bodies are code, not markup). */
function urlAttributes(page: string): string[] {
  const markup = page.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>');
  return [...markup.matchAll(/\s(?:src|href|action|srcset|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
}

/** A report with only the dense variant: no comparison, no verification, no pruning. */
function denseOnlyReport(): Report {
  const report = buildSampleReport();
  report.variants = report.variants.slice(0, 1);
  report.comparisons = [];
  report.warnings = [];
  for (const run of report.variants[0].runs) run.counters = run.counters.filter((c) => !c.available);
  return report;
}

describe('safe-html', () => {
  it('escapes interpolated text, including quotes, and passes fragments through', () => {
    const name = `<b a="1">'&`;
    expect(escapeHtml(name)).toBe('&lt;b a=&quot;1&quot;&gt;&#39;&amp;');
    expect(html`<td title="${name}">${name}${html`<i>${name}</i>`}</td>`.value).toBe(
      '<td title="&lt;b a=&quot;1&quot;&gt;&#39;&amp;">&lt;b a=&quot;1&quot;&gt;&#39;&amp;<i>&lt;b a=&quot;1&quot;&gt;&#39;&amp;</i></td>',
    );
    expect(html`${[1, 'a<', null, undefined, false]}`.value).toBe('1a&lt;');
  });

  it('makes JSON safe inside a script element and keeps it parseable', () => {
    const value = { text: '</script><!-- \u2028\u2029 <script>' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/<|\u2028|\u2029/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('CHART_SCRIPT', () => {
  it('is valid JavaScript that can be inlined as is', () => {
    expect(() => new Script(CHART_SCRIPT)).not.toThrow();
    expect(CHART_SCRIPT).not.toMatch(/<\/script|<!--|`|\$\{/i);
  });
});

describe('renderReportHtml', () => {
  const report = buildSampleReport();
  const page = renderReportHtml(report);

  it('is one HTML document with a strict Content Security Policy', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    // The attribute value is HTML-escaped (' as &#39;), as the browser reads it.
    const csp = (/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1] ?? '').replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain('img-src data:');
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // Each inline script is allowed by its own hash, and nothing else is.
    const scripts = inlineScripts(page);
    expect(scripts).toHaveLength(2);
    const allowed = /script-src ([^;]+)/.exec(csp)?.[1].split(' ') ?? [];
    expect(allowed.sort()).toEqual(
      scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`).sort(),
    );
  });

  it('references nothing outside the file', () => {
    for (const url of urlAttributes(page)) {
      expect(url, `attribute value ${url}`).not.toMatch(/^\s*(https?:|\/\/|ftp:|ws:|wss:)/i);
      expect(url).toMatch(/^(data:|#)/);
    }
    expect(page).not.toMatch(/<link[^>]+rel=["']?stylesheet/i);
    expect(page).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(page).not.toMatch(/<script[^>]+src=/i);
    expect(page).not.toMatch(/<(iframe|object|embed|img|video|audio)\b/i);
  });

  it('inlines d3', () => {
    const [d3Bundle, chartScript] = inlineScripts(page);
    expect(d3Bundle).toMatch(/^\/\/ https:\/\/d3js\.org v7\./);
    expect(chartScript).toBe(CHART_SCRIPT);
  });

  it('embeds the report JSON so that it round-trips', () => {
    expect(embeddedJson(page, REPORT_JSON_ELEMENT_ID)).toEqual(report);
    expect(embeddedJson(page, CHART_JSON_ELEMENT_ID)).toMatchObject({ latency: expect.any(Array), timeline: expect.any(Array) });
  });

  it('keeps U+2028 and U+2029 escaped in the embedded JSON', () => {
    const withSeparators = buildSampleReport();
    withSeparators.warnings.push('line\u2028paragraph\u2029end');
    const rendered = renderReportHtml(withSeparators);
    const json = /id="edgescope-report">([\s\S]*?)<\/script>/.exec(rendered)?.[1] ?? '';
    expect(json).not.toMatch(/[\u2028\u2029]/);
    expect(json).toContain('\\u2028');
    expect(embeddedJson(rendered, REPORT_JSON_ELEMENT_ID)).toEqual(withSeparators);
  });

  it('escapes hostile text everywhere', () => {
    const hostile = buildHostileReport();
    const rendered = renderReportHtml(hostile);
    expect(rendered).not.toContain(HOSTILE_TEXT);
    expect(rendered).not.toMatch(/<img/i);
    expect(rendered).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    // Only our four script elements close.
    expect(rendered.match(/<\/script/gi)).toHaveLength(4);
    expect(embeddedJson(rendered, REPORT_JSON_ELEMENT_ID)).toEqual(hostile);
  });

  it('shows the header facts with units', () => {
    for (const text of [
      '/home/mira/models/mlp-9216.onnx',
      report.model.sha256.slice(0, 12),
      '58.6 M',
      '58,631,144',
      '224 MiB',
      'AMD EPYC 7B13',
      '2 physical, 2 logical',
      '24.0 GiB',
      '35.2 GB/s',
      '182 GB/s',
      '108 GFLOP/s',
      '3.80 µs',
      'ONNX Runtime 1.30.0',
      'Node v20.20.0',
      '5 warm-up, 40 timed, 3 profiled',
    ]) {
      expect(page).toContain(text);
    }
  });

  it('has every section, with the method legend and the chart containers', () => {
    for (const id of ['warnings', 'summary', 'latency', 'operators', 'timeline', 'comparison', 'verification', 'sparsity', 'counters', 'environment']) {
      expect(page).toMatch(new RegExp(`<section[^>]* id="${id}"`));
    }
    for (const chart of ['chart-latency', 'chart-top-ops', 'chart-timeline', 'chart-counters']) expect(page).toContain(`id="${chart}"`);
    expect(page).toContain('T<sub>m</sub> = bytes moved / memory bandwidth');
    expect(page).toContain('max(0, T<sub>c</sub> − T<sub>m</sub>)');
  });

  it('reports latency, comparison, verification, sparsity, counters and backends', () => {
    const dense = report.variants[0].runs[0].latencyMs;
    expect(page).toContain(dense.median.toFixed(3));
    expect(page).toContain(`${dense.ci95[0].toFixed(3)} – ${dense.ci95[1].toFixed(3)}`);
    expect(page).toContain(report.comparisons[0].speedupMedian.toFixed(3) + '×');
    expect(page).toContain('no significant difference');
    expect(page).toContain('2.14e-2'); // max abs error
    expect(page).toContain('96.9%'); // top-1 agreement
    expect(page).toContain('33,973,862'); // zeros in fc1.weight
    expect(page).toContain('perf: hardware event cache-misses is &lt;not supported&gt;');
    expect(page).toContain('Failed to get a WebGPU adapter');
    expect(page).toContain('eta 1.');
  });

  it('leaves out what a report does not have', () => {
    const rendered = renderReportHtml(denseOnlyReport());
    for (const id of ['comparison', 'verification', 'sparsity', 'warnings', 'chart-counters']) expect(rendered).not.toContain(`id="${id}"`);
    expect(rendered).toContain('No counter was sampled.');
    expect(rendered).toContain('id="chart-timeline"');
  });
});
