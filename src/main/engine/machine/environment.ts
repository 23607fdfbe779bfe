/**
 * The environment block of a report: the conditions a measurement depends on beyond the
 * model and the settings. Linux exposes them in sysfs without privileges:
 *
 *   devices/system/cpu/cpu*\/cpufreq/scaling_{governor,cur_freq,min_freq,max_freq}  (kHz)
 *   class/hwmon/hwmon*\/{name,temp*_input,temp*_label}                               (m°C)
 *   class/thermal/thermal_zone*\/{type,temp}                                          (m°C)
 *   class/power_supply/*\/{type,online,status}
 *   class/drm/card*\/device/driver -> .../drivers/<name>
 *
 * and Vulkan drivers declare themselves in ICD manifests (/usr/share/vulkan/icd.d/*.json).
 * Every field that cannot be read says why rather than guessing. The sysfs root is
 * EDGESCOPE_SYSFS_ROOT when set, so tests read fake trees.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EnvironmentInfo, TemperatureReading, Unavailable } from '../../../shared/report';
import { DEFAULT_SYSFS_ROOT, sysfsRootFromEnv } from '../devices/inventory';

export const DEFAULT_VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

export interface EnvironmentOptions {
  onnxruntimeVersion: string;
  eps: readonly string[];
  /** sha256 of each variant's model file, by variant id. */
  modelSha256: Record<string, string>;
  /** Default: EDGESCOPE_SYSFS_ROOT, else /sys. */
  sysfsRoot?: string;
  vulkanIcdDirs?: readonly string[];
  platform?: NodeJS.Platform;
}

function unavailable(reason: string): Unavailable {
  return `unavailable: ${reason}`;
}

/** A sysfs attribute's trimmed text; null when absent or unreadable. */
function readAttr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
}

function cpuDirs(sysfsRoot: string): string[] {
  const cpuRoot = join(sysfsRoot, 'devices/system/cpu');
  return listDir(cpuRoot)
    .filter((e) => /^cpu\d+$/.test(e))
    .map((e) => join(cpuRoot, e));
}

const NO_CPUFREQ = 'no cpufreq in sysfs (a VM or a kernel without frequency scaling)';

function governor(sysfsRoot: string): string | Unavailable {
  const byCpu = cpuDirs(sysfsRoot).flatMap((dir) => {
    const g = readAttr(join(dir, 'cpufreq/scaling_governor'));
    return g ? [{ cpu: basename(dir), governor: g }] : [];
  });
  if (byCpu.length === 0) return unavailable(NO_CPUFREQ);
  const distinct = new Set(byCpu.map((c) => c.governor));
  if (distinct.size === 1) return byCpu[0].governor;
  // Name the first CPU of each run of equal governors.
  return byCpu
    .filter((c, i) => i === 0 || byCpu[i - 1].governor !== c.governor)
    .map((c) => `${c.cpu} ${c.governor}`)
    .join(', ');
}

function frequencyMhz(sysfsRoot: string): EnvironmentInfo['cpuFrequencyMhz'] {
  const dir = join(sysfsRoot, 'devices/system/cpu/cpu0/cpufreq');
  const read = (file: string): number | Unavailable => {
    const text = readAttr(join(dir, file));
    if (text === null) return unavailable(listDir(dir).length === 0 ? NO_CPUFREQ : `cannot read cpu0/cpufreq/${file}`);
    if (!/^\d+$/.test(text)) return unavailable(`cpu0/cpufreq/${file} is not a number: ${text}`);
    return Math.round(Number(text) / 1000); // kHz -> MHz
  };
  return { current: read('scaling_cur_freq'), min: read('scaling_min_freq'), max: read('scaling_max_freq') };
}

function milliCelsius(path: string): number | null {
  const text = readAttr(path);
  return text !== null && /^-?\d+$/.test(text) ? Number(text) / 1000 : null;
}

