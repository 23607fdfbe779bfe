/**
 * The native sampling thread (native/perf/src/sampler_thread.cc) on real processes: its
 * deadlines, cadences, the VmHWM rule, marks racing ticks, a full buffer, bad descriptors, and
 * that no thread or descriptor outlives it, even when the process exits while it samples.
 * decodeReadings is checked on a buffer laid out by hand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgescopeError } from '../../../src/shared/errors';
import { KeptFile, nodeCounterFs } from '../../../src/main/engine/trace/counters/kept-file';
import { loadPerfEventAddon, type PerfEventBinding } from '../../../src/main/engine/trace/counters/perf-event-addon';
import { parseProcStat, parseProcStatmRss, parseProcStatusPeakRss } from '../../../src/main/engine/trace/counters/proc-reader';
import { decodeReadings, SamplingThread, samplingThreadOf, type SamplingThreadBinding, type ThreadReading } from '../../../src/main/engine/trace/counters/sampling-thread';
import { REPO_ROOT } from '../../helpers';
import { sleep } from './helpers';

const addon = loadPerfEventAddon();
const thread = samplingThreadOf(addon);
const binding = (thread.available ? thread.binding : null) as SamplingThreadBinding;
const perfBinding = (addon.available ? addon.binding : null) as PerfEventBinding;

const children: ChildProcess[] = [];
const fds: number[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const fd of fds.splice(0)) closeSync(fd);
});

function child(script: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(c);
  return c;
}

function keep(path: string): number {
  const fd = openSync(path, 'r');
  fds.push(fd);
  return fd;
}

function msSince(originNs: bigint): number {
  return Number(process.hrtime.bigint() - originNs) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Every reading of a handle so far, decoded against placeholder files named by path. */
function drainAll(handle: unknown, paths: string[]): { readings: ThreadReading[]; dropped: number; texts: (string | undefined)[][] } {
  const files = paths.map((path) => ({ path }) as KeptFile);
  const { buffer, dropped } = binding.drainSampling(handle);
  const readings = decodeReadings(buffer, files);
  return { readings, dropped, texts: readings.map((r) => files.map((f) => r.read(f))) };
}

function samplerThreads(): number {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'es-sampler';
    } catch {
      return false;
    }
  }).length;
}

describe('decodeReadings', () => {
  it('reads records laid out as sampler_thread.h says: texts, errno entries, files not read, perf rows', () => {
    const le = endianness() === 'LE';
    const buffer = new ArrayBuffer(16 + 8 + 8 + 8 + 8 + 16 + 16);
    const view = new DataView(buffer);
    // A tick at 12.5 ms: file 0 read "1 2\n" (4 bytes, padded to 8), file 1 failed with ESRCH (3).
    view.setFloat64(0, 12.5, le);
    view.setUint32(8, 2, le);
    view.setUint32(12, 0, le);
    view.setInt32(16, 0, le);
    view.setInt32(20, 4, le);
    new Uint8Array(buffer, 24, 4).set(Buffer.from('1 2\n', 'latin1'));
    view.setInt32(32, 1, le);
    view.setInt32(36, -3, le);
    // A mark at 15 ms carrying one perf row of two values.
    view.setFloat64(40, 15, le);
    view.setUint32(48, 1, le);
    view.setUint32(52, 1, le);
    view.setInt32(56, -1, le);
    view.setInt32(60, 16, le);
    view.setFloat64(64, 7, le);
    view.setFloat64(72, 9.5, le);
    const files = [{ path: '/proc/1/stat' }, { path: '/proc/1/statm' }, { path: '/sys/x' }] as KeptFile[];
    const [tick, mark] = decodeReadings(buffer, files);
    expect(tick).toMatchObject({ tMs: 12.5, mark: false, perfRows: undefined });
    expect(tick.read(files[0])).toBe('1 2\n');
    expect(() => tick.read(files[1])).toThrow(expect.objectContaining({ code: 'ESRCH', path: '/proc/1/statm', message: "ESRCH: read failed, pread '/proc/1/statm'" }));
    expect(tick.read(files[2])).toBeUndefined();
    expect(mark).toMatchObject({ tMs: 15, mark: true });
    expect(Array.from(mark.perfRows!)).toEqual([7, 9.5]);
    expect(mark.read(files[0])).toBeUndefined();
  });
});

