/**
 * The counter sampler: observes one process (the run worker) from the engine process while
 * it runs inference, and turns each counter into a time series on the job clock, or into
 * `available: false` with the reason it cannot be measured on this machine.
 *
 * Series (all [tMs, value] with tMs = (hrtime - clockOriginNs) / 1e6; rates and per-interval
 * counts are stamped at the end of their interval):
 *   cpu.utilization  %      CPU time over each interval as percent of ONE core (250 = 2.5 cores)
 *   cpu.time         ms     cumulative CPU time of the process since it started
 *   memory.rss       bytes  resident set (statm; the same counter as VmRSS)
 *   memory.peakRss   bytes  VmHWM, the kernel's high-water mark of the RSS
 *   faults.minor     count  minor page faults during each interval
 *   faults.major     count  major page faults during each interval
 *   perf.cycles, perf.instructions, perf.cache-references, perf.cache-misses,
 *   perf.LLC-load-misses  count per interval; the direct route (perf_event_open addon,
 *   perf-event-counters.ts) adds perf.stalled-cycles-frontend|backend, perf.LLC-loads,
 *   perf.task-clock (ms), perf.page-faults, perf.context-switches, perf.cpu-migrations and
 *   reads at run-window boundaries too (mark()); `perf stat` is the fallback (perf-session.ts).
 *   Each perf.* series names its route and why (route, routeReason).
 *   power.package, power.rapl.<zone name>  W  RAPL (whole package/DRAM, not just the process)
 *   power.battery    W      whole-system draw, only while discharging
 *   cpu.frequency.cpu<N> MHz, temperature.<sensor> °C, cpu.throttle.{core,package} count  (thermal.ts)
 *   gpu<i>.power W, gpu<i>.energy J, gpu<i>.clock.sm|clock.mem MHz, gpu<i>.temperature °C,
 *   gpu<i>.utilization[.memory] %, gpu<i>.memory.used MiB  (nvidia-smi.ts)
 * See each reader's module for where the numbers come from and how far to trust them.
 *
 * Who reads: on Linux with the perf addon built, a native sampling thread (thread-sampler.ts;
 * this event loop only drains it every 100 ms, at marks and at stop); otherwise a timer in this
 * event loop (sampler.ts). Both produce the same series; `sampling` says which ran and why.
 */
import type { CounterSeries } from '../../../../shared/report';
import { BatteryCounters } from './battery';
import { PerfEventCounters } from './perf-event-counters';
import { readCpuFacts } from './perf-event-catalog';
import { choosePerfRoute } from './perf-event-route';
import { PerfSession, unavailablePerfSeries } from './perf-session';
import { ProcCounters, readSystemConstants } from './proc-reader';
import { startNvidiaSmi } from './nvidia-smi';
import { RaplCounters } from './rapl';
import { ThermalCounters } from './thermal';
import { loadPerfEventAddon } from './perf-event-addon';
import { Sampler, type SamplerCore, type SamplerParts } from './sampler';
import { samplingThreadOf } from './sampling-thread';
import type { PolledSource } from './series';
import { ThreadSampler } from './thread-sampler';

/**
 * 20 ms: CPU time moves in 10 ms clock ticks, so a busy thread's 10 ms utilization samples read
 * 0%, 100% or 200% of a core. On the JS timer (the fallback) a bare Node timer waking every 10 ms
 * already costs 1.0-1.7% of a core on a 2-vCPU VM; what each path costs is in docs/counters.md
 * ("Cost"). Pass periodMs: 10 for finer series.
 */
export const DEFAULT_SAMPLE_PERIOD_MS = 20;

export interface SamplerOptions {
  /** The process to observe. */
  pid: number;
  /** Sampling period; default DEFAULT_SAMPLE_PERIOD_MS. perf's interval is at least 10 ms. */
  periodMs?: number;
  /** process.hrtime.bigint() value that is t = 0 on the job clock. */
  clockOriginNs: bigint;
  /** Default '/proc'; tests point it at fixture trees. */
  procRoot?: string;
  /** Default '/sys'; tests point it at fake sysfs trees. */
  sysfsRoot?: string;
  /** Default 'auto': run `perf stat`; 'off' marks the perf.* series unavailable. */
  perf?: 'auto' | 'off';
  /** Default 'perf'. Given explicitly, the perf stat route is used even when the addon loads. */
  perfBinary?: string;
  /** Where native/perf is built; tests point it elsewhere. EDGESCOPE_PERF_ADDON=off disables it. */
  perfAddonDir?: string;
  /** Default 'auto': a long-lived nvidia-smi child for GPU power (nvidia-smi.ts); 'off': none. */
  nvidiaSmi?: 'auto' | 'off';
  /** Default 'nvidia-smi' on PATH. */
  nvidiaSmiBinary?: string;
  /**
   * Default 'auto': the native sampling thread when the perf addon has it (Linux), else the JS
   * timer; 'off': the JS timer. EDGESCOPE_PERF_ADDON=off turns the thread off too (same addon).
   */
  samplingThread?: 'auto' | 'off';
  /** How long the thread's buffer lasts without a drain (default THREAD_BUFFER_MS); tests shrink it. */
  threadBufferMs?: number;
}

/** Which driver read the sources: the native thread or the JS timer, and why. */
export interface SamplingPath {
  path: 'thread' | 'timer';
  why: string;
}

