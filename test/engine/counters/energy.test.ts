import { describe, expect, it } from 'vitest';
import type { CounterSeries } from '../../../src/shared/report';
import { energyPerInference, integrateInWindow } from '../../../src/main/engine/trace/counters/energy';
import { RaplCounters } from '../../../src/main/engine/trace/counters/rapl';
import { tempDir, writeTree } from './helpers';

function power(name: string, samples: [number, number][]): CounterSeries {
  return { name, unit: 'W', available: true, samples, source: `src of ${name}` };
}

describe('integrateInWindow', () => {
  it('treats RAPL samples as the average power of the interval ending at them', () => {
    // 10 W over (0, 100], 30 W over (100, 200]: 1 J + 3 J; the first sample's interval is unknown.
    expect(integrateInWindow([[0, 99], [100, 10], [200, 30]], { startMs: 0, endMs: 200 }, 'interval-average')).toEqual({ joules: 4, coveredMs: 200 });
    // Clipped to (50, 150]: 0.5 J + 1.5 J.
    expect(integrateInWindow([[0, 99], [100, 10], [200, 30]], { startMs: 50, endMs: 150 }, 'interval-average')).toEqual({ joules: 2, coveredMs: 100 });
  });

  it('interpolates instantaneous readings linearly', () => {
    // 0 -> 20 W over one second: 10 J; clipped to the middle half: (7.5 + 12.5) / 2 W x 0.5 s = 5 J.
    expect(integrateInWindow([[0, 0], [1000, 20]], { startMs: 0, endMs: 1000 }, 'reading').joules).toBeCloseTo(10, 12);
    expect(integrateInWindow([[0, 0], [1000, 20]], { startMs: 250, endMs: 750 }, 'reading')).toEqual({ joules: 5, coveredMs: 500 });
  });
});

