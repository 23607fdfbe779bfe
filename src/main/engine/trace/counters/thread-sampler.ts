/**
 * The sampling-thread driver (sampler.ts has the JS-timer one): the native thread
 * (sampling-thread.ts) reads /proc, the perf_event_open groups and the system files that are
 * plain files (RAPL, battery, thermal, cpufreq) on its own deadlines, and this event loop wakes
 * only to drain what it read: every DRAIN_INTERVAL_MS, at each mark() and at stop. Each reading
 * goes to its readers in time order, stamped with the time the thread read it, so the series are
 * the ones the timer would produce, for a fraction of the cost (docs/counters.md, "Cost").
 *
 * Marks: mark() has the thread read the perf groups at once (under the lock its ticks take, so
 * readings stay in time order), then drains: a run-window boundary splits counts exactly, as on
 * the timer. Sources that are not files (nvidia-smi's child) are polled on each drain.
 */
import type { SamplerParts } from './sampler';
import { PROCESS_SOURCES_MIN_INTERVAL_MS, SamplerCore } from './sampler';
import { SamplingThread, type SamplingThreadBinding, type ThreadReading } from './sampling-thread';
import { isThreadReadCounters, isThreadSampled, type PolledSource, type ThreadReadCounters, type ThreadSampledSource } from './series';

/** The event loop drains the thread's readings this often. */
export const DRAIN_INTERVAL_MS = 100;
/** How long the event loop may go without draining before the thread drops ticks (and counts them). */
export const THREAD_BUFFER_MS = 5000;

export class ThreadSampler extends SamplerCore {
  private thread: SamplingThread | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  /** The system sources the thread reads; the others are polled on each drain. */
  private readonly threadSystem: ThreadSampledSource[];
  private readonly loopSystem: PolledSource[];
  private readonly perf: ThreadReadCounters | undefined;
  /** The sources the thread reads something for: the ones a dropped tick concerns. */
  private readonly threadRead = new Set<PolledSource>();
  private dropped = 0;

  /** Starts the thread (which takes the baseline reading at once); throws when the addon cannot. */
  constructor(parts: SamplerParts, periodMs: number, clockOriginNs: bigint, binding: SamplingThreadBinding, bufferMs = THREAD_BUFFER_MS) {
    super(parts, periodMs, clockOriginNs);
    this.threadSystem = parts.system.filter(isThreadSampled);
    this.loopSystem = parts.system.filter((source) => !isThreadSampled(source));
    this.perf = (parts.processSources ?? []).find(isThreadReadCounters);
    if (parts.proc.exited) return; // gone before sampling started: nothing to sample, as on the timer
    const perfHandle = this.perf?.nativeHandle;
    const files = [parts.proc, ...this.threadSystem].map((source) => {
      const own = source.threadFiles();
      if (own.length > 0) this.threadRead.add(source);
      return own;
    });
    if (perfHandle && this.perf) this.threadRead.add(this.perf);
    this.thread = SamplingThread.start(binding, {
      periodMs,
      clockOriginNs,
      files: files.flat(),
      ...(perfHandle ? { perf: { handle: perfHandle, minIntervalMs: PROCESS_SOURCES_MIN_INTERVAL_MS } } : {}),
      bufferMs,
    });
    this.drain(); // the baseline
    if (this.thread) this.drainTimer = setInterval(() => this.drain(), DRAIN_INTERVAL_MS);
  }

  /** The perf groups read now by the thread, then everything drained. After the process exited: read here. */
  mark(): void {
    if (this.stopped || this.failure !== null) return;
    if (this.thread) {
      this.thread.mark();
      this.drain();
    } else {
      const tMs = this.nowMs();
      this.guarded(() => this.pollProcessSources(tMs));
    }
  }

  protected halt(): void {
    if (this.thread) {
      this.thread.stop();
      this.drain(); // what it read since the last drain
    }
    this.release();
  }

  protected override noteFor(source: PolledSource): string | null {
    if (this.dropped === 0 || !this.threadRead.has(source)) return null;
    return `sampling thread: ${this.dropped} tick(s) dropped (its buffer filled while the event loop did not drain it; the intervals around them are longer)`;
  }

  private drain(): void {
    if (!this.thread || this.failure !== null) return;
    let drained: { readings: ThreadReading[]; dropped: number };
    try {
      drained = this.thread.drain();
    } catch (err) {
      this.failure = err;
      this.release();
      return;
    }
    this.dropped += drained.dropped;
    let sampling = true;
    for (const reading of drained.readings) {
      if (reading.mark) this.takeMark(reading);
      else if (sampling) sampling = this.takeTick(reading);
      if (this.failure !== null) break;
    }
    // The observed process is gone (or a reader failed): nothing more to read, as on the timer.
    if (!sampling || this.failure !== null) return this.release();
    const tMs = this.nowMs();
    this.guarded(() => {
      for (const source of this.loopSystem) source.poll(tMs);
    });
  }

  /** One tick, in the order the timer's poll() reads: /proc first, and nothing after the process exited. */
  private takeTick({ tMs, read, perfRows }: ThreadReading): boolean {
    return this.guarded(() => {
      this.parts.proc.take(tMs, read);
      if (this.parts.proc.exited) return false;
      if (perfRows) this.perf?.takeRows(tMs, perfRows);
      for (const source of this.threadSystem) source.take(tMs, read);
      this.lastPollMs = tMs;
      return true;
    });
  }

  /** A mark's perf rows (counts stay readable after the process exited). */
  private takeMark({ tMs, perfRows }: ThreadReading): void {
    this.guarded(() => {
      if (perfRows) this.perf?.takeRows(tMs, perfRows);
    });
  }

  private release(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
    this.thread?.stop();
    this.thread = null;
  }
}
