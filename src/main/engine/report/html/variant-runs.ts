/**
 * The unit every view of a report is organised by: one run of one variant on one EP,
 * named the same way everywhere ("dense @ cpu"): report tables, chart lanes, trace processes.
 */
import type { Report, RunReport, VariantReport } from '../../../../shared/report';

export interface VariantRun {
  label: string;
  variant: VariantReport;
  run: RunReport;
}

export function runLabel(variantId: string, ep: string): string {
  return `${variantId} @ ${ep}`;
}

/** Every variant x EP run, in report order. */
export function variantRuns(report: Report): VariantRun[] {
  return report.variants.flatMap((variant) => variant.runs.map((run) => ({ label: runLabel(variant.id, run.ep), variant, run })));
}
