/**
 * The parts of the HTML report that show results: summary, latency, where the time goes
 * (top ops, per-op tables), timeline, comparisons, verification, sparsity, counters.
 * Charts are empty containers here, drawn in the browser by chart-script.ts from the
 * chart model; tables are complete static HTML, readable with scripts disabled.
 */
import type {
  Comparison,
  CounterSeries,
  LatencyStats,
  OpComparison,
  OpPhases,
  OpReport,
  Report,
  RunReport,
  VariantReport,
} from '../../../../shared/report';
import { hasSamples } from './chart-model';
import {
  MISSING,
  formatBytes,
  formatDurationMs,
  formatDurationUs,
  formatFixed,
  formatFlops,
  formatInteger,
  formatPercent,
  formatPValue,
  formatRatio,
  formatScientific,
  formatShortHash,
} from './format';
import { html, type SafeHtml } from './safe-html';
import { table } from './table';
import { PHASE_ORDER, type PhaseName } from './timeline';
import { runLabel, variantRuns, type VariantRun } from './variant-runs';

type PhaseTimes = Pick<OpPhases, 'memoryUs' | 'computeUs' | 'overheadUs'>;

function phaseShares(phases: PhaseTimes): Record<PhaseName, number> {
  const total = Math.max(0, phases.memoryUs) + Math.max(0, phases.computeUs) + Math.max(0, phases.overheadUs);
  const share = (us: number) => (total > 0 ? Math.max(0, us) / total : 0);
  return { memory: share(phases.memoryUs), compute: share(phases.computeUs), overhead: share(phases.overheadUs) };
}

/** An inline bar of the memory / compute / overhead shares (the same split the charts draw). */
function splitBar(phases: PhaseTimes | null, wide = false): SafeHtml {
  if (phases === null) return html`${MISSING}`;
  const shares = phaseShares(phases);
  const title = PHASE_ORDER.map((phase) => `${phase} ${formatPercent(shares[phase], 0)}`).join(' · ');
  return html`<span class="split${wide ? ' wide' : ''}" title="${title}">${PHASE_ORDER.map(
    (phase) => html`<span class="split-${phase}" style="width:${(shares[phase] * 100).toFixed(2)}%"></span>`,
  )}</span>`;
}

function phaseLegend(): SafeHtml {
  return html`<div class="legend">${PHASE_ORDER.map((phase) => html`<span><span class="swatch ${phase}"></span>${phase}</span>`)}</div>`;
}

function ms(value: number): string {
  return formatFixed(value, 3);
}

