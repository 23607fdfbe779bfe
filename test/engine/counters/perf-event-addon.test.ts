/**
 * The perf_event_open addon on this machine, counting a real child process. Software events
 * work wherever perf_event_open does (perf_event_paranoid 2 is enough for one's own
 * children); hardware events depend on the PMU, so the test reads the same sysfs facts the
 * code does and checks the matching outcome: on this VM (no PMU) they come back unavailable
 * with errno's reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { CounterSeries } from '../../../src/shared/report';
import { defaultPerfAddonDir, loadPerfEventAddon, PERF_ADDON_ENV, type PerfEventBinding } from '../../../src/main/engine/trace/counters/perf-event-addon';
import { HARDWARE_EVENTS, readCpuFacts } from '../../../src/main/engine/trace/counters/perf-event-catalog';
import { PerfEventCounters } from '../../../src/main/engine/trace/counters/perf-event-counters';
import { tempDir } from './helpers';

/**
 * A node child obeying stdin lines: `spin MS` (busy loop), `touch MB` (allocate and write a
 * buffer). After each it prints {cpuMs, faults}: CPU time used and page faults taken (from its
 * own /proc/self/stat, all threads) during the command.
 */
const WORKER = `
const { readFileSync } = require('node:fs');
const faults = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return Number(f[7]) + Number(f[9]); };
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const keep = [];
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.split(' ');
  const c0 = cpu(), f0 = faults();
  if (cmd === 'spin') { const end = Date.now() + Number(arg); while (Date.now() < end); }
  if (cmd === 'touch') { const b = Buffer.allocUnsafeSlow(Number(arg) * 1048576); for (let i = 0; i < b.length; i += 4096) b[i] = 1; keep.push(b); }
  process.stdout.write(JSON.stringify({ cpuMs: cpu() - c0, faults: faults() - f0 }) + '\\n');
});
process.stdout.write('ready\\n');
`;

