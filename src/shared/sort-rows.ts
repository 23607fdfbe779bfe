/**
 * Sorting a table's rows by one column, as every sortable table in the app does: numbers by
 * value, text A to Z (reversed when descending), and missing values (null) last whichever the
 * direction. Stable, so rows that tie keep their order.
 */
export function sortRows<T>(rows: readonly T[], value: (row: T) => string | number | null, descending: boolean): T[] {
  const direction = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
    if (typeof va === 'string' || typeof vb === 'string') return direction * String(va).localeCompare(String(vb));
    return direction * (va - vb);
  });
}
