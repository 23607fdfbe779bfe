import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLOCK_TICKS_PER_SECOND,
  parseAuxvClockTicks,
  parseProcStat,
  parseProcStatus,
  ProcCounters,
  readClockTicksPerSecond,
} from '../../../src/main/engine/trace/counters/proc-reader';
import { FIXTURES, fixtureText, fsFailingReads, tempDir } from './helpers';

describe('parseProcStat', () => {
  it('counts fields from the last ")" so a command name with spaces and parentheses parses', () => {
    expect(parseProcStat(fixtureText('proc/4242/stat'))).toEqual({
      state: 'S',
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
    expect(() => parseProcStat('1 (x) S 0')).toThrow(/field 10 is not a number/);
  });
});

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseProcStatus(fixtureText('proc/4242/status'))).toEqual({
      rssBytes: 131072 * 1024,
      peakRssBytes: 139428 * 1024,
    });
  });

  it('returns null without memory lines (zombie, kernel thread)', () => {
    expect(parseProcStatus('Name:\tnode\nState:\tZ (zombie)\nThreads:\t1\n')).toBeNull();
  });
});

describe('clock ticks', () => {
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

  it('finds AT_CLKTCK (17) in a 64-bit and a 32-bit auxiliary vector', () => {
    const pairs: [number, number][] = [[33, 0x7fff0000], [16, 0x178bfbff], [6, 4096], [17, 250], [3, 0x400040], [0, 0]];
    expect(parseAuxvClockTicks(auxv(8, pairs), 8, true)).toBe(250);
    expect(parseAuxvClockTicks(auxv(4, pairs), 4, true)).toBe(250);
  });

  it('stops at AT_NULL and reports a missing entry as null', () => {
    expect(parseAuxvClockTicks(auxv(8, [[6, 4096], [0, 0], [17, 250]]), 8, true)).toBeNull();
  });

  it('reads this machine (100, as getconf CLK_TCK says) and falls back to 100 without an auxv', () => {
    expect(readClockTicksPerSecond('/proc')).toBe(100);
    expect(readClockTicksPerSecond(tempDir('no-proc'))).toBe(DEFAULT_CLOCK_TICKS_PER_SECOND);
  });
});

/** A copy of the fixture process whose stat/status the test rewrites in place between polls. */
function fixtureProc(): { procRoot: string; bump(fields: { utime?: number; minflt?: number; majflt?: number; rssKib?: number }): void } {
  const procRoot = tempDir('proc');
  cpSync(join(FIXTURES, 'proc'), procRoot, { recursive: true });
  const statPath = join(procRoot, '4242/stat');
  const statusPath = join(procRoot, '4242/status');
  return {
    procRoot,
    bump({ utime = 0, minflt = 0, majflt = 0, rssKib }) {
      const text = readFileSync(statPath, 'utf8');
      const commEnd = text.lastIndexOf(')');
      const after = text.slice(commEnd + 2).trimEnd().split(' ');
      after[10 - 3] = String(Number(after[10 - 3]) + minflt);
      after[12 - 3] = String(Number(after[12 - 3]) + majflt);
      after[14 - 3] = String(Number(after[14 - 3]) + utime);
      writeFileSync(statPath, `${text.slice(0, commEnd + 2)}${after.join(' ')}\n`);
      if (rssKib !== undefined) {
        writeFileSync(statusPath, readFileSync(statusPath, 'utf8').replace(/VmRSS:\s+\d+ kB/, `VmRSS:\t${rssKib} kB`));
      }
    },
  };
}

describe('ProcCounters', () => {
  it('turns successive readings into rates per interval and cumulative values', () => {
    const proc = fixtureProc();
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, clockTicksPerSecond: 100 });
    counters.poll(0);
    proc.bump({ utime: 5, minflt: 120, majflt: 1, rssKib: 140000 });
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
    expect(byName['memory.peakRss'].samples?.[0]).toEqual([0, 139428 * 1024]);
    expect(byName['cpu.utilization']).toMatchObject({ unit: '%', available: true, source: `${proc.procRoot}/4242/stat` });
    expect(byName['memory.rss']).toMatchObject({ unit: 'bytes', source: `${proc.procRoot}/4242/status` });
    expect(byName['faults.minor'].unit).toBe('count');
    expect(byName['cpu.time'].unit).toBe('ms');
  });

  it('stops at ESRCH (the process was reaped) and keeps the samples taken before', () => {
    const proc = fixtureProc();
    let reaped = false;
    const fs = fsFailingReads(join(proc.procRoot, '4242/stat'), 'ESRCH', () => reaped);
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, clockTicksPerSecond: 100, fs });
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
    const counters = new ProcCounters({ procRoot: proc.procRoot, pid: 4242, clockTicksPerSecond: 100 });
    counters.poll(0);
    const statPath = join(proc.procRoot, '4242/stat');
    writeFileSync(statPath, readFileSync(statPath, 'utf8').replace(') S ', ') Z '));
    counters.poll(100);
    expect(counters.exited).toBe(true);
    expect(counters.series().find((s) => s.name === 'cpu.time')?.samples).toHaveLength(1);
    counters.close();
  });

  it('marks every series unavailable when the process is gone before the first read', () => {
    const counters = new ProcCounters({ procRoot: tempDir('proc'), pid: 4242, clockTicksPerSecond: 100 });
    expect(counters.exited).toBe(true);
    counters.poll(0);
    const series = counters.series();
    expect(series.map((s) => s.name)).toEqual([
      'cpu.utilization',
      'cpu.time',
      'memory.rss',
      'memory.peakRss',
      'faults.minor',
      'faults.major',
    ]);
    for (const s of series) {
      expect(s).toMatchObject({ available: false, reason: 'process 4242 had exited before sampling started' });
    }
    counters.close();
  });
});
