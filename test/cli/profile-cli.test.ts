/**
 * The CLI as a user runs it: `node bin/edgescope.js ...` in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, node, valueInfo } from '../../src/main/engine/model/graph-builder';
import { encodeModel } from '../../src/main/engine/model/onnx-io';
import { reportSchemaErrors } from '../../src/main/engine/report/report-schema';
import type { Report } from '../../src/shared/report';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();
const cacheDir = join(dir, 'cache');

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: cacheDir },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('edgescope profile', () => {
  it('profiles the bundled demo model dense and pruned, writes a valid report, HTML and trace', () => {
    const out = join(dir, 'demo');
    const r = cli(['profile', '--prune', '0.9', '--runs', '10', '--profiled-runs', '3', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
    expect(report.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.9']);
    expect(report.model.path).toMatch(/cnn-small\.onnx$/);
    const [dense, pruned] = report.variants;
    expect(pruned.sparsity).toBeCloseTo(0.9, 2);
    expect(pruned.verification).toBeDefined();
    expect(dense.runs[0].latencyMs.n).toBe(10);
    expect(dense.runs[0].ops.length).toBeGreaterThan(3);
    expect(dense.runs[0].spans.length).toBe(dense.runs[0].ops.length * 3);
    expect(report.comparisons[0]).toMatchObject({ baseline: 'dense', candidate: 'pruned-0.9', ep: 'cpu' });
    expect(existsSync(join(out, 'cnn-small.pruned-0.9.onnx'))).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<html');
    const trace = JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8')) as { traceEvents: unknown[] };
    expect(trace.traceEvents.length).toBeGreaterThan(0);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('prints a summary table without --json', () => {
    const r = cli(['profile', join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx'), '--runs', '5', '--profiled-runs', '2', '--batch', '4', '--out', join(dir, 'mlp')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/variant\s+ep\s+sparsity\s+median/);
    expect(r.stdout).toMatch(/^dense\s+cpu/m);
    expect(r.stdout).toContain('report.json');
  });
});

describe('bad input: one clear line on stderr, non-zero exit, nothing written', () => {
  const notOnnx = join(dir, 'notes.onnx');
  writeFileSync(notOnnx, 'just some text\n'.repeat(20));
  const truncated = join(dir, 'truncated.onnx');
  writeFileSync(truncated, readFileSync(join(REPO_ROOT, 'resources/models/cnn-small.onnx')).subarray(0, 5000));
  const customOp = join(dir, 'custom-op.onnx');
  writeFileSync(
    customOp,
    encodeModel(
      buildModel({
        name: 'custom',
        nodes: [node('FancyOp', ['x'], ['y'], 'fancy', {}, 'com.example')],
        initializers: [],
        inputs: [valueInfo('x', [1, 4])],
        outputs: [valueInfo('y', [1, 4])],
        extraOpsets: [{ domain: 'com.example', version: 1 }],
      }),
    ),
  );
  const symbolic = join(dir, 'symbolic.onnx');
  writeFileSync(
    symbolic,
    encodeModel(
      buildModel({
        name: 'sym',
        nodes: [node('Relu', ['x'], ['y'], 'relu')],
        initializers: [],
        inputs: [valueInfo('x', ['batch', 'seq_len'])],
        outputs: [valueInfo('y', ['batch', 'seq_len'])],
      }),
    ),
  );

  const cases: [string, string[], RegExp][] = [
    ['a missing file', ['profile', join(dir, 'missing.onnx')], /model file not found: .*missing\.onnx/],
    ['a file that is not ONNX', ['profile', notOnnx], /notes\.onnx is not .*ONNX/],
    ['a truncated file', ['profile', truncated], /truncated\.onnx is not a valid ONNX model \(truncated or corrupt/],
    ['an op no EP implements', ['profile', customOp], /could not create a cpu session .*FancyOp|com\.example/],
    ['an unresolvable input dimension', ['profile', symbolic], /input 'x' has an unresolved dimension 'seq_len'.*--dim seq_len=N/],
    ['an unknown EP', ['profile', '--ep', 'tpu'], /invalid EP name|unknown execution provider 'tpu'/],
    ['a sparsity outside [0, 1)', ['profile', '--prune', '1.5'], /--prune sparsity must be in \[0, 1\), got '1\.5'/],
    ['a malformed flag value', ['profile', '--threads', 'two'], /--threads must be an integer >= 1, got 'two'/],
    ['an unknown flag', ['profile', '--frobnicate'], /Unknown option '--frobnicate'/],
    ['an unknown demo model', ['profile', '--demo', 'resnet'], /unknown demo model 'resnet' \(demos: cnn-small, mlp-lenet-300-100, /],
  ];

  for (const [what, args, message] of cases) {
    it(`rejects ${what}`, () => {
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}`);
      const r = cli([...args, '--out', out]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^edgescope: error: /);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(out, 'report.json'))).toBe(false);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }

  it('rejects a backend that is unavailable here with its reason', () => {
    const r = cli(['profile', '--ep', 'dml', '--out', join(dir, 'bad-dml')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/execution provider 'dml' is unavailable on this machine: .*Windows/);
  });
});
