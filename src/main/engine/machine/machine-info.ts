/**
 * This machine's inventory for reports: CPU, cores, caches, memory, OS, and a
 * fingerprint that keys the cache of measured ceilings (a new CPU, memory size or
 * OS release means new ceilings).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import si from 'systeminformation';
import type { CacheInfo, MachineInfo } from '../../../shared/report';

/** The report's machine block without the measured ceilings. */
export type MachineInventory = Omit<MachineInfo, 'ceilings' | 'ceilingsByRun'>;

function parseSize(text: string): number {
  const m = /^(\d+)\s*([KMG]?)/i.exec(text.trim());
  if (!m) return 0;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

/** Per-core cache sizes as Linux reports them for cpu0 (sysfsRoot lets tests use a fake tree). */
export function readLinuxCaches(sysfsRoot = '/sys'): CacheInfo[] {
  const dir = join(sysfsRoot, 'devices/system/cpu/cpu0/cache');
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => /^index\d+$/.test(e));
  } catch {
    return [];
  }
  const caches: CacheInfo[] = [];
  for (const entry of entries.sort()) {
    try {
      const read = (f: string) => readFileSync(join(dir, entry, f), 'utf8').trim();
      const type = read('type');
      if (type === 'Instruction') continue;
      const level = `L${read('level')}${type === 'Data' ? 'd' : ''}`;
      caches.push({ level, bytes: parseSize(read('size')) });
    } catch {
      // An unreadable cache entry is skipped: the rest still describe the machine.
    }
  }
  return caches;
}

let inventory: Promise<MachineInventory> | null = null;

export function machineInventory(): Promise<MachineInventory> {
  inventory ??= collect();
  return inventory;
}

async function collect(): Promise<MachineInventory> {
  const [cpu, osInfo] = await Promise.all([si.cpu().catch(() => null), si.osInfo().catch(() => null)]);
  const logicalCores = cpus().length;
  let caches = platform() === 'linux' ? readLinuxCaches() : [];
  if (caches.length === 0 && cpu?.cache) {
    const c = cpu.cache;
    caches = [
      { level: 'L1d', bytes: c.l1d },
      { level: 'L2', bytes: c.l2 },
      { level: 'L3', bytes: c.l3 },
    ].filter((x) => x.bytes > 0);
  }
  const cpuName = cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (cpus()[0]?.model ?? 'unknown CPU');
  const os = osInfo ? `${osInfo.distro} ${osInfo.release} (${osInfo.kernel})` : `${platform()} ${release()}`;
  const memoryBytes = totalmem();
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([cpuName, cpus()[0]?.model, logicalCores, memoryBytes, os, arch(), caches]))
    .digest('hex')
    .slice(0, 16);
  return {
    cpu: cpuName,
    cores: cpu?.physicalCores || logicalCores,
    logicalCores,
    memoryBytes,
    os,
    arch: arch(),
    caches,
    fingerprint,
  };
}

/** The largest cache (the last level), or 32 MiB when the OS does not say. */
export function lastLevelCacheBytes(caches: readonly CacheInfo[]): number {
  const largest = Math.max(0, ...caches.map((c) => c.bytes));
  return largest > 0 ? largest : 32 * 1024 ** 2;
}
