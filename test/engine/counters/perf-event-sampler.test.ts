/**
 * The sampler choosing its perf route: the perf_event_open addon when it loads, `perf stat`
 * when it is off or missing, and each perf.* series saying which route counted it and why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startSampler } from '../../../src/main/engine/trace/counters/index';
import { PERF_ADDON_ENV } from '../../../src/main/engine/trace/counters/perf-event-addon';
import { ObservedChildren, seriesByName, tempDir } from './helpers';

const children = new ObservedChildren();
afterEach(() => {
  children.killAll();
  delete process.env[PERF_ADDON_ENV];
});

const perfInstalled = spawnSync('perf', ['--version']).status === 0;
const onLinux = process.platform === 'linux';

describe.skipIf(!onLinux)('the sampler\'s perf route', () => {
  it('counts through the addon by default, reads at marks between ticks, and agrees with /proc', async () => {
    const clockOriginNs = process.hrtime.bigint();
    const script = 'const end = Date.now() + 400; while (Date.now() < end); const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));';
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.track(child);
    let childCpuMs = '';
    child.stdout!.on('data', (chunk: Buffer) => (childCpuMs += chunk.toString()));
    const exited = once(child, 'close');
    // A long period, so most perf samples below come from marks.
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs, periodMs: 1000 });
    const marks: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      marks.push(Number(process.hrtime.bigint() - clockOriginNs) / 1e6);
      sampler.mark();
    }
    await exited;
    const s = seriesByName(await sampler.stop());

    const taskClock = s['perf.task-clock'];
    expect(taskClock).toMatchObject({ available: true, unit: 'ms', route: 'perf_event_open', routeReason: 'the perf_event_open addon loaded' });
    const times = taskClock.samples!.map(([t]) => t);
    // One sample per mark (stamped right at it), plus the ticks' and the final read.
    for (const markMs of marks) expect(times.some((t) => Math.abs(t - markMs) < 5)).toBe(true);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    // The addon's CPU time since it opened = the child's own total minus what /proc had counted
    // at the first sample, give or take /proc's 10 ms ticks, plus the child's exit after it
    // measured itself, which only perf sees: 11-20 ms on a quiet machine, 33 ms seen under CI load.
    const perfMs = taskClock.samples!.reduce((sum, [, v]) => sum + v, 0);
    const cpuAtOpenMs = s['cpu.time'].samples![0][1];
    const ownMeasureMs = Number(childCpuMs) - cpuAtOpenMs;
    expect(perfMs).toBeGreaterThan(ownMeasureMs - 20);
    expect(perfMs).toBeLessThan(ownMeasureMs + 80);

    expect(s['perf.cycles'].route).toBe('perf_event_open');
    if (!s['perf.cycles'].available) expect(s['perf.cycles'].reason).toMatch(/^perf_event_open: /);
  });

  it.skipIf(!perfInstalled)(`falls back to perf stat with ${PERF_ADDON_ENV}=off and says why`, async () => {
    process.env[PERF_ADDON_ENV] = 'off';
    const child = children.busy(150);
    const exited = once(child, 'exit');
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs: process.hrtime.bigint() });
    await exited;
    const s = seriesByName(await sampler.stop());
    expect(s['perf.cycles']).toMatchObject({ route: 'perf stat', routeReason: `fallback: perf addon disabled by ${PERF_ADDON_ENV}=off` });
    if (!s['perf.cycles'].available) expect(s['perf.cycles'].reason).toMatch(/^perf/);
    // The addon-only series are absent on this route.
    expect(s['perf.task-clock']).toBeUndefined();
  });

  it('falls back when the addon is not built, quoting the build\'s reason', async () => {
    const child = children.busy(100);
    const exited = once(child, 'exit');
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs: process.hrtime.bigint(), perfAddonDir: tempDir('no-perf-addon') });
    await exited;
    const s = seriesByName(await sampler.stop());
    expect(s['perf.cycles']).toMatchObject({
      route: 'perf stat',
      routeReason: 'fallback: perf addon not built (run npm install, or node scripts/build-native.js perf)',
    });
  });

  it("counts nothing with perf: 'off' (no route at all)", async () => {
    const child = children.busy(50);
    const exited = once(child, 'exit');
    const sampler = await startSampler({ pid: child.pid!, clockOriginNs: process.hrtime.bigint(), perf: 'off' });
    await exited;
    const s = seriesByName(await sampler.stop());
    expect(s['perf.task-clock']).toBeUndefined();
    expect(s['perf.cycles']).toMatchObject({ available: false, reason: "perf disabled (perf: 'off')" });
    expect(s['perf.cycles'].route).toBeUndefined();
  });
});
