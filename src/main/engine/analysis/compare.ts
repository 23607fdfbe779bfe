/**
 * Comparing runs: speedup of the median latency with a bootstrap interval, and each
 * operator's duration and phases side by side. Operators are matched by their name in
 * the optimized graph, which is the same for variants of one model on one EP.
 */
import type { RunRef } from '../../../shared/api';
import { EdgescopeError } from '../../../shared/errors';
import type { Comparison, OpComparison, Report, RunReport, VariantReport } from '../../../shared/report';
import { speedupOfMedians } from './stats';

function compareOps(baseline: RunReport, candidate: RunReport): OpComparison[] {
  const byName = new Map(candidate.ops.map((o) => [o.name, o]));
  const seen = new Set<string>();
  const rows: OpComparison[] = baseline.ops.map((b) => {
    const c = byName.get(b.name);
    seen.add(b.name);
    return {
      name: b.name,
      opType: b.opType,
      baselineDurUs: b.durUs,
      candidateDurUs: c?.durUs ?? null,
      baselinePhases: b.phases,
      candidatePhases: c?.phases ?? null,
      speedup: c && c.durUs > 0 ? b.durUs / c.durUs : null,
    };
  });
  for (const c of candidate.ops) {
    if (seen.has(c.name)) continue;
    rows.push({ name: c.name, opType: c.opType, baselineDurUs: null, candidateDurUs: c.durUs, baselinePhases: null, candidatePhases: c.phases, speedup: null });
  }
  return rows;
}

export function comparison(baselineId: string, baseline: RunReport, baselineBytes: number, candidateId: string, candidate: RunReport, candidateBytes: number): Comparison {
  const { speedup, ci95 } = speedupOfMedians(baseline.latenciesMs, candidate.latenciesMs);
  return {
    baseline: baselineId,
    candidate: candidateId,
    ep: candidate.ep,
    baselineEp: baseline.ep,
    batch: candidate.batch,
    threads: candidate.threads,
    baselineMedianMs: baseline.latencyMs.median,
    candidateMedianMs: candidate.latencyMs.median,
    speedupMedian: speedup,
    ci95,
    significant: ci95[0] > 1 || ci95[1] < 1,
    baselineFileBytes: baselineBytes,
    candidateFileBytes: candidateBytes,
    ops: compareOps(baseline, candidate),
  };
}

/** Each variant against dense on every EP; dense on every other EP against dense on the first. */
export function compareRuns(variants: VariantReport[], eps: readonly string[]): Comparison[] {
  const dense = variants.find((v) => v.id === 'dense');
  if (!dense) return [];
  const out: Comparison[] = [];
  for (const ep of eps) {
    const base = dense.runs.find((r) => r.ep === ep);
    if (!base) continue;
    for (const v of variants) {
      if (v.id === 'dense') continue;
      const run = v.runs.find((r) => r.ep === ep);
      if (run) out.push(comparison('dense', base, dense.fileBytes, v.id, run, v.fileBytes));
    }
  }
  const first = dense.runs.find((r) => r.ep === eps[0]);
  if (first) {
    for (const ep of eps.slice(1)) {
      const other = dense.runs.find((r) => r.ep === ep);
      if (other) out.push(comparison('dense', first, dense.fileBytes, 'dense', other, dense.fileBytes));
    }
  }
  return out;
}


/** Compare any two runs of a report (any two variants, any two backends). */
export function compareRunPair(report: Report, baseline: RunRef, candidate: RunRef): Comparison {
  const find = (ref: RunRef): { variant: VariantReport; run: RunReport } => {
    const variant = report.variants.find((v) => v.id === ref.variant);
    const run = variant?.runs.find((r) => r.ep === ref.ep);
    if (!variant || !run) {
      const known = report.variants.flatMap((v) => v.runs.map((r) => `${v.id}@${r.ep}`)).join(', ');
      throw new EdgescopeError('E_NOT_FOUND', `no run ${ref.variant}@${ref.ep} in this report (runs: ${known})`);
    }
    return { variant, run };
  };
  const b = find(baseline);
  const c = find(candidate);
  return comparison(b.variant.id, b.run, b.variant.fileBytes, c.variant.id, c.run, c.variant.fileBytes);
}
