import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATTERY_MIN_INTERVAL_MS, BatteryCounters } from '../../../src/main/engine/trace/counters/battery';
import { fsFailingOpen, tempDir, writeTree } from './helpers';

const SUPPLY = 'class/power_supply';

function battery(name: string, files: Record<string, string>): Record<string, string> {
  const tree: Record<string, string> = { [`${SUPPLY}/${name}/type`]: 'Battery\n' };
  for (const [file, value] of Object.entries(files)) tree[`${SUPPLY}/${name}/${file}`] = `${value}\n`;
  return tree;
}

const AC = { [`${SUPPLY}/AC/type`]: 'Mains\n', [`${SUPPLY}/AC/online`]: '0\n' };

describe('BatteryCounters', () => {
  it('reads power_now (uW) while discharging, at most every BATTERY_MIN_INTERVAL_MS', () => {
    const sysfs = writeTree(tempDir('sysfs'), { ...AC, ...battery('BAT0', { status: 'Discharging', power_now: '12500000' }) });
    const counters = new BatteryCounters(sysfs);
    counters.poll(0);
    counters.poll(10); // too soon after the last read: firmware has not refreshed
    counters.poll(BATTERY_MIN_INTERVAL_MS);
    writeFileSync(join(sysfs, SUPPLY, 'BAT0/power_now'), '8000000\n');
    counters.poll(2 * BATTERY_MIN_INTERVAL_MS);
    counters.close();
    expect(counters.series()).toEqual([
      {
        name: 'power.battery',
        unit: 'W',
        available: true,
        samples: [
          [0, 12.5],
          [100, 12.5],
          [200, 8],
        ],
        source: `${sysfs}/${SUPPLY}/BAT0`,
      },
    ]);
  });

  it('falls back to current_now (uA) x voltage_now (uV), whatever the sign of the current', () => {
    const sysfs = writeTree(
      tempDir('sysfs'),
      battery('BAT1', { status: 'Discharging', current_now: '-1500000', voltage_now: '11400000' }),
    );
    const counters = new BatteryCounters(sysfs, undefined, 0);
    counters.poll(0);
    counters.close();
    expect(counters.series()[0].samples).toEqual([[0, 1.5 * 11.4]]);
  });

  it('records only while discharging: samples stop when the charger is plugged in', () => {
    const sysfs = writeTree(tempDir('sysfs'), battery('BAT0', { status: 'Discharging', power_now: '10000000' }));
    const counters = new BatteryCounters(sysfs, undefined, 0);
    counters.poll(0);
    writeFileSync(join(sysfs, SUPPLY, 'BAT0/status'), 'Charging\n');
    counters.poll(100);
    counters.close();
    expect(counters.series()[0]).toMatchObject({ available: true, samples: [[0, 10]] });
  });

  it('sums batteries that discharge together', () => {
    const sysfs = writeTree(tempDir('sysfs'), {
      ...battery('BAT0', { status: 'Discharging', power_now: '6000000' }),
      ...battery('BAT1', { status: 'Discharging', power_now: '3000000' }),
    });
    const counters = new BatteryCounters(sysfs, undefined, 0);
    counters.poll(0);
    counters.close();
    expect(counters.series()[0].samples).toEqual([[0, 9]]);
  });

  it.each(['Charging', 'Full', 'Not charging'])('is unavailable "on AC power" while %s', (status) => {
    const sysfs = writeTree(tempDir('sysfs'), { ...AC, ...battery('BAT0', { status, power_now: '0' }) });
    const counters = new BatteryCounters(sysfs, undefined, 0);
    counters.poll(0);
    counters.poll(100);
    counters.close();
    expect(counters.series()).toEqual([
      {
        name: 'power.battery',
        unit: 'W',
        available: false,
        reason: `on AC power (BAT0: ${status})`,
        source: `${sysfs}/${SUPPLY}/BAT0`,
      },
    ]);
  });

  it('says "no battery" when there is no BAT* supply', () => {
    for (const sysfs of [tempDir('sysfs'), writeTree(tempDir('sysfs'), AC)]) {
      const counters = new BatteryCounters(sysfs);
      counters.poll(0);
      expect(counters.series()[0]).toMatchObject({
        available: false,
        reason: `no battery (no ${sysfs}/${SUPPLY}/BAT*)`,
      });
    }
  });

  it('names a discharging battery that reports no power', () => {
    const sysfs = writeTree(tempDir('sysfs'), battery('BAT0', { status: 'Discharging', capacity: '80' }));
    const counters = new BatteryCounters(sysfs, undefined, 0);
    counters.poll(0);
    expect(counters.series()[0].reason).toBe('BAT0 reports neither power_now nor current_now and voltage_now');
    counters.close();
  });

  it('reports an unreadable battery status', () => {
    const sysfs = writeTree(tempDir('sysfs'), battery('BAT0', { status: 'Discharging', power_now: '1' }));
    const status = `${sysfs}/${SUPPLY}/BAT0/status`;
    const counters = new BatteryCounters(sysfs, fsFailingOpen({ [status]: 'EACCES' }), 0);
    counters.poll(0);
    expect(counters.series()[0]).toMatchObject({ available: false, reason: `cannot read ${status}: EACCES` });
  });
});