/** What steady-state detection and the outlier flags did to a run's statistics, if anything. */
function steadyNote(stats: LatencyStats): string {
  const notes = [
    stats.warmupDiscarded ? `${stats.warmupDiscarded} warm-up runs left out` : '',
    stats.outlierRuns?.length ? `${stats.outlierRuns.length} outliers flagged` : '',
    stats.steady === false ? 'latency never settled' : '',
  ].filter((n) => n !== '');
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

function speedupVerdict(comparison: Comparison): SafeHtml {
  if (!comparison.significant) return html`<span class="verdict same">no significant difference</span>`;
  return comparison.speedupMedian > 1
    ? html`<span class="verdict faster">${comparison.candidate} is faster</span>`
    : html`<span class="verdict slower">${comparison.candidate} is slower</span>`;
}

function comparisonLabel(comparison: Comparison): string {
  return `${runLabel(comparison.candidate, comparison.ep)} vs ${runLabel(comparison.baseline, comparison.baselineEp)}`;
}

export function renderSummary(report: Report): SafeHtml {
  const runCards = variantRuns(report).map(({ label, run }) => {
    const shares = phaseShares(run.totals);
    return html`<section class="card">
  <h3>${label}</h3>
  <div class="big">${formatDurationMs(run.latencyMs.median)}</div>
  <div class="muted">median of ${run.latencyMs.n} runs${steadyNote(run.latencyMs)} · 95% CI ${formatDurationMs(run.latencyMs.ci95[0])} – ${formatDurationMs(run.latencyMs.ci95[1])} · p99 ${formatDurationMs(run.latencyMs.p99)}</div>
  ${splitBar(run.totals, true)}
  <div class="muted">${PHASE_ORDER.map((phase) => `${phase} ${formatPercent(shares[phase], 0)}`).join(' · ')} of ${formatDurationUs(run.totals.opUs)} profiled op time</div>
  <div class="muted">ran on ${run.placement.byProvider.map((p) => `${p.provider.replace(/ExecutionProvider$/, '')} ${formatPercent(p.share, 0)} (${p.ops} ops)`).join(' · ')}${
    run.placement.fallbackOps.length > 0 ? ` · ${run.placement.fallbackOps.length} fell back from ${run.ep}` : ''
  }${run.placement.copies.ops > 0 ? ` · ${run.placement.copies.ops} copies, ${formatDurationUs(run.placement.copies.durUs)}` : ''}</div>
</section>`;
  });
  const comparisonCards = report.comparisons.map((comparison) => {
    const verification = report.variants.find((v) => v.id === comparison.candidate)?.verification;
    return html`<section class="card">
  <h3>${comparisonLabel(comparison)}</h3>
  <div class="big">${formatRatio(comparison.speedupMedian)}</div>
  <div>${speedupVerdict(comparison)} <span class="muted">(95% CI ${formatRatio(comparison.ci95[0])} – ${formatRatio(comparison.ci95[1])}${
    comparison.mannWhitney ? ` · Mann-Whitney p ${formatPValue(comparison.mannWhitney.p)}` : ''
  })</span></div>
  <div class="muted">file ${formatBytes(comparison.baselineFileBytes)} → ${formatBytes(comparison.candidateFileBytes)}${
    verification
      ? ` · top-1 agreement ${formatPercent(verification.top1Agreement)} · cosine ${formatFixed(verification.cosine, 5)}`
      : ''
  }</div>
</section>`;
  });
  return html`<section id="summary"><h2>Summary</h2><div class="headline">${runCards}${comparisonCards}</div></section>`;
}

export function renderLatency(report: Report): SafeHtml {
  const rows = variantRuns(report);
  const latency = table<VariantRun>(
    [
      { header: 'run', className: 'nowrap', cell: (r) => r.label },
      { header: 'median', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.median) },
      { header: '95% CI of median', unit: 'ms', numeric: true, cell: (r) => `${ms(r.run.latencyMs.ci95[0])} – ${ms(r.run.latencyMs.ci95[1])}` },
      { header: 'mean', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.mean) },
      { header: 'p90', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.p90) },
      { header: 'p99', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.p99) },
      { header: 'min', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.min) },
      { header: 'max', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.max) },
      { header: 'stddev', unit: 'ms', numeric: true, cell: (r) => ms(r.run.latencyMs.stddev) },
      { header: 'n', numeric: true, cell: (r) => formatInteger(r.run.latencyMs.n) },
      { header: 'throughput', unit: 'samples/s', numeric: true, cell: (r) => formatFixed(r.run.throughputPerSec, 1) },
      { header: 'session creation', unit: 'ms', numeric: true, cell: (r) => formatFixed(r.run.sessionCreateMs, 1) },
      { header: 'first run', unit: 'ms', numeric: true, cell: (r) => ms(r.run.firstRunMs) },
    ],
    rows,
  );
  return html`<section id="latency">
  <h2>Latency</h2>
  <p class="lede">Timed runs without profiling, after warm-up. Each dot is one run; the bar is the median and the whisker its distribution-free 95% confidence interval.</p>
  ${latency}
  <div class="chart" id="chart-latency"></div>
</section>`;
}

function opTable(run: RunReport): SafeHtml {
  const ops = [...run.ops].sort((a, b) => b.durUs - a.durUs);
  const opTimeUs = run.totals.opUs;
  return table<OpReport>(
    [
      { header: 'op', className: 'name', cell: (op) => op.name },
      { header: 'type', cell: (op) => op.opType },
      { header: 'median', unit: 'µs', numeric: true, cell: (op) => formatFixed(op.durUs, 1) },
      { header: 'share', numeric: true, cell: (op) => formatPercent(opTimeUs > 0 ? op.durUs / opTimeUs : null) },
      { header: 'work', numeric: true, cell: (op) => (op.flops === null ? MISSING : formatFlops(op.flops)) },
      { header: 'bytes', numeric: true, cell: (op) => formatBytes(op.bytes) },
      { header: 'intensity', unit: 'FLOP/B', numeric: true, cell: (op) => formatFixed(op.intensity, 2) },
      { header: 'bound', cell: (op) => op.bound },
      { header: 'level', cell: (op) => op.memoryLevel },
      { header: 'η', numeric: true, cell: (op) => formatFixed(op.eta, 2) },
      { header: 'split', cell: (op) => splitBar(op.phases) },
      { header: 'low-confidence reasons', className: 'flags', cell: (op) => op.lowConfidence.join('; ') },
    ],
    ops,
  );
}

