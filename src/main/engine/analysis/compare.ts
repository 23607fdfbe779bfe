/**
 * Comparing runs: speedup of the median latency with a bootstrap interval and a Mann-Whitney
 * U test, and each operator's duration and phases side by side. Operators are aligned node by node on
 * the model node they execute (see alignmentKey), so runs whose optimized graphs name or fuse ops
 * differently (another EP, another optimization level) still line up.
 */
import type { RunRef } from '../../../shared/api';
import { EdgescopeError } from '../../../shared/errors';
import type { Comparison, OpComparison, OpReport, Report, RunReport, VariantReport } from '../../../shared/report';
import { mannWhitneyU } from './mann-whitney';
import { speedupOfMedians, steadyLatencies } from './stats';

/**
 * The key two runs' ops are aligned on: the model node an op executes when it was mapped back to one
 * (so 'fused conv1' on one EP meets 'conv1_token_1' on another), else its name in the optimized graph.
 * An op type is part of the key: a fused Conv+Relu maps to the Conv, and must not meet a lone Relu.
 */
function alignmentKey(op: OpReport): string {
  return `${op.opType}\u0000${op.sourceNode ?? op.name}`;
}

/** Baseline ops in their order, each with its candidate counterpart; then ops only the candidate has. */
function compareOps(baseline: RunReport, candidate: RunReport): OpComparison[] {
  const byKey = new Map<string, OpReport>();
  for (const c of candidate.ops) if (!byKey.has(alignmentKey(c))) byKey.set(alignmentKey(c), c);
  const matched = new Set<OpReport>();
  const rows: OpComparison[] = baseline.ops.map((b) => {
    const c = byKey.get(alignmentKey(b));
    if (c) {
      matched.add(c);
      byKey.delete(alignmentKey(b)); // one counterpart each
    }
    return {
      name: b.name,
      opType: b.opType,
      ...(b.sourceNode ? { sourceNode: b.sourceNode } : {}),
      ...(c && c.name !== b.name ? { candidateName: c.name } : {}),
      baselineDurUs: b.durUs,
      candidateDurUs: c?.durUs ?? null,
      baselinePhases: b.phases,
      candidatePhases: c?.phases ?? null,
      speedup: c && c.durUs > 0 ? b.durUs / c.durUs : null,
    };
  });
  for (const c of candidate.ops) {
    if (matched.has(c)) continue;
    rows.push({
      name: c.name,
      opType: c.opType,
      ...(c.sourceNode ? { sourceNode: c.sourceNode } : {}),
      baselineDurUs: null,
      candidateDurUs: c.durUs,
      baselinePhases: null,
      candidatePhases: c.phases,
      speedup: null,
    });
  }
  return rows;
}

export function comparison(baselineId: string, baseline: RunReport, baselineBytes: number, candidateId: string, candidate: RunReport, candidateBytes: number): Comparison {
  // Both tests on the runs the medians are over (warm-up prefixes left out).
  const baselineMs = steadyLatencies(baseline);
  const candidateMs = steadyLatencies(candidate);
  const { speedup, ci95 } = speedupOfMedians(baselineMs, candidateMs);
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
    mannWhitney: mannWhitneyU(baselineMs, candidateMs),
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
