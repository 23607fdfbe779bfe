/**
 * CPU frequency, temperatures and thermal-throttle counters sampled during a run, from sysfs
 * (no privileges needed on Linux):
 *
 *   devices/system/cpu/cpu<N>/cpufreq/scaling_cur_freq                kHz   -> cpu.frequency.cpu<N> (MHz)
 *   class/hwmon/hwmon*\/temp<K>_input (+ name, temp<K>_label)           m°C   -> temperature.<chip>.<label> (°C)
 *   class/thermal/thermal_zone*\/temp (+ type)                          m°C   -> temperature.zone.<type> (°C)
 *   devices/system/cpu/cpu<N>/thermal_throttle/core_throttle_count     Intel -> cpu.throttle.core (events per interval)
 *   devices/system/cpu/cpu<N>/thermal_throttle/package_throttle_count  Intel -> cpu.throttle.package
 *
 * Cost: one read per file (a few us each on sysfs), and there are one frequency and one
 * throttle file per CPU: a 64-CPU machine with 8 sensors has 137. These values move slowly
 * (throttling episodes last seconds; firmware refreshes temperatures every few ms to seconds)
 * so frequencies and temperatures are read at most every THERMAL_MIN_INTERVAL_MS, and the
 * cumulative throttle counters every THROTTLE_MIN_INTERVAL_MS: on such a machine 0.2-0.3% of
 * a core (measured on a fake 64-CPU tree on tmpfs, about 5 us per read; at 100 ms and every
 * file each time it was 0.8%). Every CPU of a package shows the same
 * package_throttle_count: it is counted once per physical package. thermal-throttle.ts turns
 * these series into a per-run throttling flag.
 */
import type { CounterSeries } from '../../../../shared/report';
import { attributeNumber, KeptFile, listDirOrEmpty, nodeCounterFs, readNow, readTextOnce, type CounterFs, type ReadFile } from './kept-file';
import { availableSeries, unavailableSeries, type Sample, type ThreadFile, type ThreadSampledSource } from './series';

export const THERMAL_MIN_INTERVAL_MS = 200;
export const THROTTLE_MIN_INTERVAL_MS = 1000;

export const FREQUENCY_PREFIX = 'cpu.frequency.';
export const TEMPERATURE_PREFIX = 'temperature.';
export const THROTTLE_CORE = 'cpu.throttle.core';
export const THROTTLE_PACKAGE = 'cpu.throttle.package';

interface Gauge {
  name: string;
  file: KeptFile;
  /** Multiplier from the file's unit to the series' unit. */
  scale: number;
  samples: Sample[];
}

interface ThrottleCounter {
  file: KeptFile;
  previous: number | null;
}

export interface ThermalOptions {
  fs?: CounterFs;
  minIntervalMs?: number;
  throttleMinIntervalMs?: number;
  /** Default process.platform; sysfs exists on Linux only. */
  platform?: NodeJS.Platform;
}

/** Why nothing is readable on other systems without privileges. */
export function thermalUnavailableOn(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'not readable without privileges on macOS (powermetrics needs sudo)';
  if (platform === 'win32') return 'not readable without privileges on Windows (thermal zones need WMI as administrator, frequency a driver)';
  return `no sysfs on ${platform}`;
}

const NUMBERED_NAME = /^(\D*)(\d+)(.*)$/;
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * cpu2 before cpu10, temp2_input before temp10_input. By hand: localeCompare's numeric collation
 * sets up an ICU collator, about 25 ms of CPU on the first call, at every sampler start.
 */
function byNumber(a: string, b: string): number {
  const ma = NUMBERED_NAME.exec(a);
  const mb = NUMBERED_NAME.exec(b);
  if (!ma || !mb || ma[1] !== mb[1]) return byText(a, b);
  return Number(ma[2]) - Number(mb[2]) || byText(ma[3], mb[3]);
}

export class ThermalCounters implements ThreadSampledSource {
  private readonly frequencies: Gauge[] = [];
  private readonly temperatures: Gauge[] = [];
  private readonly coreThrottle: ThrottleCounter[] = [];
  /** One counter per physical package (read from its first CPU). */
  private readonly packageThrottle: ThrottleCounter[] = [];
  private readonly coreThrottleSamples: Sample[] = [];
  private readonly packageThrottleSamples: Sample[] = [];
  private readonly fs: CounterFs;
  private readonly minIntervalMs: number;
  private readonly platform: NodeJS.Platform;
  private readonly cpuRoot: string;
  private readonly hwmonRoot: string;
  private readonly thermalRoot: string;
  private lastReadMs = -Infinity;
  private lastThrottleReadMs = -Infinity;
  private readonly throttleMinIntervalMs: number;

