/**
 * Hardware counters of the observed process through a `perf stat` child (the route that
 * needs no native addon). perf counts every thread of the process (and, through inherit,
 * the threads they create later), and writes one CSV row per event every interval to its
 * stderr; PerfStatParser turns them into per-event interval counts.
 *
 * Clock: perf's interval times are seconds since perf enabled its counters, which happens
 * some milliseconds after spawn (about 30 ms of start-up). That origin is bracketed on the
 * job clock: it is no earlier than the spawn, and no later than (arrival of a row) minus
 * (the row's time), since a row cannot arrive before perf printed it. The tightest upper
 * bound over all rows is used; its error is the pipe and event-loop latency of the
 * earliest-arriving row, and the gap to the spawn bound (the worst case) is put in `source`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CounterSeries } from '../../../../shared/report';
import { listDirOrEmpty, nodeCounterFs, readTextOnce } from './kept-file';
import { PerfStatParser, type PerfEventData } from './perf-stat';
import { availableSeries, unavailableSeries } from './series';

export const PERF_EVENTS = ['cycles', 'instructions', 'cache-references', 'cache-misses', 'LLC-load-misses'] as const;
export type PerfEvent = (typeof PERF_EVENTS)[number];

/** Older perf versions refuse -I below 10 ms; shorter intervals mostly measure perf itself. */
export const MIN_PERF_INTERVAL_MS = 10;
/** After SIGINT perf prints its last partial interval and exits within milliseconds. */
const STOP_GRACE_MS = 2000;
const UNIT = 'count';
const SOURCE = 'perf stat';

export interface PerfSessionOptions {
  pid: number;
  intervalMs: number;
  binary: string;
  clockOriginNs: bigint;
  procRoot: string;
  sysfsRoot: string;
}

/** Every perf.* series, unavailable for one reason (perf disabled, not installed, ...). */
export function unavailablePerfSeries(reason: string): CounterSeries[] {
  return PERF_EVENTS.map((event) => unavailableSeries(`perf.${event}`, UNIT, SOURCE, reason));
}

function msSince(originNs: bigint): number {
  return Number(process.hrtime.bigint() - originNs) / 1e6;
}

export class PerfSession {
  private readonly parser = new PerfStatParser();
  private readonly commandLine: string;
  private readonly intervalMs: number;
  private spawnMs = 0;
  /** Least (row arrival - row time) seen: an upper bound of perf's time origin on the job clock. */
  private originUpperMs = Infinity;
  private child: ChildProcess | null = null;
  private running = false;
  private spawnFailure: string | null = null;
  private exitCode: number | null = null;
  private interruptedByUs = false;
  private closed: Promise<void> = Promise.resolve();
  private stopping: Promise<CounterSeries[]> | null = null;
  private readonly killOnExit = (): void => {
    if (this.running) this.child?.kill('SIGKILL');
  };

  private constructor(private readonly options: PerfSessionOptions) {
    this.intervalMs = Math.max(MIN_PERF_INTERVAL_MS, Math.round(options.intervalMs));
    this.commandLine = `perf stat -x, -I ${this.intervalMs} -p ${options.pid}`;
  }

  /** Spawns perf and waits until it has started or failed to; never throws. */
  static async start(options: PerfSessionOptions): Promise<PerfSession> {
    const session = new PerfSession(options);
    await session.spawn();
    return session;
  }

