/**
 * RAPL power from the powercap framework: <sysfsRoot>/class/powercap/intel-rapl:<n>[:<m>...]
 * (AMD exposes the same tree since Linux 5.11). Each zone has a `name` (package-0, core,
 * uncore, dram, psys), a cumulative `energy_uj` that wraps at `max_energy_range_uj`, and
 * power is the energy difference over the sampling interval.
 *
 * RAPL measures the whole package or DRAM, not the observed process: with other load on
 * the machine the numbers include it.
 */
import type { CounterSeries } from '../../../../shared/report';
import { attributeNumber, errnoCode, KeptFile, listDirOrEmpty, nodeCounterFs, readNow, readTextOnce, type CounterFs, type ReadFile } from './kept-file';
import { availableSeries, unavailableSeries, type Sample, type ThreadFile, type ThreadSampledSource } from './series';

/** Zone directories: intel-rapl:0 is a package, intel-rapl:0:0 a subzone of it. */
const ZONE_DIR = /^intel-rapl:\d+(:\d+)*$/;

/**
 * Energy consumed between two readings of a counter that wraps to 0 after reaching
 * maxRangeUj. Assumes at most one wrap per interval (the fastest-wrapping package counters
 * take minutes to wrap; the sampler reads every few ms).
 */
export function energyDeltaUj(previousUj: number, currentUj: number, maxRangeUj: number): number {
  return currentUj >= previousUj ? currentUj - previousUj : currentUj + maxRangeUj - previousUj;
}

/** Why energy_uj cannot be read, for the series' `reason`. */
export function describeEnergyReadError(err: unknown, path: string): string {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') {
    return `${path} is readable by root only (restricted since the CVE-2020-8694 fix): run as root or grant read access`;
  }
  return `cannot read ${path}: ${code ?? String(err)}`;
}

interface Zone {
  id: string;
  name: string;
  energyPath: string;
  /** Null when energy_uj could not be opened. */
  energy: KeptFile | null;
  failure: string | null;
  maxRangeUj: number;
  previous: { tMs: number; energyUj: number } | null;
  samples: Sample[];
}

const RAPL_UNIT = 'W';
const PACKAGE_ALIAS = 'power.package';

export class RaplCounters implements ThreadSampledSource {
  private readonly zones: Zone[];
  private readonly powercapDir: string;

  constructor(sysfsRoot: string, private readonly fs: CounterFs = nodeCounterFs) {
    this.powercapDir = `${sysfsRoot}/class/powercap`;
    this.zones = this.findZoneDirs().map((dir) => this.openZone(dir));
  }

  /**
   * The real /sys/class/powercap lists every zone flat (subzones are symlinked there too);
   * a copied or fake tree may only nest them under their parent, so look one level down as
   * well and keep one directory per zone id.
   */
  private findZoneDirs(): string[] {
    const byId = new Map<string, string>();
    for (const entry of listDirOrEmpty(this.powercapDir, this.fs).filter((e) => ZONE_DIR.test(e)).sort()) {
      if (!byId.has(entry)) byId.set(entry, `${this.powercapDir}/${entry}`);
      for (const child of listDirOrEmpty(`${this.powercapDir}/${entry}`, this.fs).filter((e) => ZONE_DIR.test(e))) {
        if (!byId.has(child)) byId.set(child, `${this.powercapDir}/${entry}/${child}`);
      }
    }
    return [...byId.entries()].sort(([a], [b]) => compareZoneIds(a, b)).map(([, dir]) => dir);
  }

  private openZone(dir: string): Zone {
    const id = dir.slice(dir.lastIndexOf('/') + 1);
    const energyPath = `${dir}/energy_uj`;
    const zone: Zone = {
      id,
      name: readAttribute(`${dir}/name`, this.fs) ?? id,
      energyPath,
      energy: null,
      failure: null,
      maxRangeUj: Number(readAttribute(`${dir}/max_energy_range_uj`, this.fs) ?? NaN),
      previous: null,
      samples: [],
    };
    try {
      zone.energy = KeptFile.open(energyPath, this.fs);
      zone.energy.readText(); // a zone that cannot be read is reported now, not left silently empty
    } catch (err) {
      zone.energy?.close();
      zone.energy = null;
      zone.failure = describeEnergyReadError(err, energyPath);
    }
    return zone;
  }