describe.skipIf(!thread.available)('the native sampling thread', () => {
  it('reads a busy child every 10 ms on absolute deadlines of the job clock, the first reading at start', async () => {
    const busy = child('for (;;);');
    await once(busy, 'spawn');
    await sleep(100);
    const stat = `/proc/${busy.pid}/stat`;
    const originNs = process.hrtime.bigint();
    const beforeMs = msSince(originNs);
    const handle = binding.startSampling({ periodMs: 10, originNs, files: [{ fd: keep(stat), minIntervalMs: 0 }], capacityTicks: 1000 });
    const afterMs = msSince(originNs);
    await sleep(500);
    const { readings, texts, dropped } = drainAll(handle, [stat]);
    binding.stopSampling(handle);

    expect(dropped).toBe(0);
    const times = readings.map((r) => r.tMs);
    // The baseline is taken inside startSampling, stamped on the caller's clock.
    expect(times[0]).toBeGreaterThanOrEqual(beforeMs);
    expect(times[0]).toBeLessThanOrEqual(afterMs);
    expect(times.length).toBeGreaterThan(30);
    const intervals = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.min(...intervals)).toBeGreaterThanOrEqual(5); // never closer than half a period
    expect(median(intervals)).toBeGreaterThan(9);
    expect(median(intervals)).toBeLessThan(11);
    // On the grid start + k * 10 ms: lateness does not accumulate.
    const offsets = times.map((t) => (t - times[0]) % 10).map((o) => Math.min(o, 10 - o));
    expect(median(offsets)).toBeLessThan(2);
    // Every reading is the whole stat line, and the child's CPU time only grows.
    const cpu = texts.map(([text]) => parseProcStat(text!)).map((s) => s.utimeTicks + s.stimeTicks);
    for (let i = 1; i < cpu.length; i++) expect(cpu[i]).toBeGreaterThanOrEqual(cpu[i - 1]);
    expect(cpu[cpu.length - 1]).toBeGreaterThan(cpu[0]);
  });

  it('reads each file on its own cadence, and status also whenever RSS rises above VmHWM', async () => {
    // Grows by 2 MB every 10 ms for 300 ms, then holds still.
    const grower = child(`const keep = []; const end = Date.now() + 300;
      const grow = setInterval(() => { const b = Buffer.alloc(2 << 20, 1); keep.push(b); if (Date.now() > end) clearInterval(grow); }, 10);
      setInterval(() => {}, 1000);`);
    await once(grower, 'spawn');
    await sleep(80); // node's own start-up growth is over
    const dir = `/proc/${grower.pid}`;
    const paths = [`${dir}/stat`, `${dir}/statm`, `${dir}/status`, `${dir}/comm`];
    const originNs = process.hrtime.bigint();
    const handle = binding.startSampling({
      periodMs: 10,
      originNs,
      files: paths.map((path, i) => ({ fd: keep(path), minIntervalMs: [0, 0, 100, 50][i] })),
      peakWatch: { statm: 1, status: 2, pageBytes: 4096 },
      capacityTicks: 1000,
    });
    await sleep(800);
    const { readings, texts } = drainAll(handle, paths);
    binding.stopSampling(handle);

    const ticks = texts.length;
    expect(ticks).toBeGreaterThan(40);
    // stat and statm every tick; comm on the first tick at least 50 ms after its last reading.
    expect(texts.every(([stat, statm]) => stat !== undefined && statm !== undefined)).toBe(true);
    let lastCommMs = -Infinity;
    readings.forEach((r, i) => {
      const due = r.tMs - lastCommMs >= 50;
      expect([i, texts[i][3] !== undefined]).toEqual([i, due]);
      if (due) lastCommMs = r.tMs;
    });
    expect(texts.filter((t) => t[3] !== undefined).length).toBeGreaterThanOrEqual(Math.floor(ticks / 6));
    // status: whenever this reading's RSS is above the VmHWM status last gave (the thread parses
    // both), else at least 100 ms after its last reading.
    let peakBytes = 0;
    texts.forEach(([, statm, status], i) => {
      const rss = parseProcStatmRss(statm!, 4096);
      if (rss > peakBytes && status === undefined) throw new Error(`reading ${i}: RSS ${rss} above the last VmHWM ${peakBytes} but status was not read`);
      if (status !== undefined) peakBytes = parseProcStatusPeakRss(status)!;
    });
    const statusReadsIn = (fromMs: number, toMs: number) =>
      readings.filter((r, i) => r.tMs >= readings[0].tMs + fromMs && r.tMs < readings[0].tMs + toMs && texts[i][2] !== undefined).length;
    expect(statusReadsIn(0, 250)).toBeGreaterThan(250 / 100 + 2); // the growth was followed
    expect(statusReadsIn(450, 800)).toBeLessThanOrEqual(350 / 100 + 1); // still: the cadence only
  });

  it('keeps readings in time order while marks race the ticks, and reads perf rows at marks and every k-th tick', async () => {
    const busy = child('for (;;);');
    await once(busy, 'spawn');
    const opened = perfBinding.open(busy.pid!, [[{ type: 1, config: 1, kernel: true }, { type: 1, config: 2, kernel: true }]]);
    expect(opened.status[0][0].opened).toBe(true); // task-clock: a software event, counted on any Linux
    const stat = `/proc/${busy.pid}/stat`;
    const handle = binding.startSampling({
      periodMs: 1,
      originNs: process.hrtime.bigint(),
      files: [{ fd: keep(stat), minIntervalMs: 0 }],
      perf: opened.handle,
      perfMinIntervalMs: 3,
      capacityTicks: 5000,
    });
    let marks = 0;
    const end = performance.now() + 150;
    while (performance.now() < end) {
      binding.markSampling(handle);
      marks += 1;
      const spin = performance.now() + 0.3;
      while (performance.now() < spin);
    }
    await sleep(20);
    const { readings, dropped } = drainAll(handle, [stat]);
    binding.stopSampling(handle);
    perfBinding.close(opened.handle);

    expect(dropped).toBe(0);
    expect(readings.filter((r) => r.mark)).toHaveLength(marks);
    const ticks = readings.filter((r) => !r.mark);
    expect(ticks.length).toBeGreaterThan(20);
    // Marks carry the perf rows only; ticks carry stat, and the rows on the first tick 3 ms after the last.
    for (const r of readings.filter((x) => x.mark)) expect([r.perfRows !== undefined, r.read({ path: stat } as KeptFile)]).toEqual([true, undefined]);
    const withRows = ticks.filter((r) => r.perfRows !== undefined).length;
    expect(withRows).toBeGreaterThan(ticks.length / 4);
    expect(withRows).toBeLessThan(ticks.length / 2);
    // Stamped and appended under one lock: time and the cumulative task-clock never go backwards.
    for (let i = 1; i < readings.length; i++) expect(readings[i].tMs).toBeGreaterThan(readings[i - 1].tMs);
    const taskClock = readings.filter((r) => r.perfRows).map((r) => r.perfRows![3]);
    for (let i = 1; i < taskClock.length; i++) expect(taskClock[i]).toBeGreaterThanOrEqual(taskClock[i - 1]);
  });

  it('counts the ticks a full buffer drops, and goes on once drained', async () => {
    const busy = child('for (;;);');
    await once(busy, 'spawn');
    const stat = `/proc/${busy.pid}/stat`;
    // Room for 2 ticks with worst-case slots (a few KiB): ~10 real readings at 1 ms.
    const handle = binding.startSampling({ periodMs: 1, originNs: process.hrtime.bigint(), files: [{ fd: keep(stat), minIntervalMs: 0 }], capacityTicks: 2 });
    await sleep(150);
    const full = drainAll(handle, [stat]);
    expect(full.dropped).toBeGreaterThan(10);
    expect(full.readings.length).toBeGreaterThan(2);
    const lastFullMs = full.readings.at(-1)!.tMs;
    await sleep(5);
    const after = drainAll(handle, [stat]);
    binding.stopSampling(handle);
    expect(after.readings.length).toBeGreaterThan(0);
    // The first reading after the gap measures from the last one kept: a longer interval, nothing lost silently.
    expect(after.readings[0].tMs - lastFullMs).toBeGreaterThan(10);
  });

  it('rejects a descriptor or path it cannot re-read with one line naming it', () => {
    const originNs = process.hrtime.bigint();
    const start = (file: { fd: number } | { path: string }) => () => binding.startSampling({ periodMs: 10, originNs, files: [{ ...file, minIntervalMs: 0 }], capacityTicks: 10 });
    expect(start({ fd: 987654 })).toThrow(/^cannot sample fd 987654: EBADF \(Bad file descriptor\)$/);
    expect(start({ path: '/no/such/file' })).toThrow(/^cannot sample \/no\/such\/file: ENOENT \(No such file or directory\)$/);
    expect(start({ path: '/proc' })).toThrow(/^cannot sample \/proc: pread fails with EISDIR \(Is a directory\)$/);
    expect(binding.runningSamplingThreads()).toBe(0);

    // Through the engine's wrapper: an E_BAD_REQUEST naming the kept file.
    const file = KeptFile.open('/proc/self/stat', nodeCounterFs);
    file.close();
    const start2 = () => SamplingThread.start(binding, { periodMs: 10, clockOriginNs: originNs, files: [{ file, minIntervalMs: 0 }], bufferMs: 100 });
    expect(start2).toThrow(EdgescopeError);
    expect(start2).toThrow(`sampling thread: cannot sample /proc/self/stat (fd ${file.fd}): EBADF (Bad file descriptor)`);
  });

  it('stops idempotently, drains after stop, and leaves no thread or descriptor behind over 50 runs', async () => {
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const stat = keep('/proc/self/stat');
    for (let i = 0; i < 50; i++) {
      const handle = binding.startSampling({ periodMs: 1, originNs: process.hrtime.bigint(), files: [{ fd: stat, minIntervalMs: 0 }, { path: '/proc/self/statm', minIntervalMs: 2 }], capacityTicks: 100 });
      expect(binding.runningSamplingThreads()).toBe(1);
      if (i % 10 === 0) await sleep(3);
      binding.stopSampling(handle);
      binding.stopSampling(handle);
      binding.markSampling(handle); // after stop: no reading, no crash
      expect(drainAll(handle, ['/proc/self/stat', '/proc/self/statm']).readings.length).toBeGreaterThanOrEqual(1);
      expect(binding.runningSamplingThreads()).toBe(0);
    }
    expect(samplerThreads()).toBe(0);
    // The thread's own descriptors (duplicates and opened paths) are closed at stop, not at GC.
    expect(readdirSync('/proc/self/fd').length).toBe(fdsBefore + 1);
  });
});

