import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { DEMO_MODELS, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { encodeModel, floatValues, INLINE_LIMIT_BYTES, onnx, readModel, writeModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import { EdgescopeError } from '../../../src/shared/errors';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir();

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EdgescopeError);
    expect((err as EdgescopeError).code).toBe(code);
    expect((err as EdgescopeError).message).toMatch(pattern);
    expect((err as EdgescopeError).message).not.toContain('\n');
    return;
  }
  throw new Error('expected an error');
}

describe('reading ONNX files', () => {
  it('summarises the LeNet-300-100 demo: shapes, histogram, parameters, sparsity', () => {
    const path = join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx');
    const info = summarizeModel(readModel(path));
    expect(info.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 784] }]);
    expect(info.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['batch', 10] }]);
    expect(info.opHistogram).toEqual({ Add: 3, MatMul: 3, Relu: 2 });
    expect(info.parameterCount).toBe(784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
    expect(info.weightBytes).toBe(info.parameterCount * 4);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.initializers.every((i) => i.sparsity === 0)).toBe(true);
  });

  it('counts zeros per initializer', () => {
    const w = new Float32Array([0, 1, 0, 2, 0, 3]);
    const model = buildModel({
      name: 'z',
      nodes: [node('MatMul', ['x', 'w'], ['y'], 'mm')],
      initializers: [floatTensor('w', [2, 3], w)],
      inputs: [valueInfo('x', [1, 2])],
      outputs: [valueInfo('y', [1, 3])],
    });
    const path = join(dir, 'zeros.onnx');
    writeFileSync(path, encodeModel(model));
    const info = summarizeModel(readModel(path));
    expect(info.initializers[0]).toMatchObject({ name: 'w', zeros: 3, sparsity: 0.5, elementCount: 6, bytes: 24 });
  });

  it('reads weights stored as external data beside the model', async () => {
    const model = buildLenet300100();
    // Move the first layer's weight to an external file by hand, as exporters do.
    const t = model.graph!.initializer![0];
    const raw = Buffer.from(t.rawData!);
    writeFileSync(join(dir, 'ext.onnx.data'), Buffer.concat([Buffer.alloc(16), raw]));
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      { key: 'location', value: 'ext.onnx.data' },
      { key: 'offset', value: '16' },
      { key: 'length', value: String(raw.length) },
    ];
    const path = join(dir, 'ext.onnx');
    writeFileSync(path, encodeModel(model));
    const loaded = readModel(path);
    expect(Array.from(floatValues(loaded.proto.graph!.initializer![0]).slice(0, 4))).toEqual(
      Array.from(new Float32Array(raw.buffer, raw.byteOffset, 4)),
    );
    expect(summarizeModel(loaded).parameterCount).toBe(266610);
  });

  it('rejects a missing, empty, truncated, non-ONNX file and a missing external file with one clear line', () => {
    expectError(() => readModel(join(dir, 'nope.onnx')), 'E_MODEL_NOT_FOUND', /not found/);
    writeFileSync(join(dir, 'empty.onnx'), '');
    expectError(() => readModel(join(dir, 'empty.onnx')), 'E_MODEL_INVALID', /empty/);
    const good = readFileSync(join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx'));
    writeFileSync(join(dir, 'truncated.onnx'), good.subarray(0, good.length - 1000));
    expectError(() => readModel(join(dir, 'truncated.onnx')), 'E_MODEL_INVALID', /not a valid ONNX model|not an ONNX model/);
    writeFileSync(join(dir, 'text.onnx'), 'hello, this is not a model at all\n'.repeat(10));
    expectError(() => readModel(join(dir, 'text.onnx')), 'E_MODEL_INVALID', /ONNX/);
    writeFileSync(
      join(dir, 'dangling.onnx'),
      encodeModel(
        buildModel({
          name: 'd',
          nodes: [node('MatMul', ['x', 'w'], ['y'], 'mm')],
          initializers: [{ name: 'w', dims: [2, 2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'gone.bin' }] }],
          inputs: [valueInfo('x', [1, 2])],
          outputs: [valueInfo('y', [1, 2])],
        }),
      ),
    );
    expectError(() => readModel(join(dir, 'dangling.onnx')), 'E_MODEL_INVALID', /gone\.bin.*missing/);
  });

  it('writes large models with external data and reads them back', async () => {
    expect(INLINE_LIMIT_BYTES).toBeGreaterThan(1e9);
    const model = buildLenet300100();
    const path = join(dir, 'roundtrip.onnx');
    const written = await writeModel(path, model);
    expect(written.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(summarizeModel(readModel(path)).parameterCount).toBe(266610);
  });
});

describe('demo models', () => {
  it('the committed demo models are exactly what the builders produce', () => {
    for (const spec of DEMO_MODELS.filter((d) => d.bundled)) {
      const committed = readFileSync(join(REPO_ROOT, 'resources/models', `${spec.id}.onnx`));
      expect(Buffer.from(encodeModel(spec.build())).equals(committed), spec.id).toBe(true);
    }
  }, 300_000); // lenet-mnist is retrained here (about 30 s of CPU)
});
