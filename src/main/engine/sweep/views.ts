/**
 * Dataset views over a sweep's results: the data and a standalone SVG for each.
 *
 * - Latency against sparsity: one line per backend x batch (x threads, x model when they vary).
 * - Speedup heat map, layer x variant: each op's median time in the group's baseline cell (the
 *   dense variant, else the least sparse) over its time in each other variant's cell, matched by
 *   op name, for each group of cells that differ only in the variant.
 * - Pareto chart: latency vs model size vs quality, with the Pareto front marked: the cells no
 *   other cell beats on every axis at once. Quality is accuracy on the sweep's labelled input set
 *   or else top-1 agreement with the dense model, from each cell's `verification` in results.json
 *   (or, for results written before sweeps verified cells, from the cell report's verification);
 *   with neither on every cell, only latency and size.
 *
 * Pure functions of the results and the cell reports (buildSweepViews, sweepCharts), so the views
 * are tested on fixtures; sweepOverview reads a sweep folder for the app and the CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SvgChart, SweepCellSummary, SweepOverview } from '../../../shared/api';
import { EdgescopeError } from '../../../shared/errors';
import type { Report } from '../../../shared/report';
import { reproducibility } from '../report/exports/tables';
import { bottomAxis, type Provenance, COLORS, emptyChart, esc, leftAxis, legend, linearScale, logScale, n, SERIES_COLORS, svgDocument, text, truncate } from '../report/charts/svg';
import { readResults, type CellResult, type SweepResults } from './results';

export interface SeriesPoint {
  sparsity: number;
  medianMs: number;
  variant: string;
  key: string;
}

export interface LatencySeries {
  label: string;
  points: SeriesPoint[];
}

export interface HeatmapView {
  /** What the cells of this map share: model, backend, batch, threads. */
  label: string;
  baseline: string;
  variants: string[];
  /** Ops of the baseline, slowest first. */
  layers: string[];
  /** speedup[layer][variant]: baseline time / variant time; null where the op is missing from a cell. */
  speedup: (number | null)[][];
}

export interface ParetoPoint {
  key: string;
  label: string;
  medianMs: number;
  fileBytes: number;
  /** Top-1 agreement with the dense model in [0, 1], when the cell was verified. */
  agreement: number | null;
  /** Accuracy on the sweep's labelled input set in [0, 1], when the cell was verified on one. */
  accuracy: number | null;
  onFront: boolean;
}

/** The quality axis of the Pareto chart: accuracy when every point has it, else output agreement, else none. */
export function paretoQuality(points: readonly ParetoPoint[]): { kind: 'accuracy' | 'agreement'; of: (p: ParetoPoint) => number } | null {
  if (points.length > 0 && points.every((p) => p.accuracy !== null)) return { kind: 'accuracy', of: (p) => p.accuracy! };
  if (points.length > 0 && points.every((p) => p.agreement !== null)) return { kind: 'agreement', of: (p) => p.agreement! };
  return null;
}

export interface SweepViews {
  latencyVsSparsity: LatencySeries[];
  heatmaps: HeatmapView[];
  pareto: ParetoPoint[];
}

/** Rows of a heat map: the baseline's slowest ops (a large model's long tail would not be readable). */
export const HEATMAP_MAX_LAYERS = 30;

const okCells = (results: SweepResults) => results.cells.filter((c): c is CellResult & { latencyMs: NonNullable<CellResult['latencyMs']> } => c.status === 'ok' && c.latencyMs !== undefined);
const modelName = (path: string) => path.split(/[\\/]/).pop() ?? path;