export interface CounterSampler {
  /**
   * Stops sampling (perf included) and returns every series. Idempotent: later calls return
   * the same result. Safe after the observed process exited: the samples taken while it ran
   * are kept.
   */
  stop(): Promise<CounterSeries[]>;
  /** A run-window boundary: reads the perf_event_open counters now, so windows split exactly. */
  mark(): void;
  readonly sampling: SamplingPath;
}

/**
 * perf binary -> why none of its events can be counted here. That verdict (no PMU, events
 * unknown to this CPU) holds for the life of this process, so later runs skip perf's
 * start-up (20-30 ms of CPU, during the run being measured). Transient failures are not kept.
 */
const perfUnsupported = new Map<string, string>();

function rememberPerfVerdict(binary: string, series: readonly CounterSeries[]): void {
  const perf = series.filter((s) => s.name.startsWith('perf.'));
  const reason = perf[0]?.reason;
  if (reason && /not supported/.test(reason) && perf.every((s) => !s.available && s.reason === reason)) perfUnsupported.set(binary, reason);
}

/** Starts sampling right away; resolves once perf (if enabled) has been spawned. */
export async function startSampler(options: SamplerOptions): Promise<CounterSampler> {
  const periodMs = options.periodMs ?? DEFAULT_SAMPLE_PERIOD_MS;
  if (!(periodMs > 0 && Number.isFinite(periodMs))) throw new RangeError(`periodMs must be > 0, got ${periodMs}`);
  if (!(Number.isInteger(options.pid) && options.pid > 0)) throw new RangeError(`pid must be a positive integer, got ${options.pid}`);
  const procRoot = options.procRoot ?? '/proc';
  const sysfsRoot = options.sysfsRoot ?? '/sys';

  const proc = new ProcCounters({ procRoot, pid: options.pid, system: readSystemConstants(procRoot) });
  let system: PolledSource[];
  try {
    system = [new RaplCounters(sysfsRoot), new BatteryCounters(sysfsRoot), new ThermalCounters(sysfsRoot)];
  } catch (err) {
    proc.close();
    throw err;
  }
  const route = choosePerfRoute(options);
  let direct: PerfEventCounters | null = null;
  let fallbackWhy = route.why;
  if (route.route === 'perf_event_open') {
    try {
      direct = new PerfEventCounters({
        binding: route.binding,
        pid: options.pid,
        facts: readCpuFacts(procRoot, sysfsRoot),
        openMs: Number(process.hrtime.bigint() - options.clockOriginNs) / 1e6,
        routeReason: route.why,
      });
    } catch (err) {
      fallbackWhy = `fallback: the perf_event_open addon failed (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  const binary = options.perfBinary ?? 'perf';
  const knownUnsupported = options.perf === 'off' ? undefined : perfUnsupported.get(binary);
  const perf =
    options.perf === 'off' || direct !== null || knownUnsupported !== undefined
      ? null
      : await PerfSession.start({
          pid: options.pid,
          intervalMs: periodMs,
          binary,
          clockOriginNs: options.clockOriginNs,
          procRoot,
          sysfsRoot,
        });
  if (options.nvidiaSmi !== 'off') {
    system.push(await startNvidiaSmi({ periodMs, clockOriginNs: options.clockOriginNs, binary: options.nvidiaSmiBinary }));
  }
  const parts: SamplerParts = {
    proc,
    system,
    perf,
    perfUnavailable: direct ? [] : unavailablePerfSeries(knownUnsupported ?? "perf disabled (perf: 'off')"),
    processSources: direct ? [direct] : [],
  };
  const { sampler, sampling } = startDriver(parts, periodMs, options);
  let stopped: Promise<CounterSeries[]> | null = null;
  return {
    stop: () =>
      (stopped ??= sampler.stop().then((series) => {
        if (perf) rememberPerfVerdict(binary, series);
        // The fallback's series say which route counted them and why.
        if (direct === null && options.perf !== 'off') {
          return series.map((s) => (s.name.startsWith('perf.') ? { ...s, route: 'perf stat' as const, routeReason: fallbackWhy } : s));
        }
        return series;
      })),
    mark: () => sampler.mark(),
    sampling,
  };
}

/** The native sampling thread where the addon has it, else the JS timer. */
function startDriver(parts: SamplerParts, periodMs: number, options: SamplerOptions): { sampler: SamplerCore; sampling: SamplingPath } {
  const thread = options.samplingThread === 'off'
    ? { available: false as const, reason: "samplingThread: 'off'" }
    : samplingThreadOf(loadPerfEventAddon(options.perfAddonDir));
  if (thread.available) {
    try {
      const sampler = new ThreadSampler(parts, periodMs, options.clockOriginNs, thread.binding, options.threadBufferMs);
      return { sampler, sampling: { path: 'thread', why: 'the native sampling thread (perf addon) started' } };
    } catch (err) {
      const why = `timer: the native sampling thread failed to start (${err instanceof Error ? err.message : String(err)})`;
      return { sampler: new Sampler(parts, periodMs, options.clockOriginNs), sampling: { path: 'timer', why } };
    }
  }
  return { sampler: new Sampler(parts, periodMs, options.clockOriginNs), sampling: { path: 'timer', why: `timer: ${thread.reason}` } };
}
