/**
 * The sampler on its native-thread path (thread-sampler.ts) against its JS-timer fallback, end
 * to end on real child processes: the path chosen and why, the same series from both, marks
 * splitting windows exactly, a full buffer reported, the thread stopping with the observed
 * process, and nothing left behind.
 */
import { once } from 'node:events';
import { cpSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CounterSeries } from '../../../src/shared/report';
import { startSampler } from '../../../src/main/engine/trace/counters/index';
import { loadPerfEventAddon, PERF_ADDON_ENV } from '../../../src/main/engine/trace/counters/perf-event-addon';
import { countInWindows } from '../../../src/main/engine/trace/counters/perf-event-topdown';
import { samplingThreadOf, type SamplingThreadBinding } from '../../../src/main/engine/trace/counters/sampling-thread';
import { ObservedChildren, PROC_SERIES_NAMES, seriesByName, sleep, tempDir, writeTree } from './helpers';

const thread = samplingThreadOf(loadPerfEventAddon());
const binding = (thread.available ? thread.binding : null) as SamplingThreadBinding;

const children = new ObservedChildren();
afterEach(() => {
  children.killAll();
  delete process.env[PERF_ADDON_ENV];
});

function msSince(originNs: bigint): number {
  return Number(process.hrtime.bigint() - originNs) / 1e6;
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** A laptop: the thermal fixture plus RAPL zones and a discharging battery (static values). */
function laptopSysfs(): string {
  const root = tempDir('thread-sampler-sysfs');
  cpSync(join(__dirname, '../../fixtures/sysfs/thermal-intel-laptop'), root, { recursive: true });
  const zone = (dir: string, name: string, energyUj: number) => ({
    [`${dir}/name`]: `${name}\n`,
    [`${dir}/energy_uj`]: `${energyUj}\n`,
    [`${dir}/max_energy_range_uj`]: '262143328850\n',
  });
  return writeTree(root, {
    ...zone('class/powercap/intel-rapl:0', 'package-0', 5_000_000),
    ...zone('class/powercap/intel-rapl:0/intel-rapl:0:2', 'dram', 700_000),
    'class/power_supply/BAT0/status': 'Discharging\n',
    'class/power_supply/BAT0/power_now': '12500000\n',
  });
}

describe.skipIf(!thread.available)('the sampler on the native sampling thread', () => {
  it('takes the thread by default and the JS timer when told to or when the addon is off, saying why', async () => {
    const child = children.busy(2000);
    const clockOriginNs = process.hrtime.bigint();
    const paths = [];
    for (const options of [{}, { samplingThread: 'off' as const }]) {
      const sampler = await startSampler({ pid: child.pid!, clockOriginNs, nvidiaSmi: 'off', ...options });
      paths.push(sampler.sampling);
      await sampler.stop();
    }
    process.env[PERF_ADDON_ENV] = 'off';
    const off = await startSampler({ pid: child.pid!, clockOriginNs, nvidiaSmi: 'off' });
    paths.push(off.sampling);
    await off.stop();
    expect(paths).toEqual([
      { path: 'thread', why: 'the native sampling thread (perf addon) started' },
      { path: 'timer', why: "timer: samplingThread: 'off'" },
      { path: 'timer', why: `timer: perf addon disabled by ${PERF_ADDON_ENV}=off` },
    ]);
  });

  it('produces the series the JS timer produces: names, units, sources, availability, cadences and values', async () => {
    const sysfsRoot = laptopSysfs();
    const run = async (samplingThread: 'auto' | 'off') => {
      const child = children.busy(600);
      const exited = once(child, 'exit');
      const sampler = await startSampler({ pid: child.pid!, clockOriginNs: process.hrtime.bigint(), periodMs: 10, sysfsRoot, samplingThread, nvidiaSmi: 'off' });
      expect(sampler.sampling.path).toBe(samplingThread === 'auto' ? 'thread' : 'timer');
      await exited;
      return sampler.stop();
    };
    const native = await run('auto');
    const timer = await run('off');

    const shape = ({ samples: _samples, source, ...rest }: CounterSeries) => ({ ...rest, source: source.replace(/\/proc\/\d+\//, '/proc/PID/') });
    expect(native.map(shape)).toEqual(timer.map(shape));
    const names = native.map((s) => s.name);
    expect(names.slice(0, 6)).toEqual(PROC_SERIES_NAMES);
    for (const name of ['perf.task-clock', 'power.package', 'power.rapl.dram', 'power.battery', 'cpu.frequency.cpu0', 'temperature.zone.acpitz']) {
      expect(names).toContain(name);
    }

    const t = seriesByName(timer);
    for (const s of native.filter((x) => x.available)) {
      const samples = s.samples!;
      const timerSamples = t[s.name].samples!;
      for (let i = 1; i < samples.length; i++) expect(samples[i][0]).toBeGreaterThan(samples[i - 1][0]);
      // The same cadence: as many samples, give or take the machine's load (600 ms runs).
      if (timerSamples.length >= 4) {
        expect(samples.length / timerSamples.length).toBeGreaterThan(0.6);
        expect(samples.length / timerSamples.length).toBeLessThan(1.6);
      }
    }
    // Files that do not change read the same on both paths.
    for (const name of names.filter((n) => /^(power|cpu\.frequency|temperature)\./.test(n))) {
      const values = (series: CounterSeries[]) => [...new Set(seriesByName(series)[name].samples!.map(([, v]) => v))];
      expect(values(native)).toEqual(values(timer));
      expect(values(native).length).toBe(1);
    }
    expect(seriesByName(native)['power.battery'].samples![0][1]).toBe(12.5);
    expect(seriesByName(native)['power.package'].samples![0][1]).toBe(0);
    // Both keep the readers' minimum intervals: the battery 100 ms, the thermal gauges 200 ms.
    for (const [name, everyMs] of [['power.battery', 100], ['cpu.frequency.cpu0', 200]] as const) {
      const times = seriesByName(native)[name].samples!.map(([time]) => time);
      expect(times.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(everyMs);
    }
  });

  it('splits counts exactly at marks: each mark is a reading taken during the call', async () => {
    const clockOriginNs = process.hrtime.bigint();
    const child = children.busy(2000);
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs, periodMs: 10, nvidiaSmi: 'off' });
    expect(sampler.sampling.path).toBe('thread');
    const marks: [number, number][] = [];
    for (let i = 0; i < 6; i++) {
      await sleep(37);
      const before = msSince(clockOriginNs);
      sampler.mark();
      marks.push([before, msSince(clockOriginNs)]);
    }
    const s = seriesByName(await sampler.stop());
    const taskClock = s['perf.task-clock'];
    expect(taskClock).toMatchObject({ available: true, route: 'perf_event_open' });
    const samples = taskClock.samples!;
    // The mark's reading is stamped between the call's start and return (not on a later tick).
    const at = marks.map(([before, after]) => samples.find(([t]) => t >= before && t <= after)?.[0]);
    expect(at.every((t) => t !== undefined)).toBe(true);
    // So a window between two marks is a sum of whole samples: nothing prorated at its edges.
    for (let i = 1; i < at.length; i++) {
      const window = { startMs: at[i - 1]!, endMs: at[i]! };
      const whole = samples.filter(([t]) => t > window.startMs && t <= window.endMs).reduce((sum, [, v]) => sum + v, 0);
      const { count, coveredMs } = countInWindows(samples, [window]);
      expect(count).toBeCloseTo(whole, 9);
      expect(coveredMs).toBeCloseTo(window.endMs - window.startMs, 9);
      // CPU time of all the child's threads (a busy one, V8's helpers): at most every CPU for the whole window.
      expect(whole).toBeGreaterThan(0);
      expect(whole).toBeLessThanOrEqual(availableParallelism() * (window.endMs - window.startMs) + 1);
    }
  });

  it('reports ticks dropped while the event loop did not drain, in the sources of the series it read', async () => {
    const clockOriginNs = process.hrtime.bigint();
    const child = children.busy(3000);
    // A buffer for one worst-case tick: a few dozen real readings at 1 ms.
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs, periodMs: 1, threadBufferMs: 1, nvidiaSmi: 'off' });
    const blockedFromMs = msSince(clockOriginNs);
    busyWait(250);
    await sleep(30);
    const s = seriesByName(await sampler.stop());
    const note = /; sampling thread: (\d+) tick\(s\) dropped \(its buffer filled while the event loop did not drain it; the intervals around them are longer\)$/;
    expect(Number(note.exec(s['cpu.time'].source)?.[1])).toBeGreaterThan(50);
    expect(s['perf.task-clock'].source).toMatch(note);
    expect(s['power.package'].source).not.toMatch(note); // no RAPL here: nothing the thread read
    // The readings around the gap still give rates over the actual intervals.
    const times = s['cpu.time'].samples!.map(([t]) => t);
    const gaps = times.slice(1).map((t, i) => [times[i], t - times[i]]).filter(([from, gap]) => from >= blockedFromMs && gap > 100);
    expect(gaps.length).toBeGreaterThan(0);
    expect(s['cpu.utilization'].samples!.map(([t]) => t)).toEqual(times.slice(1));
  });

  it('stops its thread once the observed process exits, and still reads the perf counters at marks', async () => {
    const clockOriginNs = process.hrtime.bigint();
    const child = children.busy(150);
    const exited = once(child, 'exit');
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs, periodMs: 10, nvidiaSmi: 'off' });
    expect(binding.runningSamplingThreads()).toBe(1);
    await exited;
    await sleep(250); // two drains
    expect(binding.runningSamplingThreads()).toBe(0);
    const exitedMs = msSince(clockOriginNs);
    sampler.mark();
    const s = seriesByName(await sampler.stop());
    expect(s['cpu.time'].samples!.at(-1)![0]).toBeLessThan(exitedMs);
    expect(s['perf.task-clock'].samples!.at(-1)![0]).toBeGreaterThanOrEqual(exitedMs);
  });

  it('stop() is idempotent, and 50 samplers leave no thread or descriptor behind', async () => {
    const child = children.busy(10_000);
    await once(child, 'spawn');
    const fdsBefore = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) {
      const sampler = await startSampler({ pid: child.pid!, clockOriginNs: process.hrtime.bigint(), periodMs: 5, nvidiaSmi: 'off' });
      if (i % 10 === 0) await sleep(20);
      const first = sampler.stop();
      expect(sampler.stop()).toBe(first);
      const series = await first;
      expect(seriesByName(series)['cpu.time'].samples!.length).toBeGreaterThanOrEqual(1);
      expect(binding.runningSamplingThreads()).toBe(0);
    }
    expect(readdirSync('/proc/self/fd').length).toBe(fdsBefore);
  });
});