interface Worker {
  child: ChildProcess;
  command(line: string): Promise<{ cpuMs: number; faults: number }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function startWorker(): Promise<Worker> {
  const child = spawn(process.execPath, ['-e', WORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  expect((await lines.next()).value).toBe('ready');
  return {
    child,
    command: async (line) => {
      child.stdin!.write(`${line}\n`);
      return JSON.parse((await lines.next()).value as string) as { cpuMs: number; faults: number };
    },
  };
}

function addonOrFail(): PerfEventBinding {
  const addon = loadPerfEventAddon();
  // Built by npm install on Linux; a failed build leaves its reason, which this message shows.
  if (!addon.available) throw new Error(`the perf addon should load on Linux: ${addon.reason}`);
  return addon.binding;
}

function sumOf(series: CounterSeries | undefined, fromMs: number, toMs: number): number {
  return (series?.samples ?? []).filter(([t]) => t > fromMs && t <= toMs).reduce((sum, [, v]) => sum + v, 0);
}

const facts = readCpuFacts('/proc', '/sys');
const onLinux = process.platform === 'linux';

describe.skipIf(!onLinux)('the perf_event_open addon on a child process', () => {
  it('counts the CPU time (task-clock) and page faults of real work, on every thread', async () => {
    const binding = addonOrFail();
    const worker = await startWorker();
    const counters = new PerfEventCounters({ binding, pid: worker.child.pid!, facts, openMs: 0, routeReason: 'test' });
    try {
      counters.poll(1);
      const spin = await worker.command('spin 300');
      counters.poll(2);
      const touch = await worker.command('touch 64');
      counters.poll(3);
      const s = Object.fromEntries(counters.series().map((x) => [x.name, x]));

      const taskClock = s['perf.task-clock'];
      expect(taskClock).toMatchObject({ available: true, unit: 'ms', route: 'perf_event_open', runningFraction: 1 });
      expect(taskClock.source).toMatch(/^perf_event_open \(native\/perf addon\): \d+ thread\(s\) at open, later threads inherited/);
      // The spin's CPU time, as the child measured it itself (getrusage), within clock-tick slack.
      const spinMs = sumOf(taskClock, 1, 2);
      expect(spin.cpuMs).toBeGreaterThan(50); // the child did get a core for a good part of 300 ms
      expect(Math.abs(spinMs - spin.cpuMs)).toBeLessThan(0.1 * spin.cpuMs + 20);

      // Touching 64 MB faults its pages in: the same count the kernel keeps in /proc/self/stat.
      const faults = s['perf.page-faults'];
      const touchFaults = sumOf(faults, 2, 3);
      expect(touch.faults).toBeGreaterThan(16); // at least one fault per 4 MB even with huge pages
      expect(touchFaults).toBeGreaterThanOrEqual(0.9 * touch.faults);
      expect(touchFaults).toBeLessThanOrEqual(1.1 * touch.faults + 100);
      expect(touchFaults).toBeGreaterThan(sumOf(faults, 1, 2));
      for (const name of ['perf.context-switches', 'perf.cpu-migrations']) expect(s[name].available).toBe(true);
    } finally {
      counters.close();
    }
  });

  it.skipIf(facts.hasCorePmu)('reports each hardware event unavailable with errno\'s reason on a machine without a PMU', async () => {
    const binding = addonOrFail();
    const worker = await startWorker();
    const counters = new PerfEventCounters({ binding, pid: worker.child.pid!, facts, openMs: 0, routeReason: 'test' });
    counters.poll(1);
    const s = Object.fromEntries(counters.series().map((x) => [x.name, x]));
    counters.close();
    for (const event of HARDWARE_EVENTS) {
      const series = s[`perf.${event.name}`];
      expect(series.available).toBe(false);
      expect(series.reason).toMatch(/^perf_event_open: not supported by this CPU\/VM \((ENOENT|EOPNOTSUPP|ENODEV): .+; no PMU exposed/);
    }
  });

  it('gives every opened (thread, group) a row of [group, enabled, running, values] on each read', async () => {
    const binding = addonOrFail();
    const worker = await startWorker();
    const opened = binding.open(worker.child.pid!, [[{ type: 1, config: 1, kernel: true }, { type: 1, config: 2, kernel: true }]]);
    try {
      expect(opened.status[0].map((s) => s.opened)).toEqual([true, true]);
      expect(opened.rowWidth).toBe(5);
      expect(opened.threads).toBeGreaterThan(1); // node runs V8 and libuv threads besides the main one
      await worker.command('spin 50');
      const rows = binding.read(opened.handle);
      expect(rows.length).toBe(opened.threads * opened.rowWidth);
      for (let r = 0; r < opened.threads; r++) {
        const [group, enabled, running, taskClockNs, faults] = rows.subarray(r * 5, r * 5 + 5);
        expect(group).toBe(0);
        expect(running).toBeLessThanOrEqual(enabled);
        expect(taskClockNs).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(faults)).toBe(true);
      }
      binding.close(opened.handle);
      expect(binding.read(opened.handle).length).toBe(0);
    } finally {
      binding.close(opened.handle);
    }
  });

  it('reports errno for a process that is gone, and rejects a foreign handle', async () => {
    const binding = addonOrFail();
    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    const opened = binding.open(child.pid!, [[{ type: 1, config: 1, kernel: true }]]);
    expect(opened.status[0][0]).toMatchObject({ opened: false, code: 'ESRCH' });
    expect(opened.threads).toBe(0);
    expect(() => binding.read({})).toThrow(/handle returned by open/);
  });
});

describe('loading the perf addon', () => {
  it(`is off with ${PERF_ADDON_ENV}=off`, () => {
    process.env[PERF_ADDON_ENV] = 'off';
    try {
      expect(loadPerfEventAddon()).toEqual({ available: false, reason: `perf addon disabled by ${PERF_ADDON_ENV}=off` });
    } finally {
      delete process.env[PERF_ADDON_ENV];
    }
  });

  it.skipIf(!onLinux)('says why it is missing: the build\'s recorded reason, or how to build it', () => {
    const dir = tempDir('perf-addon');
    expect(loadPerfEventAddon(dir)).toEqual({ available: false, reason: 'perf addon not built (run npm install, or node scripts/build-native.js perf)' });
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build', 'unavailable.txt'), 'no C++ compiler found (g++ not found; install build-essential or clang)\n');
    expect(loadPerfEventAddon(dir)).toEqual({
      available: false,
      reason: 'perf addon not built (no C++ compiler found (g++ not found; install build-essential or clang))',
    });
  });

  it.skipIf(!onLinux)('loads this installation\'s build', () => {
    expect(existsSync(join(defaultPerfAddonDir(), 'build', 'unavailable.txt'))).toBe(false);
    expect(loadPerfEventAddon().available).toBe(true);
  });
});
