import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERF_EVENTS, PerfSession, type PerfSessionOptions } from '../../../src/main/engine/trace/counters/perf-session';
import { fakePerf, fixtureText, isAlive, sleep, tempDir, waitFor, writeTree } from './helpers';

function options(overrides: Partial<PerfSessionOptions>): PerfSessionOptions {
  return {
    pid: process.pid,
    intervalMs: 10,
    binary: 'perf',
    clockOriginNs: process.hrtime.bigint(),
    procRoot: '/proc',
    sysfsRoot: tempDir('sysfs'), // empty: no CPU PMU listed
    ...overrides,
  };
}

describe('PerfSession', () => {
  it('passes perf the documented command line', async () => {
    const perf = fakePerf('replay', 'perf-intel-counted.txt');
    const session = await PerfSession.start(options({ binary: perf.binary, pid: 4242, intervalMs: 10 }));
    await perf.ready();
    await session.stop();
    expect(perf.state().args).toEqual(['stat', '-x,', '-I', '10', '-p', '4242', '-e', PERF_EVENTS.join(',')]);
  });

  it('never asks perf for intervals under 10 ms', async () => {
    const perf = fakePerf('replay', 'perf-intel-counted.txt');
    const session = await PerfSession.start(options({ binary: perf.binary, intervalMs: 2 }));
    await perf.ready();
    await session.stop();
    expect(perf.state().args.slice(2, 4)).toEqual(['-I', '10']);
  });

  it('stops perf with SIGINT and keeps the final partial interval it prints', async () => {
    const perf = fakePerf('replay', 'perf-intel-counted.txt');
    const session = await PerfSession.start(options({ binary: perf.binary }));
    // The fake prints its 3 regular intervals, 10 ms apart, then waits for SIGINT.
    await waitFor(() => perf.printedTimesSec().length === 3);
    const series = await session.stop();
    expect(isAlive(perf.state().pid)).toBe(false);

    expect(series.map((s) => s.name)).toEqual(PERF_EVENTS.map((e) => `perf.${e}`));
    const cycles = series[0];
    expect(cycles).toMatchObject({ available: true, unit: 'count' });
    expect(cycles.samples?.map(([, v]) => v)).toEqual([33812455, 34001872, 33954120, 22487315]);
    expect(cycles.source).toMatch(/^perf stat -x, -I 10 -p \d+; times anchored at output arrival, at most [\d.]+ ms late$/);
    expect(series[3].samples?.map(([, v]) => v)).toEqual([311260, 298874, 305514, 203877]);
  });

  it('says in the source when perf multiplexed and scaled an event', async () => {
    const perf = fakePerf('replay', 'perf-intel-multiplexed.txt');
    const session = await PerfSession.start(options({ binary: perf.binary }));
    await waitFor(() => perf.printedTimesSec().length === 2);
    const series = await session.stop();
    expect(series[0].source).not.toContain('multiplexed');
    expect(series[2].source).toContain('; multiplexed: counting as little as 50% of an interval, scaled up by perf;');
    expect(series[4].source).toContain('as little as 33%');
    expect(series[4].samples?.map(([, v]) => v)).toEqual([97611, 102204]);
  });

  it('places interval ends on the job clock within a few ms of the truth, never early', async () => {
    const clockOriginNs = process.hrtime.bigint();
    const perf = fakePerf('replay', 'perf-intel-counted.txt');
    const session = await PerfSession.start(options({ binary: perf.binary, clockOriginNs }));
    await waitFor(() => perf.printedTimesSec().length === 3);
    const samples = (await session.stop())[0].samples!;
    // The fake stamps each interval with its elapsed time since startNs, as perf does since enabling its
    // counters: on the job clock that interval ended at fakeOrigin + printed time.
    const fakeOriginMs = Number(perf.state().startNs - clockOriginNs) / 1e6;
    const printedSec = perf.printedTimesSec();
    expect(samples).toHaveLength(printedSec.length);
    const errorsMs = samples.map(([tMs], i) => tMs - (fakeOriginMs + printedSec[i] * 1000));
    for (const errorMs of errorsMs) {
      expect(errorMs).toBeGreaterThanOrEqual(-1e-6);
      expect(errorMs).toBeLessThan(10);
    }
    // The spawn-time bound alone would be off by the fake's whole start-up (node: tens of ms).
    expect(fakeOriginMs).toBeGreaterThan(Math.max(...errorsMs));
  });

  it('interrupts perf as soon as every event is <not supported>, before stop()', async () => {
    const perf = fakePerf('repeat', 'perf-vm-not-supported.txt');
    const session = await PerfSession.start(options({ binary: perf.binary }));
    await perf.ready();
    await waitFor(() => !isAlive(perf.state().pid), 3000);
    const series = await session.stop();
    for (const s of series) {
      expect(s).toMatchObject({ available: false, reason: 'perf: event not supported on this CPU (no PMU exposed)' });
      expect(s.samples).toBeUndefined();
    }
  });

  it('says "not supported on this CPU" without the PMU remark when a CPU PMU is listed or only some events fail', async () => {
    const sysfsRoot = writeTree(tempDir('sysfs'), { 'bus/event_source/devices/cpu/type': '4\n' });
    const allUnsupported = fakePerf('replay', 'perf-vm-not-supported.txt');
    const first = await PerfSession.start(options({ binary: allUnsupported.binary, sysfsRoot }));
    await allUnsupported.ready();
    let series = await first.stop();
    expect(series[0].reason).toBe('perf: event not supported on this CPU');

    const zen = fakePerf('replay', 'perf-amd-zen-user.txt');
    const session = await PerfSession.start(options({ binary: zen.binary }));
    await waitFor(() => zen.printedTimesSec().length === 1);
    series = await session.stop();
    expect(series.find((s) => s.name === 'perf.cycles')).toMatchObject({ available: true });
    expect(series.find((s) => s.name === 'perf.LLC-load-misses')).toMatchObject({
      available: false,
      reason: 'perf: event not supported on this CPU',
    });
  });

  it('reports a missing perf as not installed', async () => {
    const session = await PerfSession.start(options({ binary: join(tempDir('no-perf'), 'perf') }));
    const series = await session.stop();
    expect(series).toHaveLength(PERF_EVENTS.length);
    for (const s of series) expect(s).toMatchObject({ available: false, reason: 'perf not installed' });
  });

  it('names perf_event_paranoid and its value when perf is refused', async () => {
    const procRoot = writeTree(tempDir('proc'), { 'sys/kernel/perf_event_paranoid': '4\n' });
    const perf = fakePerf('fail', 'perf-permission-denied.txt');
    const session = await PerfSession.start(options({ binary: perf.binary, procRoot }));
    await perf.ready();
    await waitFor(() => !isAlive(perf.state().pid));
    const series = await session.stop();
    for (const s of series) {
      expect(s.available).toBe(false);
      expect(s.reason).toBe(
        'perf: permission denied (/proc/sys/kernel/perf_event_paranoid is 4; grant CAP_PERFMON or lower it)',
      );
    }
  });

  it('reports perf failing for another reason with its exit code and first line', async () => {
    const usage = join(tempDir('perf-usage'), 'usage.txt');
    writeTree('/', { [usage]: 'Problems finding threads of monitor\n\n Usage: perf stat [<options>] [<command>]\n' });
    const perf = fakePerf('fail', usage);
    const session = await PerfSession.start(options({ binary: perf.binary }));
    await perf.ready();
    await waitFor(() => !isAlive(perf.state().pid));
    const series = await session.stop();
    expect(series[0].reason).toBe('perf exited with code 255: Problems finding threads of monitor');
  });

  it('marks events that were <not counted> in every interval unavailable, not zero', async () => {
    const idle = join(tempDir('perf-idle'), 'idle.txt');
    writeTree('/', { [idle]: fixtureText('perf-idle-not-counted.txt').replaceAll('task-clock', 'cycles') });
    const perf = fakePerf('replay', idle);
    const session = await PerfSession.start(options({ binary: perf.binary }));
    await waitFor(() => perf.printedTimesSec().length === 2);
    const series = await session.stop();
    expect(series[0]).toMatchObject({
      name: 'perf.cycles',
      available: false,
      reason: 'perf: <not counted> in every interval (the process never ran while counted)',
    });
    // Events perf printed nothing for at all.
    expect(series[1].reason).toBe('perf: stopped before its first interval completed');
  });

  it('SIGKILLs a perf that ignores SIGINT, so it never outlives stop()', async () => {
    const perf = fakePerf('wedged', 'perf-intel-counted.txt');
    const session = await PerfSession.start(options({ binary: perf.binary }));
    await waitFor(() => perf.printedTimesSec().length === 3);
    await sleep(20); // the last rows may still be in the pipe
    const series = await session.stop();
    expect(isAlive(perf.state().pid)).toBe(false);
    // The intervals printed before the kill are kept.
    expect(series[0].samples?.map(([, v]) => v)).toEqual([33812455, 34001872, 33954120]);
  });

  it('stop() is idempotent', async () => {
    const perf = fakePerf('replay', 'perf-intel-counted.txt');
    const session = await PerfSession.start(options({ binary: perf.binary }));
    await perf.ready();
    const first = session.stop();
    expect(session.stop()).toBe(first);
    expect(await first).toEqual(await session.stop());
  });
});