/** A label naming only the dimensions that vary across the sweep (constant ones say nothing). */
function labeller(cells: readonly CellResult[], dims: readonly ('model' | 'ep' | 'batch' | 'threads')[]): (c: CellResult) => string {
  const varying = dims.filter((d) => new Set(cells.map((c) => c[d])).size > 1);
  const shown = varying.length > 0 ? varying : dims.filter((d) => d === 'ep');
  return (c) => shown.map((d) => (d === 'model' ? modelName(c.model) : d === 'ep' ? c.ep : d === 'batch' ? `batch ${c.batch}` : `${c.threads} threads`)).join(' · ');
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export function buildSweepViews(results: SweepResults, reports: ReadonlyMap<string, Report>): SweepViews {
  const cells = okCells(results);
  const seriesLabel = labeller(cells, ['model', 'ep', 'batch', 'threads']);
  const latencyVsSparsity = [...groupBy(cells, seriesLabel)].map(([label, group]) => ({
    label,
    points: group
      .map((c) => ({ sparsity: c.sparsity ?? 0, medianMs: c.latencyMs.median, variant: c.variant, key: c.key }))
      .sort((a, b) => a.sparsity - b.sparsity || a.variant.localeCompare(b.variant)),
  }));

  const groupKey = (c: CellResult) => `${c.model}\u0000${c.ep}\u0000${c.batch}\u0000${c.threads}`;
  const heatmapLabel = labeller(cells, ['model', 'ep', 'batch', 'threads']);
  const heatmaps: HeatmapView[] = [];
  for (const group of groupBy(cells, groupKey).values()) {
    const withReports = group.filter((c) => reports.has(c.key));
    if (withReports.length < 2) continue;
    const base = withReports.find((c) => c.variant === 'dense') ?? [...withReports].sort((a, b) => (a.sparsity ?? 0) - (b.sparsity ?? 0))[0];
    const others = withReports.filter((c) => c !== base);
    const opTimes = (c: CellResult) => new Map((reports.get(c.key)!.variants[0]?.runs[0]?.ops ?? []).map((op) => [op.name, op.durUs]));
    const baseOps = [...opTimes(base)].sort((a, b) => b[1] - a[1]).slice(0, HEATMAP_MAX_LAYERS);
    const otherOps = others.map(opTimes);
    heatmaps.push({
      label: heatmapLabel(base),
      baseline: base.variant,
      variants: others.map((c) => c.variant),
      layers: baseOps.map(([name]) => name),
      speedup: baseOps.map(([name, baseUs]) =>
        otherOps.map((ops) => {
          const us = ops.get(name);
          return us !== undefined && us > 0 ? baseUs / us : null;
        }),
      ),
    });
  }

  const pointLabel = labeller(cells, ['model', 'ep', 'batch', 'threads']);
  const pareto: ParetoPoint[] = cells.map((c) => {
    const variant = reports.get(c.key)?.variants[0];
    return {
      key: c.key,
      label: `${c.variant} · ${pointLabel(c)}`,
      medianMs: c.latencyMs.median,
      fileBytes: variant?.fileBytes ?? 0,
      agreement: c.verification?.top1Agreement ?? variant?.verification?.top1Agreement ?? null,
      accuracy: c.verification?.accuracy ?? variant?.verification?.candidateAccuracy ?? null,
      onFront: false,
    };
  });
  markParetoFront(pareto);
  return { latencyVsSparsity, heatmaps, pareto };
}

/**
 * Marks the points no other point dominates: another point dominates when it is at least as good
 * on every axis (lower latency, smaller file, higher accuracy or agreement when every point has one)
 * and better on one.
 */
export function markParetoFront(points: ParetoPoint[]): void {
  const quality = paretoQuality(points);
  const dominates = (a: ParetoPoint, b: ParetoPoint): boolean => {
    const axes: [number, number][] = [
      [b.medianMs, a.medianMs],
      [b.fileBytes, a.fileBytes],
      ...(quality ? [[quality.of(a), quality.of(b)] as [number, number]] : []),
    ];
    // [worse, better] pairs: a is no worse anywhere and strictly better somewhere.
    return axes.every(([w, bt]) => bt <= w) && axes.some(([w, bt]) => bt < w);
  };
  for (const p of points) p.onFront = !points.some((q) => q !== p && dominates(q, p));
}

// --- SVG ---------------------------------------------------------------------------------------

const WIDTH = 860;

export function latencyVsSparsitySvg(series: LatencySeries[], provenance: Provenance = []): string {
  const title = 'Latency against sparsity';
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) return emptyChart(title, 'No cell finished.');
  const top = 56;
  const bottom = 360;
  const x = linearScale([0, Math.max(0.5, ...points.map((p) => p.sparsity))], [80, WIDTH - 30], true, 10);
  const y = linearScale([0, Math.max(...points.map((p) => p.medianMs))], [bottom, top], true, 5);
  const parts = [
    legend(80, 40, series.map((s, i) => ({ label: s.label, color: SERIES_COLORS[i % SERIES_COLORS.length], shape: 'line' as const }))),
    bottomAxis(x, bottom, top, 'sparsity of the prunable weights', 10, (v) => `${Math.round(v * 100)}%`),
    leftAxis(y, 80, WIDTH - 30, 'median latency (ms)', 5),
  ];
  series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${n(x(p.sparsity))},${n(y(p.medianMs))}`).join('');
    parts.push(`<g class="series"><path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    for (const p of s.points) {
      parts.push(`<circle cx="${n(x(p.sparsity))}" cy="${n(y(p.medianMs))}" r="3.5" fill="${color}"><title>${esc(`${s.label} · ${p.variant}: ${p.medianMs.toFixed(3)} ms at ${(p.sparsity * 100).toFixed(1)}% sparsity`)}</title></circle>`);
    }
    parts.push('</g>');
  });
  return svgDocument(WIDTH, bottom + 44, title, parts.join('\n'), 'Median latency of each cell; one line per backend and batch.', provenance);
}

