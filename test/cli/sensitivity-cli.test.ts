/**
 * `edgescope sensitivity` and `profile --data` through bin/edgescope.js (run
 * `npm run build:node` first): the JSON shape, the files --out writes, and bad
 * input as one line with a non-zero exit and nothing written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir('sensitivity-cli');
const MODEL = join(REPO_ROOT, 'resources/models/lenet-mnist.onnx');
const subsetPath = join(dir, 'mnist-100.json');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^edgescope: error: /);
  expect(r.stderr).toMatch(pattern);
}

beforeAll(() => {
  // The first 100 committed test digits (10 of each class).
  const full = JSON.parse(readFileSync(join(REPO_ROOT, 'resources/data/mnist-test-500.json'), 'utf8'));
  writeFileSync(subsetPath, JSON.stringify({ inputs: { input: full.inputs.input.slice(0, 100) }, labels: full.labels.slice(0, 100) }));
});

describe('edgescope sensitivity', () => {
  it('prints {layers [{name, points [{sparsity, metric}]}], metric}, targets for a budget, and writes CSV, SVG and JSON', () => {
    const out = join(dir, 'out');
    const r = cli(['sensitivity', MODEL, '--data', subsetPath, '--budget', '0.01', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metric).toBe('accuracy');
    expect(doc.layers.map((l: { name: string }) => l.name)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    for (const layer of doc.layers) {
      expect(layer.points).toHaveLength(10);
      for (const p of layer.points) expect(Object.keys(p).sort()).toEqual(['metric', 'sparsity']);
    }
    expect(doc.targets).toHaveLength(3);
    for (const t of doc.targets) expect(t.metric).toBeGreaterThanOrEqual(doc.baseline - 0.01 - 1e-12);
    expect(readFileSync(join(out, 'sensitivity.csv'), 'utf8').split('\n')[0]).toBe('layer,sparsity,accuracy');
    expect(readFileSync(join(out, 'sensitivity.svg'), 'utf8')).toMatch(/^<svg /);
    expect(JSON.parse(readFileSync(join(out, 'sensitivity.json'), 'utf8')).layers).toEqual(doc.layers);
  });

  it('refuses an unknown granularity', () => {
    expectOneLineError(cli(['sensitivity', MODEL, '--granularity', 'kernel']), /--granularity must be element or filter for sensitivity, got 'kernel'/);
  });

  it('refuses a bad data file before running or writing anything', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ inputs: { input: [new Array(784).fill(0), [1, 2, 3]] }, labels: [0, 1] }));
    const out = join(dir, 'never');
    expectOneLineError(cli(['sensitivity', MODEL, '--data', bad, '--out', out]), /sample 1 of input 'input' has 3 values, expected 784/);
    expect(existsSync(out)).toBe(false);
    expectOneLineError(cli(['sensitivity', MODEL, '--data', join(dir, 'absent.json')]), /input set file not found/);
    expectOneLineError(cli(['sensitivity', MODEL, '--budget', '5']), /--budget must be a number in \[0, 1\]/);
  });
});

describe('edgescope profile --data', () => {
  it('verifies the pruned variant on the input set, with accuracies', () => {
    const out = join(dir, 'profile');
    const r = cli(['profile', MODEL, '--prune', '0.9', '--data', subsetPath, '--runs', '3', '--warmup', '0', '--profiled-runs', '1', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout).variants[1].verification;
    expect(v).toMatchObject({ inputs: 'input-set', dataPath: subsetPath, samples: 100 });
    expect(v.baselineAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(v.candidateAccuracy).toBeGreaterThanOrEqual(0);
    expect(v.top5Agreement).toBeGreaterThanOrEqual(v.top1Agreement);
  });

  it('refuses a bad data file with one line and writes nothing', () => {
    const bad = join(dir, 'labels.json');
    writeFileSync(bad, JSON.stringify({ inputs: [new Array(784).fill(0)], labels: [-1] }));
    const out = join(dir, 'profile-bad');
    expectOneLineError(cli(['profile', MODEL, '--data', bad, '--out', out]), /label of sample 0 is -1/);
    expect(existsSync(out)).toBe(false);
  });
});
