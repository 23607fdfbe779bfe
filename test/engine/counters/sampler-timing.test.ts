import { describe, expect, it } from 'vitest';
import type { CounterSeries } from '../../../src/shared/report';
import { unavailablePerfSeries } from '../../../src/main/engine/trace/counters/perf-session';
import { ProcCounters } from '../../../src/main/engine/trace/counters/proc-reader';
import { Sampler } from '../../../src/main/engine/trace/counters/sampler';
import { availableSeries, type PolledSource } from '../../../src/main/engine/trace/counters/series';
import { FIXTURES, PROC_SERIES_NAMES, sleep } from './helpers';

/** Records when it is polled; throws on poll number `failAt`. */
class RecordingSource implements PolledSource {
  readonly polls: number[] = [];
  closed = false;
  constructor(private readonly failAt = Infinity) {}
  poll(tMs: number): void {
    this.polls.push(tMs);
    if (this.polls.length >= this.failAt) throw new Error('reader bug');
  }
  series(): CounterSeries[] {
    return [availableSeries('test.polls', 'count', 'test', this.polls.map((t) => [t, 1]))];
  }
  close(): void {
    this.closed = true;
  }
}

/** A process that never exits: the fixture's frozen /proc files. */
function frozenProc(): ProcCounters {
  return new ProcCounters({ procRoot: `${FIXTURES}/proc`, pid: 4242, system: { clockTicksPerSecond: 100, pageBytes: 4096 } });
}

function intervals(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const PERIOD_MS = 10;

describe('Sampler timing', () => {
  it('polls on a drift-free grid: timer lateness does not accumulate', async () => {
    const source = new RecordingSource();
    const sampler = new Sampler(
      { proc: frozenProc(), system: [source], perf: null, perfUnavailable: [] },
      PERIOD_MS,
      process.hrtime.bigint(),
    );
    await sleep(405);
    await sampler.stop();
    const polls = source.polls.slice(0, -1); // the last one is stop()'s
    expect(polls.length).toBeGreaterThan(30);
    // Offset of each poll from its grid point start + k * period, k counted along the polls (an
    // interval of about two periods is a skipped deadline). Timers re-armed relative to the
    // previous tick drift by their lateness every tick, so their offsets keep growing.
    let k = 0;
    const offsets = polls.map((t, i) => {
      if (i > 0) k += Math.round((t - polls[i - 1]) / PERIOD_MS);
      return t - polls[0] - k * PERIOD_MS;
    });
    const lastTen = offsets.slice(-10).sort((a, b) => a - b);
    expect(Math.abs(lastTen[5])).toBeLessThan(2);
    expect(Math.min(...intervals(polls))).toBeGreaterThanOrEqual(PERIOD_MS / 2);
  });

  it('skips the deadlines missed while the event loop was blocked instead of bursting', async () => {
    const source = new RecordingSource();
    const clockOriginNs = process.hrtime.bigint();
    const sampler = new Sampler(
      { proc: frozenProc(), system: [source], perf: null, perfUnavailable: [] },
      PERIOD_MS,
      clockOriginNs,
    );
    await sleep(35);
    const blockStartMs = Number(process.hrtime.bigint() - clockOriginNs) / 1e6;
    busyWait(55);
    const blockEndMs = Number(process.hrtime.bigint() - clockOriginNs) / 1e6;
    await sleep(60);
    await sampler.stop();
    expect(Math.min(...intervals(source.polls))).toBeGreaterThanOrEqual(PERIOD_MS / 2);
    expect(source.polls.filter((t) => t > blockStartMs && t < blockEndMs)).toEqual([]);
    // One catch-up reading right after the block, then back on the grid: no burst.
    expect(source.polls.filter((t) => t >= blockEndMs && t < blockEndMs + PERIOD_MS / 2)).toHaveLength(1);
  });

  it('stops polling after a reader throws, closes the readers, and reports the error from stop()', async () => {
    const failing = new RecordingSource(3);
    const other = new RecordingSource();
    const sampler = new Sampler(
      { proc: frozenProc(), system: [other, failing], perf: null, perfUnavailable: [] },
      PERIOD_MS,
      process.hrtime.bigint(),
    );
    await sleep(80);
    await expect(sampler.stop()).rejects.toThrow('reader bug');
    expect(failing.polls).toHaveLength(3);
    expect(other.polls).toHaveLength(3);
    expect([failing.closed, other.closed]).toEqual([true, true]);
  });

  it('returns the series in order: process, perf, system', async () => {
    const source = new RecordingSource();
    const sampler = new Sampler(
      { proc: frozenProc(), system: [source], perf: null, perfUnavailable: unavailablePerfSeries('perf disabled') },
      PERIOD_MS,
      process.hrtime.bigint(),
    );
    const names = (await sampler.stop()).map((s) => s.name);
    expect(names).toEqual([
      ...PROC_SERIES_NAMES,
      'perf.cycles',
      'perf.instructions',
      'perf.cache-references',
      'perf.cache-misses',
      'perf.LLC-load-misses',
      'test.polls',
    ]);
  });
});
