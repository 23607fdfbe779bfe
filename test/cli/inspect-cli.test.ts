/**
 * `edgescope inspect`: per-layer sparsity and storage costs, as the issue names the fields.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLenet300100 } from '../../src/main/engine/model/demo-models';
import { writeModel } from '../../src/main/engine/model/onnx-io';
import { pruneModel } from '../../src/main/engine/compress/prune';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STORAGE_KEYS = ['denseFp32Bytes', 'denseFp16Bytes', 'denseInt8Bytes', 'csr32Bytes', 'csr16Bytes', 'relativeIndexBytes', 'huffmanBytes'];

describe('edgescope inspect', () => {
  it('prints per-layer storage for a pruned model with the CSR formulas exactly', async () => {
    const path = join(dir, 'lenet-0.9.onnx');
    await writeModel(path, pruneModel(buildLenet300100(), { sparsity: 0.9 }).model);
    const r = cli(['inspect', path, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.layers.map((l: { name: string }) => l.name)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    for (const layer of result.layers) {
      expect(Object.keys(layer.storage).sort()).toEqual([...STORAGE_KEYS].sort());
      const [rows] = layer.shape;
      expect(layer.storage.csr32Bytes).toBe(8 * layer.nnz + 4 * (rows + 1));
      expect(layer.storage.csr16Bytes).toBe(6 * layer.nnz + 4 * (rows + 1));
      expect(layer.sparsity).toBeCloseTo(0.9, 3);
    }
    // fc1: W[784, 300] in MatMul layout is 300 output rows of 784 inputs.
    expect(result.layers[0].shape).toEqual([300, 784]);
    expect(result.totals.denseFp32Bytes).toBe(4 * (784 * 300 + 300 * 100 + 100 * 10));
    expect(result.totals.huffmanBytes).toBeLessThan(result.totals.relativeIndexBytes);
  });

  it('prints a table and rejects bits out of range with one line', () => {
    const table = cli(['inspect', join(REPO_ROOT, 'resources/models/cnn-small.onnx')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^total\s/m);
    const bad = cli(['inspect', join(REPO_ROOT, 'resources/models/cnn-small.onnx'), '--share-bits', '9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("edgescope: error: --share-bits must be an integer in [2, 8], got '9'");
  });
});
