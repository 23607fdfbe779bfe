/**
 * Hardware and software counters of the observed process through the perf_event_open addon
 * (the direct route; `perf stat` is the fallback, see perf-session.ts).
 *
 * The addon opens every group on each thread the process has now, with inherit=1 so threads
 * those create later are counted too (ORT creates its pools when the session is created,
 * after sampling started). Each poll is one read() per (thread, group); the deltas since the
 * previous poll are scaled for multiplexing per row (perf-event-scaling.ts) and summed over
 * threads and, on hybrid CPUs, core types. Samples are per-interval counts stamped at the
 * end of their interval; the sampler also polls at run-window boundaries (mark()), so a
 * window's count is the sum of the samples inside it.
 */
import type { CounterSeries } from '../../../../shared/report';
import type { NativeEventStatus, PerfEventBinding } from './perf-event-addon';
import { openFailureReason, PERF_EVENT_NAMES, planGroups, SOFTWARE_EVENTS, vendorNote, type CpuFacts, type PlannedGroup } from './perf-event-catalog';
import { scaleInterval, type GroupReading } from './perf-event-scaling';
import { availableSeries, unavailableSeries, type Sample, type ThreadReadCounters } from './series';

export const PERF_EVENT_ROUTE = 'perf_event_open' as const;
const SOURCE = 'perf_event_open (native/perf addon)';
const NS_PER_MS = 1e6;

export interface PerfEventCountersOptions {
  binding: PerfEventBinding;
  pid: number;
  facts: CpuFacts;
  /** Job-clock time of the open: counts start at zero there. */
  openMs: number;
  /** Why this route was taken, for the report. */
  routeReason: string;
}

/** Where one event lives among the opened groups. */
interface Slot {
  group: number;
  event: number;
}

interface EventState {
  name: string;
  unit: 'count' | 'ms';
  slots: Slot[];
  samples: Sample[];
  /** Lowest running/enabled of an interval with data; 1 when never multiplexed. */
  minRunningFraction: number;
  /** Intervals in which the event's groups were enabled but never on a counter. */
  notCountedIntervals: number;
}

export class PerfEventCounters implements ThreadReadCounters {
  private readonly plan: PlannedGroup[];
  private readonly status: NativeEventStatus[][];
  private readonly handle: unknown;
  private readonly rowWidth: number;
  private readonly threads: number;
  private readonly events: EventState[];
  /** eventIndex[group][e]: where event e of a planned group is in `events`. */
  private readonly eventIndex: number[][];
  /** Previous cumulative reading per row (rows come in the same order on every read). */
  private readonly previous: (GroupReading | undefined)[] = [];
  private lastMs: number;
  private closed = false;
  private readFailure: string | null = null;

  constructor(private readonly options: PerfEventCountersOptions) {
    this.plan = planGroups(options.facts.coreTypes);
    const opened = options.binding.open(
      options.pid,
      this.plan.map((g) => g.events.map((e) => ({ type: e.type, config: e.config, kernel: true }))),
    );
    this.handle = opened.handle;
    this.rowWidth = opened.rowWidth;
    this.threads = opened.threads;
    this.status = opened.status;
    this.lastMs = options.openMs;
    this.events = PERF_EVENT_NAMES.map((name) => {
      const slots: Slot[] = [];
      this.plan.forEach((group, g) => group.events.forEach((e, i) => e.name === name && slots.push({ group: g, event: i })));
      const unit = SOFTWARE_EVENTS.find((e) => e.name === name)?.unit ?? 'count';
      return { name, unit, slots, samples: [], minRunningFraction: 1, notCountedIntervals: 0 };
    });
    this.eventIndex = this.plan.map((group) => group.events.map((e) => this.events.findIndex((state) => state.name === e.name)));
  }

  /** Reads every group once; an interval shorter than 0.1 ms (a boundary read right after a tick) is skipped. */
  poll(tMs: number): void {
    if (this.closed || tMs - this.lastMs < 0.1) return;
    let rows: Float64Array;
    try {
      rows = this.options.binding.read(this.handle);
    } catch (err) {
      this.readFailure = err instanceof Error ? err.message : String(err);
      return;
    }
    this.takeRows(tMs, rows);
  }

  /** The addon's handle: the sampling thread reads the same groups (read()'s rows) on its ticks. */
  get nativeHandle(): unknown {
    return this.closed ? null : this.handle;
  }