/** Diverging colour: red slower (< 1), white equal, green faster (> 1), on a log scale clamped at 4x. */
export function speedupColor(speedup: number | null): string {
  if (speedup === null || !Number.isFinite(speedup) || speedup <= 0) return '#eeeeee';
  const t = Math.max(-1, Math.min(1, Math.log(speedup) / Math.log(4)));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * Math.abs(t));
  const [r, g, b] = t >= 0 ? [mix(255, 29), mix(255, 122), mix(255, 69)] : [mix(255, 179), mix(255, 38), mix(255, 30)];
  return `rgb(${r},${g},${b})`;
}

export function heatmapSvg(view: HeatmapView, provenance: Provenance = []): string {
  const title = `Speedup per layer over ${view.baseline} · ${view.label}`;
  if (view.layers.length === 0 || view.variants.length === 0) return emptyChart(title, 'No operator times to compare.');
  const left = 220;
  const top = 76;
  const cellW = Math.max(56, Math.min(110, (WIDTH - left - 20) / view.variants.length));
  const cellH = 18;
  const parts: string[] = [];
  view.variants.forEach((v, j) => parts.push(text(left + j * cellW + cellW / 2, top - 8, truncate(v, Math.floor(cellW / 6.4)), `text-anchor="middle" font-size="11" fill="${COLORS.text}"`)));
  view.layers.forEach((layer, i) => {
    const y = top + i * cellH;
    parts.push(text(left - 8, y + 13, truncate(layer, 32), `text-anchor="end" font-size="10.5" fill="${COLORS.text}"`));
    view.speedup[i].forEach((s, j) => {
      const label = s === null ? '\u2013' : `${s.toFixed(2)}\u00d7`;
      parts.push(`<g><title>${esc(`${layer} · ${view.variants[j]}: ${s === null ? 'not in this cell' : `${s.toFixed(3)}x`}`)}</title>`);
      parts.push(`<rect x="${n(left + j * cellW)}" y="${n(y)}" width="${n(cellW - 1)}" height="${cellH - 1}" fill="${speedupColor(s)}"/>`);
      parts.push(text(left + j * cellW + cellW / 2, y + 13, label, `text-anchor="middle" font-size="10" fill="${COLORS.text}"`), '</g>');
    });
  });
  const height = top + view.layers.length * cellH + 40;
  parts.push(text(12, height - 14, 'green: faster than the baseline; red: slower; colour saturates at 4x', `font-size="10.5" fill="${COLORS.muted}"`));
  parts.push(text(12, 40, `rows: the baseline's ${view.layers.length} slowest ops; cells: baseline op time / variant op time`, `font-size="11" fill="${COLORS.muted}"`));
  return svgDocument(Math.max(WIDTH, left + view.variants.length * cellW + 20), height, title, parts.join('\n'), '', provenance);
}

