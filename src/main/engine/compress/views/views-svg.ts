/**
 * The layer views as standalone SVG files (report/charts/svg.ts's toolkit, so they carry the same
 * reproducibility block as every exported chart):
 * - the zero-pattern heat map: one path per shade, a rectangle per run of equal cells along a cell row,
 *   white where a block is all zeros, darker the more of it is nonzero;
 * - the weight histogram: dense and compressed counts on the same bins, with the exact zeros as a
 *   separate pair of bars (as a share of the layer's weights) so the pruned weights are seen moving there.
 */
import type { HistogramCounts, LayerViews, SvgChart } from '../../../../shared/api';
import { bottomAxis, COLORS, esc, leftAxis, legend, linearScale, n, type Provenance, svgDocument, text, tickLabel } from '../../report/charts/svg';
import { cellDensities, emptyCellRows } from './zero-pattern';

/** Nonzero fraction -> shade level 0..SHADES: 0 only for an all-zero block, SHADES only for a full one. */
const SHADES = 32;
const FULL: [number, number, number] = [0x1f, 0x3f, 0x7a];

export function shadeLevel(fraction: number): number {
  if (fraction <= 0) return 0;
  if (fraction >= 1) return SHADES;
  return Math.min(SHADES - 1, Math.max(1, Math.round(fraction * SHADES)));
}

export function shadeColor(level: number): string {
  const t = level / SHADES;
  const channel = (full: number) => Math.round(255 + (full - 255) * t).toString(16).padStart(2, '0');
  return `#${channel(FULL[0])}${channel(FULL[1])}${channel(FULL[2])}`;
}

function shapeText(v: LayerViews): string {
  return v.shape.join('\u00d7');
}

/** The longer side of the map, in px; a cell row or column is never thinner than MIN_CELL_PX, nor a weight wider than MAX_WEIGHT_PX. */
const MAP_PX = 512;
const MIN_CELL_PX = 2;
const MAX_WEIGHT_PX = 24;

export function zeroPatternSvg(view: LayerViews, provenance: Provenance = []): string {
  const p = view.zeroPattern;
  const gridRows = p.rowEdges.length - 1;
  const gridCols = p.colEdges.length - 1;
  // The matrix keeps its aspect ratio (a wide fan-in looks wide), within the size limits.
  const perWeight = Math.min(MAX_WEIGHT_PX, MAP_PX / Math.max(p.rows, p.cols, 1));
  const mapW = Math.max(gridCols * MIN_CELL_PX, p.cols * perWeight);
  const mapH = Math.max(gridRows * MIN_CELL_PX, p.rows * perWeight);
  const left = 70;
  const top = 58;
  const width = Math.max(560, left + mapW + 30);
  const mapBottom = top + mapH;
  const density = cellDensities(p);
  // One path per shade, one subpath per run of equal cells along a cell row, in weight coordinates (integers,
  // short) scaled onto the map: a few hundred kB for the noisiest 256 x 256 map.
  const runs = new Map<number, string[]>();
  for (let r = 0; r < gridRows; r++) {
    const y0 = p.rowEdges[r];
    const h = p.rowEdges[r + 1] - y0;
    let c = 0;
    while (c < gridCols) {
      const level = shadeLevel(density[r * gridCols + c]);
      let end = c + 1;
      while (end < gridCols && shadeLevel(density[r * gridCols + end]) === level) end++;
      if (level > 0) {
        const x0 = p.colEdges[c];
        const w = p.colEdges[end] - x0;
        const list = runs.get(level) ?? [];
        list.push(`M${x0} ${y0}h${w}v${h}h${-w}z`);
        runs.set(level, list);
      }
      c = end;
    }
  }
  const paths = [...runs.entries()].sort(([a], [b]) => a - b).map(([level, d]) => `<path fill="${shadeColor(level)}" d="${d.join('')}"/>`);
  const blockRows = p.rows / Math.max(1, gridRows);
  const blockCols = p.cols / Math.max(1, gridCols);
  const scaled = gridRows < p.rows || gridCols < p.cols;
  const span = (v: number) => (Number.isInteger(v) ? String(v) : `~${n(v)}`);
  const cellText = scaled ? `each cell: ${span(blockRows)} \u00d7 ${span(blockCols)} weights` : 'each cell: one weight';
  const keyY = mapBottom + 42;
  const key = [0, 0.25, 0.5, 0.75, 1].map((f, i) => {
    const x = left + i * 70;
    return `<rect x="${n(x)}" y="${n(keyY - 9)}" width="10" height="10" fill="${shadeColor(shadeLevel(f))}" stroke="${COLORS.rule}"/>${text(x + 14, keyY, `${f * 100}%`, `font-size="10" fill="${COLORS.muted}"`)}`;
  });
  const body = [
    text(left, 40, `${view.opType} ${shapeText(view)}: ${p.rows} rows (outputs) \u00d7 ${p.cols} columns (fan-in); ${cellText}`, `font-size="11" fill="${COLORS.muted}"`),
    `<g class="zero-pattern" data-rows="${p.rows}" data-cols="${p.cols}" data-cell-rows="${gridRows}" data-cell-cols="${gridCols}" data-empty-cell-rows="${emptyCellRows(p)}">`,
    `<g transform="translate(${n(left)},${n(top)}) scale(${mapW / Math.max(1, p.cols)},${mapH / Math.max(1, p.rows)})" shape-rendering="crispEdges">`,
    ...paths,
    '</g>',
    `<rect x="${n(left)}" y="${n(top)}" width="${n(mapW)}" height="${n(mapH)}" fill="none" stroke="${COLORS.muted}"/>`,
    '</g>',
    text(left - 6, top + 10, '0', `text-anchor="end" font-size="10" fill="${COLORS.muted}"`),
    text(left - 6, mapBottom, String(p.rows), `text-anchor="end" font-size="10" fill="${COLORS.muted}"`),
    text(left + mapW, mapBottom + 14, String(p.cols), `text-anchor="end" font-size="10" fill="${COLORS.muted}"`),
    text(left, keyY - 16, 'nonzero fraction of the block', `font-size="10" fill="${COLORS.text}"`),
    ...key,
  ].join('\n');
  return svgDocument(width, keyY + 16, `Zero pattern of ${view.name}`, body, `White: every weight of the block is zero; darker: more of the block is nonzero. ${cellText}.`, provenance);
}

