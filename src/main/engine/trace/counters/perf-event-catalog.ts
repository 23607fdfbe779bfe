/**
 * Which events the perf_event_open route counts, how they are grouped, and what this CPU's
 * vendor and core types mean for them.
 *
 * Groups: a group is scheduled onto the PMU all at once (so ratios inside a group are exact)
 * and read with one read(). A group larger than the core's counters would never be
 * scheduled, so hardware events come in groups of four (every x86 core since Nehalem has at
 * least four general counters per thread): cycles with the stall events (top-down fractions
 * need them in one group) and the cache events. Software events need no PMU counter.
 *
 * Hybrid Intel CPUs (cpu_core and cpu_atom PMUs in /sys/bus/event_source/devices) count a
 * generic hardware event per core type: the PMU's type goes into config bits 32-63, each core
 * type gets its own groups, and their counts are summed.
 */
import { listDirOrEmpty, nodeCounterFs, readTextOnce, type CounterFs } from './kept-file';

// include/uapi/linux/perf_event.h
export const PERF_TYPE_HARDWARE = 0;
export const PERF_TYPE_SOFTWARE = 1;
export const PERF_TYPE_HW_CACHE = 3;
const HW_CACHE_LL = 2;
const HW_CACHE_OP_READ = 0;
const HW_CACHE_RESULT_ACCESS = 0;
const HW_CACHE_RESULT_MISS = 1;
const cacheConfig = (cache: number, op: number, result: number): number => cache | (op << 8) | (result << 16);

export interface PerfEventDef {
  /** perf's name; the series is perf.<name>. */
  name: string;
  type: number;
  config: number;
  /** Unit of the series: count, or ms for task-clock (read in ns). */
  unit: 'count' | 'ms';
}

export const HARDWARE_EVENTS: readonly PerfEventDef[] = [
  { name: 'cycles', type: PERF_TYPE_HARDWARE, config: 0, unit: 'count' },
  { name: 'instructions', type: PERF_TYPE_HARDWARE, config: 1, unit: 'count' },
  { name: 'stalled-cycles-frontend', type: PERF_TYPE_HARDWARE, config: 7, unit: 'count' },
  { name: 'stalled-cycles-backend', type: PERF_TYPE_HARDWARE, config: 8, unit: 'count' },
  { name: 'cache-references', type: PERF_TYPE_HARDWARE, config: 2, unit: 'count' },
  { name: 'cache-misses', type: PERF_TYPE_HARDWARE, config: 3, unit: 'count' },
  { name: 'LLC-loads', type: PERF_TYPE_HW_CACHE, config: cacheConfig(HW_CACHE_LL, HW_CACHE_OP_READ, HW_CACHE_RESULT_ACCESS), unit: 'count' },
  { name: 'LLC-load-misses', type: PERF_TYPE_HW_CACHE, config: cacheConfig(HW_CACHE_LL, HW_CACHE_OP_READ, HW_CACHE_RESULT_MISS), unit: 'count' },
];

export const SOFTWARE_EVENTS: readonly PerfEventDef[] = [
  { name: 'task-clock', type: PERF_TYPE_SOFTWARE, config: 1, unit: 'ms' },
  { name: 'page-faults', type: PERF_TYPE_SOFTWARE, config: 2, unit: 'count' },
  { name: 'context-switches', type: PERF_TYPE_SOFTWARE, config: 3, unit: 'count' },
  { name: 'cpu-migrations', type: PERF_TYPE_SOFTWARE, config: 4, unit: 'count' },
];

/** Every event of this route, in series order. */
export const PERF_EVENT_NAMES: readonly string[] = [...HARDWARE_EVENTS, ...SOFTWARE_EVENTS].map((e) => e.name);

const HARDWARE_GROUPS: readonly (readonly string[])[] = [
  ['cycles', 'instructions', 'stalled-cycles-frontend', 'stalled-cycles-backend'],
  ['cache-references', 'cache-misses', 'LLC-loads', 'LLC-load-misses'],
];

export type CpuVendor = 'intel' | 'amd' | 'arm' | 'other';

/** A core type of a hybrid CPU, or the single 'cpu' PMU. */
export interface CoreType {
  /** 'cpu', 'cpu_core' (Intel P-cores) or 'cpu_atom' (E-cores). */
  pmu: string;
  /** The PMU's perf type, for config bits 32-63; null on non-hybrid CPUs (generic events). */
  extendedType: number | null;
}

