/**
 * The report as plain tables (header + rows of raw values), the one source for the
 * CSV, Markdown and LaTeX exports. Raw values stay numbers here; each format decides
 * how to print them (CSV keeps full precision, the paper formats round).
 */
import type { Report } from '../../../../shared/report';
import { energyTable, throttlingTable } from './power-tables';

export type Cell = string | number | null;

export interface Table {
  /** File stem and caption key. */
  id: 'runs' | 'ops' | 'comparisons' | 'verification' | 'layers' | 'energy' | 'throttling';
  caption: string;
  columns: { key: string; label: string; unit?: string }[];
  rows: Cell[][];
}

export function runsTable(report: Report): Table {
  return {
    id: 'runs',
    caption: 'Latency of each variant on each execution provider (timed runs, no profiling)',
    columns: [
      { key: 'variant', label: 'variant' },
      { key: 'ep', label: 'EP' },
      { key: 'sparsity', label: 'sparsity' },
      { key: 'threads', label: 'threads' },
      { key: 'batch', label: 'batch' },
      { key: 'median_ms', label: 'median', unit: 'ms' },
      { key: 'ci95_lo_ms', label: 'CI low', unit: 'ms' },
      { key: 'ci95_hi_ms', label: 'CI high', unit: 'ms' },
      { key: 'p90_ms', label: 'p90', unit: 'ms' },
      { key: 'p99_ms', label: 'p99', unit: 'ms' },
      { key: 'mean_ms', label: 'mean', unit: 'ms' },
      { key: 'stddev_ms', label: 'stddev', unit: 'ms' },
      { key: 'n', label: 'n' },
      { key: 'throughput_per_s', label: 'throughput', unit: '1/s' },
      { key: 'memory_share', label: 'memory' },
      { key: 'compute_share', label: 'compute' },
      { key: 'overhead_share', label: 'overhead' },
      { key: 'file_bytes', label: 'file', unit: 'bytes' },
    ],
    rows: report.variants.flatMap((v) =>
      v.runs.map((r) => {
        const t = r.totals;
        const share = (x: number) => (t.opUs > 0 ? x / t.opUs : null);
        return [
          v.id, r.ep, v.sparsity, r.threads, r.batch, r.latencyMs.median, r.latencyMs.ci95[0], r.latencyMs.ci95[1],
          r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.mean, r.latencyMs.stddev, r.latencyMs.n, r.throughputPerSec,
          share(t.memoryUs), share(t.computeUs), share(t.overheadUs), v.fileBytes,
        ];
      }),
    ),
  };
}

export function opsTable(report: Report): Table {
  return {
    id: 'ops',
    caption: 'Operators: median kernel time over the profiled runs, split into memory, compute and overhead',
    columns: [
      { key: 'variant', label: 'variant' },
      { key: 'ep', label: 'EP' },
      { key: 'op', label: 'op' },
      { key: 'op_type', label: 'type' },
      { key: 'provider', label: 'provider' },
      { key: 'timing', label: 'timing' },
      { key: 'dur_us', label: 'time', unit: 'us' },
      { key: 'memory_us', label: 'memory', unit: 'us' },
      { key: 'compute_us', label: 'compute', unit: 'us' },
      { key: 'overhead_us', label: 'overhead', unit: 'us' },
      { key: 'flops', label: 'FLOPs' },
      { key: 'bytes', label: 'bytes' },
      { key: 'intensity', label: 'FLOP/byte' },
      { key: 'bound', label: 'bound' },
      { key: 'eta', label: 'eta' },
      { key: 'low_confidence', label: 'low confidence' },
    ],
    rows: report.variants.flatMap((v) =>
      v.runs.flatMap((r) =>
        r.ops.map((o) => [
          v.id, r.ep, o.name, o.opType, o.provider, o.timing, o.durUs, o.phases.memoryUs, o.phases.computeUs,
          o.phases.overheadUs, o.flops, o.bytes, o.intensity, o.bound, o.eta, o.lowConfidence.join('; '),
        ]),
      ),
    ),
  };
}

