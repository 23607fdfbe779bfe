/**
 * The report's "Power & heat" section: energy per inference from each power source of each run,
 * whether the CPU throttled (a warning box when it did) with the evidence, the fastest CPU's
 * frequency and the hottest sensor over the timed runs, and energy per inference side by side
 * for each comparison. The same model as the app's panel (src/shared/power.ts); static HTML.
 */
import { energyComparison, notRecordedReason, runPower, type EnergyPair, type EnergyRow, type GaugeSummary, type RunPower } from '../../../../shared/power';
import type { Report } from '../../../../shared/report';
import { MISSING, formatFixed, formatPercent, formatRatio } from './format';
import { html, type SafeHtml } from './safe-html';
import { table } from './table';
import { runLabel, variantRuns } from './variant-runs';

/** Three significant digits at any magnitude (energies span µJ to J): 0.0123, 1.23, 123. */
export function significant(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  if (value === 0) return '0';
  const decimals = Math.min(9, Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value)))));
  return formatFixed(value, decimals);
}

const millijoules = (joules: number | null) => (joules === null ? MISSING : significant(joules * 1000));

interface LabelledRun {
  label: string;
  power: RunPower;
}

interface LabelledEnergy {
  label: string;
  row: EnergyRow;
}

function energyTable(runs: readonly LabelledRun[]): SafeHtml {
  const rows: LabelledEnergy[] = runs.flatMap(({ label, power }) => power.energy.map((row) => ({ label, row })));
  const missing = runs.filter(({ power }) => power.energyMissing !== null);
  const notes = missing.map(({ label, power }) => html`<p class="muted">${label}: no energy estimate (${power.energyMissing}).</p>`);
  if (rows.length === 0) return html`${notes}`;
  return html`${table<LabelledEnergy>(
    [
      { header: 'run', className: 'nowrap', cell: (r) => r.label },
      { header: 'series', className: 'name', cell: (r) => r.row.series },
      { header: 'read from', className: 'name', cell: (r) => r.row.source },
      { header: 'power', unit: 'W', numeric: true, cell: (r) => significant(r.row.averageW) },
      { header: 'energy', unit: 'J, all timed runs', numeric: true, cell: (r) => significant(r.row.joules) },
      { header: 'per inference', unit: 'mJ', numeric: true, cell: (r) => html`<strong>${millijoules(r.row.joulesPerInference)}</strong>` },
      { header: 'window covered', numeric: true, cell: (r) => formatPercent(r.row.coverage, 0) },
      { header: 'why not', className: 'flags', cell: (r) => r.row.unavailable ?? '' },
    ],
    rows,
  )}${notes}`;
}

function gauge(summary: GaugeSummary | string, unit: string, decimals: number): string {
  if (typeof summary === 'string') return summary;
  const f = (v: number) => formatFixed(v, decimals);
  return `${f(summary.min)} / ${f(summary.median)} / ${f(summary.max)} ${unit}`;
}

function verdict(power: RunPower): SafeHtml {
  const t = power.throttling;
  if (t.state === 'throttled') return html`<span class="verdict slower">throttled</span>`;
  if (t.state === 'not throttled') return html`<span class="verdict faster">not throttled</span>`;
  return html`<span class="verdict same">unknown</span>`;
}

function evidence(power: RunPower): SafeHtml | string {
  const t = power.throttling;
  if (t.state === 'unavailable') return t.reason;
  return html`<ul class="evidence">${t.evidence.map((sentence) => html`<li>${sentence}</li>`)}</ul>`;
}

function heatTable(runs: readonly LabelledRun[]): SafeHtml {
  return table<LabelledRun>(
    [
      { header: 'run', className: 'nowrap', cell: (r) => r.label },
      { header: 'throttling', cell: (r) => verdict(r.power) },
      { header: 'CPU frequency', unit: 'fastest CPU: min / median / max', cell: (r) => gauge(r.power.frequencyMhz, 'MHz', 0) },
      { header: 'temperature', unit: 'hottest sensor: min / median / max', cell: (r) => gauge(r.power.temperatureC, '°C', 1) },
      { header: 'evidence', className: 'flags', cell: (r) => evidence(r.power) },
    ],
    runs,
  );
}

interface LabelledPair {
  label: string;
  pair: EnergyPair;
}

function comparisonTable(report: Report): SafeHtml {
  const runOf = (variant: string, ep: string) => report.variants.find((v) => v.id === variant)?.runs.find((r) => r.ep === ep);
  const pairs: LabelledPair[] = [];
  const notes: SafeHtml[] = [];
  for (const c of report.comparisons) {
    const baseline = runOf(c.baseline, c.baselineEp);
    const candidate = runOf(c.candidate, c.ep);
    if (!baseline || !candidate) continue;
    const label = `${runLabel(c.candidate, c.ep)} vs ${runLabel(c.baseline, c.baselineEp)}`;
    const compared = energyComparison(baseline, candidate, notRecordedReason(report));
    if (typeof compared === 'string') notes.push(html`<p class="muted">${label}: ${compared}.</p>`);
    else pairs.push(...compared.map((pair) => ({ label, pair })));
  }
  if (pairs.length === 0 && notes.length === 0) return html``;
  return html`<h3>Energy per inference compared</h3>
  <p class="lede">The same power source in both runs; the ratio is baseline over candidate, like the speedup (above 1: the candidate uses less energy per inference).</p>
  ${pairs.length > 0
    ? table<LabelledPair>(
        [
          { header: 'comparison', className: 'nowrap', cell: (p) => p.label },
          { header: 'series', className: 'name', cell: (p) => p.pair.series },
          { header: 'baseline', unit: 'mJ per inference', numeric: true, cell: (p) => millijoules(p.pair.baselineJoulesPerInference) },
          { header: 'candidate', unit: 'mJ per inference', numeric: true, cell: (p) => millijoules(p.pair.candidateJoulesPerInference) },
          { header: 'ratio', unit: 'baseline / candidate', numeric: true, cell: (p) => formatRatio(p.pair.ratio) },
        ],
        pairs,
      )
    : ''}${notes}`;
}

export function renderPower(report: Report): SafeHtml {
  const notRecorded = notRecordedReason(report);
  const runs: LabelledRun[] = variantRuns(report).map(({ label, run }) => ({ label, power: runPower(run, notRecorded) }));
  const throttled = runs.filter(({ power }) => power.throttling.state === 'throttled');
  const warning =
    throttled.length > 0
      ? html`<div class="warnings throttle-warning" role="alert"><strong>The CPU throttled during ${throttled.map((r) => r.label).join(', ')}</strong>: latencies measured while throttled are not steady-state.<ul>${throttled.map(
          ({ label, power }) => html`<li>${label}: ${power.throttling.state === 'throttled' ? power.throttling.evidence.join('; ') : ''}</li>`,
        )}</ul></div>`
      : '';
  return html`<section id="power">
  <h2>Power &amp; heat</h2>
  <p class="lede">Energy is the average power of each source over the sampled part of the timed runs times their duration, divided by the inferences (one run() call, one batch, each). RAPL, battery and GPU sources measure the whole package, DRAM, system or GPU, idle power and other load included, not this process alone. Throttling is judged from the CPU frequency, the temperatures and the Intel throttle counters sampled during the run.</p>
  ${warning}
  <h3>Energy per inference</h3>
  ${energyTable(runs)}
  <h3>Throttling, frequency and temperature</h3>
  ${heatTable(runs)}
  ${comparisonTable(report)}
</section>`;
}
