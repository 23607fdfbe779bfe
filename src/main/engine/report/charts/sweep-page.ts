/**
 * A sweep's dataset views as one self-contained HTML page (no script at all): the cells table
 * and every view's SVG inline, with the sweep's reproducibility block.
 */
import type { SweepOverview } from '../../../../shared/api';
import { esc } from './svg';

export function renderSweepHtml(overview: SweepOverview, provenance: readonly (readonly [string, string])[]): string {
  const rows = overview.cells
    .map(
      (c) =>
        `<tr><td>${esc(c.model.split(/[\\/]/).pop() ?? c.model)}</td><td>${esc(c.variant)}</td><td>${esc(c.ep)}</td><td class="n">${c.batch}</td><td class="n">${c.threads}</td>` +
        `<td>${esc(c.status)}</td><td class="n">${c.medianMs === undefined ? '' : c.medianMs.toFixed(3)}</td><td class="n">${c.sparsity === undefined ? '' : (c.sparsity * 100).toFixed(1)}</td>` +
        `<td class="n">${c.agreement === undefined ? '' : (c.agreement * 100).toFixed(1)}</td><td class="n">${c.accuracy === undefined ? '' : (c.accuracy * 100).toFixed(1)}</td>` +
        `<td>${esc(c.status === 'ok' ? (c.report ?? '') : (c.error ?? ''))}</td></tr>`,
    )
    .join('\n');
  const charts = overview.charts.map((c) => `<figure id="${esc(c.id)}">${c.svg.replace(/^<\?xml[^>]*>\s*/, '')}</figure>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>edgescope sweep · ${esc(overview.dir)}</title>
<style>
body { font: 13px/1.45 system-ui, sans-serif; color: #1d2127; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0 20px; }
th, td { border-bottom: 1px solid #dde1e6; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 16px 0; overflow-x: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 12px; }
dt { color: #5f6873; }
</style>
</head>
<body>
<h1>Sweep results</h1>
<p>${esc(overview.dir)}: ${overview.cells.length} of ${overview.total} cells${overview.complete ? '' : ' (incomplete)'}.</p>
<h2>Dataset views</h2>
${charts}
<h2>Cells</h2>
<table>
<thead><tr><th>model</th><th>variant</th><th>ep</th><th>batch</th><th>threads</th><th>status</th><th>median (ms)</th><th>sparsity (%)</th><th>agreement (%)</th><th>accuracy (%)</th><th>report / error</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Reproducibility</h2>
<dl>
${provenance.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('\n')}
</dl>
</body>
</html>
`;
}
