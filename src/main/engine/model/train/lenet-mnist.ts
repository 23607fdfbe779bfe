/**
 * The trained demo classifier: LeNet-300-100 (784-300-100-10, ReLU) on MNIST, trained here
 * in TypeScript from a fixed seed, so `npm run train-mnist` regenerates the committed model
 * and test set bit for bit. It gives pruning, quantization and sensitivity a real accuracy
 * to lose (about 97.6% on the 500 held-out digits).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/write-atomic';
import { buildModel, floatTensor, node, valueInfo } from '../graph-builder';
import { writeModel, type onnx } from '../onnx-io';
import { IMAGE_PIXELS, loadMnistSplit, type LabelledImages } from './mnist-data';
import { mlpAccuracy, trainMlp, type MlpParams, type TrainOptions } from './mlp-trainer';

export const LENET_MNIST_INPUT = 'input';
export const LENET_MNIST_OUTPUT = 'logits';
/** Named after its demo id, as every bundled demo model is (demoModelPath). */
export const LENET_MNIST_MODEL_FILE = 'lenet-mnist.onnx';
export const MNIST_TEST_SET_FILE = 'mnist-test-500.json';

/** Chosen once by held-out accuracy; changing any of them changes the committed files. */
export const LENET_MNIST_TRAINING: TrainOptions = {
  sizes: [IMAGE_PIXELS, 300, 100, 10],
  seed: 1,
  epochs: 12,
  batchSize: 32,
  learningRate: 0.05,
  learningRateDecay: 0.8,
  momentum: 0.9,
  weightDecay: 5e-4,
  maxShift: 1,
  imageSide: 28,
};

/** An MLP as MatMul + Add (+ Relu) per layer, named fc1..fcN like the untrained LeNet demo. */
export function mlpToOnnx(params: MlpParams, name: string, docString: string): onnx.ModelProto {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  const last = params.weights.length - 1;
  let x = LENET_MNIST_INPUT;
  params.weights.forEach((w, l) => {
    const layer = `fc${l + 1}`;
    inits.push(floatTensor(`${layer}.weight`, [params.sizes[l], params.sizes[l + 1]], w));
    inits.push(floatTensor(`${layer}.bias`, [params.sizes[l + 1]], params.biases[l]));
    nodes.push(node('MatMul', [x, `${layer}.weight`], [`${layer}.mm`], `${layer}/MatMul`));
    const out = l === last ? LENET_MNIST_OUTPUT : `${layer}.out`;
    nodes.push(node('Add', [`${layer}.mm`, `${layer}.bias`], [l === last ? out : `${layer}.pre`], `${layer}/Add`));
    if (l < last) nodes.push(node('Relu', [`${layer}.pre`], [out], `${layer}/Relu`));
    x = out;
  });
  return buildModel({
    name,
    nodes,
    initializers: inits,
    inputs: [valueInfo(LENET_MNIST_INPUT, ['batch', params.sizes[0]])],
    outputs: [valueInfo(LENET_MNIST_OUTPUT, ['batch', params.sizes[params.sizes.length - 1]])],
    docString,
  });
}

export interface TrainedLenet {
  params: MlpParams;
  model: onnx.ModelProto;
  test: LabelledImages;
  trainAccuracy: number;
  testAccuracy: number;
}

export function trainLenetMnist(onEpoch?: TrainOptions['onEpoch']): TrainedLenet {
  const { train, test } = loadMnistSplit();
  const params = trainMlp(train, { ...LENET_MNIST_TRAINING, onEpoch });
  const testAccuracy = mlpAccuracy(params, test);
  const model = mlpToOnnx(
    params,
    'lenet-300-100-mnist',
    `LeNet-300-100 trained on ${train.count} MNIST digits (npm package mnist) by edgescope's seeded SGD; ` +
      `input: 784 pixels in [0, 1], row-major; output: 10 logits. Held-out accuracy ${(testAccuracy * 100).toFixed(1)}% on ${test.count} digits.`,
  );
  return { params, model, test, trainAccuracy: mlpAccuracy(params, train), testAccuracy };
}

/**
 * A labelled set as an input-set file (docs/verification.md). Pixels in the package have
 * three decimals, so rounding to three decimals writes them back exactly.
 */
export function inputSetJson(set: LabelledImages, inputName = LENET_MNIST_INPUT): string {
  const rows: string[] = [];
  for (let s = 0; s < set.count; s++) {
    const pixels = Array.from(set.images.subarray(s * IMAGE_PIXELS, (s + 1) * IMAGE_PIXELS), (v) => Math.round(v * 1000) / 1000);
    rows.push(`[${pixels.join(',')}]`);
  }
  return `{"inputs":{${JSON.stringify(inputName)}:[\n${rows.join(',\n')}\n]},\n"labels":${JSON.stringify(Array.from(set.labels))}}\n`;
}

/** Train and write the model and its held-out test set (what `npm run train-mnist` does). */
export async function writeLenetMnistResources(
  resourcesDir: string,
  onEpoch?: TrainOptions['onEpoch'],
): Promise<{ modelPath: string; testSetPath: string; sha256: string; testAccuracy: number; trainAccuracy: number }> {
  const trained = trainLenetMnist(onEpoch);
  const modelPath = join(resourcesDir, 'models', LENET_MNIST_MODEL_FILE);
  const testSetPath = join(resourcesDir, 'data', MNIST_TEST_SET_FILE);
  const written = await writeModel(modelPath, trained.model);
  await writeFileAtomic(testSetPath, inputSetJson(trained.test));
  return { modelPath, testSetPath, sha256: written.sha256, testAccuracy: trained.testAccuracy, trainAccuracy: trained.trainAccuracy };
}
