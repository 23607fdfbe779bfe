/** Event plan, vendor and core-type detection, and errno reasons, on fake /proc and sysfs trees. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HARDWARE_EVENTS,
  openFailureReason,
  PERF_TYPE_HW_CACHE,
  planGroups,
  readCpuFacts,
  vendorNote,
  vendorOf,
} from '../../../src/main/engine/trace/counters/perf-event-catalog';
import { tempDir, writeTree } from './helpers';

function fakeMachine(files: Record<string, string>): { procRoot: string; sysfsRoot: string } {
  const root = writeTree(tempDir('perf-catalog'), files);
  return { procRoot: join(root, 'proc'), sysfsRoot: join(root, 'sys') };
}

describe('the event catalog', () => {
  it('encodes LLC loads and misses as PERF_TYPE_HW_CACHE configs (LL | READ << 8 | result << 16)', () => {
    const llc = Object.fromEntries(HARDWARE_EVENTS.filter((e) => e.type === PERF_TYPE_HW_CACHE).map((e) => [e.name, e.config]));
    expect(llc).toEqual({ 'LLC-loads': 0x2, 'LLC-load-misses': 0x10002 });
  });

  it('plans groups of at most four hardware events, cycles with the stall events, then the software group', () => {
    const groups = planGroups([{ pmu: 'cpu', extendedType: null }]);
    expect(groups.map((g) => g.events.map((e) => e.name))).toEqual([
      ['cycles', 'instructions', 'stalled-cycles-frontend', 'stalled-cycles-backend'],
      ['cache-references', 'cache-misses', 'LLC-loads', 'LLC-load-misses'],
      ['task-clock', 'page-faults', 'context-switches', 'cpu-migrations'],
    ]);
    expect(groups[0].events[0].config).toBe(0);
  });

  it('on a hybrid CPU opens the hardware groups once per core type, with the PMU type in config bits 32-63', () => {
    const groups = planGroups([
      { pmu: 'cpu_core', extendedType: 4 },
      { pmu: 'cpu_atom', extendedType: 8 },
    ]);
    expect(groups.map((g) => g.coreType)).toEqual(['cpu_core', 'cpu_core', 'cpu_atom', 'cpu_atom', 'software']);
    const instructionsOnAtom = groups[2].events[1];
    expect(instructionsOnAtom.name).toBe('instructions');
    expect(instructionsOnAtom.config).toBe(8 * 2 ** 32 + 1);
    expect(groups[3].events[3].config).toBe(8 * 2 ** 32 + 0x10002);
  });
});

describe('readCpuFacts', () => {
  it('reads vendor, hybrid core types and perf_event_paranoid', () => {
    const m = fakeMachine({
      'proc/cpuinfo': 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: 13th Gen Intel(R) Core(TM) i7-1360P\n',
      'proc/sys/kernel/perf_event_paranoid': '2\n',
      'sys/bus/event_source/devices/cpu_core/type': '4\n',
      'sys/bus/event_source/devices/cpu_atom/type': '8\n',
      'sys/bus/event_source/devices/software/type': '1\n',
    });
    expect(readCpuFacts(m.procRoot, m.sysfsRoot)).toEqual({
      vendor: 'intel',
      coreTypes: [
        { pmu: 'cpu_core', extendedType: 4 },
        { pmu: 'cpu_atom', extendedType: 8 },
      ],
      hasCorePmu: true,
      paranoid: '2',
    });
  });

  it('sees a VM without PMU passthrough: generic events, no core PMU', () => {
    const m = fakeMachine({
      'proc/cpuinfo': 'vendor_id\t: AuthenticAMD\n',
      'sys/bus/event_source/devices/software/type': '1\n',
      'sys/bus/event_source/devices/tracepoint/type': '2\n',
    });
    expect(readCpuFacts(m.procRoot, m.sysfsRoot)).toEqual({
      vendor: 'amd',
      coreTypes: [{ pmu: 'cpu', extendedType: null }],
      hasCorePmu: false,
      paranoid: 'unreadable',
    });
  });

  it('tells vendors apart from /proc/cpuinfo and labels what their events mean', () => {
    expect(vendorOf('vendor_id\t: HygonGenuine\n')).toBe('amd');
    expect(vendorOf('processor\t: 0\nCPU implementer\t: 0x41\n')).toBe('arm');
    expect(vendorOf('')).toBe('other');
    expect(vendorNote('amd')).toMatch(/cache-misses counts L2 misses; LLC-\* are usually unsupported/);
    expect(vendorNote('intel')).toMatch(/last-level cache/);
  });
});

describe('openFailureReason', () => {
  const vm = { vendor: 'amd' as const, coreTypes: [], hasCorePmu: false, paranoid: '2' };
  const laptop = { ...vm, hasCorePmu: true, paranoid: '4' };

  it('ENOENT / EOPNOTSUPP: not supported by this CPU or VM', () => {
    expect(openFailureReason('ENOENT', 'No such file or directory', vm)).toBe(
      'perf_event_open: not supported by this CPU/VM (ENOENT: No such file or directory; no PMU exposed, e.g. a VM without PMU passthrough)',
    );
    expect(openFailureReason('EOPNOTSUPP', 'Operation not supported', laptop)).toBe(
      'perf_event_open: not supported by this CPU (EOPNOTSUPP: Operation not supported)',
    );
  });

  it('EACCES: names perf_event_paranoid and how to get past it', () => {
    expect(openFailureReason('EACCES', 'Permission denied', laptop)).toBe(
      'perf_event_open: permission denied (EACCES: Permission denied; /proc/sys/kernel/perf_event_paranoid is 4; grant CAP_PERFMON or lower it)',
    );
  });

  it('anything else keeps errno', () => {
    expect(openFailureReason('ESRCH', 'No such process', vm)).toBe('perf_event_open failed (ESRCH: No such process)');
  });
});
