import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CounterSeries } from '../../../src/shared/report';
import { ThermalCounters } from '../../../src/main/engine/trace/counters/thermal';
import { detectThrottling, throttlingWarning } from '../../../src/main/engine/trace/counters/thermal-throttle';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import { tempDir, writeTree } from './helpers';

const LAPTOP = join(__dirname, '../../fixtures/sysfs/thermal-intel-laptop');

/** A writable copy of the fake laptop tree. */
function laptopTree(): string {
  const root = tempDir('thermal');
  cpSync(LAPTOP, root, { recursive: true });
  return root;
}

const CPU = 'devices/system/cpu';

describe('ThermalCounters', () => {
  it('samples each CPU frequency, every temperature sensor and the throttle counters', () => {
    const root = laptopTree();
    const reader = new ThermalCounters(root, { minIntervalMs: 0, throttleMinIntervalMs: 0, platform: 'linux' });
    reader.poll(0);
    writeTree(root, {
      [`${CPU}/cpu0/cpufreq/scaling_cur_freq`]: '2100000\n',
      'class/hwmon/hwmon0/temp1_input': '97000\n',
      // Both core counters rise by 3 and 1; the package count rises by 5 on every CPU of package 0.
      [`${CPU}/cpu0/thermal_throttle/core_throttle_count`]: '15\n',
      [`${CPU}/cpu1/thermal_throttle/core_throttle_count`]: '13\n',
      ...Object.fromEntries([0, 1, 2, 3].map((c) => [`${CPU}/cpu${c}/thermal_throttle/package_throttle_count`, '45\n'])),
    });
    reader.poll(100);
    reader.close();
    const byName = new Map(reader.series().map((s) => [s.name, s]));
    expect([...byName.keys()]).toEqual([
      'cpu.frequency.cpu0', 'cpu.frequency.cpu1', 'cpu.frequency.cpu2', 'cpu.frequency.cpu3',
      'temperature.coretemp.Package id 0', 'temperature.coretemp.Core 0', 'temperature.nvme.temp1',
      'temperature.zone.x86_pkg_temp', 'temperature.zone.acpitz', 'temperature.zone.acpitz#2',
      'cpu.throttle.core', 'cpu.throttle.package',
    ]);
    expect(byName.get('cpu.frequency.cpu0')).toMatchObject({ unit: 'MHz', samples: [[0, 3400], [100, 2100]] });
    expect(byName.get('cpu.frequency.cpu3')!.samples).toEqual([[0, 800], [100, 800]]);
    expect(byName.get('temperature.coretemp.Package id 0')).toMatchObject({ unit: '°C', samples: [[0, 62], [100, 97]] });
    expect(byName.get('temperature.nvme.temp1')!.samples![0][1]).toBeCloseTo(38.85, 6);
    expect(byName.get('cpu.throttle.core')!.samples).toEqual([[100, 4]]);
    expect(byName.get('cpu.throttle.package')!.samples).toEqual([[100, 5]]);
  });

  it('reads no more often than its minimum intervals (every 200 ms, throttle counters every second by default)', () => {
    const root = laptopTree();
    const reader = new ThermalCounters(root, { platform: 'linux' });
    for (const t of [0, 20, 40, 200, 350, 410, 990, 1000, 1500, 2100]) reader.poll(t);
    reader.close();
    const series = reader.series();
    expect(series.find((s) => s.name === 'cpu.frequency.cpu0')!.samples!.map(([t]) => t)).toEqual([0, 200, 410, 990, 1500, 2100]);
    expect(series.find((s) => s.name === 'temperature.zone.acpitz')!.samples!.map(([t]) => t)).toEqual([0, 200, 410, 990, 1500, 2100]);
    // Deltas from the second read on: at 1000 and 2100.
    expect(series.find((s) => s.name === 'cpu.throttle.core')!.samples!.map(([t]) => t)).toEqual([1000, 2100]);
  });

  it('says why each signal is missing on a VM tree and on other systems', () => {
    const vm = writeTree(tempDir('thermal-vm'), { [`${CPU}/cpu0/topology/physical_package_id`]: '0\n' });
    const reader = new ThermalCounters(vm, { platform: 'linux' });
    reader.poll(0);
    const series = reader.series();
    expect(series.every((s) => !s.available)).toBe(true);
    expect(series.map((s) => s.reason)).toEqual([
      'no cpufreq in sysfs (a VM or a kernel without frequency scaling)',
      'no hwmon temperature input or thermal zone in sysfs',
      'no core_throttle_count in sysfs (Intel CPUs only)',
      'no package_throttle_count in sysfs (Intel CPUs only)',
    ]);
    const mac = new ThermalCounters(LAPTOP, { platform: 'darwin' });
    expect(mac.series().every((s) => !s.available && /powermetrics needs sudo/.test(s.reason!))).toBe(true);
    const windows = new ThermalCounters(LAPTOP, { platform: 'win32' });
    expect(windows.series()[0].reason).toMatch(/^not readable without privileges on Windows/);
  });
});

function gauge(name: string, unit: string, samples: [number, number][]): CounterSeries {
  return { name, unit, available: true, samples, source: 'test' };
}

const WINDOW = { startMs: 0, endMs: 1000 };

