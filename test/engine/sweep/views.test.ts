/**
 * Dataset views over a fixture sweep (results.json and a report per cell, built from the sample
 * report with known times): the data of each view against hand-computed answers, the Pareto front,
 * well-formed SVGs, and `edgescope report SWEEPDIR/results.json --format html,svg`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CellResult, SweepResults } from '../../../src/main/engine/sweep/results';
import { buildSweepViews, markParetoFront, paretoSvg, speedupColor, sweepCharts, sweepOverview, type ParetoPoint } from '../../../src/main/engine/sweep/views';
import type { Report } from '../../../src/shared/report';
import { buildSampleReport } from '../../fixtures/reports/sample-report';
import { REPO_ROOT, tempDir } from '../../helpers';
import { checkXml } from '../report/charts-xml';

/** Variant -> (sparsity, factor on every op's time and the latency, file size). */
const VARIANTS: Record<string, { sparsity: number; factor: number; bytes: number }> = {
  dense: { sparsity: 0, factor: 1, bytes: 150_000_000 },
  'pruned-0.5': { sparsity: 0.5, factor: 0.8, bytes: 80_000_000 },
  'pruned-0.9': { sparsity: 0.9, factor: 0.5, bytes: 20_000_000 },
};

/** One cell's report: the sample report's dense CPU run with every op and latency scaled, as a sweep cell stores it. */
function cellReport(variant: string, batch: number): Report {
  const base = buildSampleReport();
  const { factor, bytes } = VARIANTS[variant];
  const dense = base.variants[0];
  const run = dense.runs[0];
  const scale = factor * batch;
  return {
    ...base,
    variants: [
      {
        ...dense,
        fileBytes: bytes,
        modelPath: `/sweep/models/lenet.${variant}.onnx`,
        runs: [
          {
            ...run,
            batch,
            latencyMs: { ...run.latencyMs, median: run.latencyMs.median * scale },
            // The first Gemm speeds up with the variant, the rest stay: the heat map must tell them apart.
            ops: run.ops.map((op, i) => ({ ...op, durUs: i === 0 ? op.durUs * scale : op.durUs * batch })),
          },
        ],
      },
    ],
    comparisons: [],
  };
}

function writeFixtureSweep(dir: string): { results: SweepResults; reports: Map<string, Report> } {
  const cells: CellResult[] = [];
  const reports = new Map<string, Report>();
  for (const batch of [1, 8]) {
    for (const variant of Object.keys(VARIANTS)) {
      const key = `lenet__${variant}__cpu__b${batch}__t2`;
      const report = cellReport(variant, batch);
      mkdirSync(join(dir, 'cells', key), { recursive: true });
      writeFileSync(join(dir, 'cells', key, 'report.json'), JSON.stringify(report));
      reports.set(key, report);
      cells.push({
        model: 'lenet.onnx', variant, ep: 'cpu', batch, threads: 2, status: 'ok', key,
        report: `cells/${key}/report.json`, latencyMs: report.variants[0].runs[0].latencyMs,
        sparsity: VARIANTS[variant].sparsity, wallMs: 1000, finishedAt: '2026-01-01T00:00:00.000Z',
      });
    }
  }
  cells.push({ model: 'lenet.onnx', variant: 'int8', ep: 'cpu', batch: 1, threads: 2, status: 'failed', error: 'recipes are not supported yet', key: 'lenet__int8__cpu__b1__t2', wallMs: 5, finishedAt: '2026-01-01T00:00:00.000Z' });
  const results: SweepResults = {
    version: 1, specHash: 'abc123', sweepFile: '/sweep/sweep.json', total: cells.length, complete: true,
    startedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T01:00:00.000Z', cells,
  };
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  return { results, reports };
}