  constructor(sysfsRoot: string, options: ThermalOptions = {}) {
    this.fs = options.fs ?? nodeCounterFs;
    this.minIntervalMs = options.minIntervalMs ?? THERMAL_MIN_INTERVAL_MS;
    this.throttleMinIntervalMs = options.throttleMinIntervalMs ?? THROTTLE_MIN_INTERVAL_MS;
    this.platform = options.platform ?? process.platform;
    this.cpuRoot = `${sysfsRoot}/devices/system/cpu`;
    this.hwmonRoot = `${sysfsRoot}/class/hwmon`;
    this.thermalRoot = `${sysfsRoot}/class/thermal`;
    if (this.platform !== 'linux') return;
    this.openCpus();
    this.openHwmon();
    this.openThermalZones();
  }

  private tryOpen(path: string): KeptFile | null {
    try {
      const file = KeptFile.open(path, this.fs);
      file.readText(); // unreadable attributes (some hwmon inputs return EIO/ENODATA) are skipped now
      return file;
    } catch {
      return null;
    }
  }

  private attr(path: string): string | null {
    try {
      return readTextOnce(path, this.fs).trim();
    } catch {
      return null;
    }
  }

  private openCpus(): void {
    const seenPackages = new Set<string>();
    for (const cpu of listDirOrEmpty(this.cpuRoot, this.fs).filter((e) => /^cpu\d+$/.test(e)).sort(byNumber)) {
      const dir = `${this.cpuRoot}/${cpu}`;
      const freq = this.tryOpen(`${dir}/cpufreq/scaling_cur_freq`);
      if (freq) this.frequencies.push({ name: `${FREQUENCY_PREFIX}${cpu}`, file: freq, scale: 1 / 1000, samples: [] });
      const core = this.tryOpen(`${dir}/thermal_throttle/core_throttle_count`);
      if (core) this.coreThrottle.push({ file: core, previous: null });
      const pkgId = this.attr(`${dir}/topology/physical_package_id`) ?? '0';
      if (!seenPackages.has(pkgId)) {
        const pkg = this.tryOpen(`${dir}/thermal_throttle/package_throttle_count`);
        if (pkg) {
          seenPackages.add(pkgId);
          this.packageThrottle.push({ file: pkg, previous: null });
        }
      }
    }
  }

  private openHwmon(): void {
    for (const hwmon of listDirOrEmpty(this.hwmonRoot, this.fs).sort(byNumber)) {
      const dir = `${this.hwmonRoot}/${hwmon}`;
      const chip = this.attr(`${dir}/name`) ?? hwmon;
      for (const input of listDirOrEmpty(dir, this.fs).filter((f) => /^temp\d+_input$/.test(f)).sort(byNumber)) {
        const file = this.tryOpen(`${dir}/${input}`);
        if (!file) continue;
        const label = this.attr(`${dir}/${input.replace('_input', '_label')}`) ?? input.replace('_input', '');
        this.temperatures.push({ name: this.uniqueName(`${TEMPERATURE_PREFIX}${chip}.${label}`), file, scale: 1 / 1000, samples: [] });
      }
    }
  }

  private openThermalZones(): void {
    for (const zone of listDirOrEmpty(this.thermalRoot, this.fs).filter((z) => /^thermal_zone\d+$/.test(z)).sort(byNumber)) {
      const file = this.tryOpen(`${this.thermalRoot}/${zone}/temp`);
      if (!file) continue;
      const type = this.attr(`${this.thermalRoot}/${zone}/type`) ?? zone;
      this.temperatures.push({ name: this.uniqueName(`${TEMPERATURE_PREFIX}zone.${type}`), file, scale: 1 / 1000, samples: [] });
    }
  }

  /** Two sensors with one label (two `acpitz` zones, two `nvme` chips) get #2, #3 ... */
  private uniqueName(name: string): string {
    const taken = new Set(this.temperatures.map((t) => t.name));
    if (!taken.has(name)) return name;
    let k = 2;
    while (taken.has(`${name}#${k}`)) k += 1;
    return `${name}#${k}`;
  }

  poll(tMs: number): void {
    if (tMs - this.lastReadMs >= this.minIntervalMs) this.takeGauges(tMs, readNow);
    if (tMs - this.lastThrottleReadMs >= this.throttleMinIntervalMs) this.takeThrottle(tMs, readNow);
  }

  threadFiles(): ThreadFile[] {
    const gauges = [...this.frequencies, ...this.temperatures].map((g) => ({ file: g.file, minIntervalMs: this.minIntervalMs }));
    const throttle = [...this.coreThrottle, ...this.packageThrottle].map((c) => ({ file: c.file, minIntervalMs: this.throttleMinIntervalMs }));
    return [...gauges, ...throttle];
  }

