/**
 * The native sampling thread (native/perf/src/sampler_thread.h, in the perf addon): a C thread
 * that sleeps on absolute CLOCK_MONOTONIC deadlines (process.hrtime's clock, so its stamps are on
 * the job clock) and, per tick, preads the readers' kept files and reads the perf_event_open
 * groups into a preallocated buffer. No JavaScript runs per tick: this module starts it, drains
 * what it read and decodes each reading for the readers, whose own parsers turn the bytes into
 * samples (thread-sampler.ts).
 *
 * Cadence: the readers' own rule, in the thread: a file asking to be read at most every M ms is
 * read on the first tick at least M ms after its last reading; deadlines missed while the thread
 * was descheduled are skipped, as the JS timer skips them.
 */
import { constants, endianness } from 'node:os';
import { EdgescopeError } from '../../../../shared/errors';
import type { KeptFile, ReadFile } from './kept-file';
import type { PerfAddonStatus } from './perf-event-addon';
import type { ThreadFile } from './series';

interface NativeFile {
  fd: number;
  /** Read on a tick at least this long after its last reading; 0: every tick. */
  minIntervalMs: number;
}

/** What native/perf/src/sampler_binding.cc exports (next to the perf counters' open/read/close). */
export interface SamplingThreadBinding {
  /** Takes the first reading at once (the baseline), then starts the thread. Throws one line for a bad fd or path. */
  startSampling(options: {
    periodMs: number;
    originNs: bigint;
    files: (NativeFile | { path: string; minIntervalMs?: number })[];
    /** A handle from the perf binding's open(). */
    perf?: unknown;
    perfMinIntervalMs?: number;
    /** The buffer holds at least this many ticks that read everything. */
    capacityTicks: number;
    /** File indexes of /proc/<pid>/statm and status: status is also read when RSS rises above VmHWM. */
    peakWatch?: { statm: number; status: number; pageBytes: number };
  }): unknown;
  /** The records since the last drain (see decodeReadings) and how many ticks the full buffer dropped. */
  drainSampling(handle: unknown): { buffer: ArrayBuffer; dropped: number };
  /** Appends a reading of the perf rows now: a run-window boundary. */
  markSampling(handle: unknown): void;
  /** Wakes and joins the thread; idempotent. */
  stopSampling(handle: unknown): void;
  /** Sampling threads running in this process. */
  runningSamplingThreads(): number;
}

export type SamplingThreadStatus = { available: true; binding: SamplingThreadBinding } | { available: false; reason: string };

/** The sampling thread lives in the perf addon: available when that loads and has it. */
export function samplingThreadOf(addon: PerfAddonStatus): SamplingThreadStatus {
  if (!addon.available) return addon;
  const binding = addon.binding as unknown as Partial<SamplingThreadBinding>;
  if (typeof binding.startSampling !== 'function') {
    return { available: false, reason: 'the perf addon predates the sampling thread (rebuild: node scripts/build-native.js perf)' };
  }
  return { available: true, binding: binding as SamplingThreadBinding };
}

/** One tick (or mark) as the thread read it. */
export interface ThreadReading {
  tMs: number;
  /** Taken by mark(): carries the perf rows only. */
  mark: boolean;
  /** The files read at this reading; undefined for the others. */
  read: ReadFile;
  perfRows: Float64Array | undefined;
}

// Layout of sampler_thread.h: RecordHeader {f64 tMs, u32 entries, u32 flags}, EntryHeader {i32 source, i32 length}.
const RECORD_HEADER_BYTES = 16;
const ENTRY_HEADER_BYTES = 8;
const PERF_SOURCE = -1;
const MARK_RECORD = 1;
const LITTLE_ENDIAN = endianness() === 'LE';

const ERRNO_NAMES = new Map<number, string>();
for (const [name, errno] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(errno)) ERRNO_NAMES.set(errno, name);

/** The errno error a pread on the spot would have thrown (readers look at its code: ESRCH, EACCES ...). */
function readError(errno: number, path: string): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  const why = code === 'EFBIG' ? "larger than the sampling thread's slot for it" : 'read failed';
  return Object.assign(new Error(`${code}: ${why}, pread '${path}'`), { code, errno: -errno, syscall: 'pread', path });
}

