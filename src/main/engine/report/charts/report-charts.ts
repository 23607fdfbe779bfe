/**
 * The HTML report's charts as standalone SVG files: latency per run, top ops by phase, the
 * op timeline and the counter series. They draw the same chart model the HTML report's
 * script draws (html/chart-model.ts), so a figure and the page cannot disagree.
 */
import type { SvgChart } from '../../../../shared/api';
import type { Report } from '../../../../shared/report';
import { buildChartModel, type ChartModel, type CounterChart, type LatencyRow, type OpBarGroup, type TimelineLane } from '../html/chart-model';
import { reproducibility } from '../exports/tables';
import { bottomAxis, CHAR_PX, type Provenance, COLORS, emptyChart, esc, leftAxis, legend, linearScale, n, svgDocument, text, truncate } from './svg';

const WIDTH = 900;
const LABEL_WIDTH = 200;
const PHASES = ['memory', 'compute', 'overhead'] as const;
const PHASE_LEGEND = PHASES.map((p) => ({ label: p, color: COLORS[p] }));

/** Every chart of the HTML report, each with the report's reproducibility block under it. */
export function reportCharts(report: Report): SvgChart[] {
  const model: ChartModel = buildChartModel(report);
  const p = reproducibility(report);
  const charts: SvgChart[] = [
    { id: 'latency', title: 'Latency per timed run', svg: latencySvg(model.latency, p) },
    { id: 'top-ops', title: 'Slowest operators by phase', svg: topOpsSvg(model.topOps, p) },
    { id: 'timeline', title: 'Operator timeline', svg: timelineSvg(model.timeline, p) },
  ];
  model.counters.forEach((chart, i) => charts.push({ id: `counter-${i + 1}`, title: chart.title, svg: counterSvg(chart, p) }));
  return charts;
}

/** Every timed run as a dot, the median as a tick, its 95% CI as a whisker. */
export function latencySvg(rows: LatencyRow[], provenance: Provenance = []): string {
  const title = 'Latency per timed run';
  if (rows.length === 0) return emptyChart(title, 'No run finished.');
  const top = 36;
  const rowHeight = 44;
  const bottom = top + rows.length * rowHeight;
  const values = rows.flatMap((r) => [...r.runsMs, ...r.ci95]);
  const x = linearScale([Math.min(...values), Math.max(...values)], [LABEL_WIDTH, WIDTH - 90], true, 8);
  const parts = [bottomAxis(x, bottom, top, 'latency per timed run (ms)', 8)];
  rows.forEach((row, i) => {
    const mid = top + i * rowHeight + rowHeight / 2;
    parts.push(text(LABEL_WIDTH - 12, mid + 4, truncate(row.label, 30), `text-anchor="end" font-size="11" fill="${COLORS.text}"`));
    row.runsMs.forEach((ms, k) => {
      const jitter = (((k * 0.6180339887) % 1) - 0.5) * rowHeight * 0.5;
      parts.push(`<circle cx="${n(x(ms))}" cy="${n(mid + jitter)}" r="2.2" fill="${COLORS.accent}" fill-opacity="0.45"/>`);
    });
    const [lo, hi] = row.ci95;
    parts.push(`<g stroke="${COLORS.text}" stroke-width="1.2"><title>${esc(row.title)}</title>`);
    parts.push(`<line x1="${n(x(lo))}" x2="${n(x(hi))}" y1="${n(mid)}" y2="${n(mid)}"/>`);
    for (const v of [lo, hi]) parts.push(`<line x1="${n(x(v))}" x2="${n(x(v))}" y1="${n(mid - 8)}" y2="${n(mid + 8)}"/>`);
    parts.push(`<line x1="${n(x(row.medianMs))}" x2="${n(x(row.medianMs))}" y1="${n(mid - 13)}" y2="${n(mid + 13)}" stroke-width="2.5"/></g>`);
    parts.push(text(WIDTH - 80, mid + 4, row.medianLabel, `font-size="11" fill="${COLORS.text}"`));
  });
  return svgDocument(WIDTH, bottom + 44, title, parts.join('\n'), 'Dots: timed runs; thick tick: median; whisker: distribution-free 95% CI of the median.', provenance);
}