/** Node child that loads the addon and samples itself at 1 ms; `then` says how it ends. */
function samplingScript(then: string): string {
  return `const b = require(${JSON.stringify(`${REPO_ROOT}/native/perf/build/Release/edgescope_perf.node`)});
    const h = b.startSampling({ periodMs: 1, originNs: process.hrtime.bigint(), files: [{ path: '/proc/self/stat', minIntervalMs: 0 }], capacityTicks: 10 });
    ${then}`;
}

describe.skipIf(!thread.available)('a process that ends while its sampling thread runs', () => {
  const run = (script: string) => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });

  it('exits cleanly on process.exit()', () => {
    const r = run(samplingScript('setTimeout(() => process.exit(3), 30);'));
    expect([r.status, r.signal, r.stderr]).toEqual([3, null, '']);
  });

  it('exits when its event loop empties, without stop: teardown joins the thread', () => {
    const started = Date.now();
    const r = run(samplingScript('setTimeout(() => {}, 30);'));
    expect([r.status, r.signal, r.stderr]).toEqual([0, null, '']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('joins a worker thread\'s sampling thread when the worker is terminated', async () => {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(samplingScript("require('node:worker_threads').parentPort.postMessage('sampling'); setInterval(() => b.drainSampling(h), 5);"), { eval: true });
    await once(worker, 'message');
    expect(binding.runningSamplingThreads()).toBe(1);
    await worker.terminate();
    expect(binding.runningSamplingThreads()).toBe(0);
  });
});
