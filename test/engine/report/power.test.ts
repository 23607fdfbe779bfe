/**
 * Power & heat as the report shows it (src/shared/power.ts, the exports' energy and throttling tables,
 * report.html's section), on reports whose power and thermal series come from the engine's own readers
 * polled over scripted fake sysfs trees (test/fixtures/reports/power-report.ts): every number below follows
 * from the script's watts, frequencies and temperatures.
 */
import { csvParseRows } from 'd3';
import { describe, expect, it } from 'vitest';
import { FREQUENCY_PREFIX, TEMPERATURE_PREFIX } from '../../../src/main/engine/trace/counters/thermal';
import { energyTable, throttlingTable } from '../../../src/main/engine/report/exports/power-tables';
import { renderCsvFiles } from '../../../src/main/engine/report/exports/render';
import { reportToLatex, reportToMarkdown } from '../../../src/main/engine/report/exports/paper-tables';
import { renderPower, significant } from '../../../src/main/engine/report/html/power-section';
import { renderReportHtml } from '../../../src/main/engine/report/report-html';
import {
  energyComparison,
  FREQUENCY_SERIES_PREFIX,
  gaugeSummary,
  reportPower,
  runPower,
  TEMPERATURE_SERIES_PREFIX,
} from '../../../src/shared/power';
import { buildNoPowerReport, buildPowerReport } from '../../fixtures/reports/power-report';
import { HOSTILE_TEXT, buildSampleReport } from '../../fixtures/reports/sample-report';
import { formatProfileSummary } from '../../../src/main/cli/summary-table';

const report = buildPowerReport();
const [dense, pruned] = report.variants.map((v) => v.runs[0]);

/** 40 timed runs in a 1000 ms window. */
const perInferenceMj = (watts: number) => (watts * 1000) / 40;

