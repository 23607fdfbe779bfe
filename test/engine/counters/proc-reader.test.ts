import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SYSTEM_CONSTANTS,
  parseAuxv,
  parseProcStat,
  parseProcStatmRss,
  parseProcStatusPeakRss,
  PEAK_READ_INTERVAL_MS,
  ProcCounters,
  readSystemConstants,
} from '../../../src/main/engine/trace/counters/proc-reader';
import { FIXTURES, fixtureText, fsFailingReads, PROC_SERIES_NAMES, tempDir } from './helpers';

const SYSTEM = { clockTicksPerSecond: 100, pageBytes: 4096 };

describe('parseProcStat', () => {
  it('counts fields from the last ")" so a command name with spaces and parentheses parses', () => {
    expect(parseProcStat(fixtureText('proc/4242/stat'))).toEqual({
      state: 'S',
      flags: 4194304,
      minorFaults: 29687,
      majorFaults: 3,
      utimeTicks: 67,
      stimeTicks: 12,
    });
  });

  it('reads a plain command name the same way', () => {
    const line = '9136 (bash) R 9134 9134 4418 0 -1 4194368 100 0 7 0 5 2 0 0 20 0 1 0 66025 4726784 471';
    expect(parseProcStat(line)).toMatchObject({ state: 'R', minorFaults: 100, majorFaults: 7, utimeTicks: 5, stimeTicks: 2 });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('')).toThrow(/not a \/proc\/<pid>\/stat line/);
    expect(() => parseProcStat('1 (x) S 0')).toThrow(/field 9 is not a number/);
  });
});

describe('memory', () => {
  it('reads the resident set from statm in pages, and VmHWM from status', () => {
    expect(parseProcStatmRss(fixtureText('proc/4242/statm'), 4096)).toBe(131072 * 1024);
    expect(parseProcStatmRss('100 25 0 0 0 0 0\n', 16384)).toBe(25 * 16384);
    expect(parseProcStatusPeakRss(fixtureText('proc/4242/status'))).toBe(139428 * 1024);
  });

  it('statm resident is the same counter as VmRSS (checked on this process)', () => {
    const statm = parseProcStatmRss(readFileSync('/proc/self/statm', 'latin1'), readSystemConstants('/proc').pageBytes);
    const vmRssKib = Number(/\nVmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'latin1'))![1]);
    // Two reads a few microseconds apart: equal unless this process touched new pages in between.
    expect(Math.abs(statm - vmRssKib * 1024)).toBeLessThan(1024 * 1024);
  });

  it('returns null without VmHWM (zombie, kernel thread) and rejects a bad statm', () => {
    expect(parseProcStatusPeakRss('Name:\tnode\nState:\tZ (zombie)\nThreads:\t1\n')).toBeNull();
    expect(() => parseProcStatmRss('', 4096)).toThrow(/not a \/proc\/<pid>\/statm line/);
  });
});

describe('system constants', () => {
  function auxv(wordBytes: 4 | 8, pairs: [number, number][]): Buffer {
    const buffer = Buffer.alloc(pairs.length * 2 * wordBytes);
    pairs.forEach(([type, value], i) => {
      if (wordBytes === 8) {
        buffer.writeBigUInt64LE(BigInt(type), i * 16);
        buffer.writeBigUInt64LE(BigInt(value), i * 16 + 8);
      } else {
        buffer.writeUInt32LE(type, i * 8);
        buffer.writeUInt32LE(value, i * 8 + 4);
      }
    });
    return buffer;
  }

  it('reads AT_PAGESZ (6) and AT_CLKTCK (17) from a 64-bit and a 32-bit auxiliary vector', () => {
    const pairs: [number, number][] = [[33, 0x7fff0000], [16, 0x178bfbff], [6, 16384], [17, 250], [3, 0x400040], [0, 0]];
    for (const wordBytes of [8, 4] as const) {
      const entries = parseAuxv(auxv(wordBytes, pairs), wordBytes, true);
      expect([entries.get(6), entries.get(17)]).toEqual([16384, 250]);
    }
  });

  it('stops at AT_NULL', () => {
    expect(parseAuxv(auxv(8, [[6, 4096], [0, 0], [17, 250]]), 8, true).has(17)).toBe(false);
  });

  it('reads this machine (as getconf CLK_TCK and PAGESIZE say) and falls back without an auxv', () => {
    expect(readSystemConstants('/proc')).toEqual({ clockTicksPerSecond: 100, pageBytes: 4096 });
    expect(readSystemConstants(tempDir('no-proc'))).toEqual(DEFAULT_SYSTEM_CONSTANTS);
  });
});

/** A copy of the fixture process whose files the test rewrites in place between polls. */
function fixtureProc(): {
  procRoot: string;
  bump(change: { utime?: number; minflt?: number; majflt?: number; rssKib?: number; peakKib?: number }): void;
} {
  const procRoot = tempDir('proc');
  cpSync(join(FIXTURES, 'proc'), procRoot, { recursive: true });
  const path = (file: string) => join(procRoot, '4242', file);
  return {
    procRoot,
    bump({ utime = 0, minflt = 0, majflt = 0, rssKib, peakKib }) {
      const text = readFileSync(path('stat'), 'utf8');
      const commEnd = text.lastIndexOf(')');
      const after = text.slice(commEnd + 2).trimEnd().split(' ');
      after[10 - 3] = String(Number(after[10 - 3]) + minflt);
      after[12 - 3] = String(Number(after[12 - 3]) + majflt);
      after[14 - 3] = String(Number(after[14 - 3]) + utime);
      writeFileSync(path('stat'), `${text.slice(0, commEnd + 2)}${after.join(' ')}\n`);
      if (rssKib !== undefined) {
        const statm = readFileSync(path('statm'), 'utf8').split(' ');
        statm[1] = String(rssKib / 4);
        writeFileSync(path('statm'), statm.join(' '));
      }
      if (peakKib !== undefined) {
        writeFileSync(path('status'), readFileSync(path('status'), 'utf8').replace(/VmHWM:\s+\d+ kB/, `VmHWM:\t${peakKib} kB`));
      }
    },
  };
}

