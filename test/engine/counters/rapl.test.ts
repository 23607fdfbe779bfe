import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEnergyReadError, energyDeltaUj, RaplCounters } from '../../../src/main/engine/trace/counters/rapl';
import { fsFailingOpen, tempDir, writeTree } from './helpers';

/** max_energy_range_uj of a real Intel package zone. */
const PACKAGE_RANGE_UJ = 262143328850;

function zone(dir: string, name: string, energyUj: number, rangeUj = PACKAGE_RANGE_UJ): Record<string, string> {
  return {
    [`${dir}/name`]: `${name}\n`,
    [`${dir}/energy_uj`]: `${energyUj}\n`,
    [`${dir}/max_energy_range_uj`]: `${rangeUj}\n`,
    [`${dir}/enabled`]: '1\n',
  };
}

/** A laptop-like tree: package-0 with core/uncore/dram subzones nested under it, and psys. */
function laptopSysfs(): string {
  return writeTree(tempDir('sysfs'), {
    'class/powercap/intel-rapl/enabled': '1\n', // the control type, not a zone
    ...zone('class/powercap/intel-rapl:0', 'package-0', 1_000_000),
    ...zone('class/powercap/intel-rapl:0/intel-rapl:0:0', 'core', 400_000),
    ...zone('class/powercap/intel-rapl:0/intel-rapl:0:1', 'uncore', 10_000),
    ...zone('class/powercap/intel-rapl:0/intel-rapl:0:2', 'dram', 50_000, 65532610987),
    ...zone('class/powercap/intel-rapl:1', 'psys', 2_000_000),
    ...zone('class/powercap/intel-rapl-mmio:0', 'package-0', 7), // MMIO copy of the package counter
  });
}

function setEnergy(sysfs: string, zoneDir: string, energyUj: number): void {
  writeFileSync(join(sysfs, 'class/powercap', zoneDir, 'energy_uj'), `${energyUj}\n`);
}

describe('energyDeltaUj', () => {
  it('subtracts, and adds the range back across a wrap', () => {
    expect(energyDeltaUj(1000, 1500, PACKAGE_RANGE_UJ)).toBe(500);
    expect(energyDeltaUj(PACKAGE_RANGE_UJ - 100, 400, PACKAGE_RANGE_UJ)).toBe(500);
  });
});

describe('describeEnergyReadError', () => {
  const path = '/sys/class/powercap/intel-rapl:0/energy_uj';
  it('explains EACCES/EPERM as the root-only restriction', () => {
    for (const code of ['EACCES', 'EPERM']) {
      expect(describeEnergyReadError(Object.assign(new Error(code), { code }), path)).toBe(
        `${path} is readable by root only (restricted since the CVE-2020-8694 fix): run as root or grant read access`,
      );
    }
  });

  it('passes other errors through with their code', () => {
    expect(describeEnergyReadError(Object.assign(new Error('io'), { code: 'EIO' }), path)).toBe(`cannot read ${path}: EIO`);
  });
});