describe('runPower', () => {
  it('lists every power source with its watts, joules and energy per inference', () => {
    const power = runPower(dense);
    expect(power.energyMissing).toBeNull();
    expect(power.energy.map((e) => e.series)).toEqual(['power.rapl.package-0', 'power.rapl.dram', 'power.battery', 'gpu0.power']);
    const bySeries = new Map(power.energy.map((e) => [e.series, e]));
    for (const [series, watts] of [['power.rapl.package-0', 15], ['power.rapl.dram', 3], ['power.battery', 20], ['gpu0.power', 60]] as const) {
      const row = bySeries.get(series)!;
      expect(row.averageW).toBeCloseTo(watts, 9);
      expect(row.joules).toBeCloseTo(watts, 9); // over 1 s
      expect(row.joulesPerInference! * 1000).toBeCloseTo(perInferenceMj(watts), 9);
      expect(row.coverage).toBe(1);
      expect(row.unavailable).toBeNull();
    }
    expect(bySeries.get('power.rapl.package-0')!.source).toMatch(/class\/powercap\/intel-rapl:0\/energy_uj$/);
    expect(bySeries.get('power.battery')!.source).toMatch(/class\/power_supply\/BAT0$/);
    expect(bySeries.get('gpu0.power')!.source).toMatch(/^nvidia-smi /);
  });

  it('gives the throttling verdict with its evidence, and frequency and temperature over the timed window', () => {
    const hot = runPower(dense);
    expect(hot.throttling).toEqual({
      state: 'throttled',
      evidence: [
        'hottest sensor coretemp.Package id 0 reached 95 °C (high: 85 °C)',
        'CPU frequency fell from 3400 to 2800 MHz (82%; run started at 3400 MHz) while hot',
        'thermal_throttle/core_throttle_count did not change',
        'thermal_throttle/package_throttle_count rose by 3',
      ],
    });
    // The fastest of two CPUs (cpu1 idles at 800 MHz) at 11 readings: 6 at 3400, then 5 at 2800.
    expect(hot.frequencyMhz).toEqual({ min: 2800, median: 3400, max: 3400, readings: 11, series: 2 });
    // 70 -> 95 °C in 2.5 °C steps; readings before and after the window (70 and 95 °C) are left out.
    expect(hot.temperatureC).toEqual({ min: 70, median: 82.5, max: 95, readings: 11, series: 1 });

    const cool = runPower(pruned);
    expect(cool.throttling.state).toBe('not throttled');
    expect(cool.frequencyMhz).toMatchObject({ min: 3400, median: 3400, max: 3400 });
    expect(cool.temperatureC).toMatchObject({ min: 60, max: 60 });
  });

  it('says why for a machine without any power or thermal source', () => {
    const power = runPower(buildNoPowerReport().variants[0].runs[0]);
    expect(power.energy.map((e) => [e.series, e.unavailable])).toEqual([
      ['power.package', expect.stringMatching(/^unavailable: no RAPL \(no .*\/class\/powercap\/intel-rapl:\*\)$/)],
      ['power.battery', expect.stringMatching(/^unavailable: no battery \(no .*\/class\/power_supply\/BAT\*\)$/)],
      ['gpu.power', 'unavailable: nvidia-smi not found (no NVIDIA driver installed)'],
    ]);
    expect(power.energy.every((e) => e.joulesPerInference === null && e.averageW === null)).toBe(true);
    expect(power.throttling).toEqual({
      state: 'unavailable',
      reason: 'unavailable: no cpufreq in sysfs (a VM or a kernel without frequency scaling); no hwmon temperature input or thermal zone in sysfs; no core_throttle_count in sysfs (Intel CPUs only)',
    });
    expect(power.frequencyMhz).toBe('unavailable: no cpufreq in sysfs (a VM or a kernel without frequency scaling)');
    expect(power.temperatureC).toBe('unavailable: no hwmon temperature input or thermal zone in sysfs');
  });

  it('says a report written before power was recorded has none', () => {
    const power = runPower(buildSampleReport().variants[0].runs[0]);
    expect(power.energy).toEqual([]);
    expect(power.energyMissing).toBe('unavailable: this report was written before edgescope recorded it');
    expect(power.throttling.state).toBe('unavailable');
    expect(power.frequencyMhz).toBe('unavailable: no CPU frequency series in this report');
  });

  it('says an imported report has none because the vendor tool measured none', () => {
    const imported = buildSampleReport();
    imported.source = { kind: 'imported', tool: 'openvino-benchmark_app', format: 'openvino', files: ['a.csv'], device: 'MYRIAD', launched: false };
    const [run] = reportPower(imported);
    expect(run.power.energyMissing).toBe('unavailable: imported from openvino-benchmark_app, which records no power or temperature');
    expect(run.power.throttling).toEqual({ state: 'unavailable', reason: 'unavailable: imported from openvino-benchmark_app, which records no power or temperature' });
    expect(renderPower(imported).value).toContain('dense @ cpu: no energy estimate (unavailable: imported from openvino-benchmark_app');
  });

  it('names the frequency and temperature series as the thermal reader does', () => {
    expect(FREQUENCY_SERIES_PREFIX).toBe(FREQUENCY_PREFIX);
    expect(TEMPERATURE_SERIES_PREFIX).toBe(TEMPERATURE_PREFIX);
  });
});

describe('gaugeSummary', () => {
  const series = (name: string, samples: [number, number][]) => ({ name, unit: 'MHz', available: true, samples, source: 'test' });

  it('takes the highest series at each instant, then min, median and max over the instants', () => {
    const counters = [series('cpu.frequency.cpu0', [[0, 1000], [10, 3000], [20, 2000], [30, 2500]]), series('cpu.frequency.cpu1', [[10, 1200], [20, 2600], [30, 900]])];
    // Instants 10, 20, 30 in the window: max(3000, 1200), max(2000, 2600), max(2500, 900).
    expect(gaugeSummary(counters, 'cpu.frequency.', 'CPU frequency', { startMs: 5, endMs: 30 })).toEqual({ min: 2500, median: 2600, max: 3000, readings: 3, series: 2 });
    // An even count: the mean of the two middle ones.
    expect(gaugeSummary(counters, 'cpu.frequency.', 'CPU frequency', { startMs: 0, endMs: 30 })).toMatchObject({ min: 1000, median: 2550, max: 3000, readings: 4 });
  });

  it('says when no reading fell inside a short window', () => {
    expect(gaugeSummary([series('temperature.x', [[0, 50], [200, 51]])], 'temperature.', 'temperature', { startMs: 20, endMs: 120 })).toBe(
      'unavailable: no temperature reading inside the 100 ms timed window (it is read every few hundred ms: time longer runs, e.g. --min-time)',
    );
  });
});

