/**
 * previewCompression: a recipe's per-layer sparsity and sizes, computed in memory, against answers
 * worked out by hand for LeNet-300-100 (784-300-100-10 fully connected), and the recipe's errors
 * as one line naming the entry. Nothing is written next to the model.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { previewCompression } from '../../../src/main/engine/compress/preview';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { tempDir } from '../../helpers';

/** LeNet-300-100's weights: [in, out] per layer. */
const FC = [
  { name: 'fc1.weight', inputs: 784, outputs: 300 },
  { name: 'fc2.weight', inputs: 300, outputs: 100 },
  { name: 'fc3.weight', inputs: 100, outputs: 10 },
];
const params = (l: (typeof FC)[number]) => l.inputs * l.outputs;
/** CSR with 16-bit column indices, one row per output feature. */
const csr16 = (nnz: number, rows: number) => 6 * nnz + 4 * (rows + 1);

describe('previewCompression', () => {
  let dir: string;
  let model: string;

  beforeAll(async () => {
    dir = tempDir('preview');
    model = join(dir, 'lenet.onnx');
    await writeModel(model, buildLenet300100());
  });

  it('prunes half the rows of every layer but the last: exact nnz, sparsity and CSR16 bytes per layer and in total', async () => {
    const preview = await previewCompression(model, { default: { sparsity: 0.5, granularity: 'filter' }, keepLast: true });
    expect(preview.stages).toEqual(['prune']);
    expect(preview.layers.map((l) => [l.name, l.opType, l.shape, l.params, l.targetSparsity, l.granularity ?? null])).toEqual([
      ['fc1.weight', preview.layers[0].opType, [784, 300], 235_200, 0.5, 'filter'],
      ['fc2.weight', preview.layers[1].opType, [300, 100], 30_000, 0.5, 'filter'],
      ['fc3.weight', preview.layers[2].opType, [100, 10], 1000, null, null],
    ]);
    const expectedNnz = [params(FC[0]) / 2, params(FC[1]) / 2, params(FC[2])];
    expect(preview.layers.map((l) => l.nnz)).toEqual(expectedNnz);
    expect(preview.layers.map((l) => l.sparsity)).toEqual([0.5, 0.5, 0]);
    expect(preview.layers.map((l) => l.denseFp32Bytes)).toEqual(FC.map((l) => 4 * params(l)));
    expect(preview.layers.map((l) => l.csr16Bytes)).toEqual(FC.map((l, i) => csr16(expectedNnz[i], l.outputs)));
    expect(preview.layers.every((l) => l.sharedBytes === undefined && l.quantizedBytes === undefined && l.thinnedShape === undefined)).toBe(true);
    const total = 235_200 + 30_000 + 1000;
    expect(preview.totals).toEqual({
      params: total,
      nnz: 117_600 + 15_000 + 1000,
      sparsity: 1 - (117_600 + 15_000 + 1000) / total,
      denseFp32Bytes: 4 * total,
      csr16Bytes: csr16(117_600, 300) + csr16(15_000, 100) + csr16(1000, 10),
    });
  });

  it('follows per-layer overrides, counts thinned structures as zeros and prices sharing and int8 quantization', async () => {
    const preview = await previewCompression(model, {
      default: { sparsity: 0.25, granularity: 'element' },
      layers: [{ name: 'fc1*', sparsity: 0.5, granularity: 'row', norm: 'l2' }],
      thin: true,
      shareWeights: { bits: 4 },
      quantize: 'int8-dynamic',
    });
    expect(preview.stages).toEqual(['prune', 'thin', 'share', 'quantize']);
    const [fc1, fc2, fc3] = preview.layers;
    expect([fc1.targetSparsity, fc2.targetSparsity, fc3.targetSparsity]).toEqual([0.5, 0.25, 0.25]);
    // fc1's 150 pruned output rows are gone, and fc2's matching input columns with them.
    expect(fc1.thinnedShape).toEqual([784, 150]);
    expect(fc2.thinnedShape).toEqual([150, 100]);
    expect(fc1.nnz).toBe(784 * 150);
    expect(fc1.sparsity).toBe(0.5);
    expect(fc1.csr16Bytes).toBe(csr16(784 * 150, 150));
    // Shared: ceil(nnz * 4 / 8) index bytes plus a 16-entry fp32 codebook.
    for (const l of preview.layers) expect(l.sharedBytes).toBe(Math.ceil((l.nnz * 4) / 8) + 4 * 16);
    // int8-dynamic: one int8 per weight of the thinned matrix plus one fp32 scale per output column.
    expect(fc1.quantizedBytes).toBe(784 * 150 + 4 * 150);
    expect(fc3.quantizedBytes).toBe(fc3.thinnedShape ? fc3.thinnedShape[0] * 10 + 40 : 100 * 10 + 40);
    expect(preview.totals.sharedBytes).toBe(preview.layers.reduce((s, l) => s + l.sharedBytes!, 0));
    expect(preview.totals.quantizedBytes).toBe(preview.layers.reduce((s, l) => s + l.quantizedBytes!, 0));
  });

  it('previews int4 weight-only quantization of the dense model with no pruning stage', async () => {
    const preview = await previewCompression(model, { quantize: { mode: 'int4-weight', blockSize: 32 } });
    expect(preview.stages).toEqual(['quantize']);
    expect(preview.layers.map((l) => l.sparsity)).toEqual([0, 0, 0]);
    // MatMulNBits, 4 bits in blocks of 32 along K (padded to whole blocks): per output feature, 16 bytes of packed
    // weights and one fp32 scale per block, and a 4-bit zero point per block rounded up to whole bytes.
    const int4Bytes = (k: number, n: number) => {
      const blocks = Math.ceil(k / 32);
      return n * (blocks * 16 + blocks * 4 + Math.ceil((blocks * 4) / 8));
    };
    expect(preview.layers.map((l) => l.quantizedBytes)).toEqual(FC.map((l) => int4Bytes(l.inputs, l.outputs)));
    expect(preview.totals.quantizedBytes).toBe(FC.reduce((s, l) => s + int4Bytes(l.inputs, l.outputs), 0));
  });

  it('says per layer why a stage left it alone: int8-dynamic does not take convolutions', async () => {
    const cnn = join(dir, 'cnn.onnx');
    await writeModel(cnn, buildCnnSmall());
    const preview = await previewCompression(cnn, { quantize: 'int8-dynamic' });
    const byName = new Map(preview.layers.map((l) => [l.name, l]));
    expect(byName.get('conv1.weight')!.quantizedBytes).toBeUndefined();
    expect(byName.get('conv1.weight')!.notes).toEqual(['not quantized: int8-dynamic covers MatMul and Gemm, not Conv (use int8-static)']);
    expect(byName.get('fc1.weight')!.quantizedBytes).toBe(512 * 1568 + 4 * 512);
    // Layers left in float count their fp32 bytes in the stage's total.
    expect(preview.totals.quantizedBytes).toBe(preview.layers.reduce((s, l) => s + (l.quantizedBytes ?? l.denseFp32Bytes), 0));
  });

  it('names the entry of a bad recipe in one line, and writes nothing', async () => {
    const before = readdirSync(dir);
    await expect(previewCompression(model, { layers: [{ name: 'fc2.weight', sparsity: 1.5 }] })).rejects.toThrow(
      /^recipe for lenet\.onnx: layers\[0\] \(fc2\.weight\): sparsity must be a number in \[0, 1\), got 1\.5$/,
    );
    await expect(previewCompression(model, { layers: [{ name: 'conv9', sparsity: 0.5 }] })).rejects.toThrow(
      'recipe for lenet.onnx: layers[0] (conv9) is not a prunable layer (layers: fc1.weight, fc2.weight, fc3.weight)',
    );
    await expect(previewCompression(model, { default: { sparsity: 0.5, granularity: 'kernel' } })).rejects.toThrow("granularity kernel does not fit layer 'fc1.weight'");
    await expect(previewCompression(model, { shareWeights: 9 })).rejects.toThrow('recipe for lenet.onnx: shareWeights: bits must be an integer in [2, 8], got 9');
    await expect(previewCompression(model, { quantize: 'int8-static' })).rejects.toThrow('int8-static needs calibration samples');
    expect(readdirSync(dir)).toEqual(before);
  });
});
