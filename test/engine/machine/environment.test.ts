import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProfileSummary } from '../../../src/main/cli/summary-table';
import { collectEnvironment, isAvailable } from '../../../src/main/engine/machine/environment';
import { renderEnvironment } from '../../../src/main/engine/report/html/provenance-sections';
import { reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import { buildSampleReport } from '../../fixtures/reports/sample-report';

const FIXTURES = join(__dirname, '../../fixtures/sysfs');
const common = { onnxruntimeVersion: '1.30.0', eps: ['cpu', 'webgpu'], modelSha256: { dense: 'a'.repeat(64), 'pruned-0.9': 'b'.repeat(64) } };

describe('environment block', () => {
  it('reads a laptop on battery: governors, frequency, temperatures, drivers', () => {
    const env = collectEnvironment({ ...common, sysfsRoot: join(FIXTURES, 'env-laptop'), vulkanIcdDirs: [join(FIXTURES, 'vulkan-icd')], platform: 'linux' });
    // cpu0-1 powersave, cpu2-3 performance: each run of equal governors named by its first CPU
    expect(env.cpuGovernor).toBe('cpu0 powersave, cpu2 performance');
    // kHz -> MHz, cpu0
    expect(env.cpuFrequencyMhz).toEqual({ current: 1801, min: 400, max: 4200 });
    expect(env.temperatures).toEqual([
      { sensor: 'coretemp Package id 0', celsius: 54 },
      { sensor: 'coretemp temp2', celsius: 52.5 },
      { sensor: 'acpitz temp1', celsius: 27.8 },
      { sensor: 'x86_pkg_temp', celsius: 55 },
    ]);
    // The mains supply is offline and the battery discharging.
    expect(env.powerSource).toBe('battery');
    // card0 only (card0-eDP-1 is a connector), driver from the symlink's name
    expect(env.gpuDrivers).toEqual(['card0: i915']);
    expect(env.vulkanDrivers).toEqual(['broken_icd.json (unreadable manifest)', 'libvulkan_lvp.so (Vulkan 1.3.255)']);
    expect(env.onnxruntimeVersion).toBe('1.30.0');
    expect(env.eps).toEqual(['cpu', 'webgpu']);
    expect(env.modelSha256).toEqual(common.modelSha256);
    expect(Number.isNaN(Date.parse(env.collectedAt))).toBe(false);
  });

  it('reads a desktop on mains with one governor and only a thermal zone', () => {
    const env = collectEnvironment({ ...common, sysfsRoot: join(FIXTURES, 'env-desktop-ac'), vulkanIcdDirs: [join(FIXTURES, 'no-such-dir')], platform: 'linux' });
    expect(env.cpuGovernor).toBe('performance');
    expect(env.cpuFrequencyMhz).toEqual({ current: 3600, min: 800, max: 3600 });
    expect(env.temperatures).toEqual([{ sensor: 'acpitz', celsius: 41 }]);
    expect(env.powerSource).toBe('ac');
    expect(env.gpuDrivers).toMatch(/^unavailable: no display device/);
    expect(env.vulkanDrivers).toMatch(/^unavailable: no Vulkan driver manifest in .*no-such-dir/);
  });

  it('says why each field is unavailable on a VM without cpufreq, sensors or power supplies', () => {
    const env = collectEnvironment({ ...common, sysfsRoot: join(FIXTURES, 'env-vm'), vulkanIcdDirs: [], platform: 'linux' });
    expect(env.cpuGovernor).toBe('unavailable: no cpufreq in sysfs (a VM or a kernel without frequency scaling)');
    expect(env.cpuFrequencyMhz.current).toMatch(/^unavailable: no cpufreq/);
    expect(env.cpuFrequencyMhz.max).toMatch(/^unavailable: no cpufreq/);
    expect(env.temperatures).toBe('unavailable: no hwmon temperature input or thermal zone in sysfs');
    expect(env.powerSource).toMatch(/^unavailable: no power supply in sysfs/);
    for (const field of [env.cpuGovernor, env.temperatures, env.powerSource, env.gpuDrivers]) expect(isAvailable(field)).toBe(false);
  });

  it('does not read /sys off Linux', () => {
    const env = collectEnvironment({ ...common, sysfsRoot: '/sys', vulkanIcdDirs: [], platform: 'darwin' });
    expect(env.cpuGovernor).toBe('unavailable: read from Linux sysfs; not read on darwin');
    expect(env.powerSource).toBe('unavailable: read from Linux sysfs; not read on darwin');
  });

  it('reads this machine without throwing, every field a value or a reason', () => {
    const env = collectEnvironment({ ...common, sysfsRoot: '/sys' });
    for (const field of [env.cpuGovernor, env.temperatures, env.powerSource, env.gpuDrivers, env.vulkanDrivers, env.cpuFrequencyMhz.current]) {
      if (typeof field === 'string' && !isAvailable(field)) expect(field).toMatch(/^unavailable: .+/);
    }
  });
});

describe('environment in the report', () => {
  const laptop = collectEnvironment({ ...common, sysfsRoot: join(FIXTURES, 'env-laptop'), vulkanIcdDirs: [join(FIXTURES, 'vulkan-icd')], platform: 'linux' });
  const vm = collectEnvironment({ ...common, sysfsRoot: join(FIXTURES, 'env-vm'), vulkanIcdDirs: [], platform: 'linux' });

  it('validates against the report schema, readings and reasons alike', () => {
    expect(reportSchemaErrors({ ...buildSampleReport(), environment: laptop })).toEqual([]);
    expect(reportSchemaErrors({ ...buildSampleReport(), environment: vm })).toEqual([]);
    const bad = { ...buildSampleReport(), environment: { ...vm, powerSource: 'mains' } };
    expect(reportSchemaErrors(bad).length).toBeGreaterThan(0);
  });

  it('is shown in the HTML report and the CLI summary', () => {
    const html = String(renderEnvironment({ ...buildSampleReport(), environment: laptop }));
    expect(html).toContain('Run conditions');
    expect(html).toContain('cpu0 powersave, cpu2 performance');
    expect(html).toContain('coretemp Package id 0 54.0 °C');
    expect(html).toContain('libvulkan_lvp.so (Vulkan 1.3.255)');
    const files = { report: 'r.json', html: 'r.html', trace: 't.json', models: [] };
    expect(formatProfileSummary({ ...buildSampleReport(), environment: laptop }, files)).toContain(
      'runs on  governor cpu0 powersave, cpu2 performance, 1.80 GHz, hottest sensor 55 °C, on battery',
    );
    expect(formatProfileSummary({ ...buildSampleReport(), environment: vm }, files)).toContain(
      'runs on  governor unknown, frequency unknown, temperature unknown, power source unknown',
    );
  });
});