describe('energyComparison', () => {
  it('puts each source measured in both runs side by side, baseline over candidate', () => {
    const pairs = energyComparison(dense, pruned);
    expect(typeof pairs).not.toBe('string');
    const ratios = Object.fromEntries((pairs as Exclude<typeof pairs, string>).map((p) => [p.series, p.ratio]));
    expect(ratios['power.rapl.package-0']).toBeCloseTo(15 / 10, 9);
    expect(ratios['power.rapl.dram']).toBeCloseTo(3 / 2.5, 9);
    expect(ratios['power.battery']).toBeCloseTo(20 / 16, 9);
    expect(ratios['gpu0.power']).toBeCloseTo(1, 9);
  });

  it('says why when no source measured both runs', () => {
    const vm = buildNoPowerReport();
    expect(energyComparison(vm.variants[0].runs[0], dense)).toMatch(/^unavailable: no power source measured both runs \(no RAPL .*; no battery .*; nvidia-smi not found \(no NVIDIA driver installed\)\)$/);
    const old = buildSampleReport().variants[0].runs[0];
    expect(energyComparison(old, old)).toBe('unavailable: no power source measured both runs (this report was written before edgescope recorded it)');
  });
});

describe('the energy and throttling tables of the exports', () => {
  it('has one energy row per run and source, in mJ per inference', () => {
    const table = energyTable(report);
    expect(table.rows).toHaveLength(8);
    const key = (k: string) => table.columns.findIndex((c) => c.key === k);
    const row = table.rows.find((r) => r[0] === 'pruned-0.9' && r[2] === 'power.battery')!;
    expect(row[key('ep')]).toBe('cpu');
    expect(row[key('energy_per_inference_mj')] as number).toBeCloseTo(perInferenceMj(16), 9);
    expect(row[key('average_w')] as number).toBeCloseTo(16, 9);
    expect(row[key('coverage')]).toBe(1);
    expect(row[key('unavailable')]).toBeNull();
    const vm = energyTable(buildNoPowerReport());
    expect(vm.rows.map((r) => r[2])).toEqual(['power.package', 'power.battery', 'gpu.power', 'power.package', 'power.battery', 'gpu.power']);
    expect(vm.rows.every((r) => r[key('energy_per_inference_mj')] === null && String(r[key('unavailable')]).startsWith('unavailable: '))).toBe(true);
  });

  it('has one throttling row per run with the verdict, evidence and gauge statistics', () => {
    const table = throttlingTable(report);
    expect(table.columns.map((c) => c.key)).toEqual([
      'variant', 'ep', 'throttled', 'evidence', 'frequency_min_mhz', 'frequency_median_mhz', 'frequency_max_mhz',
      'temperature_min_c', 'temperature_median_c', 'temperature_max_c',
    ]);
    expect(table.rows[0]).toEqual(['dense', 'cpu', 'yes', expect.stringContaining('package_throttle_count rose by 3'), 2800, 3400, 3400, 70, 82.5, 95]);
    expect(table.rows[1].slice(0, 3)).toEqual(['pruned-0.9', 'cpu', 'no']);
    expect(throttlingTable(buildNoPowerReport()).rows[0].slice(2)).toEqual(['unknown', expect.stringMatching(/^unavailable: no cpufreq/), null, null, null, null, null, null]);
    expect(throttlingTable(buildSampleReport()).rows).toEqual([]);
  });

  it('writes energy.csv and throttling.csv, and adds both tables to Markdown and LaTeX', () => {
    const files = Object.fromEntries(renderCsvFiles(report).map((f) => [f.name, f.content]));
    const energy = csvParseRows(files['energy.csv']);
    expect(energy[0]).toEqual(['variant', 'ep', 'series', 'source', 'average_w', 'energy_j', 'energy_per_inference_mj', 'coverage', 'unavailable']);
    expect(energy).toHaveLength(9);
    expect(Number(energy[1][6])).toBeCloseTo(perInferenceMj(15), 9);
    const throttling = csvParseRows(files['throttling.csv']);
    expect(throttling[1].slice(0, 3)).toEqual(['dense', 'cpu', 'yes']);
    const md = reportToMarkdown(report);
    expect(md).toContain('| variant | EP | series | source | power (W) | energy (J) | per inference (mJ) | window covered | unavailable |');
    expect(md).toContain('| dense | cpu | power.rapl.package-0 |');
    expect(md).toContain('| variant | EP | throttled | evidence |');
    const tex = reportToLatex(report);
    expect(tex).toContain('\\label{tab:edgescope-energy}');
    expect(tex).toContain('\\label{tab:edgescope-throttling}');
    expect(tex).toContain('power.rapl.package-0 & ');
  });
});

