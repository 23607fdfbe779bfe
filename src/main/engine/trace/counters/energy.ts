/**
 * Energy per inference from the power series sampled during a run: every RAPL domain
 * (power.rapl.*: package, core, uncore, dram, psys), the battery (power.battery) and each
 * NVIDIA GPU (gpu<i>.power), each estimate naming its series and source.
 *
 * How a series is integrated depends on what its samples are:
 *  - RAPL samples are the exact average power over the interval that ends at their timestamp
 *    (energy counter differences, rapl.ts), so they are a step function over (t[i-1], t[i]];
 *    the first sample's interval starts at a baseline read that is not in the series and is
 *    left out.
 *  - battery and nvidia-smi samples are instantaneous readings: linear between readings.
 * Only the part of the timed window that the samples cover is integrated; the estimate is that
 * part's average power times the whole window (the sampler's first and last intervals rarely
 * line up with the window), and coveredMs says how much was measured. Under half the window
 * covered (a run shorter than the battery's refresh) gives no estimate.
 *
 * All of these measure the whole package, DRAM, system or GPU, not the profiled process: idle
 * power and other load are included. "Per inference" is per run() call (one batch).
 */
import type { CounterSeries, EnergyEstimate, RunWindow, Unavailable } from '../../../../shared/report';
import type { Sample } from './series';

/** At least this share of the window must be covered by samples. */
export const MIN_COVERED_SHARE = 0.5;

type SampleKind = 'interval-average' | 'reading';

/**
 * The power series energy is estimated from, and how their samples are integrated.
 * power.package repeats power.rapl.package-0 when there is RAPL; without RAPL it is the one
 * series saying why (and gpu.power says why there is no GPU series), so it is kept then.
 */
export function powerSeriesKind(series: Pick<CounterSeries, 'name' | 'unit'>, hasRaplZones: boolean): SampleKind | null {
  if (series.unit !== 'W') return null;
  if (series.name.startsWith('power.rapl.')) return 'interval-average';
  if (series.name === 'power.package') return hasRaplZones ? null : 'interval-average';
  if (series.name === 'power.battery' || /^gpu\d*\.power$/.test(series.name)) return 'reading';
  return null;
}

/** Joules and covered milliseconds of `samples` inside [window.startMs, window.endMs]. */
export function integrateInWindow(samples: readonly Sample[], window: RunWindow, kind: SampleKind): { joules: number; coveredMs: number } {
  let joules = 0;
  let coveredMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const [t0, w0] = samples[i - 1];
    const [t1, w1] = samples[i];
    const from = Math.max(t0, window.startMs);
    const to = Math.min(t1, window.endMs);
    if (!(to > from) || !(t1 > t0)) continue;
    const at = (t: number): number => (kind === 'interval-average' ? w1 : w0 + ((w1 - w0) * (t - t0)) / (t1 - t0));
    // Trapezoid on the clipped segment: exact for both a constant and a linear segment.
    joules += ((at(from) + at(to)) / 2) * ((to - from) / 1000);
    coveredMs += to - from;
  }
  return { joules, coveredMs };
}

function unavailable(reason: string): Unavailable {
  return `unavailable: ${reason}`;
}

/**
 * The readers look for Linux sysfs files; on other systems say what would be needed instead of
 * "no such file". Windows exposes RAPL only through a kernel driver (Intel Power Gadget's, now
 * retired); macOS only through powermetrics, which needs sudo.
 */
function platformReason(name: string, platform: NodeJS.Platform): string | null {
  const cpuPower = name === 'power.package' || name.startsWith('power.rapl.');
  if (platform === 'darwin' && cpuPower) return 'CPU package power on macOS needs powermetrics, which needs sudo';
  if (platform === 'darwin' && name === 'power.battery') return 'battery discharge rate on macOS is not read (IOKit, not sysfs)';
  if (platform === 'win32' && cpuPower) return 'RAPL on Windows needs a kernel driver (administrator)';
  if (platform === 'win32' && name === 'power.battery') return 'battery discharge rate on Windows is not read (WMI BatteryStatus, not sysfs)';
  return null;
}

/** One estimate per power series in `counters` (available or not). */
export function energyPerInference(
  counters: readonly CounterSeries[],
  window: RunWindow,
  inferences: number,
  platform: NodeJS.Platform = process.platform,
): EnergyEstimate[] {
  const windowMs = window.endMs - window.startMs;
  const hasRaplZones = counters.some((s) => s.name.startsWith('power.rapl.'));
  return counters.flatMap((series): EnergyEstimate[] => {
    const kind = powerSeriesKind(series, hasRaplZones);
    if (kind === null) return [];
    const base = { series: series.name, source: series.source };
    if (!series.available) {
      return [{ ...base, unavailable: unavailable(platformReason(series.name, platform) ?? series.reason ?? 'not measured') }];
    }
    if (!(windowMs > 0) || !(inferences > 0)) return [{ ...base, unavailable: unavailable('no timed runs to divide by') }];
    const { joules, coveredMs } = integrateInWindow(series.samples ?? [], window, kind);
    if (coveredMs < MIN_COVERED_SHARE * windowMs) {
      return [{ ...base, unavailable: unavailable(`samples cover ${coveredMs.toFixed(0)} ms of the ${windowMs.toFixed(0)} ms timed window (time longer runs, e.g. --min-time)`) }];
    }
    const averageW = joules / (coveredMs / 1000);
    const total = averageW * (windowMs / 1000);
    return [{ ...base, joules: total, joulesPerInference: total / inferences, averageW, coveredMs, windowMs }];
  });
}
