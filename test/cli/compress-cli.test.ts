/**
 * `edgescope compress`: the JSON fields, every stage end to end (the variant verified
 * in the run worker against the dense model), and bad input as one line with nothing written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel, tensorDims } from '../../src/main/engine/model/onnx-io';
import { SeededRandom } from '../../src/shared/random';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir('compress');
const cnn = join(REPO_ROOT, 'resources/models/cnn-small.onnx');
const lenet = join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'compress', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function compressJson(args: string[]) {
  const r = cli([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('edgescope compress', () => {
  it('prunes filters and prints the layers and verification fields', () => {
    const out = join(dir, 'filters.onnx');
    const result = compressJson([cnn, '--out', out, '--prune', '0.5', '--granularity', 'filter', '--norm', 'l2']);
    expect(result.layers.map((l: { name: string }) => l.name)).toEqual(['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight']);
    for (const l of result.layers) {
      expect(l.sparsity).toBe(0.5);
      expect(l.granularity).toBe('filter');
    }
    for (const key of ['maxAbsError', 'meanAbsError', 'cosine', 'top1Agreement']) expect(typeof result.verification[key]).toBe('number');
    expect(result.verification.maxAbsError).toBeGreaterThan(0);
    expect(result.verification.samples).toBe(8);
    expect(result.stages).toEqual(['prune']);
    expect(readModel(out).proto.graph!.node!.length).toBe(12);
  });

  it('applies a recipe with thinning and sharing; the thinned model is smaller', () => {
    const out = join(dir, 'recipe.onnx');
    const result = compressJson([cnn, '--out', out, '--recipe', join(REPO_ROOT, 'resources/recipes/cnn-small.json')]);
    expect(result.stages).toEqual(['prune', 'thin', 'share']);
    expect(result.thinning[0]).toEqual({ layer: 'conv1.weight', removed: 4, kept: 12 });
    expect(result.thinning[2]).toEqual({ layer: 'fc1.weight', removed: 256, kept: 256 });
    expect(result.sharing.every((s: { bits: number }) => s.bits === 5)).toBe(true);
    const weights = readModel(out).proto.graph!.initializer!;
    expect(tensorDims(weights.find((t) => t.name === 'conv1.weight')!)).toEqual([12, 1, 5, 5]);
    expect(result.fileBytes).toBeLessThan(result.denseFileBytes * 0.6);
    expect(result.verification.cosine).toBeGreaterThan(0);
    // inspect shows the variant's sparsity table beside its (unchanged) storage fields.
    const inspect = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'inspect', out, '--json'], { encoding: 'utf8' });
    const table = JSON.parse(inspect.stdout).sparsityTable;
    expect(table.map((r: { name: string; shape: number[] }) => [r.name, r.shape])).toEqual([
      ['conv1.weight', [12, 1, 5, 5]],
      ['conv2.weight', [32, 12, 5, 5]],
      ['fc1.weight', [256, 1568]],
      ['fc2.weight', [10, 256]],
    ]);
    expect(table[1].element).toBeGreaterThan(0.49);
  });

  it('quantizes (int8 dynamic, and static with a calibration file) and shares weights', () => {
    const q = compressJson([lenet, '--out', join(dir, 'q.onnx'), '--prune', '0.5', '--quantize', 'int8-dynamic']);
    expect(q.stages).toEqual(['prune', 'quantize']);
    expect(q.quantization.filter((l: { quantized: boolean }) => l.quantized).length).toBe(3);
    // Pruning half of an untrained network moves its outputs; int8 alone barely does.
    expect(q.verification.cosine).toBeGreaterThan(0.8);
    const q8 = compressJson([lenet, '--out', join(dir, 'q8.onnx'), '--quantize', 'int8-dynamic']);
    expect(q8.verification.cosine).toBeGreaterThan(0.999);
    expect(q8.layers.every((l: { sparsity: number }) => l.sparsity === 0)).toBe(true);

    const rng = new SeededRandom(11);
    const calibration = join(dir, 'calibration.json');
    writeFileSync(calibration, JSON.stringify({ inputs: Array.from({ length: 4 }, () => Array.from({ length: 784 }, () => rng.uniform(-1, 1))) }));
    const s = compressJson([lenet, '--out', join(dir, 's.onnx'), '--quantize', 'int8-static', '--calibration', calibration]);
    expect(s.quantization.some((l: { quantized: boolean }) => l.quantized)).toBe(true);
    expect(s.verification.cosine).toBeGreaterThan(0.98);

    const w = compressJson([lenet, '--out', join(dir, 'w.onnx'), '--share-weights', '4']);
    expect(w.sharing.map((l: { bits: number }) => l.bits)).toEqual([4, 4, 4]);
    expect(w.verification.cosine).toBeGreaterThan(0.9);
    expect(w.verification.top1Agreement).toBeGreaterThan(0);
  });

  it('stores pruned weights as COO sparse_initializers: a smaller file onnxruntime still runs to the same outputs', () => {
    const pruned = join(dir, 'lenet-pruned.onnx');
    const coo = join(dir, 'lenet-coo.onnx');
    const plain = compressJson([lenet, '--out', pruned, '--prune', '0.9']);
    const result = compressJson([lenet, '--out', coo, '--prune', '0.9', '--sparse-initializers']);
    // 90% zeros: 12 bytes per nonzero (float value + int64 position) beat 4 bytes per weight.
    expect(result.sparseStorage.map((l: { stored: boolean }) => l.stored)).toEqual([true, true, true]);
    for (const l of result.sparseStorage) expect(l.cooBytes).toBeLessThan(0.35 * l.denseBytes);
    expect(result.fileBytes).toBeLessThan(0.4 * readFileSync(pruned).length);
    const graph = readModel(coo).proto.graph!;
    expect(graph.sparseInitializer!.map((t) => t.values!.name)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    expect(graph.initializer!.some((t) => t.name === 'fc1.weight')).toBe(false);
    // The same weights in the other form: against dense, on the same seeded inputs, ORT's outputs differ
    // exactly as the plainly stored pruned model's do.
    for (const key of ['maxAbsError', 'meanAbsError', 'cosine', 'top1Agreement']) expect(result.verification[key]).toBe(plain.verification[key]);
    expect(result.verification.maxAbsError).toBeGreaterThan(0);
  });

  it('rejects bad input with one line, writing nothing and keeping an old file', () => {
    const out = join(dir, 'bad.onnx');
    writeFileSync(out, 'old contents');
    const recipe = (name: string, value: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(value));
      return path;
    };
    const cases: [string[], string][] = [
      [[lenet, '--out', out, '--recipe', recipe('r1.json', { layers: [{ name: 'fc*', sparsity: 1.5 }] })], `recipe ${join(dir, 'r1.json')}: layers[0] (fc*): sparsity must be a number in [0, 1), got 1.5`],
      [[lenet, '--out', out, '--recipe', recipe('r2.json', { layers: [{ name: 'conv1', sparsity: 0.5 }] })], `recipe ${join(dir, 'r2.json')}: layers[0] (conv1) is not a prunable layer (layers: fc1.weight, fc2.weight, fc3.weight)`],
      [[lenet, '--out', out, '--prune', '0.5', '--granularity', 'kernel'], "granularity kernel does not fit layer 'fc1.weight': a fully connected weight has no kernels (use row, column or block)"],
      [[lenet, '--out', out, '--prune', '0.5', '--granularity', 'block:7x7'], "granularity block:7x7 does not fit layer 'fc1.weight': its 300 x 784 matrix (outputs x fan-in) is not a whole number of 7 x 7 blocks (partial blocks are not allowed)"],
      [[lenet, '--out', out, '--share-weights', '9'], "--share-weights must be an integer in [2, 8], got '9'"],
      [[lenet, '--out', lenet, '--prune', '0.5'], `--out ${lenet} is the input model: write the variant to another file`],
      [[lenet, '--out', out, '--quantize', 'int3'], "--quantize must be one of int8-dynamic, int8-static, int4-weight, int8-weight, got 'int3'"],
      [[lenet, '--out', out, '--quantize', 'int8-static'], '--quantize int8-static needs --calibration FILE'],
      [[lenet, '--out', out], 'nothing to do: give --prune, --recipe, --thin, --share-weights or --quantize'],
      [[lenet, '--prune', '0.5'], 'compress needs --out OUT.onnx (where the compressed model goes)'],
    ];
    const lenetBefore = readFileSync(lenet);
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.stderr).toBe(`edgescope: error: ${message}\n`);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(out, 'utf8')).toBe('old contents');
    expect(readFileSync(lenet).equals(lenetBefore)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(join(dir, 'bad.onnx'))).toBe(true);
  });
});
