/**
 * CPU time, memory and page faults of the observed process, from /proc/<pid>/stat, statm and
 * status (see proc(5)).
 *
 * Resolution: the kernel reports utime/stime in clock ticks (USER_HZ, 100 per second on
 * every architecture Node runs on), so CPU time moves in 10 ms steps. At the default 10 ms
 * period each utilization sample is therefore close to a multiple of 100% of a core;
 * cpu.time (cumulative) lets a consumer average over any longer window exactly.
 *
 * Cost: what a tick reads is most of what the sampler costs beyond waking up. RSS comes from
 * statm ("resident", the same counter as VmRSS) because generating /proc/<pid>/status is
 * several times dearer than statm (about 17 vs 3 us per read on the project's VM under load;
 * at a 10 ms period status alone measured 0.4% of a core). The rss field of stat would save
 * that read too, but on 6.x kernels it is an approximate per-CPU sum (71 pages below VmRSS on
 * an idle process here, more on many-core machines). status is still needed for VmHWM,
 * but VmHWM is a high-water mark the kernel keeps, so it need not be read every tick: it is
 * read when RSS has risen above the last mark (the mark is moving), at least every
 * PEAK_READ_INTERVAL_MS otherwise, and once more when sampling stops. The native sampling
 * thread follows the same rule (it parses those two numbers itself: sampler_thread.cc).
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import type { CounterSeries } from '../../../../shared/report';
import { errnoCode, KeptFile, nodeCounterFs, readNow, type CounterFs, type ReadFile } from './kept-file';
import { availableSeries, unavailableSeries, type Sample, type ThreadFile, type ThreadSampledSource } from './series';

export interface ProcStat {
  /** Field 3: R, S, D, Z, ... */
  state: string;
  /** Field 9: the kernel's PF_* flags. */
  flags: number;
  minorFaults: number;
  majorFaults: number;
  utimeTicks: number;
  stimeTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The second field is the command name in parentheses and may itself
 * contain spaces and ')', so fields are counted from the LAST ')' on the line.
 */
