/**
 * The MNIST trainer and the committed trained LeNet-300-100: data split, bit-for-bit
 * determinism, the exported ONNX model agreeing with the trainer's own forward pass in
 * onnxruntime, and the committed model's accuracy on the committed test set.
 *
 * The committed model itself equals a fresh full training run: it is the bundled demo
 * `lenet-mnist`, which test/engine/model/onnx-io.test.ts rebuilds and compares byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracyOf, runOnInputSet } from '../../../src/main/engine/analysis/verify';
import { DEMO_MODELS } from '../../../src/main/engine/model/demo-models';
import { readInputSet } from '../../../src/main/engine/model/input-set';
import { readModel, writeModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import { inputSetJson, LENET_MNIST_TRAINING, mlpToOnnx } from '../../../src/main/engine/model/train/lenet-mnist';
import { IMAGE_PIXELS, loadMnistSplit, type MnistSplit } from '../../../src/main/engine/model/train/mnist-data';
import { mlpAccuracy, mlpLogits, trainMlp, type TrainOptions } from '../../../src/main/engine/model/train/mlp-trainer';
import { RunWorker } from '../../../src/main/engine/run/runner';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir('train');
const MODEL = join(REPO_ROOT, 'resources/models/lenet-mnist.onnx');
const TEST_SET = join(REPO_ROOT, 'resources/data/mnist-test-500.json');
const SMALL: TrainOptions = { ...LENET_MNIST_TRAINING, epochs: 2, limit: 1000 };

let split: MnistSplit;
let worker: RunWorker;
beforeAll(async () => {
  split = loadMnistSplit();
  worker = await RunWorker.start();
});
afterAll(async () => worker?.dispose());

function digest(arrays: Float32Array[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

describe('MNIST data', () => {
  it('splits the 10 000 digits into 9 500 training and 500 balanced, interleaved test digits', () => {
    expect(split.train.count + split.test.count).toBe(10_000);
    expect(split.test.count).toBe(500);
    const perClass = new Array(10).fill(0);
    for (const l of split.test.labels) perClass[l]++;
    expect(perClass).toEqual(new Array(10).fill(50));
    expect(Array.from(split.test.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of split.train.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);
  });

  it('the committed test set is exactly the held-out split in input-set format', () => {
    expect(readFileSync(TEST_SET, 'utf8')).toBe(inputSetJson(split.test));
  });
});

describe('trainer', () => {
  it('is deterministic bit for bit, and the seed matters', () => {
    const a = trainMlp(split.train, SMALL);
    const b = trainMlp(split.train, SMALL);
    const c = trainMlp(split.train, { ...SMALL, seed: 2 });
    expect(digest([...a.weights, ...a.biases])).toBe(digest([...b.weights, ...b.biases]));
    expect(digest([...a.weights, ...a.biases])).not.toBe(digest([...c.weights, ...c.biases]));
  });

  it('learns: the loss falls and held-out accuracy is far above chance after 2 epochs on 1 000 digits', () => {
    const losses: number[] = [];
    const params = trainMlp(split.train, { ...SMALL, onEpoch: (_, loss) => losses.push(loss) });
    expect(losses).toHaveLength(2);
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(mlpAccuracy(params, split.test)).toBeGreaterThan(0.8);
  });

  it('the exported ONNX model computes the trainer forward pass in onnxruntime', async () => {
    const params = trainMlp(split.train, { ...SMALL, epochs: 1, limit: 300 });
    const path = join(dir, 'small.onnx');
    await writeModel(path, mlpToOnnx(params, 'small', 'test'));
    const samples = 20;
    const set = {
      samples: Array.from({ length: samples }, (_, s) => ({
        feeds: { input: { dims: [1, IMAGE_PIXELS], data: split.test.images.slice(s * IMAGE_PIXELS, (s + 1) * IMAGE_PIXELS) } },
      })),
    };
    const [logits] = await runOnInputSet(path, summarizeModel(readModel(path)).inputs, set, { worker, ep: 'cpu', threads: 1 });
    expect(logits.dims).toEqual([samples, 10]);
    for (let s = 0; s < samples; s++) {
      const expected = mlpLogits(params, split.test.images.subarray(s * IMAGE_PIXELS, (s + 1) * IMAGE_PIXELS));
      for (let j = 0; j < 10; j++) expect(logits.data[s * 10 + j]).toBeCloseTo(expected[j], 3);
    }
  });
});

describe('the committed trained model', () => {
  it('is registered as the bundled demo lenet-mnist', () => {
    const spec = DEMO_MODELS.find((d) => d.id === 'lenet-mnist');
    expect(spec?.bundled).toBe(true);
  });

  it('classifies the committed test digits with accuracy >= 0.95 in onnxruntime', async () => {
    const inputs = summarizeModel(readModel(MODEL)).inputs;
    const set = readInputSet(TEST_SET, inputs);
    expect(set.samples).toHaveLength(500);
    const outputs = await runOnInputSet(MODEL, inputs, set, { worker, ep: 'cpu', threads: 2 });
    const accuracy = accuracyOf(outputs[0], set.samples.map((s) => s.label!));
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