/** Decodes a drained buffer; `files` are the files given at start, in order. */
export function decodeReadings(buffer: ArrayBuffer, files: readonly KeptFile[]): ThreadReading[] {
  const view = new DataView(buffer);
  const bytes = Buffer.from(buffer); // a view, not a copy: one for all the texts below
  const indexOf = new Map(files.map((file, i) => [file, i]));
  const readings: ThreadReading[] = [];
  let at = 0;
  while (at + RECORD_HEADER_BYTES <= buffer.byteLength) {
    const tMs = view.getFloat64(at, LITTLE_ENDIAN);
    const entries = view.getUint32(at + 8, LITTLE_ENDIAN);
    const mark = (view.getUint32(at + 12, LITTLE_ENDIAN) & MARK_RECORD) !== 0;
    at += RECORD_HEADER_BYTES;
    // Per file of this reading: [data offset, length or -errno]; absent: not read at this reading.
    const slots: ([number, number] | undefined)[] = new Array(files.length);
    let perfRows: Float64Array | undefined;
    for (let e = 0; e < entries; e++) {
      const source = view.getInt32(at, LITTLE_ENDIAN);
      const length = view.getInt32(at + 4, LITTLE_ENDIAN);
      const offset = at + ENTRY_HEADER_BYTES;
      at = offset + (length > 0 ? (length + 7) & ~7 : 0);
      if (source === PERF_SOURCE) perfRows = length >= 0 ? new Float64Array(buffer, offset, length / 8) : undefined;
      else slots[source] = [offset, length];
    }
    const read: ReadFile = (file) => {
      const slot = slots[indexOf.get(file) ?? -1];
      if (slot === undefined) return undefined;
      if (slot[1] < 0) throw readError(-slot[1], file.path);
      return bytes.toString('latin1', slot[0], slot[0] + slot[1]);
    };
    readings.push({ tMs, mark, read, perfRows });
  }
  return readings;
}

export interface SamplingThreadOptions {
  periodMs: number;
  clockOriginNs: bigint;
  files: ThreadFile[];
  /** The perf counters' addon handle and how often the ticks read them. */
  perf?: { handle: unknown; minIntervalMs: number };
  /** How long the JS side may go without draining before ticks are dropped (and counted). */
  bufferMs: number;
}

function peakWatchOf(files: ThreadFile[]): { peakWatch?: { statm: number; status: number; pageBytes: number } } {
  const status = files.findIndex((f) => f.readWhenRssAbovePeak);
  if (status < 0) return {};
  const { statm, pageBytes } = files[status].readWhenRssAbovePeak!;
  return { peakWatch: { statm: files.findIndex((f) => f.file === statm), status, pageBytes } };
}

export class SamplingThread {
  private stopped = false;

  private constructor(
    private readonly binding: SamplingThreadBinding,
    private readonly handle: unknown,
    private readonly files: KeptFile[],
  ) {}

  /**
   * Starts the thread; its first reading (every file, the perf rows) is taken before this returns.
   * A file the thread cannot re-read (a closed descriptor, a directory) is an E_BAD_REQUEST naming it.
   */
  static start(binding: SamplingThreadBinding, options: SamplingThreadOptions): SamplingThread {
    const files = options.files.map((f) => f.file);
    let handle: unknown;
    try {
      handle = binding.startSampling({
        periodMs: options.periodMs,
        originNs: options.clockOriginNs,
        files: options.files.map(({ file, minIntervalMs }) => ({ fd: file.fd, minIntervalMs })),
        ...(options.perf ? { perf: options.perf.handle, perfMinIntervalMs: options.perf.minIntervalMs } : {}),
        capacityTicks: Math.max(1, Math.ceil(options.bufferMs / options.periodMs)),
        ...peakWatchOf(options.files),
      });
    } catch (err) {
      // "cannot sample fd 12: EBADF (Bad file descriptor)": say which file that was.
      const message = err instanceof Error ? err.message : String(err);
      const fd = /^cannot sample fd (\d+): (.*)$/.exec(message);
      const file = fd ? files.find((f) => f.fd === Number(fd[1])) : undefined;
      if (fd) throw new EdgescopeError('E_BAD_REQUEST', `sampling thread: cannot sample ${file ? `${file.path} (fd ${fd[1]})` : `fd ${fd[1]}`}: ${fd[2]}`);
      throw err;
    }
    return new SamplingThread(binding, handle, files);
  }

  /** Everything read since the last drain, in time order. Works after stop() too. */
  drain(): { readings: ThreadReading[]; dropped: number } {
    const { buffer, dropped } = this.binding.drainSampling(this.handle);
    return { readings: decodeReadings(buffer, this.files), dropped };
  }

  mark(): void {
    if (!this.stopped) this.binding.markSampling(this.handle);
  }

  stop(): void {
    this.stopped = true;
    this.binding.stopSampling(this.handle);
  }
}
