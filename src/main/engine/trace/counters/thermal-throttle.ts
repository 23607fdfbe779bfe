/**
 * A per-run throttling flag from the series thermal.ts samples.
 *
 * The run is flagged throttled when
 *  - an Intel thermal_throttle counter (core or package) rose during the run: the CPU says so
 *    itself; or
 *  - the CPU frequency fell below FREQUENCY_DROP_RATIO (90%) of the highest frequency reached
 *    earlier in the run while the hottest sensor read at least HIGH_TEMPERATURE_C.
 * The frequency at an instant is the highest over all CPUs (the cores running the inference are
 * the busy, fast ones; idle cores clock down under any governor). A drop without heat is power
 * management, not throttling, so it is reported as evidence but does not flag the run; a drop
 * before the peak is the clock ramping up.
 */
import type { CounterSeries, RunWindow, ThrottlingVerdict, Unavailable } from '../../../../shared/report';
import { FREQUENCY_PREFIX, TEMPERATURE_PREFIX, THROTTLE_CORE, THROTTLE_PACKAGE } from './thermal';

export const FREQUENCY_DROP_RATIO = 0.9;
/** Below the 90-105 °C where desktop and laptop CPUs start to throttle, above normal load temperatures. */
export const HIGH_TEMPERATURE_C = 85;

export interface ThrottleOptions {
  dropRatio?: number;
  highTemperatureC?: number;
}

const inWindow = (window: RunWindow) => ([t]: [number, number]) => t >= window.startMs && t <= window.endMs;

function availableIn(counters: readonly CounterSeries[], match: (name: string) => boolean, window: RunWindow): CounterSeries[] {
  return counters.filter((s) => match(s.name) && s.available && (s.samples ?? []).some(inWindow(window)));
}

/** Highest frequency over CPUs at each sampling instant, in time order. */
function fastestCpuOverTime(series: readonly CounterSeries[], window: RunWindow): [number, number][] {
  const byTime = new Map<number, number>();
  for (const s of series) {
    for (const [t, mhz] of s.samples!.filter(inWindow(window))) byTime.set(t, Math.max(byTime.get(t) ?? -Infinity, mhz));
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b);
}

export function detectThrottling(
  counters: readonly CounterSeries[],
  window: RunWindow,
  options: ThrottleOptions = {},
): ThrottlingVerdict | Unavailable {
  const dropRatio = options.dropRatio ?? FREQUENCY_DROP_RATIO;
  const highC = options.highTemperatureC ?? HIGH_TEMPERATURE_C;
  const frequencies = availableIn(counters, (n) => n.startsWith(FREQUENCY_PREFIX), window);
  const temperatures = availableIn(counters, (n) => n.startsWith(TEMPERATURE_PREFIX), window);
  const throttleCounters = availableIn(counters, (n) => n === THROTTLE_CORE || n === THROTTLE_PACKAGE, window);
  if (frequencies.length === 0 && temperatures.length === 0 && throttleCounters.length === 0) {
    const reasons = [FREQUENCY_PREFIX, TEMPERATURE_PREFIX, THROTTLE_CORE]
      .map((prefix) => counters.find((s) => s.name.startsWith(prefix) && !s.available)?.reason)
      .filter((r): r is string => !!r);
    return `unavailable: ${reasons.length > 0 ? [...new Set(reasons)].join('; ') : 'no CPU frequency, temperature or throttle counter sampled during the run'}`;
  }

  const evidence: string[] = [];
  let throttled = false;

  let hottest: { sensor: string; celsius: number } | null = null;
  for (const s of temperatures) {
    for (const [, c] of s.samples!.filter(inWindow(window))) {
      if (!hottest || c > hottest.celsius) hottest = { sensor: s.name.slice(TEMPERATURE_PREFIX.length), celsius: c };
    }
  }
  const hot = hottest !== null && hottest.celsius >= highC;
  if (hottest) evidence.push(`hottest sensor ${hottest.sensor} reached ${hottest.celsius.toFixed(0)} °C (high: ${highC} °C)`);

  const fastest = fastestCpuOverTime(frequencies, window);
  if (fastest.length >= 2) {
    let peak = fastest[0][1];
    let worst: { peak: number; low: number } | null = null;
    for (const [, mhz] of fastest) {
      if (mhz > peak) peak = mhz;
      else if (mhz < dropRatio * peak && (!worst || mhz / peak < worst.low / worst.peak)) worst = { peak, low: mhz };
    }
    const start = fastest[0][1];
    if (worst) {
      const fell = `CPU frequency fell from ${worst.peak.toFixed(0)} to ${worst.low.toFixed(0)} MHz (${((100 * worst.low) / worst.peak).toFixed(0)}%; run started at ${start.toFixed(0)} MHz)`;
      if (hot) throttled = true;
      evidence.push(hot ? `${fell} while hot` : `${fell}, with ${hottest ? 'temperatures below the high mark' : 'no temperature reading'}: power management rather than throttling`);
    } else {
      evidence.push(`CPU frequency held within ${Math.round(100 * (1 - dropRatio))}% of its peak ${peak.toFixed(0)} MHz (run started at ${start.toFixed(0)} MHz)`);
    }
  } else if (frequencies.length === 0) {
    evidence.push('CPU frequency not sampled');
  }

  for (const s of throttleCounters) {
    const events = s.samples!.filter(inWindow(window)).reduce((sum, [, n]) => sum + n, 0);
    const which = s.name === THROTTLE_CORE ? 'core_throttle_count' : 'package_throttle_count';
    if (events > 0) throttled = true;
    evidence.push(events > 0 ? `thermal_throttle/${which} rose by ${events}` : `thermal_throttle/${which} did not change`);
  }
  return { throttled, evidence };
}

/** The report warning for a throttled run; null otherwise. */
export function throttlingWarning(label: string, verdict: ThrottlingVerdict | Unavailable | undefined): string | null {
  if (!verdict || typeof verdict === 'string' || !verdict.throttled) return null;
  return `${label}: the CPU throttled during the run, latencies are not steady-state: ${verdict.evidence.join('; ')}`;
}