export function paretoSvg(points: ParetoPoint[], provenance: Provenance = []): string {
  const quality = paretoQuality(points);
  const useAgreement = quality !== null;
  const title = quality ? `Pareto: ${quality.kind === 'accuracy' ? 'accuracy' : 'output agreement'} vs latency vs size` : 'Pareto: latency vs model size';
  if (points.length === 0) return emptyChart(title, 'No cell finished.');
  const top = 56;
  const bottom = 380;
  const x = linearScale([0, Math.max(...points.map((p) => p.medianMs))], [90, WIDTH - 30], true, 8);
  const sizes = points.map((p) => Math.max(1, p.fileBytes));
  const y = useAgreement
    ? linearScale([Math.min(...points.map(quality.of)), 1], [bottom, top], true, 5)
    : logScale([Math.min(...sizes), Math.max(...sizes)], [bottom, top]);
  const yOf = (p: ParetoPoint) => (quality ? y(quality.of(p)) : y(Math.max(1, p.fileBytes)));
  const maxBytes = Math.max(...sizes);
  const radius = (p: ParetoPoint) => (useAgreement ? 4 + 10 * Math.sqrt(Math.max(1, p.fileBytes) / maxBytes) : 5);
  const front = points.filter((p) => p.onFront).sort((a, b) => a.medianMs - b.medianMs);
  const parts = [
    legend(90, 40, [
      { label: 'Pareto front', color: COLORS.bad },
      { label: 'dominated', color: '#8a929c' },
    ]),
    bottomAxis(x, bottom, top, 'median latency (ms)', 8),
    quality
      ? leftAxis(y, 90, WIDTH - 30, quality.kind === 'accuracy' ? 'accuracy on the input set' : 'top-1 agreement with dense', 5, (v) => `${Math.round(v * 100)}%`)
      : leftAxis(y, 90, WIDTH - 30, 'model file (bytes)', 5),
    `<path d="${front.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(x(p.medianMs))},${n(yOf(p))}`).join('')}" fill="none" stroke="${COLORS.bad}" stroke-dasharray="4 3"/>`,
  ];
  for (const p of points) {
    const detail =
      `${p.label}: ${p.medianMs.toFixed(3)} ms, ${p.fileBytes} bytes` +
      (p.accuracy === null ? '' : `, accuracy ${(p.accuracy * 100).toFixed(1)}%`) +
      (p.agreement === null ? '' : `, agreement ${(p.agreement * 100).toFixed(1)}%`) +
      (p.onFront ? ' (on the front)' : '');
    parts.push(
      `<circle class="${p.onFront ? 'front' : 'dominated'}" cx="${n(x(p.medianMs))}" cy="${n(yOf(p))}" r="${n(radius(p))}" fill="${p.onFront ? COLORS.bad : '#8a929c'}" fill-opacity="0.7"><title>${esc(detail)}</title></circle>`,
    );
    if (p.onFront) parts.push(text(x(p.medianMs) + radius(p) + 3, yOf(p) - 3, truncate(p.label, 36), `font-size="10" fill="${COLORS.text}"`));
  }
  const note = useAgreement ? 'circle area: model file size' : 'not every cell verified its outputs against dense, so the front is on latency and size';
  parts.push(text(90, bottom + 40, note, `font-size="10.5" fill="${COLORS.muted}"`));
  return svgDocument(WIDTH, bottom + 52, title, parts.join('\n'), '', provenance);
}

