/**
 * JSON Schema (draft 2020-12 subset, checked with ajv) of report.json, version 1.
 * docs/report.schema.json is generated from this object (a test keeps them equal);
 * docs/report-schema.md explains the fields.
 */
import Ajv from 'ajv';
import { EdgescopeError } from '../../../shared/errors';
import { REPORT_SCHEMA_VERSION, type Report } from '../../../shared/report';

type Schema = Record<string, unknown>;

const num: Schema = { type: 'number' };
const nonNeg: Schema = { type: 'number', minimum: 0 };
const int: Schema = { type: 'integer', minimum: 0 };
const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const array = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });
const pair: Schema = { type: 'array', items: num, minItems: 2, maxItems: 2 };

/** An object whose listed fields are all required; `optional` fields may be absent; more are allowed. */
function object(required: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema {
  return { type: 'object', required: Object.keys(required), properties: { ...required, ...optional } };
}

const ceilings = object({
  memoryBandwidthBytesPerSec: { type: 'number', exclusiveMinimum: 0 },
  cacheBandwidthBytesPerSec: { type: 'number', exclusiveMinimum: 0 },
  peakFlopsPerSec: { type: 'number', exclusiveMinimum: 0 },
  opOverheadUs: nonNeg,
  ep: str,
  threads: { type: 'integer', minimum: 1 },
  lastLevelCacheBytes: nonNeg,
  measuredAt: str,
  cached: bool,
});

const tensorInfo = object({ name: str, dtype: str, shape: array({ anyOf: [num, str, { type: 'null' }] }) });

const latency = object(
  {
    median: nonNeg, mean: nonNeg, p90: nonNeg, p99: nonNeg, min: nonNeg, max: nonNeg, stddev: nonNeg,
    n: { type: 'integer', minimum: 1 },
    ci95: pair,
  },
  { warmupDiscarded: int, steady: bool, outlierRuns: array(int) },
);

const phases = object({ memoryUs: nonNeg, computeUs: nonNeg, overheadUs: nonNeg, stallUs: nonNeg });

const op = object({
  name: str, opType: str, provider: str, durUs: nonNeg, timing: { enum: ['host', 'device'] }, durUsPerRun: array(nonNeg), startOffsetUs: num,
  inputShapes: array(array(int)), outputShapes: array(array(int)), inputTypes: array(str),
  flops: nullable(nonNeg), bytes: nonNeg, parameterBytes: nonNeg, activationBytes: nonNeg, outputBytes: nonNeg,
  intensity: nullable(nonNeg), phases,
  bound: { enum: ['memory', 'compute', 'unknown'] },
  memoryLevel: { enum: ['dram', 'cache'] },
  eta: nullable(nonNeg),
  lowConfidence: array(str),
}, {
  sourceNode: str,
  vendorOpType: str,
  sparse: object({ format: str, rows: int, cols: int, nnz: int, batch: int, matrixBytes: nonNeg }),
  stallSplit: object({ backendUs: nonNeg, frontendUs: nonNeg, otherUs: nonNeg }),
});

const share: Schema = { type: 'number', minimum: 0, maximum: 1 };

// Stall-counter fractions over the profiled runs, or why there are none (docs/counters.md).
const topDown: Schema = {
  anyOf: [
    object({ available: { const: true }, backendBound: nullable(share), frontendBound: nullable(share), cycles: nonNeg, coveredMs: nonNeg }),
    object({ available: { const: false }, reason: str }),
  ],
};

const counter = {
  ...object(
    { name: str, unit: str, available: bool, source: str },
    {
      reason: str,
      samples: array(pair),
      route: { enum: ['perf_event_open', 'perf stat'] },
      routeReason: str,
      runningFraction: share,
    },
  ),
  // An unavailable counter says why; an available one carries samples.
  if: { properties: { available: { const: false } } },
  then: { required: ['reason'] },
  else: { required: ['samples'] },
};

const window = object({ startMs: num, endMs: num });

const unavailableText: Schema = { type: 'string', pattern: '^unavailable: ' };

const energyEstimate = {
  ...object({ series: str, source: str }, {
    joules: nonNeg, joulesPerInference: nonNeg, averageW: nonNeg, coveredMs: nonNeg, windowMs: nonNeg, unavailable: unavailableText,
  }),
  // Either an estimate or the reason there is none.
  anyOf: [{ required: ['unavailable'] }, { required: ['joules', 'joulesPerInference', 'averageW', 'coveredMs', 'windowMs'] }],
};

const throttling = { anyOf: [object({ throttled: bool, evidence: array(str) }), unavailableText] };

const coldCache = object({
  flushBytes: nonNeg, lastLevelCacheBytes: nonNeg, flushes: int, flushMedianMs: nonNeg, warmRuns: int, coldRuns: int,
  ops: array(object({
    op: int, name: str, warmUs: nonNeg, coldUs: nonNeg, dramUs: nonNeg,
    dramShare: { type: 'number', minimum: 0, maximum: 1 },
    pValue: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  })),
  totals: object({ warmUs: nonNeg, coldUs: nonNeg, dramUs: nonNeg }),
});

const run = object({
  ep: str,
  threads: { type: 'integer', minimum: 1 },
  batch: { type: 'integer', minimum: 1 },
  inputs: array(object({ name: str, dtype: str, dims: array(int) })),
  sessionCreateMs: nonNeg,
  firstRunMs: nonNeg,
  warmupRuns: int,
  latencyMs: latency,
  latenciesMs: array(nonNeg, { minItems: 1 }),
  throughputPerSec: nonNeg,
  timedWindow: window,
  profiledRuns: array(window),
  ops: array(op),
  spans: array(object({ op: int, run: int, startMs: num, durMs: nonNeg })),
  counters: array(counter),
  totals: object({ opUs: nonNeg, memoryUs: nonNeg, computeUs: nonNeg, overheadUs: nonNeg }),
  placement: object({
    byProvider: array(object({ provider: str, ops: int, durUs: nonNeg, share: { type: 'number', minimum: 0, maximum: 1 } })),
    fallbackOps: array(str),
    copies: object({ ops: int, durUs: nonNeg, bytes: nonNeg }),
  }),
  ceilings,
}, {
  energy: array(energyEstimate),
  throttling,
  coldCache,
  topDown,
});

const verification = object({
  baseline: str, ep: str, maxAbsError: nonNeg, meanAbsError: nonNeg,
  cosine: { type: 'number', minimum: -1.000001, maximum: 1.000001 },
  top1Agreement: { type: 'number', minimum: 0, maximum: 1 },
  comparedOutputs: array(str), samples: int,
}, {
  top5Agreement: { type: 'number', minimum: 0, maximum: 1 },
  inputs: { enum: ['random', 'input-set'] },
  dataPath: str,
  baselineAccuracy: { type: 'number', minimum: 0, maximum: 1 },
  candidateAccuracy: { type: 'number', minimum: 0, maximum: 1 },
});

const hybrid = object(
  {
    baseVariant: str,
    mode: { enum: ['hybrid', 'ort-fallback', 'unavailable'] },
    kernelBuildInfo: { type: 'object', additionalProperties: str },
    steps: array(object({ kind: { enum: ['ort', 'sparse'] }, name: str, nodes: array(str) })),
    decisions: array(object({
      node: str, opType: str, rows: int, cols: int, density: { type: 'number', minimum: 0, maximum: 1 }, batch: int,
      choice: { enum: ['sparse', 'dense'] }, forced: bool, denseUs: nullable(nonNeg), sparseUs: nullable(nonNeg), reason: str,
    }, { basis: { enum: ['timed', 'cached', 'predicted', 'none'] }, format: str })),
    rejected: array(object({ node: str, opType: str, reason: str })),
    wholeModelCheck: nullable(object({ hybridUs: nonNeg, ortUs: nonNeg })),
    check: nullable(object({ maxAbsError: nonNeg, maxRelError: nonNeg, comparedOutputs: array(str) })),
  },
  { reason: str },
);

const variant = object(
  {
    id: { type: 'string', pattern: '^(dense|pruned-[0-9.]+|[A-Za-z0-9_.+-]+)$' },
    modelPath: str, modelSha256: str, fileBytes: nonNeg,
    sparsity: { type: 'number', minimum: 0, maximum: 1 },
    targetSparsity: nullable({ type: 'number', minimum: 0, maximum: 1 }),
    weightBytes: nonNeg,
    layers: array(object({
      initializer: str, node: str, opType: str, elementCount: int, zeros: int,
      sparsity: { type: 'number', minimum: 0, maximum: 1 }, targetSparsity: { type: 'number', minimum: 0, maximum: 1 },
    })),
    runs: array(run),
    failures: array(object({ ep: str, error: str })),
  },
  { verification, hybrid },
);

const opComparison = object({
  name: str, opType: str, baselineDurUs: nullable(nonNeg), candidateDurUs: nullable(nonNeg),
  baselinePhases: nullable(phases), candidatePhases: nullable(phases), speedup: nullable(nonNeg),
}, { sourceNode: str, candidateName: str });

const comparison = object({
  baseline: str, candidate: str, ep: str, baselineEp: str,
  batch: { type: 'integer', minimum: 1 }, threads: { type: 'integer', minimum: 1 },
  baselineMedianMs: nonNeg, candidateMedianMs: nonNeg, speedupMedian: nonNeg, ci95: pair, significant: bool,
  baselineFileBytes: nonNeg, candidateFileBytes: nonNeg, ops: array(opComparison),
}, {
  mannWhitney: object({ u: nonNeg, p: { type: 'number', minimum: 0, maximum: 1 }, method: { enum: ['exact', 'normal'] } }),
});

/** A reading, or the reason it could not be read. */
const orUnavailable = (s: Schema): Schema => ({ anyOf: [s, { type: 'string', pattern: '^unavailable: ' }] });

const environment = object({
  collectedAt: str,
  cpuGovernor: str,
  cpuFrequencyMhz: object({ current: orUnavailable(nonNeg), min: orUnavailable(nonNeg), max: orUnavailable(nonNeg) }),
  temperatures: orUnavailable(array(object({ sensor: str, celsius: num }))),
  powerSource: { anyOf: [{ enum: ['ac', 'battery'] }, { type: 'string', pattern: '^unavailable: ' }] },
  onnxruntimeVersion: str,
  eps: array(str),
  gpuDrivers: orUnavailable(array(str)),
  vulkanDrivers: orUnavailable(array(str)),
  modelSha256: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
});

export const REPORT_JSON_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'edgescope-report-v1',
  title: 'edgescope report',
  ...object({
    schemaVersion: { const: REPORT_SCHEMA_VERSION },
    generatedAt: str,
    tool: object({ name: { const: 'edgescope' }, version: str, onnxruntimeVersion: str, nodeVersion: str }, { commandLine: array(str) }),
    machine: object({
      cpu: str, cores: { type: 'integer', minimum: 1 }, logicalCores: { type: 'integer', minimum: 1 },
      memoryBytes: { type: 'number', exclusiveMinimum: 0 }, os: str, arch: str,
      caches: array(object({ level: str, bytes: nonNeg })), fingerprint: str, ceilings, ceilingsByRun: array(ceilings),
    }),
    model: object({
      path: str, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, fileBytes: nonNeg, parameterCount: int,
      weightBytes: nonNeg, opCount: int, opHistogram: { type: 'object', additionalProperties: int },
      irVersion: int, opsets: array(object({ domain: str, version: int })), producer: str,
      inputs: array(tensorInfo), outputs: array(tensorInfo),
      initializers: array(object({
        name: str, dtype: str, dims: array(int), elementCount: int, bytes: nonNeg, zeros: int,
        sparsity: { type: 'number', minimum: 0, maximum: 1 }, external: bool, sparseStored: bool,
      })),
    }),
    settings: object({
      eps: array(str, { minItems: 1 }), threads: { type: 'integer', minimum: 1 }, batch: { type: 'integer', minimum: 1 },
      dims: { type: 'object', additionalProperties: int }, shapes: { type: 'object', additionalProperties: array(int) },
      inputValues: { type: 'object', additionalProperties: num }, warmupRuns: int, timedRuns: int, minTimeMs: nonNeg,
      profiledRuns: int, graphOptimizationLevel: { enum: ['disabled', 'basic', 'extended', 'all'] }, seed: int,
      pruneSparsities: array({ type: 'number', minimum: 0, exclusiveMaximum: 1 }), pruneScope: { enum: ['layer', 'global'] }, samplePeriodMs: { type: 'number', exclusiveMinimum: 0 },
    }, {
      epOptions: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { anyOf: [num, bool, str, array(str)] } } },
      sparse: bool,
      sparseLayers: { type: 'object', additionalProperties: { enum: ['sparse', 'dense'] } },
      sparseCache: { enum: ['recalibrate', 'off'] },
      coldCache: bool,
    }),
    backends: array({
      ...object({ ep: str, available: bool, bundled: bool }, { reason: str }),
      if: { properties: { available: { const: false } } },
      then: { required: ['reason'] },
    }),
    variants: array(variant, { minItems: 1 }),
    comparisons: array(comparison),
    warnings: array(str),
  }, {
    environment,
    source: object({ kind: { const: 'imported' }, tool: str, format: str, files: array(str), device: str, launched: bool }),
  }),
};

let validator: ReturnType<Ajv['compile']> | null = null;

/** Problems with `value` as a report, one line each; empty when valid. */
export function reportSchemaErrors(value: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const { $schema: _ignored, ...schema } = REPORT_JSON_SCHEMA;
    validator = ajv.compile(schema);
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

export function assertValidReport(value: unknown): asserts value is Report {
  const errors = reportSchemaErrors(value);
  if (errors.length > 0) {
    throw new EdgescopeError('E_INTERNAL', `report does not match schema v${REPORT_SCHEMA_VERSION}: ${errors.slice(0, 5).join('; ')}`);
  }
}
