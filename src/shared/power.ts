/**
 * Power and heat of each run as people read them: energy per inference by power source, the
 * throttling verdict with its evidence, and the CPU frequency and temperature over the timed
 * window. One model for the app's "Power & heat" panel, report.html, the CSV/Markdown/LaTeX
 * exports and the CLI summary, so they all say the same thing.
 *
 * Nothing is measured or estimated here: the estimates and the verdict are the engine's
 * (engine/trace/counters/energy.ts, thermal-throttle.ts), and the frequency and temperature
 * figures are plain order statistics of the sampled series. Pure and DOM-free, so the renderer
 * can import it.
 */
import type { CounterSeries, Report, RunReport, RunWindow, Unavailable } from './report';

/**
 * Series name prefixes of the CPU frequency and temperature readers (engine/trace/counters/thermal.ts,
 * which the renderer may not import; a test checks the two agree).
 */
export const FREQUENCY_SERIES_PREFIX = 'cpu.frequency.';
export const TEMPERATURE_SERIES_PREFIX = 'temperature.';

/** One power source of one run: its estimate, or why it has none. */
export interface EnergyRow {
  /** The counter series, e.g. 'power.rapl.package-0', 'power.battery', 'gpu0.power'. */
  series: string;
  /** Where the series is read: a sysfs path or the nvidia-smi command. */
  source: string;
  averageW: number | null;
  /** Joules over all timed runs. */
  joules: number | null;
  joulesPerInference: number | null;
  /** Share of the timed window the samples covered (coveredMs / windowMs). */
  coverage: number | null;
  /** 'unavailable: <reason>' when this source gives no estimate; null when it does. */
  unavailable: Unavailable | null;
}

/** Min, median and max of a gauge over the timed window, taken over its readings. */
export interface GaugeSummary {
  min: number;
  median: number;
  max: number;
  /** Sampling instants inside the window. */
  readings: number;
  /** Series combined (CPUs or sensors): at each instant the fastest CPU or the hottest sensor counts. */
  series: number;
}

export type ThrottlingState =
  | { state: 'throttled' | 'not throttled'; evidence: string[] }
  | { state: 'unavailable'; reason: Unavailable };

export interface RunPower {
  /** Energy per power source sampled during the run (empty when the report has none, see energyMissing). */
  energy: EnergyRow[];
  /** Why the run has no energy rows at all; null when it has some. */
  energyMissing: Unavailable | null;
  throttling: ThrottlingState;
  /** The fastest CPU's frequency, MHz. */
  frequencyMhz: GaugeSummary | Unavailable;
  /** The hottest sensor, °C. */
  temperatureC: GaugeSummary | Unavailable;
}

/** Energy per inference of one source in two runs; ratio = baseline / candidate (> 1: the candidate uses less). */
export interface EnergyPair {
  series: string;
  baselineJoulesPerInference: number;
  candidateJoulesPerInference: number;
  ratio: number;
}

const OLD_REPORT = 'this report was written before edgescope recorded it';

/** Why a report's runs carry no energy or throttling at all: an older report, or one imported from a vendor tool. */
export function notRecordedReason(report: Pick<Report, 'source'>): string {
  return report.source?.kind === 'imported' ? `imported from ${report.source.tool}, which records no power or temperature` : OLD_REPORT;
}

/** One run's power and heat; `notRecorded` says why when the run has no energy or verdict at all. */
export function runPower(run: RunReport, notRecorded: string = OLD_REPORT): RunPower {
  const energy = (run.energy ?? []).map(energyRow);
  return {
    energy,
    energyMissing:
      run.energy === undefined
        ? `unavailable: ${notRecorded}`
        : energy.length === 0
          ? 'unavailable: no power series was sampled during the run'
          : null,
    throttling: throttlingState(run, notRecorded),
    frequencyMhz: gaugeSummary(run.counters, FREQUENCY_SERIES_PREFIX, 'CPU frequency', run.timedWindow),
    temperatureC: gaugeSummary(run.counters, TEMPERATURE_SERIES_PREFIX, 'temperature', run.timedWindow),
  };
}