  poll(tMs: number): void {
    this.take(tMs, readNow);
  }

  /** Every zone's energy counter, every tick: power is the difference over each interval. */
  threadFiles(): ThreadFile[] {
    return this.zones.flatMap((zone) => (zone.energy ? [{ file: zone.energy, minIntervalMs: 0 }] : []));
  }

  take(tMs: number, read: ReadFile): void {
    for (const zone of this.zones) {
      if (!zone.energy) continue;
      let text: string | undefined;
      try {
        text = read(zone.energy);
      } catch {
        // A zone that stops reading mid-run keeps its samples so far rather than failing the job.
        zone.energy.close();
        zone.energy = null;
        continue;
      }
      const energyUj = attributeNumber(text);
      if (energyUj === undefined || energyUj < 0) continue;
      const previous = zone.previous;
      if (previous && tMs > previous.tMs) {
        // Without a known range a backwards step cannot be told from a reset: skip it.
        if (energyUj >= previous.energyUj || Number.isFinite(zone.maxRangeUj)) {
          const deltaUj = energyDeltaUj(previous.energyUj, energyUj, zone.maxRangeUj);
          // uJ per ms is mJ/s: divide by 1000 for watts.
          zone.samples.push([tMs, deltaUj / (tMs - previous.tMs) / 1000]);
        }
      }
      zone.previous = { tMs, energyUj };
    }
  }

  series(): CounterSeries[] {
    if (this.zones.length === 0) {
      return [
        unavailableSeries(PACKAGE_ALIAS, RAPL_UNIT, this.powercapDir, `no RAPL (no ${this.powercapDir}/intel-rapl:*)`),
      ];
    }
    const names = this.seriesNames();
    const series = this.zones.map((zone, i) =>
      zone.failure === null
        ? availableSeries(names[i], RAPL_UNIT, zone.energyPath, zone.samples)
        : unavailableSeries(names[i], RAPL_UNIT, zone.energyPath, zone.failure),
    );
    const packageIndex = this.zones.findIndex((zone) => zone.name === 'package-0');
    if (packageIndex >= 0) {
      const { samples, ...rest } = series[packageIndex];
      series.unshift({ ...rest, name: PACKAGE_ALIAS, ...(samples ? { samples: samples.slice() } : {}) });
    }
    return series;
  }

  /**
   * power.rapl.<name>; names that repeat (each socket has its own `core` and `dram`) are
   * qualified by their parent zone's name: power.rapl.package-1.core.
   */
  private seriesNames(): string[] {
    const counts = new Map<string, number>();
    for (const zone of this.zones) counts.set(zone.name, (counts.get(zone.name) ?? 0) + 1);
    return this.zones.map((zone) => {
      if (counts.get(zone.name) === 1) return `power.rapl.${zone.name}`;
      const parentId = zone.id.slice(0, zone.id.lastIndexOf(':'));
      const parent = this.zones.find((z) => z.id === parentId);
      return `power.rapl.${parent ? `${parent.name}.` : `${zone.id}.`}${zone.name}`;
    });
  }

  close(): void {
    for (const zone of this.zones) zone.energy?.close();
  }
}

function readAttribute(path: string, fs: CounterFs): string | null {
  try {
    return readTextOnce(path, fs).trim();
  } catch {
    return null;
  }
}

/** intel-rapl:2 before intel-rapl:10, a zone before its subzones. */
function compareZoneIds(a: string, b: string): number {
  const pa = a.split(':').slice(1).map(Number);
  const pb = b.split(':').slice(1).map(Number);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return pa.length - pb.length;
}