function temperatures(sysfsRoot: string): TemperatureReading[] | Unavailable {
  const readings: TemperatureReading[] = [];
  const hwmonRoot = join(sysfsRoot, 'class/hwmon');
  for (const hwmon of listDir(hwmonRoot)) {
    const dir = join(hwmonRoot, hwmon);
    const chip = readAttr(join(dir, 'name')) ?? hwmon;
    for (const input of listDir(dir).filter((f) => /^temp\d+_input$/.test(f))) {
      const celsius = milliCelsius(join(dir, input));
      if (celsius === null) continue;
      const label = readAttr(join(dir, input.replace('_input', '_label'))) ?? input.replace('_input', '');
      readings.push({ sensor: `${chip} ${label}`, celsius });
    }
  }
  const thermalRoot = join(sysfsRoot, 'class/thermal');
  for (const zone of listDir(thermalRoot).filter((z) => z.startsWith('thermal_zone'))) {
    const celsius = milliCelsius(join(thermalRoot, zone, 'temp'));
    if (celsius === null) continue;
    readings.push({ sensor: readAttr(join(thermalRoot, zone, 'type')) ?? zone, celsius });
  }
  return readings.length > 0 ? readings : unavailable('no hwmon temperature input or thermal zone in sysfs');
}

function powerSource(sysfsRoot: string): EnvironmentInfo['powerSource'] {
  const root = join(sysfsRoot, 'class/power_supply');
  const supplies = listDir(root).map((name) => ({
    type: readAttr(join(root, name, 'type')),
    online: readAttr(join(root, name, 'online')),
    status: readAttr(join(root, name, 'status')),
  }));
  if (supplies.length === 0) return unavailable('no power supply in sysfs (desktops and VMs often report none)');
  if (supplies.some((s) => s.type === 'Mains' && s.online === '1')) return 'ac';
  if (supplies.some((s) => s.type === 'Battery' && s.status === 'Discharging')) return 'battery';
  // A battery that is charging or full without a mains supply listed: some laptops report only the battery.
  if (supplies.some((s) => s.type === 'Battery' && (s.status === 'Charging' || s.status === 'Full'))) return 'ac';
  return unavailable(`power supplies found but none online or discharging (${supplies.map((s) => s.type ?? '?').join(', ')})`);
}

function gpuDrivers(sysfsRoot: string): string[] | Unavailable {
  const root = join(sysfsRoot, 'class/drm');
  const cards = listDir(root).filter((c) => /^card\d+$/.test(c));
  if (cards.length === 0) return unavailable('no display device in sysfs (class/drm)');
  return cards.map((card) => {
    try {
      return `${card}: ${basename(readlinkSync(join(root, card, 'device/driver')))}`;
    } catch {
      return `${card}: no driver bound`;
    }
  });
}

function vulkanDrivers(dirs: readonly string[]): string[] | Unavailable {
  const drivers: string[] = [];
  for (const dir of dirs) {
    for (const file of listDir(dir).filter((f) => f.endsWith('.json'))) {
      try {
        const icd = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { ICD?: { library_path?: string; api_version?: string } }).ICD;
        drivers.push(`${basename(icd?.library_path ?? file)} (Vulkan ${icd?.api_version ?? 'version not stated'})`);
      } catch {
        drivers.push(`${file} (unreadable manifest)`);
      }
    }
  }
  return drivers.length > 0 ? drivers : unavailable(`no Vulkan driver manifest in ${dirs.join(' or ')}`);
}

export function collectEnvironment(options: EnvironmentOptions): EnvironmentInfo {
  const sysfsRoot = options.sysfsRoot ?? sysfsRootFromEnv();
  const platform = options.platform ?? process.platform;
  const base = {
    collectedAt: new Date().toISOString(),
    onnxruntimeVersion: options.onnxruntimeVersion,
    eps: [...options.eps],
    modelSha256: { ...options.modelSha256 },
  };
  if (platform !== 'linux' && sysfsRoot === DEFAULT_SYSFS_ROOT) {
    const reason = unavailable(`read from Linux sysfs; not read on ${platform}`);
    return {
      ...base,
      cpuGovernor: reason,
      cpuFrequencyMhz: { current: reason, min: reason, max: reason },
      temperatures: reason,
      powerSource: reason,
      gpuDrivers: reason,
      vulkanDrivers: vulkanDrivers(options.vulkanIcdDirs ?? DEFAULT_VULKAN_ICD_DIRS),
    };
  }
  return {
    ...base,
    cpuGovernor: governor(sysfsRoot),
    cpuFrequencyMhz: frequencyMhz(sysfsRoot),
    temperatures: temperatures(sysfsRoot),
    powerSource: powerSource(sysfsRoot),
    gpuDrivers: gpuDrivers(sysfsRoot),
    vulkanDrivers: vulkanDrivers(options.vulkanIcdDirs ?? DEFAULT_VULKAN_ICD_DIRS),
  };
}

/** True when a field holds a reading rather than the reason it has none. */
export function isAvailable<T>(value: T | Unavailable): value is T {
  return !(typeof value === 'string' && value.startsWith('unavailable: '));
}
