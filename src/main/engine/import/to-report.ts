/**
 * A vendor tool's measurements as an edgescope Report, so imported runs open in the app,
 * export like any report and compare with ORT runs of the same model (compareRuns).
 *
 * What is and is not measured here, said in the report itself:
 * - ops are the tool's per-layer averages, laid end to end in the tool's order as one
 *   synthetic profiled run: they are not traced spans;
 * - latency statistics are the tool's summary (mean, and median/min/max/std where it gives
 *   them); the tool's per-run latencies are not in its output, so `latenciesMs` holds the
 *   one summary value and any speedup interval against it is degenerate;
 * - no memory/compute/overhead split: edgescope has no ceilings for the vendor's device
 *   (`ceilings` are this machine's CPU's, which the schema requires, and no op uses them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  REPORT_SCHEMA_VERSION,
  type BackendStatus,
  type Ceilings,
  type LatencyStats,
  type ModelInfo,
  type OpReport,
  type ProfileSettings,
  type Report,
  type RunReport,
  type TimelineSpan,
} from '../../../shared/report';
import type { MachineInventory } from '../machine/machine-info';
import { sha256 } from '../model/onnx-io';
import { DEFAULT_SAMPLE_PERIOD_MS } from '../trace/counters';
import type { ModelOpCosts } from './model-op-costs';
import type { VendorLatency, VendorOp, VendorProfile } from './vendor-profile';

export const IMPORTED_TIMES_NOTE = 'vendor-reported average, not a traced span';

export interface ImportContext {
  machine: MachineInventory;
  /** This machine's CPU ceilings: required by the schema, not used for vendor ops. */
  ceilings: Ceilings;
  toolVersion: string;
  onnxruntimeVersion: string;
  commandLine?: string[];
  /** Overrides the device the file names (--device). */
  device?: string;
  /** The ONNX model the vendor model was made from (--model), with its per-node costs. */
  model?: { info: ModelInfo; costs: ModelOpCosts };
  launched: boolean;
}

/** 'openvino:MYRIAD', 'tflite:edgetpu'. */
export function vendorBackend(profile: VendorProfile, device?: string): string {
  return `${profile.format}:${device ?? profile.device ?? 'unknown'}`;
}

function latencyStats(latency: VendorLatency): LatencyStats {
  const median = latency.medianMs ?? latency.meanMs;
  const min = latency.minMs ?? Math.min(median, latency.meanMs);
  const max = latency.maxMs ?? Math.max(median, latency.meanMs);
  return {
    median,
    mean: latency.meanMs,
    // The tools give no percentiles beyond the median: p90/p99 are bounded by max, the only honest value.
    p90: max,
    p99: max,
    min,
    max,
    stddev: latency.stddevMs ?? 0,
    n: Math.max(1, Math.round(latency.count ?? 1)),
    ci95: [min, max],
  };
}

function opReport(op: VendorOp, provider: string, startOffsetUs: number, costs: ModelOpCosts | undefined): OpReport {
  const durUs = op.avgMs * 1000;
  const matched = costs?.byName.get(op.name);
  const cost = matched?.cost;
  const flops = cost?.flops ?? null;
  const lowConfidence = [IMPORTED_TIMES_NOTE];
  if (costs && !matched) lowConfidence.push('no node of this name in the ONNX model: no FLOPs or bytes');
  return {
    name: op.name,
    // Matched ops take the model node's ONNX op type and name, so comparisons align them with ORT's ops
    // (the vendor's own layer type, e.g. OpenVINO's 'Convolution', is kept beside it).
    opType: matched?.opType ?? op.opType,
    ...(matched ? { sourceNode: matched.node, vendorOpType: op.opType } : {}),
    provider,
    durUs,
    timing: 'device',
    durUsPerRun: [durUs],
    startOffsetUs,
    inputShapes: matched?.sample.inputShapes ?? [],
    outputShapes: matched?.sample.outputShapes ?? [],
    inputTypes: matched?.sample.inputTypes ?? [],
    flops,
    bytes: cost?.bytes ?? 0,
    parameterBytes: cost?.parameterBytes ?? 0,
    activationBytes: cost?.activationBytes ?? 0,
    outputBytes: cost?.outputBytes ?? 0,
    intensity: flops !== null && cost && cost.bytes > 0 ? flops / cost.bytes : null,
    // No ceilings for the vendor's device: the whole time is unattributed.
    phases: { memoryUs: 0, computeUs: 0, overheadUs: durUs, stallUs: durUs },
    bound: 'unknown',
    memoryLevel: 'dram',
    eta: null,
    lowConfidence,
  };
}