describe('energyPerInference', () => {
  it('gives joules per inference from every power source, each with its source', () => {
    const counters: CounterSeries[] = [
      power('power.package', [[0, 1], [1000, 20]]), // an alias of package-0: not counted twice
      power('power.rapl.package-0', [[0, 1], [1000, 20]]),
      power('power.rapl.dram', [[0, 1], [500, 4], [1000, 2]]),
      power('power.battery', [[0, 30], [1000, 30]]),
      power('gpu0.power', [[0, 100], [1000, 300]]),
      { name: 'gpu0.energy', unit: 'J', available: true, samples: [[0, 0]], source: 'x' },
      { name: 'cpu.utilization', unit: '%', available: true, samples: [[0, 100]], source: 'x' },
    ];
    const estimates = energyPerInference(counters, { startMs: 0, endMs: 1000 }, 50);
    expect(estimates.map((e) => e.series)).toEqual(['power.rapl.package-0', 'power.rapl.dram', 'power.battery', 'gpu0.power']);
    expect(estimates[0]).toEqual({
      series: 'power.rapl.package-0',
      source: 'src of power.rapl.package-0',
      joules: 20,
      joulesPerInference: 0.4,
      averageW: 20,
      coveredMs: 1000,
      windowMs: 1000,
    });
    expect(estimates[1].joules).toBeCloseTo(3, 12); // 4 W x 0.5 s + 2 W x 0.5 s
    expect(estimates[2].joulesPerInference).toBeCloseTo(0.6, 12);
    expect(estimates[3].joules).toBeCloseTo(200, 12);
  });

  it('scales the covered part\'s average power to the whole window, and refuses under half covered', () => {
    // Samples cover (100, 900] of a (0, 1000] window at 10 W: 10 W x 1 s.
    const [partial] = energyPerInference([power('power.rapl.core', [[100, 0], [900, 10]])], { startMs: 0, endMs: 1000 }, 10);
    expect(partial).toMatchObject({ joules: 10, averageW: 10, coveredMs: 800 });
    const [thin] = energyPerInference([power('power.battery', [[0, 10], [300, 10]])], { startMs: 0, endMs: 1000 }, 10);
    expect(thin.unavailable).toBe('unavailable: samples cover 300 ms of the 1000 ms timed window (time longer runs, e.g. --min-time)');
  });

  it('keeps the reasons on a machine without RAPL, battery or NVIDIA GPU', () => {
    const none: CounterSeries[] = [
      { name: 'power.package', unit: 'W', available: false, reason: 'no RAPL (no /sys/class/powercap/intel-rapl:*)', source: '/sys/class/powercap' },
      { name: 'power.battery', unit: 'W', available: false, reason: 'no battery (no /sys/class/power_supply/BAT*)', source: '/sys/class/power_supply' },
      { name: 'gpu.power', unit: 'W', available: false, reason: 'nvidia-smi not found (x)', source: 'nvidia-smi --query-gpu' },
    ];
    expect(energyPerInference(none, { startMs: 0, endMs: 100 }, 5).map((e) => [e.series, e.unavailable])).toEqual([
      ['power.package', 'unavailable: no RAPL (no /sys/class/powercap/intel-rapl:*)'],
      ['power.battery', 'unavailable: no battery (no /sys/class/power_supply/BAT*)'],
      ['gpu.power', 'unavailable: nvidia-smi not found (x)'],
    ]);
  });

  it('says what macOS and Windows would need instead of naming a missing sysfs file', () => {
    const missing = (name: string): CounterSeries => ({ name, unit: 'W', available: false, reason: 'no such file', source: '/sys/...' });
    const reasons = (platform: NodeJS.Platform) =>
      energyPerInference([missing('power.package'), missing('power.battery'), missing('gpu.power')], { startMs: 0, endMs: 10 }, 1, platform).map((e) => e.unavailable);
    expect(reasons('darwin')).toEqual([
      'unavailable: CPU package power on macOS needs powermetrics, which needs sudo',
      'unavailable: battery discharge rate on macOS is not read (IOKit, not sysfs)',
      'unavailable: no such file',
    ]);
    expect(reasons('win32')[0]).toBe('unavailable: RAPL on Windows needs a kernel driver (administrator)');
    expect(reasons('linux')).toEqual(['unavailable: no such file', 'unavailable: no such file', 'unavailable: no such file']);
  });

  it('passes on why a power source is unavailable', () => {
    const [e] = energyPerInference(
      [{ name: 'power.battery', unit: 'W', available: false, reason: 'on AC power (BAT0: Charging)', source: '/sys/class/power_supply/BAT0' }],
      { startMs: 0, endMs: 10 },
      1,
    );
    expect(e).toEqual({ series: 'power.battery', source: '/sys/class/power_supply/BAT0', unavailable: 'unavailable: on AC power (BAT0: Charging)' });
  });

  it('integrates real RAPL readings across a counter wraparound (fake powercap tree)', () => {
    const root = tempDir('energy-rapl');
    const zone = 'class/powercap/intel-rapl:0';
    writeTree(root, { [`${zone}/name`]: 'package-0\n', [`${zone}/max_energy_range_uj`]: '262143328850\n', [`${zone}/energy_uj`]: '262141000000\n' });
    const rapl = new RaplCounters(root);
    rapl.poll(0);
    writeTree(root, { [`${zone}/energy_uj`]: '262142328850\n' }); // +1.32885 J over 100 ms, before the window
    rapl.poll(100);
    // Wraps: 262143328850 - 262142328850 = 1e6 uJ to the top, then 2e6 uJ past zero: 3 J over 100 ms = 30 W.
    writeTree(root, { [`${zone}/energy_uj`]: '2000000\n' });
    rapl.poll(200);
    rapl.close();
    const [estimate] = energyPerInference(rapl.series(), { startMs: 100, endMs: 200 }, 3);
    expect(estimate.series).toBe('power.rapl.package-0');
    expect(estimate.averageW).toBeCloseTo(30, 9);
    expect(estimate.joulesPerInference).toBeCloseTo(1, 9);
  });
});
