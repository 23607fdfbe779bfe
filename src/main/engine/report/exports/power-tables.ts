/**
 * The power and heat tables of the exports (energy.csv, throttling.csv and their Markdown and LaTeX
 * tables): energy per inference, one row per run and power source, and one throttling row per run
 * with the CPU frequency and temperature over its timed window. Rows come from src/shared/power.ts,
 * the model the app and report.html show.
 */
import type { Report } from '../../../../shared/report';
import { reportPower, type GaugeSummary } from '../../../../shared/power';
import type { Cell, Table } from './tables';

const gaugeCells = (g: GaugeSummary | string): Cell[] => (typeof g === 'string' ? [null, null, null] : [g.min, g.median, g.max]);

export function energyTable(report: Report): Table {
  return {
    id: 'energy',
    caption: 'Energy of the timed runs from each power source (whole package, DRAM, system or GPU, not the process alone)',
    columns: [
      { key: 'variant', label: 'variant' },
      { key: 'ep', label: 'EP' },
      { key: 'series', label: 'series' },
      { key: 'source', label: 'source' },
      { key: 'average_w', label: 'power', unit: 'W' },
      { key: 'energy_j', label: 'energy', unit: 'J' },
      { key: 'energy_per_inference_mj', label: 'per inference', unit: 'mJ' },
      { key: 'coverage', label: 'window covered' },
      { key: 'unavailable', label: 'unavailable' },
    ],
    rows: reportPower(report).flatMap(({ variant, ep, power }) =>
      power.energy.map((e): Cell[] => [
        variant, ep, e.series, e.source, e.averageW, e.joules, e.joulesPerInference === null ? null : e.joulesPerInference * 1000,
        e.coverage, e.unavailable,
      ]),
    ),
  };
}

export function throttlingTable(report: Report): Table {
  return {
    id: 'throttling',
    caption: 'Throttling during each run, with the fastest CPU frequency and the hottest temperature over the timed runs',
    columns: [
      { key: 'variant', label: 'variant' },
      { key: 'ep', label: 'EP' },
      { key: 'throttled', label: 'throttled' },
      { key: 'evidence', label: 'evidence' },
      { key: 'frequency_min_mhz', label: 'frequency min', unit: 'MHz' },
      { key: 'frequency_median_mhz', label: 'median', unit: 'MHz' },
      { key: 'frequency_max_mhz', label: 'max', unit: 'MHz' },
      { key: 'temperature_min_c', label: 'temperature min', unit: '°C' },
      { key: 'temperature_median_c', label: 'median', unit: '°C' },
      { key: 'temperature_max_c', label: 'max', unit: '°C' },
    ],
    // Reports written before throttling was detected have nothing to say here.
    rows: reportPower(report)
      .filter(({ run }) => run.throttling !== undefined)
      .map(({ variant, ep, power }): Cell[] => {
        const t = power.throttling;
        return [
          variant, ep,
          t.state === 'throttled' ? 'yes' : t.state === 'not throttled' ? 'no' : 'unknown',
          t.state === 'unavailable' ? t.reason : t.evidence.join('; '),
          ...gaugeCells(power.frequencyMhz), ...gaugeCells(power.temperatureC),
        ];
      }),
  };
}