describe('detectThrottling', () => {
  it('flags a frequency drop below 90% of the peak while hot', () => {
    const verdict = detectThrottling(
      [
        gauge('cpu.frequency.cpu0', 'MHz', [[0, 3000], [200, 3400], [400, 3400], [600, 2800], [800, 2900]]),
        gauge('cpu.frequency.cpu1', 'MHz', [[0, 800], [200, 800], [400, 800], [600, 800], [800, 800]]),
        gauge('temperature.coretemp.Package id 0', '°C', [[0, 70], [400, 92], [800, 99]]),
      ],
      WINDOW,
    );
    expect(verdict).toEqual({
      throttled: true,
      evidence: [
        'hottest sensor coretemp.Package id 0 reached 99 °C (high: 85 °C)',
        'CPU frequency fell from 3400 to 2800 MHz (82%; run started at 3000 MHz) while hot',
      ],
    });
    expect(throttlingWarning('dense on cpu', verdict)).toMatch(/^dense on cpu: the CPU throttled during the run/);
  });

  it('does not flag a cool drop, a ramp-up, or a drop outside the run window', () => {
    const cool = detectThrottling(
      [gauge('cpu.frequency.cpu0', 'MHz', [[0, 3400], [500, 2000]]), gauge('temperature.zone.x86_pkg_temp', '°C', [[0, 55]])],
      WINDOW,
    );
    expect(cool).toMatchObject({ throttled: false });
    expect((cool as { evidence: string[] }).evidence[1]).toMatch(/power management rather than throttling$/);
    // 1200 -> 3400 MHz is the clock ramping up: only a fall after the peak counts.
    const ramp = detectThrottling([gauge('cpu.frequency.cpu0', 'MHz', [[0, 1200], [500, 3400]]), gauge('temperature.x', '°C', [[0, 95]])], WINDOW);
    expect(ramp).toMatchObject({ throttled: false, evidence: [expect.any(String), 'CPU frequency held within 10% of its peak 3400 MHz (run started at 1200 MHz)'] });
    const outside = detectThrottling([gauge('cpu.frequency.cpu0', 'MHz', [[0, 3400], [900, 3400], [1500, 1000]]), gauge('temperature.x', '°C', [[0, 95]])], WINDOW);
    expect(outside).toMatchObject({ throttled: false });
  });

  it('flags any rise of the Intel throttle counters during the run', () => {
    const verdict = detectThrottling(
      [gauge('cpu.throttle.core', 'count', [[100, 0], [200, 0]]), gauge('cpu.throttle.package', 'count', [[100, 0], [200, 7], [1100, 9]])],
      WINDOW,
    );
    expect(verdict).toEqual({
      throttled: true,
      evidence: ['CPU frequency not sampled', 'thermal_throttle/core_throttle_count did not change', 'thermal_throttle/package_throttle_count rose by 7'],
    });
  });

  it('is unavailable with the readers\' reasons when nothing was sampled', () => {
    const root = tempDir('thermal-none');
    const reader = new ThermalCounters(root, { platform: 'linux' });
    expect(detectThrottling(reader.series(), WINDOW)).toBe(
      'unavailable: no cpufreq in sysfs (a VM or a kernel without frequency scaling); no hwmon temperature input or thermal zone in sysfs; no core_throttle_count in sysfs (Intel CPUs only)',
    );
    expect(throttlingWarning('x', 'unavailable: y')).toBeNull();
  });
});

describe('throttling in a profile job (real runs, fake sysfs under EDGESCOPE_SYSFS_ROOT)', () => {
  it('flags the run and adds a report warning when the throttle counters rise during it', async () => {
    const root = laptopTree();
    const dir = tempDir('throttle-job');
    const modelPath = join(dir, 'fc.onnx');
    await writeModel(modelPath, buildFcLayer('fc', 256, 256, 1));
    const saved = process.env.EDGESCOPE_SYSFS_ROOT;
    process.env.EDGESCOPE_SYSFS_ROOT = root;
    // The package throttles while the job runs: its count rises on every CPU of package 0.
    let count = 40;
    const throttling = setInterval(() => {
      count += 1;
      writeTree(root, Object.fromEntries([0, 1, 2, 3].map((c) => [`${CPU}/cpu${c}/thermal_throttle/package_throttle_count`, `${count}\n`])));
    }, 50);
    try {
      const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };
      const { report } = await runProfileJob(env, { modelPath, batch: 1, threads: 1, warmup: 1, runs: 5, minTimeMs: 2500, profiledRuns: 2 }, join(dir, 'out'));
      const run = report.variants[0].runs[0];
      expect(run.throttling).toMatchObject({ throttled: true });
      const evidence = (run.throttling as { evidence: string[] }).evidence;
      expect(evidence).toContain('thermal_throttle/core_throttle_count did not change');
      expect(evidence.find((e) => e.startsWith('thermal_throttle/package_throttle_count rose by '))).toBeDefined();
      // Frequency and temperature held steady in the fake tree: evidence, but not the reason.
      expect(evidence).toContain('hottest sensor coretemp.Package id 0 reached 62 °C (high: 85 °C)');
      expect(report.warnings.some((w) => w.startsWith('dense on cpu: the CPU throttled during the run'))).toBe(true);
      expect(run.counters.find((c) => c.name === 'cpu.frequency.cpu3')!.samples!.every(([, mhz]) => mhz === 800)).toBe(true);
    } finally {
      clearInterval(throttling);
      if (saved === undefined) delete process.env.EDGESCOPE_SYSFS_ROOT;
      else process.env.EDGESCOPE_SYSFS_ROOT = saved;
    }
  }, 300_000);
});
