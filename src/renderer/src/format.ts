/**
 * Number formatting for the whole UI: one place decides how a duration, a size or a ratio reads, so tables,
 * tooltips and axes agree. Every function takes the unit its name says.
 */
import { format } from 'd3';

const si = format('.3~s');
const fixed1 = format('.1f');
const fixed2 = format('.2f');

/** A duration given in milliseconds, in the unit that keeps 3 significant digits readable. */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 1e-3) return `${format('.3~r')(ms * 1e6)} ns`;
  if (abs < 1) return `${format('.3~r')(ms * 1e3)} µs`;
  if (abs < 1000) return `${format('.3~r')(ms)} ms`;
  return `${format('.3~r')(ms / 1000)} s`;
}

export function formatUs(us: number): string {
  return formatMs(us / 1000);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${format('.3~r')(value)} ${units[unit]}`;
}

/** A count with SI prefixes: 266610 -> 267k. */
export function formatCount(n: number): string {
  return Math.abs(n) < 1000 ? String(Math.round(n)) : si(n);
}

export function formatFlops(flops: number | null): string {
  return flops === null ? 'not modelled' : `${si(flops)}FLOP`;
}

/** A fraction in [0, 1] as a percentage. */
export function formatPercent(fraction: number): string {
  return `${fixed1(fraction * 100)}%`;
}

/** A speed-up or other ratio: 1.234 -> 1.23×. */
export function formatRatio(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? '–' : `${fixed2(ratio)}×`;
}

/** A rate with SI prefixes: (35e9, 'B') -> 35GB/s; without a unit, a count per second. */
export function formatPerSec(perSec: number, unit = ''): string {
  return `${si(perSec)}${unit}/s`;
}

export function formatShape(dims: readonly (number | string | null)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(' × ')}]`;
}

/** A value in a counter's own unit. */
export function formatCounterValue(value: number, unit: string): string {
  if (unit === 'bytes' || unit === 'B') return formatBytes(value);
  if (unit === '%') return `${fixed1(value)}%`;
  return `${format('.3~s')(value)} ${unit}`.trim();
}