  take(tMs: number, read: ReadFile): void {
    this.takeGauges(tMs, read);
    this.takeThrottle(tMs, read);
  }

  private takeGauges(tMs: number, read: ReadFile): void {
    let taken = false;
    for (const gauge of [...this.frequencies, ...this.temperatures]) taken = readGauge(gauge, tMs, read) || taken;
    if (taken) this.lastReadMs = tMs;
  }

  private takeThrottle(tMs: number, read: ReadFile): void {
    const core = pollThrottle(this.coreThrottle, this.coreThrottleSamples, tMs, read);
    const pkg = pollThrottle(this.packageThrottle, this.packageThrottleSamples, tMs, read);
    if (core || pkg) this.lastThrottleReadMs = tMs;
  }

  series(): CounterSeries[] {
    if (this.platform !== 'linux') {
      const reason = thermalUnavailableOn(this.platform);
      return [
        unavailableSeries(`${FREQUENCY_PREFIX}cpu0`, 'MHz', 'cpufreq', reason),
        unavailableSeries(`${TEMPERATURE_PREFIX}cpu`, '°C', 'temperature sensors', reason),
        unavailableSeries(THROTTLE_CORE, 'count', 'thermal_throttle', reason),
      ];
    }
    const gaugeSeries = (gauges: Gauge[], unit: string, missingName: string, missingSource: string, missingReason: string): CounterSeries[] =>
      gauges.length > 0
        ? gauges.map((g) => availableSeries(g.name, unit, g.file.path, g.samples))
        : [unavailableSeries(missingName, unit, missingSource, missingReason)];
    const throttleSeries = (name: string, counters: ThrottleCounter[], samples: Sample[], file: string): CounterSeries =>
      counters.length > 0
        ? availableSeries(name, 'count', `${this.cpuRoot}/cpu*/thermal_throttle/${file} (${counters.length} summed)`, samples)
        : unavailableSeries(name, 'count', `${this.cpuRoot}/cpu*/thermal_throttle/${file}`, `no ${file} in sysfs (Intel CPUs only)`);
    return [
      ...gaugeSeries(this.frequencies, 'MHz', `${FREQUENCY_PREFIX}cpu0`, `${this.cpuRoot}/cpu*/cpufreq`,
        'no cpufreq in sysfs (a VM or a kernel without frequency scaling)'),
      ...gaugeSeries(this.temperatures, '°C', `${TEMPERATURE_PREFIX}cpu`, `${this.hwmonRoot}, ${this.thermalRoot}`,
        'no hwmon temperature input or thermal zone in sysfs'),
      throttleSeries(THROTTLE_CORE, this.coreThrottle, this.coreThrottleSamples, 'core_throttle_count'),
      throttleSeries(THROTTLE_PACKAGE, this.packageThrottle, this.packageThrottleSamples, 'package_throttle_count'),
    ];
  }

  close(): void {
    for (const gauge of [...this.frequencies, ...this.temperatures]) gauge.file.close();
    for (const counter of [...this.coreThrottle, ...this.packageThrottle]) counter.file.close();
  }
}

/** False when the gauge was not read at this reading (not due). */
function readGauge(gauge: Gauge, tMs: number, read: ReadFile): boolean {
  const value = readNumber(gauge.file, read);
  if (value === undefined) return false;
  if (value !== null) gauge.samples.push([tMs, value * gauge.scale]);
  return true;
}

/** undefined: not read at this reading; null: unreadable or not a number. */
function readNumber(file: KeptFile, read: ReadFile): number | null | undefined {
  try {
    const text = read(file);
    if (text === undefined || !text.trim()) return undefined;
    return attributeNumber(text) ?? null;
  } catch {
    return null; // a sensor that stops answering mid-run (hot-unplugged, EIO) keeps its samples so far
  }
}

/** Appends the events counted since the previous read, summed over the counters; false when none was read. */
function pollThrottle(counters: ThrottleCounter[], samples: Sample[], tMs: number, read: ReadFile): boolean {
  if (counters.length === 0) return false;
  let events = 0;
  let measured = false;
  let taken = false;
  for (const counter of counters) {
    const value = readNumber(counter.file, read);
    if (value === undefined) continue;
    taken = true;
    if (value === null) continue;
    if (counter.previous !== null) {
      events += Math.max(0, value - counter.previous);
      measured = true;
    }
    counter.previous = value;
  }
  if (measured) samples.push([tMs, events]);
  return taken;
}