/** Every run of the report (variant x EP, in report order) with its power and heat. */
export function reportPower(report: Report): { variant: string; ep: string; run: RunReport; power: RunPower }[] {
  const notRecorded = notRecordedReason(report);
  return report.variants.flatMap((v) => v.runs.map((run) => ({ variant: v.id, ep: run.ep, run, power: runPower(run, notRecorded) })));
}

function energyRow(e: NonNullable<RunReport['energy']>[number]): EnergyRow {
  const coverage = e.coveredMs !== undefined && e.windowMs !== undefined && e.windowMs > 0 ? e.coveredMs / e.windowMs : null;
  return {
    series: e.series,
    source: e.source,
    averageW: e.averageW ?? null,
    joules: e.joules ?? null,
    joulesPerInference: e.joulesPerInference ?? null,
    coverage,
    unavailable: e.joulesPerInference === undefined ? (e.unavailable ?? 'unavailable: no estimate') : null,
  };
}

function throttlingState(run: RunReport, notRecorded: string): ThrottlingState {
  const verdict = run.throttling;
  if (verdict === undefined) return { state: 'unavailable', reason: `unavailable: ${notRecorded}` };
  if (typeof verdict === 'string') return { state: 'unavailable', reason: verdict };
  return { state: verdict.throttled ? 'throttled' : 'not throttled', evidence: verdict.evidence };
}

/** The middle of the sorted values (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The highest value over the matching series at each sampling instant inside the window, summarised.
 * The highest, as the throttling check takes it: the cores running the inference are the busy, fast
 * (and hot) ones, while idle cores clock down under any governor.
 */
export function gaugeSummary(counters: readonly CounterSeries[], prefix: string, what: string, window: RunWindow): GaugeSummary | Unavailable {
  const matching = counters.filter((s) => s.name.startsWith(prefix));
  const sampled = matching.filter((s) => s.available && (s.samples?.length ?? 0) > 0);
  if (sampled.length === 0) {
    const reason = matching.find((s) => !s.available && s.reason)?.reason;
    return `unavailable: ${reason ?? (matching.length > 0 ? `no ${what} reading was recorded` : `no ${what} series in this report`)}`;
  }
  const highestAt = new Map<number, number>();
  for (const s of sampled) {
    for (const [t, v] of s.samples!) {
      if (t >= window.startMs && t <= window.endMs) highestAt.set(t, Math.max(highestAt.get(t) ?? -Infinity, v));
    }
  }
  const values = [...highestAt.values()];
  if (values.length === 0) {
    const windowMs = window.endMs - window.startMs;
    return `unavailable: no ${what} reading inside the ${windowMs.toFixed(0)} ms timed window (it is read every few hundred ms: time longer runs, e.g. --min-time)`;
  }
  return { min: Math.min(...values), median: median(values), max: Math.max(...values), readings: values.length, series: sampled.length };
}

/**
 * Energy per inference of two runs, source by source, for every source that gave an estimate in both;
 * when none did, why (each run's reasons, once each).
 */
export function energyComparison(baseline: RunReport, candidate: RunReport, notRecorded: string = OLD_REPORT): EnergyPair[] | Unavailable {
  const perInference = (run: RunReport) =>
    new Map((run.energy ?? []).filter((e) => e.joulesPerInference !== undefined).map((e) => [e.series, e.joulesPerInference!]));
  const b = perInference(baseline);
  const c = perInference(candidate);
  const pairs = [...b.entries()]
    .filter(([series]) => c.has(series))
    .map(([series, baselineJ]): EnergyPair => {
      const candidateJ = c.get(series)!;
      return { series, baselineJoulesPerInference: baselineJ, candidateJoulesPerInference: candidateJ, ratio: baselineJ / candidateJ };
    });
  if (pairs.length > 0) return pairs;
  const reasons = [baseline, candidate].flatMap((run) =>
    run.energy === undefined ? [notRecorded] : run.energy.flatMap((e) => (e.unavailable ? [e.unavailable.replace(/^unavailable: /, '')] : [])),
  );
  const unique = [...new Set(reasons)];
  return `unavailable: no power source measured both runs${unique.length > 0 ? ` (${unique.join('; ')})` : ''}`;
}