export function comparisonsTable(report: Report): Table {
  return {
    id: 'comparisons',
    caption: 'Speedup of the median latency (baseline / candidate) with a bootstrap 95% interval',
    columns: [
      { key: 'candidate', label: 'candidate' },
      { key: 'candidate_ep', label: 'EP' },
      { key: 'baseline', label: 'baseline' },
      { key: 'baseline_ep', label: 'baseline EP' },
      { key: 'speedup', label: 'speedup' },
      { key: 'ci95_lo', label: 'CI low' },
      { key: 'ci95_hi', label: 'CI high' },
      { key: 'significant', label: 'significant' },
      { key: 'baseline_file_bytes', label: 'baseline file', unit: 'bytes' },
      { key: 'candidate_file_bytes', label: 'candidate file', unit: 'bytes' },
    ],
    rows: report.comparisons.map((c) => [
      c.candidate, c.ep, c.baseline, c.baselineEp, c.speedupMedian, c.ci95[0], c.ci95[1], c.significant ? 'yes' : 'no',
      c.baselineFileBytes, c.candidateFileBytes,
    ]),
  };
}

export function verificationTable(report: Report): Table {
  return {
    id: 'verification',
    caption: 'Outputs of each variant against the dense model on the same inputs',
    columns: [
      { key: 'variant', label: 'variant' },
      { key: 'ep', label: 'EP' },
      { key: 'max_abs_error', label: 'max |error|' },
      { key: 'mean_abs_error', label: 'mean |error|' },
      { key: 'cosine', label: 'cosine' },
      { key: 'top1_agreement', label: 'top-1 agreement' },
    ],
    rows: report.variants.flatMap((v) =>
      v.verification ? [[v.id, v.verification.ep, v.verification.maxAbsError, v.verification.meanAbsError, v.verification.cosine, v.verification.top1Agreement]] : [],
    ),
  };
}

export function layersTable(report: Report): Table {
  return {
    id: 'layers',
    caption: 'Sparsity of each prunable layer',
    columns: [
      { key: 'variant', label: 'variant' },
      { key: 'initializer', label: 'weight' },
      { key: 'op_type', label: 'type' },
      { key: 'elements', label: 'elements' },
      { key: 'zeros', label: 'zeros' },
      { key: 'sparsity', label: 'sparsity' },
    ],
    rows: report.variants.flatMap((v) => v.layers.map((l) => [v.id, l.initializer, l.opType, l.elementCount, l.zeros, l.sparsity])),
  };
}

export function allTables(report: Report): Table[] {
  return [
    runsTable(report), comparisonsTable(report), verificationTable(report), layersTable(report), opsTable(report),
    energyTable(report), throttlingTable(report),
  ];
}

/** What a reader needs to reproduce the numbers: machine, versions, settings, hashes, command. */
export function reproducibility(report: Report): [string, string][] {
  const c = report.machine.ceilings;
  const s = report.settings;
  return [
    ['machine', `${report.machine.cpu}, ${report.machine.cores} cores (${report.machine.logicalCores} logical), ${report.machine.memoryBytes} bytes RAM, ${report.machine.os}, ${report.machine.arch}`],
    ['ceilings', `DRAM ${c.memoryBandwidthBytesPerSec.toExponential(3)} B/s, cache ${c.cacheBandwidthBytesPerSec.toExponential(3)} B/s, peak ${c.peakFlopsPerSec.toExponential(3)} FLOP/s, t0 ${c.opOverheadUs} us (${c.ep}, ${c.threads} threads)`],
    ['versions', `edgescope ${report.tool.version}, onnxruntime-node ${report.tool.onnxruntimeVersion}, Node ${report.tool.nodeVersion}`],
    ['settings', `EPs ${s.eps.join(',')}; threads ${s.threads}; batch ${s.batch}; warm-up ${s.warmupRuns}; timed ${s.timedRuns}; profiled ${s.profiledRuns}; graph optimization ${s.graphOptimizationLevel}; seed ${s.seed}; pruning ${s.pruneSparsities.join(',') || 'none'} (${s.pruneScope})`],
    ['model', `${report.model.path} sha256 ${report.model.sha256}`],
    ...report.variants.filter((v) => v.id !== 'dense').map((v): [string, string] => [`variant ${v.id}`, `${v.modelPath} sha256 ${v.modelSha256}`]),
    ['command', report.tool.commandLine?.join(' ') ?? '(from the app)'],
    ['generated', report.generatedAt],
  ];
}