export function renderOperators(report: Report): SafeHtml {
  const details = variantRuns(report).map(
    ({ label, run }) => html`<details><summary>All ${run.ops.length} ops of ${label}</summary>${opTable(run)}</details>`,
  );
  return html`<section id="operators">
  <h2>Where the time goes</h2>
  <div class="method">Each op's measured time t is split with the roofline model and this machine's ceilings: memory is T<sub>m</sub> = bytes moved / memory bandwidth, compute is the part of T<sub>c</sub> = FLOPs / peak compute that memory does not hide, max(0, T<sub>c</sub> − T<sub>m</sub>), and overhead is the fixed per-op cost t0 plus whatever time the model leaves unexplained (stall). Where the modelled time exceeds t (η &gt; 1), T<sub>m</sub> and T<sub>c</sub> are scaled down to fit, so the three parts always add up to the measured time.</div>
  <p class="hint">* marks an op whose split is less trustworthy (shorter than 10 µs, dominated by t0, η outside [0.5, 1], or no FLOP model for its type); hover it for the reason.</p>
  ${phaseLegend()}
  <div class="chart" id="chart-top-ops"></div>
  ${details}
</section>`;
}

export function renderTimeline(): SafeHtml {
  return html`<section id="timeline">
  <h2>Timeline</h2>
  <p class="lede">One profiled run per variant and EP (the run of median length), each lane timed from its run's start on one shared axis. Profiling slows ops down, so read shares here and latency above.</p>
  ${phaseLegend()}
  <p class="hint">Ctrl + wheel zooms, drag pans, double-click resets. Hover a span for its details.</p>
  <div class="chart" id="chart-timeline"></div>
</section>`;
}

function opComparisonTable(comparison: Comparison): SafeHtml {
  const ops = [...comparison.ops].sort((a, b) => (b.baselineDurUs ?? -1) - (a.baselineDurUs ?? -1));
  const delta = (op: OpComparison) =>
    op.baselineDurUs === null || op.candidateDurUs === null ? MISSING : formatFixed(op.candidateDurUs - op.baselineDurUs, 1);
  return table<OpComparison>(
    [
      { header: 'op', className: 'name', cell: (op) => op.name },
      { header: 'type', cell: (op) => op.opType },
      { header: comparison.baseline, unit: 'µs', numeric: true, cell: (op) => formatFixed(op.baselineDurUs, 1) },
      { header: comparison.candidate, unit: 'µs', numeric: true, cell: (op) => formatFixed(op.candidateDurUs, 1) },
      { header: 'Δ', unit: 'µs', numeric: true, cell: delta },
      { header: 'speedup', numeric: true, cell: (op) => formatRatio(op.speedup) },
      { header: `${comparison.baseline} split`, cell: (op) => splitBar(op.baselinePhases) },
      { header: `${comparison.candidate} split`, cell: (op) => splitBar(op.candidatePhases) },
    ],
    ops,
  );
}

export function renderComparisons(report: Report): SafeHtml {
  if (report.comparisons.length === 0) return html``;
  const summary = table<Comparison>(
    [
      { header: 'candidate', className: 'nowrap', cell: (c) => runLabel(c.candidate, c.ep) },
      { header: 'baseline', className: 'nowrap', cell: (c) => runLabel(c.baseline, c.baselineEp) },
      { header: 'baseline median', unit: 'ms', numeric: true, cell: (c) => ms(c.baselineMedianMs) },
      { header: 'candidate median', unit: 'ms', numeric: true, cell: (c) => ms(c.candidateMedianMs) },
      { header: 'speedup', numeric: true, cell: (c) => formatRatio(c.speedupMedian, 3) },
      { header: '95% CI', numeric: true, cell: (c) => `${formatRatio(c.ci95[0], 3)} – ${formatRatio(c.ci95[1], 3)}` },
      { header: 'significant', cell: (c) => (c.significant ? 'yes' : 'no') },
      { header: 'p', unit: 'Mann-Whitney', numeric: true, cell: (c) => formatPValue(c.mannWhitney?.p) },
      { header: 'baseline file', numeric: true, cell: (c) => formatBytes(c.baselineFileBytes) },
      { header: 'candidate file', numeric: true, cell: (c) => formatBytes(c.candidateFileBytes) },
      { header: 'size ratio', unit: 'baseline / candidate', numeric: true, cell: (c) => formatRatio(c.baselineFileBytes / c.candidateFileBytes) },
    ],
    report.comparisons,
  );
  const perOp = report.comparisons.map(
    (comparison) => html`<h3>Per op: ${comparisonLabel(comparison)}</h3>${opComparisonTable(comparison)}`,
  );
  return html`<section id="comparison">
  <h2>Comparison</h2>
  <p class="lede">Speedup is the baseline median over the candidate median (above 1: the candidate is faster), with a bootstrap 95% interval; it is significant when the interval excludes 1. p is a two-sided Mann-Whitney U test of the two latency samples (warm-up runs found by steady-state detection left out). Per-op times are medians of the profiled runs.</p>
  ${summary}
  ${perOp}
</section>`;
}

