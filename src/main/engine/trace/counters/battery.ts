/**
 * Whole-system power from the battery: <sysfsRoot>/class/power_supply/BAT*. Only meaningful
 * while the battery is discharging (on AC the battery's rate says nothing about the load).
 * power_now is in uW; drivers without it give current_now (uA) and voltage_now (uV).
 *
 * Firmware refreshes these values every few seconds, so reading them at the sampler's
 * 10 ms period would mostly repeat one number: they are read at most every
 * BATTERY_MIN_INTERVAL_MS, and per-run averages over long loops are what they support.
 */
import type { CounterSeries } from '../../../../shared/report';
import { attributeNumber, errnoCode, KeptFile, listDirOrEmpty, nodeCounterFs, readNow, type CounterFs, type ReadFile } from './kept-file';
import { availableSeries, unavailableSeries, type Sample, type ThreadFile, type ThreadSampledSource } from './series';

export const BATTERY_MIN_INTERVAL_MS = 100;
const SERIES_NAME = 'power.battery';
const UNIT = 'W';

interface Battery {
  name: string;
  status: KeptFile;
  lastStatus: string;
  /** power_now, or current_now and voltage_now; null when the driver has neither. */
  power: { kind: 'power'; powerNow: KeptFile } | { kind: 'current'; currentNow: KeptFile; voltageNow: KeptFile } | null;
}

export class BatteryCounters implements ThreadSampledSource {
  private readonly supplyDir: string;
  private readonly batteries: Battery[] = [];
  private readonly samples: Sample[] = [];
  private lastReadMs = -Infinity;
  /** A battery that discharged but reported no power, for the reason. */
  private silentBattery: string | null = null;
  /** Why no battery could be opened, when BAT* entries exist but are unreadable. */
  private readFailure: string | null = null;

  constructor(
    sysfsRoot: string,
    private readonly fs: CounterFs = nodeCounterFs,
    private readonly minIntervalMs = BATTERY_MIN_INTERVAL_MS,
  ) {
    this.supplyDir = `${sysfsRoot}/class/power_supply`;
    for (const name of listDirOrEmpty(this.supplyDir, fs).filter((e) => e.startsWith('BAT')).sort()) {
      const battery = this.openBattery(name);
      if (battery) this.batteries.push(battery);
    }
  }

  private openBattery(name: string): Battery | null {
    const dir = `${this.supplyDir}/${name}`;
    let status: KeptFile | null = null;
    try {
      status = KeptFile.open(`${dir}/status`, this.fs);
      const lastStatus = status.readText().trim();
      return { name, status, lastStatus, power: this.openPowerFiles(dir) };
    } catch (err) {
      status?.close();
      this.readFailure = `cannot read ${dir}/status: ${errnoCode(err) ?? String(err)}`;
      return null;
    }
  }

  private openPowerFiles(dir: string): Battery['power'] {
    const optional = (file: string): KeptFile | null => {
      try {
        return KeptFile.open(`${dir}/${file}`, this.fs);
      } catch {
        return null;
      }
    };
    const powerNow = optional('power_now');
    if (powerNow) return { kind: 'power', powerNow };
    const currentNow = optional('current_now');
    const voltageNow = optional('voltage_now');
    if (currentNow && voltageNow) return { kind: 'current', currentNow, voltageNow };
    currentNow?.close();
    voltageNow?.close();
    return null;
  }

  poll(tMs: number): void {
    if (this.batteries.length === 0 || tMs - this.lastReadMs < this.minIntervalMs) return;
    this.lastReadMs = tMs; // also when every read fails: retried at the cadence, not every tick
    this.take(tMs, readNow);
  }

  /** Status and power files at the battery's own cadence (the thread reads power files while on AC too: a few bytes). */
  threadFiles(): ThreadFile[] {
    return this.batteries.flatMap((battery) => [battery.status, ...powerFiles(battery.power)]).map((file) => ({ file, minIntervalMs: this.minIntervalMs }));
  }

  take(tMs: number, read: ReadFile): void {
    let totalW = 0;
    let discharging = 0;
    for (const battery of this.batteries) {
      try {
        const status = read(battery.status);
        if (status === undefined) continue; // not due at this reading
        this.lastReadMs = tMs;
        battery.lastStatus = status.trim();
        if (battery.lastStatus !== 'Discharging') continue;
        if (!battery.power) {
          this.silentBattery = battery.name;
          continue;
        }
        const watts = readWatts(battery.power, read);
        if (watts === undefined) continue;
        totalW += watts;
        discharging += 1;
      } catch {
        // A battery removed mid-run: skip it and keep what was measured with it.
      }
    }
    if (discharging > 0) this.samples.push([tMs, totalW]);
  }

  series(): CounterSeries[] {
    const source = this.batteries.length > 0 ? `${this.supplyDir}/${this.batteries[0].name}` : this.supplyDir;
    if (this.samples.length > 0) return [availableSeries(SERIES_NAME, UNIT, source, this.samples)];
    return [unavailableSeries(SERIES_NAME, UNIT, source, this.unavailableReason())];
  }

  private unavailableReason(): string {
    if (this.silentBattery) return `${this.silentBattery} reports neither power_now nor current_now and voltage_now`;
    if (this.batteries.length === 0) return this.readFailure ?? `no battery (no ${this.supplyDir}/BAT*)`;
    const statuses = this.batteries.map((b) => `${b.name}: ${b.lastStatus}`).join(', ');
    return `on AC power (${statuses})`;
  }

  close(): void {
    for (const battery of this.batteries) {
      battery.status.close();
      for (const file of powerFiles(battery.power)) file.close();
    }
  }
}

function powerFiles(power: Battery['power']): KeptFile[] {
  if (power?.kind === 'power') return [power.powerNow];
  if (power?.kind === 'current') return [power.currentNow, power.voltageNow];
  return [];
}

/** Some drivers report current_now negative while discharging: the magnitude is the draw. */
function readWatts(power: NonNullable<Battery['power']>, read: ReadFile): number | undefined {
  if (power.kind === 'power') {
    const uw = attributeNumber(read(power.powerNow));
    return uw === undefined ? undefined : Math.abs(uw) / 1e6;
  }
  const ua = attributeNumber(read(power.currentNow));
  const uv = attributeNumber(read(power.voltageNow));
  return ua === undefined || uv === undefined ? undefined : Math.abs(ua * uv) / 1e12;
}