describe('sweep dataset views', () => {
  const dir = tempDir('views');
  const { results, reports } = writeFixtureSweep(dir);
  const views = buildSweepViews(results, reports);
  const denseMedian = buildSampleReport().variants[0].runs[0].latencyMs.median;

  it('latency against sparsity: one series per batch (the only dimension that varies), ordered by sparsity', () => {
    expect(views.latencyVsSparsity.map((s) => s.label)).toEqual(['batch 1', 'batch 8']);
    const b8 = views.latencyVsSparsity[1].points;
    expect(b8.map((p) => p.sparsity)).toEqual([0, 0.5, 0.9]);
    expect(b8.map((p) => p.medianMs)).toEqual([denseMedian * 8, denseMedian * 0.8 * 8, denseMedian * 0.5 * 8].map((v) => expect.closeTo(v, 9)));
    // The failed cell is not a point.
    expect(views.latencyVsSparsity.flatMap((s) => s.points).some((p) => p.variant === 'int8')).toBe(false);
  });

  it('speedup heat map: layer x variant over dense, per group, from the cells\' per-op times', () => {
    expect(views.heatmaps).toHaveLength(2);
    const map = views.heatmaps[0];
    expect(map.baseline).toBe('dense');
    expect(map.variants).toEqual(['pruned-0.5', 'pruned-0.9']);
    const ops = buildSampleReport().variants[0].runs[0].ops;
    const slowest = [...ops].sort((a, b) => b.durUs - a.durUs).map((o) => o.name);
    expect(map.layers).toEqual(slowest);
    const first = map.layers.indexOf(ops[0].name);
    expect(map.speedup[first][0]).toBeCloseTo(1 / 0.8, 9);
    expect(map.speedup[first][1]).toBeCloseTo(2, 9);
    const other = map.layers.indexOf(ops[1].name);
    expect(map.speedup[other]).toEqual([expect.closeTo(1, 9), expect.closeTo(1, 9)]);
  });

  it('Pareto front: a cell is on it when no other is faster and smaller at once', () => {
    const front = views.pareto.filter((p) => p.onFront).map((p) => p.key).sort();
    // pruned-0.9 at batch 1 is fastest and smallest: it dominates everything else.
    expect(front).toEqual(['lenet__pruned-0.9__cpu__b1__t2']);
    const points: ParetoPoint[] = [
      { key: 'a', label: 'a', medianMs: 1, fileBytes: 100, agreement: 0.9, accuracy: null, onFront: false },
      { key: 'b', label: 'b', medianMs: 2, fileBytes: 50, agreement: 0.99, accuracy: null, onFront: false },
      { key: 'c', label: 'c', medianMs: 3, fileBytes: 100, agreement: 0.9, accuracy: null, onFront: false },
      { key: 'd', label: 'd', medianMs: 1, fileBytes: 100, agreement: 0.95, accuracy: null, onFront: false },
    ];
    markParetoFront(points);
    expect(points.filter((p) => p.onFront).map((p) => p.key)).toEqual(['b', 'd']);
    expect(paretoSvg(points)).toContain('top-1 agreement with dense');
    // With accuracy on every point, accuracy is the quality axis: d's higher agreement no longer counts.
    const withAccuracy = points.map((p) => ({ ...p, accuracy: 0.8 }));
    markParetoFront(withAccuracy);
    expect(withAccuracy.filter((p) => p.onFront).map((p) => p.key)).toEqual(['a', 'b', 'd']);
    expect(checkXml(paretoSvg(withAccuracy)).problems).toEqual([]);
    expect(paretoSvg(withAccuracy)).toContain('accuracy on the input set');
  });

  it('Pareto on agreement: each cell\'s verification in results.json is the quality axis', () => {
    const AGREEMENT: Record<string, number> = { dense: 1, 'pruned-0.5': 0.98, 'pruned-0.9': 0.6 };
    const verified: SweepResults = {
      ...results,
      cells: results.cells.map((c) =>
        c.status === 'ok'
          ? { ...c, verification: { baseline: 'dense', inputs: 'random', samples: c.batch, top1Agreement: AGREEMENT[c.variant], top5Agreement: 1, cosine: 0.99, maxAbsError: 0.1, meanAbsError: 0.01 } }
          : c,
      ),
    };
    const pareto = buildSweepViews(verified, reports).pareto;
    expect(pareto.map((p) => p.agreement)).toEqual([1, 0.98, 0.6, 1, 0.98, 0.6]);
    // At batch 1 each variant trades speed and size for agreement: none dominates another. Batch 8 is
    // slower at the same size and agreement: dominated by its batch-1 cell.
    expect(pareto.filter((p) => p.onFront).map((p) => p.key)).toEqual(['lenet__dense__cpu__b1__t2', 'lenet__pruned-0.5__cpu__b1__t2', 'lenet__pruned-0.9__cpu__b1__t2']);
    const svg = paretoSvg(pareto);
    expect(svg).toContain('Pareto: output agreement vs latency vs size');
    expect(svg).toContain('agreement 60.0%');
    expect(checkXml(svg).problems).toEqual([]);
    // Without verification (this fixture's own results), only latency and size.
    expect(paretoSvg(views.pareto)).toContain('Pareto: latency vs model size');

    const verifiedDir = tempDir('views-verified');
    writeFixtureSweep(verifiedDir);
    writeFileSync(join(verifiedDir, 'results.json'), JSON.stringify(verified));
    const overview = sweepOverview(verifiedDir);
    expect(overview.cells.map((c) => c.agreement)).toEqual([1, 0.98, 0.6, 1, 0.98, 0.6, undefined]);
    expect(overview.charts.find((c) => c.id === 'pareto')!.svg).toContain('top-1 agreement with dense');
  });

  it('colours speedups green above 1, red below, white at 1, grey where unknown', () => {
    expect(speedupColor(1)).toBe('rgb(255,255,255)');
    expect(speedupColor(4)).toBe('rgb(29,122,69)');
    expect(speedupColor(0.25)).toBe('rgb(179,38,30)');
    expect(speedupColor(null)).toBe('#eeeeee');
  });

  it('every view is a well-formed SVG with the sweep\'s reproducibility block', () => {
    const overview = sweepOverview(dir);
    expect(overview.cells).toHaveLength(7);
    expect(overview.charts.map((c) => c.id)).toEqual(['latency-vs-sparsity', 'speedup-heatmap-1', 'speedup-heatmap-2', 'pareto']);
    for (const chart of overview.charts) {
      expect(checkXml(chart.svg).problems, chart.id).toEqual([]);
      expect(chart.svg).toContain('spec sha256 abc123');
      expect(chart.svg).toContain('AMD EPYC 7B13');
      expect(chart.svg).not.toMatch(/NaN|Infinity/);
    }
    const latency = checkXml(overview.charts[0].svg);
    expect(latency.counts.circle).toBe(6);
    expect(sweepCharts(buildSweepViews({ ...results, cells: [] }, new Map())).every((c) => checkXml(c.svg).problems.length === 0)).toBe(true);
  });

  it('`edgescope report SWEEPDIR/results.json --format html,svg` writes sweep.html and charts/', () => {
    const out = tempDir('views-out');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'report', join(dir, 'results.json'), '--format', 'html,svg', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(out, 'charts')).sort()).toEqual(['latency-vs-sparsity.svg', 'pareto.svg', 'speedup-heatmap-1.svg', 'speedup-heatmap-2.svg']);
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(html).toContain('recipes are not supported yet');
    expect(html.match(/<svg /g)).toHaveLength(4);
    const bad = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'report', dir, '--format', 'csv'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("edgescope: error: --format csv is for a report; a sweep's results export as html, svg, png");
  });
});