describe('RaplCounters', () => {
  it('finds nested zones by name, with power.package as an alias of package-0', () => {
    const rapl = new RaplCounters(laptopSysfs());
    expect(rapl.series().map((s) => s.name)).toEqual([
      'power.package',
      'power.rapl.package-0',
      'power.rapl.core',
      'power.rapl.uncore',
      'power.rapl.dram',
      'power.rapl.psys',
    ]);
    rapl.close();
  });

  it('computes watts from energy deltas over the interval, across a wrap', () => {
    const sysfs = laptopSysfs();
    const dramRangeUj = 65532610987;
    setEnergy(sysfs, 'intel-rapl:0/intel-rapl:0:2', dramRangeUj - 50_000); // dram is about to wrap
    const rapl = new RaplCounters(sysfs);
    rapl.poll(0);
    setEnergy(sysfs, 'intel-rapl:0', 1_500_000); // 0.5 J in 100 ms
    setEnergy(sysfs, 'intel-rapl:0/intel-rapl:0:2', dramRangeUj - 40_000);
    rapl.poll(100);
    setEnergy(sysfs, 'intel-rapl:0', 1_500_000 + 250_000);
    rapl.poll(150);
    setEnergy(sysfs, 'intel-rapl:0/intel-rapl:0:2', 60_000); // 100 mJ across the wrap
    rapl.poll(200);
    rapl.close();
    const byName = Object.fromEntries(rapl.series().map((s) => [s.name, s]));
    expect(byName['power.rapl.package-0']).toMatchObject({
      available: true,
      unit: 'W',
      source: `${sysfs}/class/powercap/intel-rapl:0/energy_uj`,
    });
    expect(byName['power.rapl.package-0'].samples).toEqual([
      [100, 5],
      [150, 5],
      [200, 0],
    ]);
    expect(byName['power.package'].samples).toEqual(byName['power.rapl.package-0'].samples);
    expect(byName['power.package'].samples).not.toBe(byName['power.rapl.package-0'].samples);
    const dram = byName['power.rapl.dram'].samples!;
    expect(dram.map(([t]) => t)).toEqual([100, 150, 200]);
    expect(dram[0][1]).toBeCloseTo(0.1, 9); // 10 mJ in 100 ms
    expect(dram[1][1]).toBe(0);
    expect(dram[2][1]).toBeCloseTo(2, 9); // 100 mJ in 50 ms, across the wrap
  });

  it('takes an empty or torn read (a file caught mid-rewrite) as no reading, not as a wraparound', () => {
    const sysfs = laptopSysfs();
    const rapl = new RaplCounters(sysfs);
    setEnergy(sysfs, 'intel-rapl:0', 1_000_000);
    rapl.poll(0);
    writeFileSync(join(sysfs, 'class/powercap/intel-rapl:0/energy_uj'), '');
    rapl.poll(50);
    writeFileSync(join(sysfs, 'class/powercap/intel-rapl:0/energy_uj'), '12x');
    rapl.poll(75);
    setEnergy(sysfs, 'intel-rapl:0', 1_500_000); // 0.5 J over the 100 ms since the last good reading
    rapl.poll(100);
    rapl.close();
    const pkg = rapl.series().find((s) => s.name === 'power.rapl.package-0')!;
    expect(pkg.samples).toEqual([[100, 5]]);
  });

  it('lists each zone once when subzones also appear flat, as in the real /sys/class/powercap', () => {
    const sysfs = laptopSysfs();
    const powercap = join(sysfs, 'class/powercap');
    for (const sub of ['intel-rapl:0:0', 'intel-rapl:0:1', 'intel-rapl:0:2']) {
      symlinkSync(join(powercap, 'intel-rapl:0', sub), join(powercap, sub));
    }
    const rapl = new RaplCounters(sysfs);
    expect(rapl.series()).toHaveLength(6);
    rapl.close();
  });

  it('qualifies names that repeat across sockets by their package', () => {
    const sysfs = writeTree(tempDir('sysfs'), {
      ...zone('class/powercap/intel-rapl:0', 'package-0', 1),
      ...zone('class/powercap/intel-rapl:0/intel-rapl:0:0', 'dram', 1),
      ...zone('class/powercap/intel-rapl:1', 'package-1', 1),
      ...zone('class/powercap/intel-rapl:1/intel-rapl:1:0', 'dram', 1),
    });
    const rapl = new RaplCounters(sysfs);
    expect(rapl.series().map((s) => s.name)).toEqual([
      'power.package',
      'power.rapl.package-0',
      'power.rapl.package-0.dram',
      'power.rapl.package-1',
      'power.rapl.package-1.dram',
    ]);
    rapl.close();
  });

  it('marks zones whose energy_uj is root-only unavailable, with the reason', () => {
    const sysfs = laptopSysfs();
    const energy = (dir: string) => `${sysfs}/class/powercap/${dir}/energy_uj`;
    const fs = fsFailingOpen({
      [energy('intel-rapl:0')]: 'EACCES',
      [energy('intel-rapl:0/intel-rapl:0:0')]: 'EACCES',
      [energy('intel-rapl:0/intel-rapl:0:1')]: 'EACCES',
      [energy('intel-rapl:0/intel-rapl:0:2')]: 'EACCES',
      [energy('intel-rapl:1')]: 'EACCES',
    });
    const rapl = new RaplCounters(sysfs, fs);
    rapl.poll(0);
    rapl.poll(10);
    for (const s of rapl.series()) {
      expect(s.available).toBe(false);
      expect(s.samples).toBeUndefined();
      expect(s.reason).toMatch(/energy_uj is readable by root only \(restricted since the CVE-2020-8694 fix\)/);
    }
    expect(rapl.series()[0]).toMatchObject({ name: 'power.package', source: energy('intel-rapl:0') });
    rapl.close();
  });

  it('says there is no RAPL when the powercap directory is missing or has no intel-rapl zone', () => {
    for (const sysfs of [tempDir('sysfs'), writeTree(tempDir('sysfs'), { 'class/powercap/dtpm/enabled': '1\n' })]) {
      const series = new RaplCounters(sysfs).series();
      expect(series).toEqual([
        {
          name: 'power.package',
          unit: 'W',
          available: false,
          reason: `no RAPL (no ${sysfs}/class/powercap/intel-rapl:*)`,
          source: `${sysfs}/class/powercap`,
        },
      ]);
    }
  });
});