describe('ProcCounters', () => {
  it('turns successive readings into rates per interval and cumulative values', () => {
    const proc = fixtureProc();
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, system: SYSTEM });
    counters.poll(0);
    proc.bump({ utime: 5, minflt: 120, majflt: 1, rssKib: 140000, peakKib: 140000 });
    counters.poll(100);
    proc.bump({ utime: 20 });
    counters.poll(200);
    counters.close();
    const byName = Object.fromEntries(counters.series().map((s) => [s.name, s]));

    // 5 ticks = 50 ms of CPU in 100 ms: half a core; then 200 ms in 100 ms: two cores.
    expect(byName['cpu.utilization'].samples).toEqual([
      [100, 50],
      [200, 200],
    ]);
    expect(byName['cpu.time'].samples).toEqual([
      [0, 790],
      [100, 840],
      [200, 1040],
    ]);
    expect(byName['faults.minor'].samples).toEqual([
      [100, 120],
      [200, 0],
    ]);
    expect(byName['faults.major'].samples).toEqual([
      [100, 1],
      [200, 0],
    ]);
    expect(byName['memory.rss'].samples?.map(([, v]) => v)).toEqual([131072 * 1024, 140000 * 1024, 140000 * 1024]);
    // VmHWM at the first poll, when RSS rose past it (100), and when due again (200).
    expect(byName['memory.peakRss'].samples).toEqual([
      [0, 139428 * 1024],
      [100, 140000 * 1024],
      [200, 140000 * 1024],
    ]);
    expect(byName['cpu.utilization']).toMatchObject({ unit: '%', available: true, source: `${proc.procRoot}/4242/stat` });
    expect(byName['memory.rss']).toMatchObject({ unit: 'bytes', source: `${proc.procRoot}/4242/statm` });
    expect(byName['memory.peakRss']).toMatchObject({ unit: 'bytes', source: `${proc.procRoot}/4242/status` });
    expect(byName['faults.minor'].unit).toBe('count');
    expect(byName['cpu.time'].unit).toBe('ms');
  });

  it('reads VmHWM every PEAK_READ_INTERVAL_MS without growth, and on demand', () => {
    const proc = fixtureProc();
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, system: SYSTEM });
    for (let tMs = 0; tMs <= 250; tMs += 10) counters.poll(tMs);
    // A spike between two reads, gone by the next statm read, only shows in VmHWM.
    proc.bump({ peakKib: 150000 });
    counters.poll(260);
    counters.readPeak(265);
    counters.readPeak(265); // once per timestamp
    counters.close();
    const peak = counters.series().find((s) => s.name === 'memory.peakRss')!.samples!;
    expect(peak.map(([t]) => t)).toEqual([0, PEAK_READ_INTERVAL_MS, 2 * PEAK_READ_INTERVAL_MS, 265]);
    expect(peak[3][1]).toBe(150000 * 1024);
  });

  it('stops at ESRCH (the process was reaped) and keeps the samples taken before', () => {
    const proc = fixtureProc();
    let reaped = false;
    const fs = fsFailingReads(join(proc.procRoot, '4242/stat'), 'ESRCH', () => reaped);
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, system: SYSTEM, fs });
    counters.poll(0);
    proc.bump({ utime: 10 });
    counters.poll(100);
    reaped = true;
    counters.poll(200);
    expect(counters.exited).toBe(true);
    counters.poll(300);
    counters.close();
    const utilization = counters.series().find((s) => s.name === 'cpu.utilization');
    expect(utilization).toMatchObject({ available: true, samples: [[100, 100]] });
  });

  it('treats a zombie as exited', () => {
    const proc = fixtureProc();
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, system: SYSTEM });
    counters.poll(0);
    const statPath = join(proc.procRoot, '4242/stat');
    writeFileSync(statPath, readFileSync(statPath, 'utf8').replace(') S ', ') Z '));
    counters.poll(100);
    expect(counters.exited).toBe(true);
    expect(counters.series().find((s) => s.name === 'cpu.time')?.samples).toHaveLength(1);
    counters.close();
  });

  it('treats a process whose exit is under way (PF_EXITING) as exited: its RSS is being torn down', () => {
    const proc = fixtureProc();
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, system: SYSTEM });
    counters.poll(0);
    const statPath = join(proc.procRoot, '4242/stat');
    // flags 4194304 (PF_RANDOMIZE) | 0x4 (PF_EXITING); statm still shows memory.
    writeFileSync(statPath, readFileSync(statPath, 'utf8').replace(' 4194304 ', ` ${4194304 | 0x4} `));
    counters.poll(100);
    expect(counters.exited).toBe(true);
    expect(counters.series().find((s) => s.name === 'memory.rss')?.samples).toHaveLength(1);
    counters.close();
  });

  it('marks every series unavailable when the process is gone before the first read', () => {
    const counters = new ProcCounters({ procRoot: tempDir('proc'), pid: 4242, system: SYSTEM });
    expect(counters.exited).toBe(true);
    counters.poll(0);
    const series = counters.series();
    expect(series.map((s) => s.name)).toEqual(PROC_SERIES_NAMES);
    for (const s of series) {
      expect(s).toMatchObject({ available: false, reason: 'process 4242 had exited before sampling started' });
    }
    counters.close();
  });
});