  private async spawn(): Promise<void> {
    const args = ['stat', '-x,', '-I', String(this.intervalMs), '-p', String(this.options.pid), '-e', PERF_EVENTS.join(',')];
    this.spawnMs = msSince(this.options.clockOriginNs);
    // LC_ALL=C: perf calls setlocale(), and a decimal comma would break the CSV.
    const child = spawn(this.options.binary, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    this.child = child;
    this.closed = new Promise((resolve) => {
      child.once('close', (code) => {
        this.running = false;
        this.exitCode = code;
        process.off('exit', this.killOnExit);
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.onOutput(chunk));
    const outcome = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.on('error', (err) => resolve(err)); // also keeps a later kill() failure from throwing
    });
    if (outcome) {
      const code = (outcome as NodeJS.ErrnoException).code;
      this.spawnFailure = code === 'ENOENT' ? 'perf not installed' : `perf could not start: ${code ?? outcome.message}`;
      return;
    }
    this.running = true;
    // Belt and braces: should the engine exit without stopping the sampler, perf must not outlive it.
    process.once('exit', this.killOnExit);
  }

  private onOutput(chunk: string): void {
    const arrivalMs = msSince(this.options.clockOriginNs);
    this.parser.feed(chunk);
    const latestSec = this.parser.latestTimeSec;
    if (latestSec !== null) this.originUpperMs = Math.min(this.originUpperMs, arrivalMs - latestSec * 1000);
    // Nothing will ever be counted: spare the machine perf's wake-ups for the rest of the run.
    if (this.running && !this.interruptedByUs && this.parser.allEventsUnsupported()) this.interrupt();
  }

  private interrupt(): void {
    this.interruptedByUs = true;
    this.child?.kill('SIGINT');
  }

  /** Interrupts perf (it prints its last partial interval), waits for it, returns the series. Idempotent. */
  stop(): Promise<CounterSeries[]> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<CounterSeries[]> {
    if (this.spawnFailure !== null) return unavailablePerfSeries(this.spawnFailure);
    if (this.running && !this.interruptedByUs) this.interrupt();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
    });
    if ((await Promise.race([this.closed, graceOver])) === 'timeout') this.child?.kill('SIGKILL');
    clearTimeout(timer);
    await this.closed;
    this.parser.end();
    return PERF_EVENTS.map((event) => this.seriesFor(event));
  }

  private seriesFor(event: PerfEvent): CounterSeries {
    const name = `perf.${event}`;
    const data = this.parser.event(event);
    if (data && data.samples.length > 0) {
      const originMs = Number.isFinite(this.originUpperMs) ? Math.max(this.spawnMs, this.originUpperMs) : this.spawnMs;
      const samples = data.samples.map(([timeSec, count]): [number, number] => [originMs + timeSec * 1000, count]);
      return availableSeries(name, UNIT, this.describeSource(data, originMs - this.spawnMs), samples);
    }
    return unavailableSeries(name, UNIT, SOURCE, this.reasonWithoutSamples(data));
  }

  private describeSource(data: PerfEventData, worstLateMs: number): string {
    const parts = [this.commandLine];
    if (data.minPcntRunning < 100) {
      parts.push(`multiplexed: counting as little as ${data.minPcntRunning.toFixed(0)}% of an interval, scaled up by perf`);
    }
    parts.push(`times anchored at output arrival, at most ${worstLateMs.toFixed(1)} ms late`);
    return parts.join('; ');
  }

  private reasonWithoutSamples(data: PerfEventData | undefined): string {
    if (data && data.notSupportedRows > 0 && data.countedRows === 0 && data.notCountedRows === 0) {
      return this.notSupportedReason();
    }
    const diagnostics = this.parser.otherLines.join('\n');
    if (/perf_event_paranoid|No permission|Permission denied|Access to performance monitoring/i.test(diagnostics)) {
      return this.permissionReason();
    }
    if (data && data.notCountedRows > 0) return 'perf: <not counted> in every interval (the process never ran while counted)';
    if (this.exitCode !== null && this.exitCode !== 0 && !this.interruptedByUs) {
      const firstLine = this.parser.otherLines[0];
      return `perf exited with code ${this.exitCode}${firstLine ? `: ${firstLine}` : ''}`;
    }
    return 'perf: stopped before its first interval completed';
  }

  private notSupportedReason(): string {
    if (!this.parser.allEventsUnsupported()) return 'perf: event not supported on this CPU';
    const pmuDir = `${this.options.sysfsRoot}/bus/event_source/devices`;
    const hasCpuPmu = listDirOrEmpty(pmuDir, nodeCounterFs).some(
      (pmu) => pmu === 'cpu' || pmu.startsWith('cpu_') || pmu.startsWith('armv'),
    );
    return hasCpuPmu
      ? 'perf: event not supported on this CPU'
      : 'perf: event not supported on this CPU (no PMU exposed)';
  }

  private permissionReason(): string {
    let level = 'unreadable';
    try {
      level = readTextOnce(`${this.options.procRoot}/sys/kernel/perf_event_paranoid`, nodeCounterFs).trim();
    } catch {
      // keep 'unreadable': the reason still names the setting to look at
    }
    return `perf: permission denied (/proc/sys/kernel/perf_event_paranoid is ${level}; grant CAP_PERFMON or lower it)`;
  }
}
