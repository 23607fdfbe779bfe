import { describe, expect, it } from 'vitest';
import {
  MISSING,
  formatBandwidth,
  formatBytes,
  formatCount,
  formatDurationMs,
  formatDurationUs,
  formatFixed,
  formatFlopRate,
  formatFlops,
  formatInteger,
  formatPercent,
  formatRatio,
  formatShape,
  formatShortHash,
} from '../../../src/main/engine/report/html/format';

describe('formatFixed', () => {
  it.each([
    [0, 2, '0.00'],
    [1234567.891, 2, '1,234,567.89'],
    [999.996, 2, '1,000.00'],
    [-1234.5, 1, '-1,234.5'],
    [-0.001, 2, '0.00'],
    [12, 0, '12'],
    [123456, 0, '123,456'],
  ])('formatFixed(%d, %d) = %s', (value, decimals, expected) => {
    expect(formatFixed(value, decimals)).toBe(expected);
  });

  it('prints missing and non-finite values as a dash', () => {
    for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatFixed(value, 2)).toBe(MISSING);
      expect(formatBytes(value)).toBe(MISSING);
      expect(formatDurationUs(value)).toBe(MISSING);
      expect(formatBandwidth(value)).toBe(MISSING);
      expect(formatPercent(value)).toBe(MISSING);
      expect(formatRatio(value)).toBe(MISSING);
    }
  });

  it('formatInteger groups thousands', () => {
    expect(formatInteger(58_631_144)).toBe('58,631,144');
  });
});

describe('scaled units keep three significant digits', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.50 KiB'],
    [32 * 1024, '32.0 KiB'],
    [234_524_576, '224 MiB'],
    [24 * 1024 ** 3, '24.0 GiB'],
    // 1023.9 KiB rounds to 1024 at three digits: carried into the next unit.
    [1024 * 1024 - 100, '1.00 MiB'],
  ])('formatBytes(%d) = %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it.each([
    [0, '0 µs'],
    [0.85, '850 ns'],
    [3.8, '3.80 µs'],
    [12.34, '12.3 µs'],
    [999.7, '1.00 ms'],
    [4352, '4.35 ms'],
    [1_200_000, '1.20 s'],
  ])('formatDurationUs(%d) = %s', (us, expected) => {
    expect(formatDurationUs(us)).toBe(expected);
  });

  it('formatDurationMs converts milliseconds', () => {
    expect(formatDurationMs(6.628)).toBe('6.63 ms');
    expect(formatDurationMs(0.0123)).toBe('12.3 µs');
  });

  it('rates and work use decimal prefixes', () => {
    expect(formatBandwidth(35.2e9)).toBe('35.2 GB/s');
    expect(formatBandwidth(182e9)).toBe('182 GB/s');
    expect(formatFlopRate(108e9)).toBe('108 GFLOP/s');
    expect(formatFlopRate(2.5e12)).toBe('2.50 TFLOP/s');
    expect(formatFlops(75_501_568)).toBe('75.5 MFLOP');
    expect(formatFlops(800)).toBe('800 FLOP');
  });

  it('counts are exact below 1000 and scaled above', () => {
    expect(formatCount(812)).toBe('812');
    expect(formatCount(12)).toBe('12');
    expect(formatCount(58_631_144)).toBe('58.6 M');
  });
});

describe('ratios, percentages, shapes', () => {
  it('formats percentages of a fraction', () => {
    expect(formatPercent(0.9)).toBe('90.0%');
    expect(formatPercent(31 / 32)).toBe('96.9%');
    expect(formatPercent(0.9, 0)).toBe('90%');
  });

  it('formats ratios with a multiplication sign', () => {
    expect(formatRatio(1.00714)).toBe('1.01×');
    expect(formatRatio(0.98612, 3)).toBe('0.986×');
  });

  it('shortens a digest to 12 hex digits', () => {
    expect(formatShortHash('4338f2980a0f58c9ee3c383d7de93d8c585f5ee7aa96020fb344e06c29b009d9')).toBe('4338f2980a0f');
  });

  it('formats shapes', () => {
    expect(formatShape([8, 9216])).toBe('8×9216');
    expect(formatShape([])).toBe('scalar');
  });
});