/** ModelInfo when no ONNX model is given: what the vendor file says about its model. */
function modelFromVendor(profile: VendorProfile, fileSha256: string): ModelInfo {
  const histogram: Record<string, number> = {};
  for (const op of profile.ops) histogram[op.opType] = (histogram[op.opType] ?? 0) + 1;
  return {
    path: profile.modelPath ?? profile.files[0],
    sha256: fileSha256,
    fileBytes: 0,
    parameterCount: 0,
    weightBytes: 0,
    opCount: profile.ops.length,
    opHistogram: histogram,
    irVersion: 0,
    opsets: [],
    producer: profile.tool,
    inputs: [],
    outputs: [],
    initializers: [],
  };
}

export function vendorProfileToReport(profile: VendorProfile, ctx: ImportContext): Report {
  const backend = vendorBackend(profile, ctx.device);
  const provider = `${profile.tool}:${ctx.device ?? profile.device ?? 'unknown'}`;
  const warnings = [
    `imported from ${profile.tool} (${profile.files.map((f) => basename(f)).join(', ')}): op times are the tool's per-layer averages laid end to end, not traced spans`,
    'no memory/compute/overhead split for a vendor device: edgescope has no measured ceilings for it',
    ...profile.notes,
  ];

  let offsetUs = 0;
  const ops = profile.ops.map((op) => {
    const report = opReport(op, provider, offsetUs, ctx.model?.costs);
    offsetUs += report.durUs;
    return report;
  });
  const opUs = offsetUs;
  if (ctx.model) {
    const unmatched = ops.filter((o) => o.lowConfidence.length > 1).length;
    if (unmatched > 0) warnings.push(`${unmatched} of ${ops.length} vendor ops have no node of the same name in ${basename(ctx.model.info.path)}: no FLOPs or bytes for them`);
  }

  let latency = profile.latency;
  if (!latency) {
    latency = { meanMs: opUs / 1000 };
    warnings.push('the file has no latency summary: latency is the sum of the per-layer averages (one value)');
  }
  if (latency.medianMs === undefined) warnings.push(`${profile.tool} reports no median latency: latencyMs.median is its mean`);
  const stats = latencyStats(latency);
  const spans: TimelineSpan[] = ops.map((o, i) => ({ op: i, run: 0, startMs: o.startOffsetUs / 1000, durMs: o.durUs / 1000 }));
  const run: RunReport = {
    ep: backend,
    threads: 1,
    batch: 1,
    inputs: [],
    sessionCreateMs: profile.initMs ?? 0,
    firstRunMs: profile.firstRunMs ?? stats.mean,
    warmupRuns: 0,
    latencyMs: stats,
    latenciesMs: [stats.median],
    throughputPerSec: profile.throughputPerSec ?? (stats.mean > 0 ? 1000 / stats.mean : 0),
    timedWindow: { startMs: 0, endMs: 0 },
    profiledRuns: [{ startMs: 0, endMs: opUs / 1000 }],
    ops,
    spans,
    counters: [],
    totals: { opUs, memoryUs: 0, computeUs: 0, overheadUs: opUs },
    placement: {
      byProvider: [{ provider, ops: ops.length, durUs: opUs, share: 1 }],
      fallbackOps: [],
      copies: { ops: 0, durUs: 0, bytes: 0 },
    },
    ceilings: ctx.ceilings,
  };

  if (!ctx.model) warnings.push('no ONNX model given (--model): model.sha256 is the imported file\'s, and ops have no FLOPs or bytes');
  const model = ctx.model?.info ?? modelFromVendor(profile, sha256(readFileSync(profile.files[0])));
  const settings: ProfileSettings = {
    eps: [backend],
    threads: 1,
    batch: 1,
    dims: {},
    shapes: {},
    inputValues: {},
    warmupRuns: 0,
    timedRuns: stats.n,
    minTimeMs: 0,
    profiledRuns: 1,
    graphOptimizationLevel: 'all',
    seed: 0,
    pruneSparsities: [],
    pruneScope: 'layer',
    // Nothing was sampled (counters is empty); the schema wants the period a job would use.
    samplePeriodMs: DEFAULT_SAMPLE_PERIOD_MS,
  };
  const backends: BackendStatus[] = [{ ep: backend, available: true, bundled: false }];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    tool: {
      name: 'edgescope',
      version: ctx.toolVersion,
      onnxruntimeVersion: ctx.onnxruntimeVersion,
      nodeVersion: process.versions.node,
      ...(ctx.commandLine ? { commandLine: ctx.commandLine } : {}),
    },
    machine: { ...ctx.machine, ceilings: ctx.ceilings, ceilingsByRun: [ctx.ceilings] },
    model,
    settings,
    backends,
    variants: [
      {
        id: 'dense',
        modelPath: model.path,
        modelSha256: model.sha256,
        fileBytes: model.fileBytes,
        sparsity: 0,
        targetSparsity: null,
        weightBytes: model.weightBytes,
        layers: [],
        runs: [run],
        failures: [],
      },
    ],
    comparisons: [],
    warnings,
    source: {
      kind: 'imported',
      tool: profile.tool,
      format: profile.format,
      files: profile.files,
      device: ctx.device ?? profile.device ?? 'unknown',
      launched: ctx.launched,
    },
  };
}