export function renderVerification(report: Report): SafeHtml {
  const verified = report.variants.filter((v) => v.verification !== undefined);
  if (verified.length === 0) return html``;
  const rows = table<VariantReport>(
    [
      { header: 'variant', cell: (v) => v.id },
      { header: 'baseline', cell: (v) => v.verification?.baseline },
      { header: 'EP', cell: (v) => v.verification?.ep },
      { header: 'max abs error', numeric: true, cell: (v) => formatScientific(v.verification?.maxAbsError) },
      { header: 'mean abs error', numeric: true, cell: (v) => formatScientific(v.verification?.meanAbsError) },
      { header: 'cosine', numeric: true, cell: (v) => formatFixed(v.verification?.cosine, 6) },
      { header: 'top-1 agreement', numeric: true, cell: (v) => formatPercent(v.verification?.top1Agreement) },
      { header: 'samples', numeric: true, cell: (v) => formatInteger(v.verification?.samples) },
      { header: 'outputs', cell: (v) => v.verification?.comparedOutputs.join(', ') },
    ],
    verified,
  );
  return html`<section id="verification">
  <h2>Verification</h2>
  <p class="lede">Outputs of each variant against its baseline on the same inputs.</p>
  ${rows}
</section>`;
}

export function renderSparsity(report: Report): SafeHtml {
  const pruned = report.variants.filter((v) => v.layers.length > 0);
  if (pruned.length === 0) return html``;
  const perVariant = pruned.map(
    (variant) => html`<h3>${variant.id}: ${formatPercent(variant.sparsity)} of prunable weights are zero${
      variant.targetSparsity === null ? '' : ` (target ${formatPercent(variant.targetSparsity)})`
    }</h3>
<p class="path mono">${variant.modelPath} · sha256 ${formatShortHash(variant.modelSha256)} · ${formatBytes(variant.fileBytes)}</p>${table(
      [
        { header: 'initializer', className: 'name', cell: (l) => l.initializer },
        { header: 'node', className: 'name', cell: (l) => l.node },
        { header: 'type', cell: (l) => l.opType },
        { header: 'elements', numeric: true, cell: (l) => formatInteger(l.elementCount) },
        { header: 'zeros', numeric: true, cell: (l) => formatInteger(l.zeros) },
        { header: 'sparsity', numeric: true, cell: (l) => formatPercent(l.sparsity, 2) },
        { header: 'target', numeric: true, cell: (l) => formatPercent(l.targetSparsity, 2) },
      ],
      variant.layers,
    )}`,
  );
  return html`<section id="sparsity"><h2>Sparsity per layer</h2>${perVariant}</section>`;
}

export function renderCounters(report: Report): SafeHtml {
  const runs = variantRuns(report);
  const sampled = runs.some(({ run }) => run.counters.some(hasSamples));
  const missing = runs.flatMap(({ label, run }) =>
    run.counters.filter((series) => !hasSamples(series)).map((series) => ({ label, series })),
  );
  const missingTable = table<{ label: string; series: CounterSeries }>(
    [
      { header: 'run', className: 'nowrap', cell: (m) => m.label },
      { header: 'counter', cell: (m) => m.series.name },
      { header: 'unit', cell: (m) => m.series.unit },
      { header: 'source', className: 'name', cell: (m) => m.series.source },
      { header: 'why not', className: 'flags', cell: (m) => m.series.reason ?? (m.series.available ? 'no samples recorded' : '') },
    ],
    missing,
  );
  return html`<section id="counters">
  <h2>Counters</h2>
  <p class="lede">Sampled while the job ran, on the job clock; the shaded band marks the timed runs.</p>
  ${sampled ? html`<div class="chart" id="chart-counters"></div>` : html`<p class="muted">No counter was sampled.</p>`}
  ${missing.length > 0 ? html`<h3>Not available</h3>${missingTable}` : ''}
</section>`;
}
