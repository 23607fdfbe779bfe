/**
 * Which route the sampler counts perf.* events by, and why: the perf_event_open addon when it
 * loads (direct: one read() per counter group, no child process, no start-up delay), else a
 * `perf stat -x, -I` child (perf-session.ts). An explicit perf binary asks for the perf stat
 * route by name.
 */
import { loadPerfEventAddon, type PerfEventBinding } from './perf-event-addon';

export type PerfRoute =
  | { route: 'perf_event_open'; binding: PerfEventBinding; why: string }
  | { route: 'perf stat'; why: string }
  | { route: 'off'; why: string };

export interface PerfRouteOptions {
  perf?: 'auto' | 'off';
  /** A perf binary chosen by the caller: use the perf stat route with it. */
  perfBinary?: string;
  /** Where native/perf is; tests point it at other build trees. */
  perfAddonDir?: string;
}

export function choosePerfRoute(options: PerfRouteOptions): PerfRoute {
  if (options.perf === 'off') return { route: 'off', why: "perf disabled (perf: 'off')" };
  if (options.perfBinary !== undefined) return { route: 'perf stat', why: `perf binary given (${options.perfBinary})` };
  const addon = loadPerfEventAddon(options.perfAddonDir);
  if (addon.available) return { route: 'perf_event_open', binding: addon.binding, why: 'the perf_event_open addon loaded' };
  return { route: 'perf stat', why: `fallback: ${addon.reason}` };
}