describe("report.html's Power & heat section", () => {
  it('shows energy per inference, the throttling warning with its evidence, the gauges and the comparison', () => {
    const section = renderPower(report).value;
    expect(section).toContain('<section id="power">');
    expect(section).toMatch(/class="warnings throttle-warning"[^>]*><strong>The CPU throttled during dense @ cpu<\/strong>/);
    expect(section).toContain('<strong>375</strong>'); // 15 W x 1 s / 40 inferences, mJ
    expect(section).toContain('<strong>62.5</strong>'); // 2.5 W, pruned's DRAM
    expect(section).toContain('2,800 / 3,400 / 3,400 MHz');
    expect(section).toContain('70.0 / 82.5 / 95.0 °C');
    expect(section).toContain('<li>thermal_throttle/package_throttle_count rose by 3</li>');
    expect(section).toContain('pruned-0.9 @ cpu vs dense @ cpu');
    expect(section).toContain('1.50×');
    expect(renderReportHtml(report)).toContain('<section id="power">');
  });

  it('says why there is nothing, and shows no warning, on a machine without sources', () => {
    const section = renderPower(buildNoPowerReport()).value;
    expect(section).not.toContain('throttle-warning');
    expect(section).toContain('nvidia-smi not found (no NVIDIA driver installed)');
    expect(section).toContain('unavailable: no cpufreq in sysfs');
    expect(section).toContain('no power source measured both runs');
    const old = renderPower(buildSampleReport()).value;
    expect(old).toContain('dense @ cpu: no energy estimate (unavailable: this report was written before edgescope recorded it).');
  });

  it('escapes what the machine and the report say (sources, reasons, evidence)', () => {
    const hostile = buildPowerReport();
    const run = hostile.variants[0].runs[0];
    run.energy![0].source = HOSTILE_TEXT;
    run.energy![1] = { series: 'power.rapl.dram', source: 'x', unavailable: `unavailable: ${HOSTILE_TEXT}` };
    (run.throttling as { evidence: string[] }).evidence.push(HOSTILE_TEXT);
    const section = renderPower(hostile).value;
    expect(section).not.toContain(HOSTILE_TEXT);
    expect(section).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

    it('prints energies with three significant digits at any magnitude', () => {
    expect([significant(0.012345), significant(1.2345), significant(123.45), significant(12345), significant(0), significant(null)]).toEqual(['0.0123', '1.23', '123', '12,345', '0', '—']);
  });
});

describe('the CLI summary', () => {
  it('prints energy per inference of each source and the throttling evidence per run', () => {
    const text = formatProfileSummary(report, { report: 'out/report.json', html: 'out/report.html', trace: 'out/trace.json', models: [] });
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('energy   dense@cpu: '))).toBe(
      'energy   dense@cpu: 375.000 mJ/inference (power.rapl.package-0, 15.00 W), 75.000 mJ/inference (power.rapl.dram, 3.00 W), 500.000 mJ/inference (power.battery, 20.00 W), 1500.000 mJ/inference (gpu0.power, 60.00 W)',
    );
    expect(lines.find((l) => l.startsWith('throttle dense@cpu: '))).toContain('thermal_throttle/package_throttle_count rose by 3');
    expect(lines.some((l) => l.startsWith('throttle pruned-0.9@cpu'))).toBe(false);
    expect(lines.some((l) => l.startsWith('warning: dense on cpu: the CPU throttled during the run'))).toBe(true);
  });
});