/** Each group's slowest ops as bars split into memory, compute and overhead. */
export function topOpsSvg(groups: OpBarGroup[], provenance: Provenance = []): string {
  const title = 'Slowest operators by phase (median time)';
  if (groups.every((g) => g.ops.length === 0)) return emptyChart(title, 'No operator was profiled.');
  const barHeight = 16;
  const gap = 5;
  let y = 52;
  const items: ({ kind: 'group'; label: string; y: number } | { kind: 'op'; op: OpBarGroup['ops'][number]; y: number })[] = [];
  for (const group of groups) {
    items.push({ kind: 'group', label: group.label, y });
    y += 24;
    for (const op of group.ops) {
      items.push({ kind: 'op', op, y });
      y += barHeight + gap;
    }
    y += 6;
  }
  const total = (op: OpBarGroup['ops'][number]) => op.memoryUs + op.computeUs + op.overheadUs;
  const maxUs = Math.max(1e-9, ...groups.flatMap((g) => g.ops.map(total)));
  const x = linearScale([0, maxUs], [LABEL_WIDTH, WIDTH - 90], true, 8);
  const parts = [legend(LABEL_WIDTH, 40, PHASE_LEGEND), bottomAxis(x, y, 48, 'median time per op (\u00b5s)', 8)];
  for (const item of items) {
    if (item.kind === 'group') {
      parts.push(text(12, item.y + 16, item.label, `font-size="12" font-weight="600" fill="${COLORS.text}"`));
      continue;
    }
    const { op } = item;
    parts.push(`<g><title>${esc(op.title)}</title>`);
    parts.push(text(LABEL_WIDTH - 10, item.y + barHeight - 4, truncate(op.name, Math.floor((LABEL_WIDTH - 20) / CHAR_PX)), `text-anchor="end" font-size="11" fill="${COLORS.text}"`));
    let start = 0;
    for (const phase of PHASES) {
      const us = op[`${phase}Us`];
      if (us > 0) parts.push(`<rect x="${n(x(start))}" y="${n(item.y)}" width="${n(x(start + us) - x(start))}" height="${barHeight}" fill="${COLORS[phase]}"/>`);
      start += us;
    }
    parts.push(text(x(start) + 6, item.y + barHeight - 4, op.durLabel + (op.lowConfidence ? ' (low confidence)' : ''), `font-size="10.5" fill="${COLORS.muted}"`));
    parts.push('</g>');
  }
  return svgDocument(WIDTH, y + 44, title, parts.join('\n'), '', provenance);
}

/** One lane per run: the representative profiled run's op spans, coloured by phase. */
export function timelineSvg(lanes: TimelineLane[], provenance: Provenance = []): string {
  const title = 'Operator timeline (one profiled run per lane)';
  if (lanes.length === 0) return emptyChart(title, 'No profiled run.');
  const rowHeight = 14;
  let y = 52;
  const placed = lanes.map((lane) => {
    const at = y;
    y += Math.max(2, lane.rows) * rowHeight + 26;
    return { lane, y: at };
  });
  const maxUs = Math.max(1e-9, ...lanes.map((l) => l.durUs));
  const inMs = maxUs >= 2000;
  const x = linearScale([0, inMs ? maxUs / 1000 : maxUs], [LABEL_WIDTH, WIDTH - 20], true, 8);
  const px = (us: number) => x(inMs ? us / 1000 : us);
  const parts = [legend(LABEL_WIDTH, 40, PHASE_LEGEND), bottomAxis(x, y, 48, `time since the run started (${inMs ? 'ms' : '\u00b5s'})`, 8)];
  for (const { lane, y: top } of placed) {
    parts.push(text(LABEL_WIDTH - 12, top + 12, truncate(lane.label, 30), `text-anchor="end" font-size="11" font-weight="600" fill="${COLORS.text}"`));
    parts.push(text(LABEL_WIDTH - 12, top + 26, truncate(lane.detail, 34), `text-anchor="end" font-size="9.5" fill="${COLORS.muted}"`));
    parts.push(`<rect x="${n(px(0))}" y="${n(top)}" width="${n(px(lane.durUs) - px(0))}" height="${n(lane.rows * rowHeight)}" fill="#f1f3f6"/>`);
    for (const span of lane.spans) {
      const sy = top + span.row * rowHeight + 1;
      parts.push(`<g><title>${esc(span.title)}</title>`);
      for (const slice of span.slices) {
        parts.push(`<rect x="${n(px(slice.startUs))}" y="${n(sy)}" width="${n(Math.max(0.3, px(slice.startUs + slice.durUs) - px(slice.startUs)))}" height="${rowHeight - 2}" fill="${COLORS[slice.phase]}"/>`);
      }
      parts.push('</g>');
    }
  }
  return svgDocument(WIDTH, y + 44, title, parts.join('\n'), '', provenance);
}

/** One counter series over job time, the timed window shaded. */
export function counterSvg(chart: CounterChart, provenance: Provenance = []): string {
  const top = 40;
  const height = 220;
  const bottom = top + height - 70;
  const ts = chart.samples.map(([t]) => t);
  const vs = chart.samples.map(([, v]) => v);
  const x = linearScale([Math.min(...ts, chart.timedWindowS[0]), Math.max(...ts, chart.timedWindowS[1])], [70, WIDTH - 20], true, 8);
  const y = linearScale([Math.min(0, ...vs), Math.max(...vs)], [bottom, top], true, 4);
  const path = chart.samples.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${n(x(t))},${n(y(v))}`).join('');
  const [w0, w1] = chart.timedWindowS;
  const body = [
    `<rect x="${n(x(w0))}" y="${n(top)}" width="${n(x(w1) - x(w0))}" height="${n(bottom - top)}" fill="#e8f0fa"/>`,
    bottomAxis(x, bottom, top, 'job time (s); shaded: timed runs', 8),
    leftAxis(y, 70, WIDTH - 20, chart.unit, 4),
    `<path d="${path}" fill="none" stroke="${COLORS.accent}" stroke-width="1.5"/>`,
  ].join('\n');
  return svgDocument(WIDTH, height, chart.title, body, `source: ${chart.source}`, provenance);
}