export interface HistogramLabels {
  before: string;
  after: string;
}

export function histogramSvg(view: LayerViews, provenance: Provenance = [], labels: HistogramLabels = { before: 'dense', after: 'compressed' }): string {
  const h = view.histogram;
  const series: { label: string; counts: HistogramCounts; color: string }[] = [
    { label: h.after ? labels.before : 'weights', counts: h.before, color: COLORS.overhead },
    ...(h.after ? [{ label: labels.after, counts: h.after, color: COLORS.accent }] : []),
  ];
  const plot = { left: 70, top: 48, right: 560, bottom: 300 };
  const bins = h.edges.length - 1;
  const x = linearScale([h.edges[0], h.edges[bins]], [plot.left, plot.right], false);
  const maxCount = Math.max(1, ...series.flatMap((s) => s.counts.counts));
  const y = linearScale([0, maxCount], [plot.bottom, plot.top], true, 5);
  const parts = [bottomAxis(x, plot.bottom, plot.top, 'weight value (nonzero)', 6, (v) => String(Number(v.toPrecision(3)))), leftAxis(y, plot.left, plot.right, 'weights per bin', 5, tickLabel)];
  for (const s of series) {
    // Outlines for dense under filled bars for compressed: both stay readable where they overlap.
    const filled = s.counts === h.after || !h.after;
    const bars = s.counts.counts.map((count, i) => {
      if (count === 0) return '';
      const x0 = x(h.edges[i]);
      const x1 = x(h.edges[i + 1]);
      const attrs = filled ? `fill="${s.color}" fill-opacity="0.75"` : `fill="${s.color}" fill-opacity="0.45" stroke="${COLORS.muted}" stroke-width="0.5"`;
      return `<rect x="${n(x0)}" y="${n(y(count))}" width="${n(Math.max(0.5, x1 - x0))}" height="${n(plot.bottom - y(count))}" ${attrs}><title>${esc(`${s.label}: ${count} in [${h.edges[i].toPrecision(3)}, ${h.edges[i + 1].toPrecision(3)})`)}</title></rect>`;
    });
    parts.push(`<g class="bins" data-series="${esc(s.label)}">${bars.join('')}</g>`);
  }
  // The zeros: their share of the layer's weights, on a 0..100% scale of their own.
  const zx = plot.right + 50;
  const zeroBars = series.map((s, i) => {
    const share = s.counts.total > 0 ? s.counts.zeros / s.counts.total : 0;
    const bx = zx + i * 34;
    const top = plot.bottom - share * (plot.bottom - plot.top);
    return [
      `<rect class="zeros" data-series="${esc(s.label)}" data-zeros="${s.counts.zeros}" x="${n(bx)}" y="${n(top)}" width="26" height="${n(plot.bottom - top)}" fill="${s.color}" fill-opacity="0.75"/>`,
      text(bx + 13, top - 4, `${(share * 100).toFixed(1)}%`, `text-anchor="middle" font-size="9.5" fill="${COLORS.text}"`),
    ].join('');
  });
  parts.push(
    `<line x1="${n(zx - 6)}" x2="${n(zx + series.length * 34)}" y1="${n(plot.bottom)}" y2="${n(plot.bottom)}" stroke="${COLORS.muted}"/>`,
    ...zeroBars,
    text(zx + (series.length * 34) / 2 - 4, plot.bottom + 15, 'zeros', `text-anchor="middle" font-size="10" fill="${COLORS.text}"`),
    text(zx + (series.length * 34) / 2 - 4, plot.bottom + 28, '(share)', `text-anchor="middle" font-size="9" fill="${COLORS.muted}"`),
    legend(plot.left, plot.bottom + 52, series.map((s) => ({ label: s.label, color: s.color }))),
  );
  const width = zx + series.length * 34 + 30;
  return svgDocument(
    width,
    plot.bottom + 64,
    `Weights of ${view.name}`,
    parts.join('\n'),
    `${bins} bins over [-max|w|, max|w|] of the dense weight, the same for both series; exact zeros counted apart, as a share of ${h.before.total} weights.`,
    provenance,
  );
}

/** A layer name as a file name: anything but letters, digits, '.', '_' and '-' becomes '_'; clashes get -2, -3, ... */
function fileIds(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'layer';
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}-${k}`;
    used.add(id);
    return id;
  });
}

/** Every layer's two charts, ids `<layer>-zeros` and `<layer>-histogram` (charts/<id>.svg in an export folder). */
export function layerViewCharts(views: readonly LayerViews[], provenance: Provenance = [], labels?: HistogramLabels): SvgChart[] {
  const ids = fileIds(views.map((v) => v.name));
  return views.flatMap((v, i) => [
    { id: `${ids[i]}-zeros`, title: `Zero pattern of ${v.name}`, svg: zeroPatternSvg(v, provenance) },
    { id: `${ids[i]}-histogram`, title: `Weights of ${v.name}`, svg: histogramSvg(v, provenance, labels) },
  ]);
}
