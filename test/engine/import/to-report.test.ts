/**
 * Imported measurements as a Report: it validates against the schema, lays the ops end to
 * end, carries the tool's latency summary, and, given the ONNX model, prices ops whose names
 * match with the same FLOP model as ORT runs (shapes from a real ORT CPU run of the model).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparison } from '../../../src/main/engine/analysis/compare';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import { modelOpCosts } from '../../../src/main/engine/import/model-op-costs';
import { readOpenVino } from '../../../src/main/engine/import/openvino';
import { readTflite } from '../../../src/main/engine/import/tflite';
import { vendorProfileToReport } from '../../../src/main/engine/import/to-report';
import { machineInventory } from '../../../src/main/engine/machine/machine-info';
import { readModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import { reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import type { Ceilings } from '../../../src/shared/report';
import { REPO_ROOT, tempDir } from '../../helpers';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/vendor');
const MODEL = join(REPO_ROOT, 'resources/models/cnn-small.onnx');
// An input of the mapping (the schema requires ceilings; imported ops do not use them).
const CEILINGS: Ceilings = {
  memoryBandwidthBytesPerSec: 1e10, cacheBandwidthBytesPerSec: 5e10, peakFlopsPerSec: 1e11, opOverheadUs: 2, ep: 'cpu', threads: 1,
  lastLevelCacheBytes: 8 << 20, measuredAt: '2026-01-01T00:00:00Z', cached: true,
};

async function context(withModel: boolean) {
  const machine = await machineInventory();
  if (!withModel) return { machine, ceilings: CEILINGS, toolVersion: 'test', onnxruntimeVersion: '1.30.0', launched: false };
  const loaded = readModel(MODEL);
  const info = { ...summarizeModel(loaded), path: MODEL };
  return { machine, ceilings: CEILINGS, toolVersion: 'test', onnxruntimeVersion: '1.30.0', launched: false, model: { info, costs: await modelOpCosts(defaultWorkerScriptPath(), loaded, info, 1) } };
}

describe('vendor profile -> report', () => {
  it('OpenVINO on MYRIAD with the ONNX model: valid, sequential spans, FLOPs for matching ops', async () => {
    const profile = readOpenVino(join(FIXTURES, 'openvino-myriad-json/benchmark_average_counters_report.json'));
    const report = vendorProfileToReport(profile, await context(true));
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.source).toMatchObject({ kind: 'imported', tool: 'openvino-benchmark_app', device: 'MYRIAD' });
    const run = report.variants[0].runs[0];
    expect(run.ep).toBe('openvino:MYRIAD');
    expect(run.latencyMs).toMatchObject({ median: 4.41, mean: 4.436, min: 4.122, max: 6.003, n: 200 });
    // Spans end to end: each starts where the previous ended.
    run.spans.forEach((s, i) => expect(s.startMs).toBeCloseTo(i === 0 ? 0 : run.spans[i - 1].startMs + run.spans[i - 1].durMs, 12));
    expect(run.totals.opUs).toBeCloseTo(802, 6);
    // conv1: 16 5x5 filters over a 1x28x28 image, padded to 28x28: 2 * 16*28*28 * 25 + bias 16*28*28 = 639 744 FLOPs.
    const conv1 = run.ops.find((o) => o.name === 'conv1')!;
    expect(conv1.flops).toBe(2 * 16 * 28 * 28 * 25 + 16 * 28 * 28);
    expect(conv1.lowConfidence).toEqual(['vendor-reported average, not a traced span']);
    // Receive-Tensor is a MYRIAD stage with no ONNX node.
    expect(run.ops.find((o) => o.name === 'Receive-Tensor')!.flops).toBeNull();
    expect(report.warnings.some((w) => w.includes('1 of 12 vendor ops have no node of the same name'))).toBe(true);
    expect(report.model.path).toBe(MODEL);
  }, 120_000);

  it('TFLite without a model: valid, the tool\'s summary as latency, model facts from the file', async () => {
    const report = vendorProfileToReport(readTflite(join(FIXTURES, 'tflite-edgetpu-mobilenet_v2-op-profiling.txt')), await context(false));
    expect(reportSchemaErrors(report)).toEqual([]);
    const run = report.variants[0].runs[0];
    expect(run.ep).toBe('tflite:edgetpu');
    expect(run.latencyMs.mean).toBeCloseTo(3.25155, 9);
    expect(run.latencyMs.stddev).toBeCloseTo(0.071, 9);
    expect(run.sessionCreateMs).toBeCloseTo(1186.48, 9);
    expect(report.model.path).toBe('mobilenet_v2_1.0_224_quant_edgetpu.tflite');
    expect(report.model.opHistogram).toEqual({ QUANTIZE: 1, 'edgetpu-custom-op': 1, DEQUANTIZE: 1, SOFTMAX: 1 });
  });

  it('comparable with an ORT CPU run of the same model: ops pair up by name', async () => {
    const dir = tempDir('import-compare');
    const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };
    // Unoptimized, so ORT's node names are the model's, as the vendor's layer names are.
    const { report: ort } = await runProfileJob(env, { modelPath: MODEL, runs: 5, profiledRuns: 2, graphOptimizationLevel: 'disabled' }, join(dir, 'out'));
    const imported = vendorProfileToReport(readOpenVino(join(FIXTURES, 'openvino-myriad-json/benchmark_average_counters_report.json')), await context(true));
    const cpu = ort.variants[0].runs[0];
    const myriad = imported.variants[0].runs[0];
    const c = comparison('dense', cpu, ort.variants[0].fileBytes, 'dense', myriad, imported.variants[0].fileBytes);
    expect(c.ep).toBe('openvino:MYRIAD');
    expect(c.baselineEp).toBe('cpu');
    expect(c.speedupMedian).toBeCloseTo(cpu.latencyMs.median / 4.41, 9);
    const conv2 = c.ops.find((o) => o.name === 'conv2')!;
    expect(conv2.candidateDurUs).toBeCloseTo(212, 9);
    expect(conv2.speedup).toBeCloseTo(conv2.baselineDurUs! / 212, 9);
    // Every model node ORT ran has its MYRIAD counterpart except bn1 (OPTIMIZED_OUT on the stick).
    expect(c.ops.filter((o) => o.baselineDurUs !== null && o.candidateDurUs === null).map((o) => o.name)).toEqual(['bn1']);
  }, 300_000);
});