export interface CpuFacts {
  vendor: CpuVendor;
  /** One entry, or one per core type on hybrid CPUs. */
  coreTypes: CoreType[];
  /** Any core PMU in sysfs at all (VMs without PMU passthrough have none). */
  hasCorePmu: boolean;
  /** /proc/sys/kernel/perf_event_paranoid, or 'unreadable'. */
  paranoid: string;
}

export function readCpuFacts(procRoot: string, sysfsRoot: string, fs: CounterFs = nodeCounterFs): CpuFacts {
  const pmuDir = `${sysfsRoot}/bus/event_source/devices`;
  const pmus = listDirOrEmpty(pmuDir, fs);
  const hybrid = ['cpu_core', 'cpu_atom'].filter((pmu) => pmus.includes(pmu));
  const coreTypes: CoreType[] = [];
  for (const pmu of hybrid) {
    const type = Number(readOr(`${pmuDir}/${pmu}/type`, '', fs).trim());
    if (Number.isInteger(type) && type > 0) coreTypes.push({ pmu, extendedType: type });
  }
  if (coreTypes.length === 0) coreTypes.push({ pmu: 'cpu', extendedType: null });
  return {
    vendor: vendorOf(readOr(`${procRoot}/cpuinfo`, '', fs)),
    coreTypes,
    hasCorePmu: pmus.some((pmu) => pmu === 'cpu' || pmu.startsWith('cpu_') || pmu.startsWith('armv')),
    paranoid: readOr(`${procRoot}/sys/kernel/perf_event_paranoid`, 'unreadable', fs).trim(),
  };
}

function readOr(path: string, fallback: string, fs: CounterFs): string {
  try {
    return readTextOnce(path, fs);
  } catch {
    return fallback;
  }
}

export function vendorOf(cpuinfo: string): CpuVendor {
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1];
  if (vendor === 'GenuineIntel') return 'intel';
  if (vendor === 'AuthenticAMD' || vendor === 'HygonGenuine') return 'amd';
  if (/^CPU implementer/m.test(cpuinfo)) return 'arm';
  return 'other';
}

/** What the generic events mean on this vendor's cores: shown with the series. */
export function vendorNote(vendor: CpuVendor): string {
  switch (vendor) {
    case 'amd':
      return 'AMD: cache-misses counts L2 misses; LLC-* are usually unsupported (L3 is an uncore PMU); stalled-cycles-* depend on the Zen generation';
    case 'intel':
      return 'Intel: cache-references/cache-misses count last-level cache accesses and misses; stalled-cycles-* are not mapped on most Intel cores';
    case 'arm':
      return 'Arm: event availability depends on the core\'s PMU';
    default:
      return 'unknown CPU vendor';
  }
}

/** One group as opened: per event its definition and the core type it counts on. */
export interface PlannedGroup {
  coreType: string;
  events: PerfEventDef[];
}

/** The groups to open on this CPU: hardware groups per core type, then the software group. */
export function planGroups(coreTypes: readonly CoreType[]): PlannedGroup[] {
  const byName = new Map(HARDWARE_EVENTS.map((e) => [e.name, e]));
  const groups: PlannedGroup[] = [];
  for (const core of coreTypes) {
    for (const names of HARDWARE_GROUPS) {
      const events = names.map((name) => {
        const def = byName.get(name)!;
        // config bits 32-63 select the core type's PMU (Linux 5.13+ on hybrid CPUs).
        return core.extendedType === null ? def : { ...def, config: def.config + core.extendedType * 2 ** 32 };
      });
      groups.push({ coreType: core.pmu, events });
    }
  }
  groups.push({ coreType: 'software', events: [...SOFTWARE_EVENTS] });
  return groups;
}

/** Why an event failed to open, from perf_event_open's errno. */
export function openFailureReason(code: string | undefined, message: string | undefined, facts: CpuFacts): string {
  const what = `${code ?? 'unknown error'}${message ? `: ${message}` : ''}`;
  switch (code) {
    case 'ENOENT':
    case 'EOPNOTSUPP':
    case 'ENODEV':
      return facts.hasCorePmu
        ? `perf_event_open: not supported by this CPU (${what})`
        : `perf_event_open: not supported by this CPU/VM (${what}; no PMU exposed, e.g. a VM without PMU passthrough)`;
    case 'EACCES':
    case 'EPERM':
      return `perf_event_open: permission denied (${what}; /proc/sys/kernel/perf_event_paranoid is ${facts.paranoid}; grant CAP_PERFMON or lower it)`;
    case 'EMFILE':
      return `perf_event_open: out of file descriptors (${what}; raise ulimit -n)`;
    default:
      return `perf_event_open failed (${what})`;
  }
}
