/**
 * Number formatting for the HTML report: every number a reader sees goes through here.
 *
 * Locale-independent on purpose (no toLocaleString): a report must read the same on
 * every machine that renders it. Scaled values keep three significant digits, which is
 * about the precision of a timing measurement; table columns use `formatFixed` so that
 * decimal points align. Missing or non-finite values print as an em dash.
 */

export const MISSING = '—';

type Unit = readonly [factor: number, suffix: string];

const BYTE_UNITS: readonly Unit[] = [
  [1, 'B'],
  [1024, 'KiB'],
  [1024 ** 2, 'MiB'],
  [1024 ** 3, 'GiB'],
  [1024 ** 4, 'TiB'],
];
const DURATION_UNITS_US: readonly Unit[] = [
  [1e-3, 'ns'],
  [1, 'µs'],
  [1e3, 'ms'],
  [1e6, 's'],
];
const DECIMAL_PREFIXES: readonly Unit[] = [
  [1, ''],
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'G'],
  [1e12, 'T'],
  [1e15, 'P'],
];

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** 1234567.891 -> "1,234,567.89" (decimals fixed, comma thousands separators). */
export function formatFixed(value: number | null | undefined, decimals: number): string {
  if (!isNumber(value)) return MISSING;
  const fixed = Math.abs(value).toFixed(decimals);
  const [whole, fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  // -0.001 at 2 decimals is "0.00", not "-0.00".
  const sign = value < 0 && Number(fixed) !== 0 ? '-' : '';
  return sign + grouped + (fraction === undefined ? '' : `.${fraction}`);
}

/** Errors span orders of magnitude: 2.14e-2. */
export function formatScientific(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return MISSING;
  return value === 0 ? '0' : value.toExponential(2);
}

export function formatInteger(value: number | null | undefined): string {
  return formatFixed(value, 0);
}

/** Three significant digits, no exponent: 1.23, 12.3, 123. */
function threeSignificant(value: number): string {
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return formatFixed(value, decimals);
}

/**
 * Picks the largest unit that keeps the value >= 1 and formats it with three significant
 * digits, then appends `quantity` (as in "G" + "B/s"). Rounding can carry into the next
 * unit: 999.7 µs is "1.00 ms", not "1000 µs".
 */
function formatScaled(value: number | null | undefined, units: readonly Unit[], quantity = ''): string {
  if (!isNumber(value)) return MISSING;
  // Zero takes the base unit (0 B, 0 µs), not the smallest one.
  if (value === 0) return `0 ${units.find(([factor]) => factor === 1)?.[1] ?? ''}${quantity}`.trimEnd();
  const magnitude = Math.abs(value);
  let index = 0;
  while (index < units.length - 1 && magnitude >= units[index + 1][0]) index++;
  if (index < units.length - 1 && Math.abs(Number(threeSignificant(value / units[index][0]).replace(/,/g, ''))) >= 1000) {
    index++;
  }
  const [factor, prefix] = units[index];
  return `${threeSignificant(value / factor)} ${prefix}${quantity}`.trimEnd();
}

/** Binary units: 512 B, 1.50 KiB, 144 MiB. */
export function formatBytes(bytes: number | null | undefined): string {
  return formatScaled(bytes, BYTE_UNITS);
}

/** 850 ns, 12.3 µs, 4.35 ms, 1.20 s. */
export function formatDurationUs(us: number | null | undefined): string {
  return formatScaled(us, DURATION_UNITS_US);
}

export function formatDurationMs(ms: number | null | undefined): string {
  return formatDurationUs(isNumber(ms) ? ms * 1e3 : ms);
}

/** Decimal prefixes, as memory bandwidth is quoted: 35.0 GB/s. */
export function formatBandwidth(bytesPerSec: number | null | undefined): string {
  return formatScaled(bytesPerSec, DECIMAL_PREFIXES, 'B/s');
}

/** 110 GFLOP/s. */
export function formatFlopRate(flopsPerSec: number | null | undefined): string {
  return formatScaled(flopsPerSec, DECIMAL_PREFIXES, 'FLOP/s');
}

/** An amount of work: 75.5 MFLOP. */
export function formatFlops(flops: number | null | undefined): string {
  return formatScaled(flops, DECIMAL_PREFIXES, 'FLOP');
}

/** A count: exact below 1000 (812), scaled above (23.1 M). */
export function formatCount(count: number | null | undefined): string {
  return isNumber(count) && Math.abs(count) < 1000 ? formatInteger(count) : formatScaled(count, DECIMAL_PREFIXES);
}

/** 0.9 -> "90.0%". */
export function formatPercent(fraction: number | null | undefined, decimals = 1): string {
  return isNumber(fraction) ? `${formatFixed(fraction * 100, decimals)}%` : MISSING;
}

/** A ratio such as a speedup: 1.02×. */
export function formatRatio(ratio: number | null | undefined, decimals = 2): string {
  return isNumber(ratio) ? `${formatFixed(ratio, decimals)}×` : MISSING;
}

/** [1, 9216] -> "1×9216"; a scalar's empty shape is "scalar". */
export function formatShape(dims: readonly number[]): string {
  return dims.length === 0 ? 'scalar' : dims.join('×');
}

/** The first 12 hex digits of a digest: enough to tell files apart at a glance. */
export function formatShortHash(hex: string): string {
  return hex.slice(0, 12);
}

/** A p-value: two significant digits, "< 0.001" below that (smaller values claim a precision timings do not have). */
export function formatPValue(p: number | null | undefined): string {
  if (!isNumber(p)) return MISSING;
  return p < 0.001 ? '< 0.001' : p.toPrecision(2);
}
