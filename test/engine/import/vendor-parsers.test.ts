/**
 * Parsers of vendor tool outputs on recorded fixtures (test/fixtures/vendor/README.md says
 * where each comes from): known answers read off the files by hand, and malformed input
 * giving one line that names the file and line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOpenVinoCountersCsv, readOpenVino } from '../../../src/main/engine/import/openvino';
import { parseTfliteOutput, readTflite, tfliteNodeName } from '../../../src/main/engine/import/tflite';
import { REPO_ROOT, tempDir } from '../../helpers';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/vendor');
const dir = tempDir('vendor');

describe('OpenVINO benchmark_app', () => {
  it('average_counters CSV with its benchmark_report.csv: executed layers in order, the summary latency, MYRIAD', () => {
    const p = readOpenVino(join(FIXTURES, 'openvino-myriad-csv/benchmark_average_counters_report.csv'));
    expect(p.device).toBe('MYRIAD');
    expect(p.ops.map((o) => o.name)).toEqual(['Receive-Tensor', 'conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'flatten', 'fc1', 'relu3', 'fc2', 'softmax']);
    expect(p.ops[1]).toEqual({ name: 'conv1', opType: 'Convolution', execType: 'MyriadXHwOp', avgMs: 0.183 });
    // The Total row: 0.802 ms.
    expect(p.ops.reduce((s, o) => s + o.avgMs, 0)).toBeCloseTo(0.802, 9);
    expect(p.latency).toEqual({ meanMs: 4.436, medianMs: 4.41, minMs: 4.122, maxMs: 6.003, count: 200 });
    expect(p.throughputPerSec).toBe(892.14);
    expect(p.firstRunMs).toBe(4.912);
    expect(p.notes).toContain('3 layers the device did not run (NOT_RUN, OPTIMIZED_OUT) are left out');
  });

  it('-json_stats: the counters JSON and benchmark_report.json give the same answer as the CSV', () => {
    const csv = readOpenVino(join(FIXTURES, 'openvino-myriad-csv/benchmark_average_counters_report.csv'));
    const json = readOpenVino(join(FIXTURES, 'openvino-myriad-json/benchmark_average_counters_report.json'));
    expect(json.ops).toEqual(csv.ops);
    expect(json.latency).toEqual(csv.latency);
    expect(json.device).toBe('MYRIAD');
    expect(json.modelPath).toBe('cnn-small.xml');
    // Starting from the summary file finds the counters next to it.
    expect(readOpenVino(join(FIXTURES, 'openvino-myriad-json/benchmark_report.json')).ops).toEqual(csv.ops);
  });

  it('detailed_counters: two infer requests averaged by layer', () => {
    const p = readOpenVino(join(FIXTURES, 'openvino-myriad-detailed/benchmark_detailed_counters_report.csv'));
    // conv1 (3rd row): 0.183 * 1.0 and 0.183 * 1.0; relu1 (5th): 0.041 * 1.1 and 0.041 * 0.9.
    expect(p.ops.find((o) => o.name === 'conv1')!.avgMs).toBeCloseTo(0.183, 9);
    expect(p.ops.find((o) => o.name === 'relu1')!.avgMs).toBeCloseTo(0.041, 9);
    expect(p.ops.find((o) => o.name === 'Receive-Tensor')!.avgMs).toBeCloseTo(0.052, 9);
    expect(p.latency).toBeNull();
    expect(p.notes).toContain("per-layer times are the average of 2 infer requests' detailed counters");
  });

  it('malformed CSV: one line naming file and line', () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms);\nconv1;EXECUTED;Convolution;jit;abc;0.1;\n');
    expect(() => parseOpenVinoCountersCsv(readFileSync(file, 'utf8'), file)).toThrow(`${file}:2: realTime (ms) 'abc' is not a non-negative number`);
    writeFileSync(file, 'conv1;EXECUTED;Convolution;jit;0.1;0.1;\n');
    expect(() => parseOpenVinoCountersCsv(readFileSync(file, 'utf8'), file)).toThrow(`${file}:1: expected the header layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms) before any row`);
    // Read as a file, a table-less CSV is a summary; without counters next to it, that is the one line.
    expect(() => readOpenVino(file)).toThrow(`${file}: has no per-layer counters`);
    const json = join(dir, 'bad.json');
    writeFileSync(json, '{\n  "avg_performance": {\n    "nodes": [,]\n  }\n}\n');
    expect(() => readOpenVino(json)).toThrow(new RegExp(`^${json.replace(/[/.]/g, '\\$&')}:3: not valid JSON`));
  });
});

describe('TFLite benchmark_model --enable_op_profiling', () => {
  it('the regular runs of MobileNet v1 on the CPU: 31 ops, timings, the count line', () => {
    const p = readTflite(join(FIXTURES, 'tflite-mobilenet_v1-op-profiling.txt'));
    expect(p.ops.length).toBe(31);
    expect(p.ops[0]).toEqual({ name: 'MobilenetV1/MobilenetV1/Conv2d_0/Relu6', opType: 'CONV_2D', avgMs: 60.957 });
    expect(p.ops[30]).toEqual({ name: 'MobilenetV1/Predictions/Reshape_1', opType: 'SOFTMAX', avgMs: 0.233 });
    expect(p.device).toBe('cpu');
    expect(p.modelPath).toBe('./mobilenet_v1_1.0_224.tflite');
    expect(p.initMs).toBe(17.187);
    expect(p.firstRunMs).toBe(3512.391);
    expect(p.latency).toEqual({ meanMs: 2950.34, minMs: 2727.568, maxMs: 3189.954, stddevMs: 109.798, count: 50 });
    expect(p.byNodeType.map((t) => [t.opType, t.count, t.avgMs])).toEqual([
      ['CONV_2D', 15, 2651.853], ['DEPTHWISE_CONV_2D', 13, 296.919], ['AVERAGE_POOL_2D', 1, 0.869], ['SOFTMAX', 1, 0.232], ['SQUEEZE', 1, 0.016],
    ]);
    // Run order and summary agree (the tool's own totals), so no disagreement note.
    expect(p.notes.some((n) => n.includes('disagree'))).toBe(false);
  });

  it('Coral: INFO:-prefixed, no [start] column, names with spaces; the Edge TPU from the delegate', () => {
    const p = readTflite(join(FIXTURES, 'tflite-edgetpu-mobilenet_v2-op-profiling.txt'));
    expect(p.device).toBe('edgetpu');
    expect(p.ops.map((o) => [o.opType, o.avgMs])).toEqual([['QUANTIZE', 0.079], ['edgetpu-custom-op', 3.058], ['DEQUANTIZE', 0.011], ['SOFTMAX', 0.102]]);
    expect(p.latency?.meanMs).toBeCloseTo(3.25155, 9);
    expect(p.latency?.count).toBe(302);
  });

  it('node names and rows with spaces (XNNPACK delegate rows)', () => {
    expect(tfliteNodeName('[MobilenetV1/Conv2d_0/Relu6]:0')).toBe('MobilenetV1/Conv2d_0/Relu6');
    expect(tfliteNodeName('Delegate/Convolution (NHWC, QC8) IGEMM:0')).toBe('Delegate/Convolution (NHWC, QC8) IGEMM');
    const text = [
      'Operator-wise Profiling Info for Regular Benchmark Runs:',
      '============================== Run Order ==============================',
      '                 [node type]   [first]   [avg ms]       [%]     [cdf%]   [mem KB]  [times called]  [Name]',
      '   Convolution (NHWC, QC8) IGEMM   0.398   0.407   2.658%   3.986%   0.000   1   Delegate/Convolution (NHWC, QC8) IGEMM:0',
      '',
    ].join('\n');
    expect(parseTfliteOutput(text, 'x.txt').ops).toEqual([{ name: 'Delegate/Convolution (NHWC, QC8) IGEMM', opType: 'Convolution (NHWC, QC8) IGEMM', avgMs: 0.407 }]);
  });

  it('malformed or missing tables: one line naming file and line', () => {
    expect(() => parseTfliteOutput('Inference timings in us: Init: 1, First inference: 2, Warmup (avg): 3, Inference (avg): 4\n', 'run.log')).toThrow(
      'run.log: no "Operator-wise Profiling Info for Regular Benchmark Runs" Run Order table (run benchmark_model with --enable_op_profiling=true)',
    );
    const text = ['Operator-wise Profiling Info for Regular Benchmark Runs:', '============================== Run Order ==============================', '[node type] [first] [avg ms] [Name]', 'CONV_2D 1.0 oops [x]:0', ''].join('\n');
    expect(() => parseTfliteOutput(text, 'run.log')).toThrow("run.log:4: cannot read the Run Order row 'CONV_2D 1.0 oops [x]:0'");
    const noTimesCalled = [
      'Operator-wise Profiling Info for Regular Benchmark Runs:',
      '============================== Run Order ==============================',
      '\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
      '\t                 CONV_2D\t    0.100\t    0.100\t 50.000%\t 50.000%\t     0.000\t        1\t[conv]:0',
      '',
      '============================== Summary by node type ==============================',
      '\t             [Node type]\t  [count]\t  [avg ms]\t    [avg %]\t    [cdf %]\t  [mem KB]',
      '\t                 CONV_2D\t        1\t     0.100\t    50.000%\t    50.000%\t     0.000',
    ].join('\n');
    expect(() => parseTfliteOutput(noTimesCalled, 'run.log')).toThrow('run.log:8: no times called column');
  });
});
