/** The run form's prune field: sparsities as typed by a person. */

/** "0.5, 0.9" -> [0.5, 0.9]; percentages ("90%") are accepted too. Returns the problem as text otherwise. */
export function parseSparsities(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const values: number[] = [];
  for (const part of parts) {
    const percent = part.endsWith('%');
    const value = Number(percent ? part.slice(0, -1) : part) / (percent ? 100 : 1);
    if (!Number.isFinite(value) || value < 0 || value >= 1) return `prune: '${part}' is not a sparsity in [0, 1)`;
    values.push(value);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}