export function parseProcStat(text: string): ProcStat {
  const commEnd = text.lastIndexOf(')');
  if (commEnd < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`);
  // after[0] is field 3 of proc(5), so field n is after[n - 3]; nothing past field 15 is needed.
  const after = text.slice(commEnd + 2).split(' ', 15 - 2);
  const field = (n: number): number => {
    const value = Number(after[n - 3]);
    if (!Number.isFinite(value)) throw new Error(`/proc/<pid>/stat field ${n} is not a number: ${after[n - 3]}`);
    return value;
  };
  return {
    state: after[0],
    flags: field(9),
    minorFaults: field(10),
    majorFaults: field(12),
    utimeTicks: field(14),
    stimeTicks: field(15),
  };
}

/** Resident set size in bytes from /proc/<pid>/statm (sizes in pages: size resident shared ...). */
export function parseProcStatmRss(text: string, pageBytes: number): number {
  const residentPages = Number(text.split(' ', 2)[1]);
  if (!Number.isFinite(residentPages)) throw new Error(`not a /proc/<pid>/statm line: ${JSON.stringify(text)}`);
  return residentPages * pageBytes;
}

/** VmHWM (peak RSS) in bytes from /proc/<pid>/status; null when absent (kernel threads, zombies). */
export function parseProcStatusPeakRss(text: string): number | null {
  // Every key but the first (Name) follows a newline; the kernel escapes newlines in Name.
  const at = text.indexOf('\nVmHWM:');
  if (at < 0) return null;
  const kib = parseInt(text.slice(at + '\nVmHWM:'.length, text.indexOf('\n', at + 1)), 10);
  return Number.isFinite(kib) ? kib * 1024 : null;
}

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/** Pairs of machine words (type, value) up to AT_NULL: the auxiliary vector (see getauxval(3)). */
export function parseAuxv(auxv: Buffer, wordBytes: 4 | 8, littleEndian: boolean): Map<number, number> {
  const word = (offset: number): number => {
    if (wordBytes === 4) return littleEndian ? auxv.readUInt32LE(offset) : auxv.readUInt32BE(offset);
    return Number(littleEndian ? auxv.readBigUInt64LE(offset) : auxv.readBigUInt64BE(offset));
  };
  const entries = new Map<number, number>();
  for (let offset = 0; offset + 2 * wordBytes <= auxv.length; offset += 2 * wordBytes) {
    const type = word(offset);
    if (type === 0) break; // AT_NULL
    entries.set(type, word(offset + wordBytes));
  }
  return entries;
}

export interface SystemConstants {
  clockTicksPerSecond: number;
  pageBytes: number;
}

/**
 * USER_HZ is 100 on every Linux architecture Node supports (Alpha's 1024 being the historical
 * exception); 4 KiB pages are the x86 and common arm64 size.
 */
export const DEFAULT_SYSTEM_CONSTANTS: SystemConstants = { clockTicksPerSecond: 100, pageBytes: 4096 };

const THIRTY_TWO_BIT_ARCHS = new Set(['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390']);

/**
 * AT_CLKTCK and AT_PAGESZ from <procRoot>/self/auxv: what sysconf(_SC_CLK_TCK) and
 * sysconf(_SC_PAGESIZE) return, without spawning getconf. Defaults when unreadable.
 */
export function readSystemConstants(procRoot: string): SystemConstants {
  try {
    const wordBytes = THIRTY_TWO_BIT_ARCHS.has(process.arch) ? 4 : 8;
    const auxv = parseAuxv(readFileSync(`${procRoot}/self/auxv`), wordBytes, endianness() === 'LE');
    return {
      clockTicksPerSecond: auxv.get(AT_CLKTCK) || DEFAULT_SYSTEM_CONSTANTS.clockTicksPerSecond,
      pageBytes: auxv.get(AT_PAGESZ) || DEFAULT_SYSTEM_CONSTANTS.pageBytes,
    };
  } catch {
    return DEFAULT_SYSTEM_CONSTANTS;
  }
}

/** VmHWM is read at least this often (and whenever RSS rises above it). */
export const PEAK_READ_INTERVAL_MS = 100;

export interface ProcCountersOptions {
  procRoot: string;
  pid: number;
  system: SystemConstants;
  fs?: CounterFs;
}

interface PreviousReading {
  tMs: number;
  cpuTicks: number;
  minorFaults: number;
  majorFaults: number;
}

/** PF_EXITING (include/linux/sched.h): set when exit starts, before the memory is torn down. */
const PF_EXITING = 0x4;

/** ESRCH: the kept fd's process was reaped; ENOENT: it was gone before we opened. */
function isGone(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ESRCH' || code === 'ENOENT';
}

export class ProcCounters implements ThreadSampledSource {
  private readonly statPath: string;
  private readonly statmPath: string;
  private readonly statusPath: string;
  private files: { stat: KeptFile; statm: KeptFile; status: KeptFile } | null = null;
  private openFailure: string | null = null;
  private gone = false;
  private previous: PreviousReading | null = null;
  private lastPeakReadMs = -Infinity;
  private lastPeakBytes = 0;
  private lastRssBytes = 0;
  private readonly utilization: Sample[] = [];
  private readonly cpuTime: Sample[] = [];
  private readonly rss: Sample[] = [];
  private readonly peakRss: Sample[] = [];
  private readonly minorFaults: Sample[] = [];
  private readonly majorFaults: Sample[] = [];
  private readonly system: SystemConstants;

  constructor(options: ProcCountersOptions) {
    const fs = options.fs ?? nodeCounterFs;
    this.system = options.system;
    const dir = `${options.procRoot}/${options.pid}`;
    this.statPath = `${dir}/stat`;
    this.statmPath = `${dir}/statm`;
    this.statusPath = `${dir}/status`;
    const paths = [this.statPath, this.statmPath, this.statusPath];
    const opened: KeptFile[] = [];
    try {
      for (const path of paths) opened.push(KeptFile.open(path, fs));
      this.files = { stat: opened[0], statm: opened[1], status: opened[2] };
    } catch (err) {
      for (const file of opened) file.close();
      this.gone = isGone(err);
      this.openFailure = this.gone
        ? `process ${options.pid} had exited before sampling started`
        : `cannot open ${paths[opened.length]}: ${errnoCode(err) ?? String(err)}`;
    }
  }

  /** True once the observed process has exited (or was never there). */
  get exited(): boolean {
    return this.gone;
  }

  poll(tMs: number): void {
    // take() reads status after stat and statm, so peakDue sees this reading's RSS.
    this.take(tMs, (file) => (file === this.files?.status && !this.peakDue(tMs) ? undefined : file.readText()));
  }

  /** The VmHWM cadence of the JS timer: whenever RSS rose above the last mark, else every PEAK_READ_INTERVAL_MS. */
  private peakDue(tMs: number): boolean {
    return this.lastRssBytes > this.lastPeakBytes || tMs - this.lastPeakReadMs >= PEAK_READ_INTERVAL_MS;
  }

  threadFiles(): ThreadFile[] {
    if (this.gone || !this.files) return [];
    return [
      { file: this.files.stat, minIntervalMs: 0 },
      { file: this.files.statm, minIntervalMs: 0 },
      {
        file: this.files.status,
        minIntervalMs: PEAK_READ_INTERVAL_MS,
        readWhenRssAbovePeak: { statm: this.files.statm, pageBytes: this.system.pageBytes },
      },
    ];
  }

  /** One reading: stat and statm make the CPU, RSS and fault samples; status, when read, the peak. */
  take(tMs: number, read: ReadFile): void {
    if (this.gone || !this.files) return;
    let statText: string | undefined;
    let statmText: string | undefined;
    try {
      statText = read(this.files.stat);
      statmText = read(this.files.statm);
    } catch (err) {
      if (!isGone(err)) throw err;
      this.gone = true;
      return;
    }
    if (statText === undefined || statmText === undefined) return; // a reading of other sources only
    const stat = parseProcStat(statText);
    const rssBytes = parseProcStatmRss(statmText, this.system.pageBytes);
    // A zombie (exited, not yet reaped by its parent) has no memory and no further CPU time. A process
    // whose exit is under way (PF_EXITING) is releasing its memory: a reading then would show its RSS
    // half torn down, so it counts as gone too (as does 0 resident pages, once the memory is released).
    if (stat.state === 'Z' || stat.state === 'X' || (stat.flags & PF_EXITING) !== 0 || rssBytes === 0) {
      this.gone = true;
      return;
    }
    const cpuTicks = stat.utimeTicks + stat.stimeTicks;
    this.cpuTime.push([tMs, (cpuTicks * 1000) / this.system.clockTicksPerSecond]);
    this.rss.push([tMs, rssBytes]);
    this.lastRssBytes = rssBytes;
    const previous = this.previous;
    if (previous && tMs > previous.tMs) {
      const cpuMs = ((cpuTicks - previous.cpuTicks) * 1000) / this.system.clockTicksPerSecond;
      this.utilization.push([tMs, (100 * cpuMs) / (tMs - previous.tMs)]);
      this.minorFaults.push([tMs, stat.minorFaults - previous.minorFaults]);
      this.majorFaults.push([tMs, stat.majorFaults - previous.majorFaults]);
    }
    this.previous = { tMs, cpuTicks, minorFaults: stat.minorFaults, majorFaults: stat.majorFaults };
    this.takePeak(tMs, read);
  }

  /** Reads VmHWM now, off its cadence: the sampler calls it when it stops. */
  readPeak(tMs: number): void {
    this.takePeak(tMs, readNow);
  }

  private takePeak(tMs: number, read: ReadFile): void {
    if (this.gone || !this.files || tMs === this.lastPeakReadMs) return;
    let text: string | undefined;
    try {
      text = read(this.files.status);
    } catch (err) {
      if (!isGone(err)) throw err;
      this.gone = true;
      return;
    }
    if (text === undefined) return;
    const peakBytes = parseProcStatusPeakRss(text);
    this.lastPeakReadMs = tMs;
    if (peakBytes === null) return;
    this.lastPeakBytes = peakBytes;
    this.peakRss.push([tMs, peakBytes]);
  }

  series(): CounterSeries[] {
    const specs: [name: string, unit: string, source: string, samples: Sample[]][] = [
      ['cpu.utilization', '%', this.statPath, this.utilization],
      ['cpu.time', 'ms', this.statPath, this.cpuTime],
      ['memory.rss', 'bytes', this.statmPath, this.rss],
      ['memory.peakRss', 'bytes', this.statusPath, this.peakRss],
      ['faults.minor', 'count', this.statPath, this.minorFaults],
      ['faults.major', 'count', this.statPath, this.majorFaults],
    ];
    const failure = this.openFailure;
    return specs.map(([name, unit, source, samples]) =>
      failure === null ? availableSeries(name, unit, source, samples) : unavailableSeries(name, unit, source, failure),
    );
  }

  close(): void {
    if (!this.files) return;
    for (const file of Object.values(this.files)) file.close();
  }
}