export function sweepCharts(views: SweepViews, provenance: Provenance = []): SvgChart[] {
  return [
    { id: 'latency-vs-sparsity', title: 'Latency against sparsity', svg: latencyVsSparsitySvg(views.latencyVsSparsity, provenance) },
    ...views.heatmaps.map((h, i) => ({ id: `speedup-heatmap-${i + 1}`, title: `Speedup per layer · ${h.label}`, svg: heatmapSvg(h, provenance) })),
    { id: 'pareto', title: 'Pareto chart', svg: paretoSvg(views.pareto, provenance) },
  ];
}

/**
 * The sweep's reproducibility block: the sweep file and its hash, and from the cell reports the
 * machine, versions and command line (the same for every cell of one run) and each model file's hash.
 */
export function sweepProvenance(results: SweepResults, reports: ReadonlyMap<string, Report>): [string, string][] {
  const lines: [string, string][] = [
    ['sweep', `${results.sweepFile} (spec sha256 ${results.specHash})`],
    ['cells', `${results.cells.length} of ${results.total}, started ${results.startedAt}, updated ${results.updatedAt}`],
  ];
  const first = reports.values().next().value as Report | undefined;
  if (first) {
    const keep = new Set(['machine', 'versions', 'command']);
    lines.push(...reproducibility(first).filter(([k]) => keep.has(k)));
    const s = first.settings;
    lines.push(['settings', `warm-up ${s.warmupRuns}; timed ${s.timedRuns}; profiled ${s.profiledRuns}; graph optimization ${s.graphOptimizationLevel}; seed ${s.seed}`]);
  }
  const hashes = new Map<string, string>();
  for (const report of reports.values()) for (const v of report.variants) hashes.set(v.modelPath, v.modelSha256);
  for (const [path, sha] of hashes) lines.push([`model ${path.split(/[\\/]/).pop()}`, `sha256 ${sha}`]);
  return lines;
}

/** The ok cells' reports, by cell key; a cell whose report is missing or unreadable is left out of the heat maps. */
export function readCellReports(dir: string, results: SweepResults): Map<string, Report> {
  const reports = new Map<string, Report>();
  for (const cell of okCells(results)) {
    if (!cell.report) continue;
    const path = join(dir, cell.report);
    if (!existsSync(path)) continue;
    try {
      reports.set(cell.key, JSON.parse(readFileSync(path, 'utf8')) as Report);
    } catch {
      // A damaged cell report costs that cell's row in the heat map, not the views.
    }
  }
  return reports;
}

/** A sweep folder (or its results.json) read: the cells and every view's chart. */
export function sweepOverview(dirOrResults: string): SweepOverview {
  const dir = dirOrResults.endsWith('.json') ? join(dirOrResults, '..') : dirOrResults;
  const results = readResults(dir);
  if (!results) throw new EdgescopeError('E_NOT_FOUND', `no sweep results in ${dir} (results.json is missing)`);
  const reports = readCellReports(dir, results);
  const views = buildSweepViews(results, reports);
  return {
    dir,
    total: results.total,
    complete: results.complete,
    cells: results.cells.map(cellSummary),
    charts: sweepCharts(views, sweepProvenance(results, reports)),
  };
}

function cellSummary(c: CellResult): SweepCellSummary {
  return {
    key: c.key,
    model: c.model,
    variant: c.variant,
    ep: c.ep,
    batch: c.batch,
    threads: c.threads,
    status: c.status,
    ...(c.error !== undefined ? { error: c.error } : {}),
    ...(c.report !== undefined ? { report: c.report } : {}),
    ...(c.latencyMs ? { medianMs: c.latencyMs.median } : {}),
    ...(c.sparsity !== undefined ? { sparsity: c.sparsity } : {}),
    ...(c.verification ? { agreement: c.verification.top1Agreement } : {}),
    ...(c.verification?.accuracy !== undefined ? { accuracy: c.verification.accuracy } : {}),
  };
}