  /** One reading's rows, as read() returns them: from poll(), or as the sampling thread read them. */
  takeRows(tMs: number, rows: Float64Array): void {
    if (this.closed || tMs - this.lastMs < 0.1) return;
    // Per event (this.events' order): the interval's sum over rows, its lowest running fraction,
    // whether a group holding it was enabled but never counted. Arrays, not maps: this runs
    // every tick that reads the counters.
    const sums: (number | undefined)[] = new Array(this.events.length);
    const fractions: number[] = new Array(this.events.length).fill(1);
    const notCounted: boolean[] = new Array(this.events.length).fill(false);
    for (let r = 0; r * this.rowWidth < rows.length; r++) {
      const at = r * this.rowWidth;
      const group = rows[at];
      const eventsOfGroup = this.eventIndex[group];
      const reading: GroupReading = {
        enabledNs: rows[at + 1],
        runningNs: rows[at + 2],
        values: Array.from(rows.subarray(at + 3, at + 3 + eventsOfGroup.length)),
      };
      if (!Number.isFinite(reading.enabledNs)) continue; // this read failed: the next delta covers both intervals
      const interval = scaleInterval(this.previous[r], reading);
      this.previous[r] = reading;
      for (let e = 0; e < eventsOfGroup.length; e++) {
        const i = eventsOfGroup[e];
        const value = interval.values[e];
        if (value === null) {
          if (interval.runningFraction === 0) notCounted[i] = true;
          continue;
        }
        sums[i] = (sums[i] ?? 0) + value;
        if (interval.runningFraction !== null) fractions[i] = Math.min(fractions[i], interval.runningFraction);
      }
    }
    this.events.forEach((state, i) => {
      const sum = sums[i];
      if (sum === undefined) {
        if (notCounted[i]) state.notCountedIntervals += 1;
        return;
      }
      state.samples.push([tMs, state.unit === 'ms' ? sum / NS_PER_MS : sum]);
      state.minRunningFraction = Math.min(state.minRunningFraction, fractions[i]);
    });
    this.lastMs = tMs;
  }

  series(): CounterSeries[] {
    return this.events.map((state) => this.seriesOf(state));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.binding.close(this.handle);
  }

  private seriesOf(state: EventState): CounterSeries {
    const name = `perf.${state.name}`;
    const statuses = state.slots.map((s) => this.status[s.group][s.event]);
    const opened = statuses.filter((s) => s.opened);
    const route = { route: PERF_EVENT_ROUTE, routeReason: this.options.routeReason };
    if (opened.length === 0) {
      const failure = statuses[0];
      return { ...unavailableSeries(name, state.unit, SOURCE, openFailureReason(failure?.code, failure?.message, this.options.facts)), ...route };
    }
    if (state.samples.length === 0) {
      const reason = this.readFailure !== null
        ? `perf_event_open: read failed (${this.readFailure})`
        : state.notCountedIntervals > 0
          ? 'perf_event_open: opened but never counted (its group never got a hardware counter)'
          : 'perf_event_open: stopped before the first reading';
      return { ...unavailableSeries(name, state.unit, SOURCE, reason), ...route };
    }
    return {
      ...availableSeries(name, state.unit, this.describe(state, opened), state.samples),
      ...route,
      runningFraction: state.minRunningFraction,
    };
  }

  private describe(state: EventState, opened: NativeEventStatus[]): string {
    const parts = [`${SOURCE}: ${this.threads} thread(s) at open, later threads inherited`];
    if (opened.some((s) => s.userOnly)) parts.push(`user mode only (perf_event_paranoid ${this.options.facts.paranoid})`);
    const hardware = !SOFTWARE_EVENTS.some((e) => e.name === state.name);
    if (hardware) {
      parts.push(vendorNote(this.options.facts.vendor));
      const cores = this.options.facts.coreTypes;
      if (cores.length > 1) parts.push(`hybrid: summed over ${cores.map((c) => c.pmu).join(' and ')}`);
    }
    if (state.minRunningFraction < 1) {
      parts.push(`multiplexed: counting as little as ${(100 * state.minRunningFraction).toFixed(0)}% of an interval, scaled by enabled/running`);
    }
    return parts.join('; ');
  }
}
