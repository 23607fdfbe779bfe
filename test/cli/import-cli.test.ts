/**
 * `edgescope import` as a user runs it (node bin/edgescope.js): recorded vendor outputs into
 * report files, bad input as one line with nothing written, and `--run` launching a vendor
 * tool found on PATH (a fake benchmark_app / benchmark_model script written here that
 * copies a fixture where the real tool writes) or saying it is unavailable.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/shared/report';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir('import-cli');
const FIXTURES = join(REPO_ROOT, 'test/fixtures/vendor');
const MODEL = join(REPO_ROOT, 'resources/models/cnn-small.onnx');
const cache = join(dir, 'cache');

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: cache, EDGESCOPE_BENCHMARK_APP: '', EDGESCOPE_BENCHMARK_MODEL: '', ...env },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function readReport(out: string): Report {
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

describe('edgescope import FILE', () => {
  it('OpenVINO -json_stats with --model: report.json, report.html and trace.json; backend openvino:MYRIAD; FLOPs for matching ops', () => {
    const out = join(dir, 'ov');
    const r = cli(['import', join(FIXTURES, 'openvino-myriad-json/benchmark_average_counters_report.json'), '--format', 'openvino', '--model', MODEL, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('openvino:MYRIAD: 12 ops');
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.json', 'trace.json']);
    const report = readReport(out);
    const run = report.variants[0].runs[0];
    expect(run.ep).toBe('openvino:MYRIAD');
    expect(run.ops.find((o) => o.name === 'conv2')?.flops).toBeGreaterThan(0);
    expect(report.source?.files.map((f) => f.split('/').pop())).toEqual(['benchmark_average_counters_report.json', 'benchmark_report.json']);
    expect(report.tool.commandLine?.[1]).toBe('import');
  }, 300_000);

  it('TFLite op profiling, --json on stdout, --device overrides what the file says', () => {
    const out = join(dir, 'tfl');
    const r = cli(['import', join(FIXTURES, 'tflite-mobilenet_v1-op-profiling.txt'), '--format', 'tflite', '--device', 'cpu-a53', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.variants[0].runs[0].ep).toBe('tflite:cpu-a53');
    expect(report.variants[0].runs[0].ops).toHaveLength(31);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
  }, 300_000);

  it('malformed input: one line naming file and line, exit non-zero, nothing written', () => {
    const bad = join(dir, 'bad_counters.csv');
    writeFileSync(bad, 'layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms);\nconv1;EXECUTED;Convolution;jit\n');
    const out = join(dir, 'bad-out');
    const r = cli(['import', bad, '--format', 'openvino', '--out', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`edgescope: error: ${bad}:2: expected 6 ';'-separated fields (layerName;execStatus;layerType;execType;realTime;cpuTime), got 4\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('bad arguments: one line each', () => {
    expect(cli(['import', 'x.csv', '--out', join(dir, 'o')]).stderr).toBe('edgescope: error: import needs --format openvino|tflite\n');
    expect(cli(['import', 'x.csv', '--format', 'onnx', '--out', join(dir, 'o')]).stderr).toBe("edgescope: error: --format must be openvino or tflite, got 'onnx'\n");
    expect(cli(['import', join(dir, 'missing.csv'), '--format', 'openvino', '--out', join(dir, 'o')]).stderr).toBe(
      `edgescope: error: openvino output '${join(dir, 'missing.csv')}' does not exist or is not a file\n`,
    );
    expect(cli(['import', join(FIXTURES, 'tflite-mobilenet_v1-op-profiling.txt'), '--format', 'tflite', '--model', join(FIXTURES, 'README.md'), '--out', join(dir, 'o')]).stderr).toMatch(
      /^edgescope: error: --model must be the ONNX model the vendor model was made from \(\.onnx\)/,
    );
  });
});

describe('edgescope import --run', () => {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  // A stand-in for benchmark_app: checks the flags edgescope passes, writes the recorded outputs
  // where -report_folder says, as the real tool does with -json_stats.
  writeFileSync(
    join(bin, 'benchmark_app'),
    `#!/bin/sh
set -e
echo "$@" > "${join(dir, 'benchmark_app.args')}"
folder=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-report_folder" ]; then folder="$2"; fi
  shift
done
cp "${join(FIXTURES, 'openvino-myriad-json')}"/*.json "$folder"/
echo "[ INFO ] Statistics report is stored to $folder/benchmark_report.json"
`,
  );
  writeFileSync(
    join(bin, 'benchmark_model'),
    `#!/bin/sh
echo "$@" > "${join(dir, 'benchmark_model.args')}"
cat "${join(FIXTURES, 'tflite-edgetpu-mobilenet_v2-op-profiling.txt')}" >&2
`,
  );
  chmodSync(join(bin, 'benchmark_app'), 0o755);
  chmodSync(join(bin, 'benchmark_model'), 0o755);
  const PATH = `${bin}:${process.env.PATH}`;

  it('launches benchmark_app found on PATH with the right flags and imports its output', () => {
    const out = join(dir, 'run-ov');
    const r = cli(['import', '--run', 'openvino', '--model', MODEL, '--device', 'MYRIAD', '--out', out, '--iterations', '50'], { PATH });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const args = readFileSync(join(dir, 'benchmark_app.args'), 'utf8').trim().split(' ');
    expect(args.slice(0, 8)).toEqual(['-m', MODEL, '-d', 'MYRIAD', '-niter', '50', '-report_type', 'average_counters']);
    expect(args).toContain('-json_stats');
    const report = readReport(out);
    expect(report.source).toMatchObject({ launched: true, device: 'MYRIAD' });
    expect(report.variants[0].runs[0].ops.find((o) => o.name === 'fc1')?.flops).toBeGreaterThan(0);
  }, 300_000);

  it('launches benchmark_model through EDGESCOPE_BENCHMARK_MODEL with the Edge TPU delegate', () => {
    const out = join(dir, 'run-tfl');
    const tflite = join(dir, 'model_edgetpu.tflite');
    writeFileSync(tflite, 'TFL3');
    const r = cli(['import', '--run', 'tflite', '--model', tflite, '--device', 'edgetpu', '--out', out], { EDGESCOPE_BENCHMARK_MODEL: join(bin, 'benchmark_model') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'benchmark_model.args'), 'utf8').trim()).toBe(
      `--graph=${tflite} --enable_op_profiling=true --num_runs=100 --external_delegate_path=libedgetpu.so.1`,
    );
    expect(readReport(out).variants[0].runs[0].ep).toBe('tflite:edgetpu');
  }, 300_000);

  it('absent tool: a clear unavailable line, nothing written', () => {
    const out = join(dir, 'run-none');
    const r = cli(['import', '--run', 'openvino', '--model', MODEL, '--device', 'MYRIAD', '--out', out], { PATH: '/usr/bin:/bin' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^edgescope: error: unavailable: benchmark_app not found on PATH \(install OpenVINO 2022\.3 .*\)\n$/);
    expect(existsSync(out)).toBe(false);
  });
});
