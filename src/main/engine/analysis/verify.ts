/**
 * How far a variant's outputs are from the baseline's on the same inputs.
 * Top-1 agreement treats the last dimension as classes and every other index as a row.
 */
import type { Verification } from '../../../shared/report';
import type { OutputTensor } from '../run/messages';

export function compareOutputs(baseline: OutputTensor[], candidate: OutputTensor[], baselineId: string, ep: string): Verification {
  let maxAbs = 0;
  let sumAbs = 0;
  let count = 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let rows = 0;
  let agree = 0;
  const compared: string[] = [];
  for (const a of baseline) {
    const b = candidate.find((c) => c.name === a.name);
    if (!b || b.data.length !== a.data.length) continue;
    compared.push(a.name);
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i] - b.data[i]);
      if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
      sumAbs += d;
      dot += a.data[i] * b.data[i];
      normA += a.data[i] ** 2;
      normB += b.data[i] ** 2;
    }
    count += a.data.length;
    const classes = a.dims[a.dims.length - 1] ?? 1;
    if (classes > 1) {
      for (let r = 0; r + classes <= a.data.length; r += classes) {
        rows++;
        if (argmax(a.data, r, classes) === argmax(b.data, r, classes)) agree++;
      }
    }
  }
  const cosine = normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : normA === normB ? 1 : 0;
  return {
    baseline: baselineId,
    ep,
    maxAbsError: maxAbs,
    meanAbsError: count > 0 ? sumAbs / count : 0,
    cosine,
    top1Agreement: rows > 0 ? agree / rows : 1,
    comparedOutputs: compared,
    samples: rows,
  };
}

function argmax(data: Float64Array, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}
