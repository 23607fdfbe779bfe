/**
 * The demo models: built deterministically in code, so they can be regenerated
 * bit-for-bit (a test checks the committed files against a fresh build).
 *
 * - cnn-small and mlp-lenet-300-100 are small and committed under resources/models/.
 * - The fully connected layers of EIE's benchmark (../shared/notes/anchors.md) are
 *   up to 411 MB each, so they are generated on demand into a cache folder.
 *
 * Weights are He-initialised from a fixed seed, not trained: they are for measuring
 * speed and the effect of pruning on outputs, not accuracy.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../../../shared/random';
import { buildModel, floatTensor, node, valueInfo } from './graph-builder';
import { writeModel, type onnx } from './onnx-io';
import { trainLenetMnist } from './train/lenet-mnist';

export interface DemoModelSpec {
  id: string;
  title: string;
  description: string;
  /** Committed in resources/models (true) or generated into the cache on first use. */
  bundled: boolean;
  build(): onnx.ModelProto;
}

function heWeights(rng: SeededRandom, count: number, fanIn: number): Float32Array {
  const scale = Math.sqrt(2 / fanIn);
  const w = new Float32Array(count);
  for (let i = 0; i < count; i++) w[i] = rng.normal() * scale;
  return w;
}

function smallBias(rng: SeededRandom, count: number): Float32Array {
  const b = new Float32Array(count);
  for (let i = 0; i < count; i++) b[i] = rng.uniform(-0.05, 0.05);
  return b;
}

/** LeNet-300-100's shapes (784-300-100-10) as MatMul + Add + Relu, the shape Deep Compression pruned 12x. */
export function buildLenet300100(seed = 300100): onnx.ModelProto {
  const rng = new SeededRandom(seed);
  const sizes = [784, 300, 100, 10];
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let x = 'input';
  for (let l = 0; l < 3; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    const name = `fc${l + 1}`;
    inits.push(floatTensor(`${name}.weight`, [fin, fout], heWeights(rng, fin * fout, fin)));
    inits.push(floatTensor(`${name}.bias`, [fout], smallBias(rng, fout)));
    nodes.push(node('MatMul', [x, `${name}.weight`], [`${name}.mm`], `${name}/MatMul`));
    const out = l === 2 ? 'logits' : `${name}.out`;
    nodes.push(node('Add', [`${name}.mm`, `${name}.bias`], [l === 2 ? out : `${name}.pre`], `${name}/Add`));
    if (l < 2) nodes.push(node('Relu', [`${name}.pre`], [out], `${name}/Relu`));
    x = out;
  }
  return buildModel({
    name: 'lenet-300-100',
    nodes,
    initializers: inits,
    inputs: [valueInfo('input', ['batch', 784])],
    outputs: [valueInfo('logits', ['batch', 10])],
    docString: 'LeNet-300-100 shapes, He-initialised (seeded), untrained.',
  });
}

/**
 * A small CNN classifier for 28x28 images whose weights, as in AlexNet, sit mostly in
 * the fully connected head: conv5x5(16)+BN+ReLU, pool, conv5x5(32)+ReLU, pool, FC 1568-512, FC 512-10, softmax.
 */
export function buildCnnSmall(seed = 2828): onnx.ModelProto {
  const rng = new SeededRandom(seed);
  const inits: onnx.ITensorProto[] = [
    floatTensor('conv1.weight', [16, 1, 5, 5], heWeights(rng, 16 * 25, 25)),
    floatTensor('conv1.bias', [16], smallBias(rng, 16)),
    floatTensor('bn1.scale', [16], Float32Array.from({ length: 16 }, () => rng.uniform(0.8, 1.2))),
    floatTensor('bn1.bias', [16], smallBias(rng, 16)),
    floatTensor('bn1.mean', [16], smallBias(rng, 16)),
    floatTensor('bn1.var', [16], Float32Array.from({ length: 16 }, () => rng.uniform(0.5, 1.5))),
    floatTensor('conv2.weight', [32, 16, 5, 5], heWeights(rng, 32 * 16 * 25, 16 * 25)),
    floatTensor('conv2.bias', [32], smallBias(rng, 32)),
    floatTensor('fc1.weight', [512, 1568], heWeights(rng, 512 * 1568, 1568)),
    floatTensor('fc1.bias', [512], smallBias(rng, 512)),
    floatTensor('fc2.weight', [10, 512], heWeights(rng, 10 * 512, 512)),
    floatTensor('fc2.bias', [10], smallBias(rng, 10)),
  ];
  const nodes = [
    node('Conv', ['image', 'conv1.weight', 'conv1.bias'], ['c1'], 'conv1', { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }),
    node('BatchNormalization', ['c1', 'bn1.scale', 'bn1.bias', 'bn1.mean', 'bn1.var'], ['b1'], 'bn1', { epsilon: 1e-5 }),
    node('Relu', ['b1'], ['r1'], 'relu1'),
    node('MaxPool', ['r1'], ['p1'], 'pool1', { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Conv', ['p1', 'conv2.weight', 'conv2.bias'], ['c2'], 'conv2', { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }),
    node('Relu', ['c2'], ['r2'], 'relu2'),
    node('MaxPool', ['r2'], ['p2'], 'pool2', { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Flatten', ['p2'], ['f'], 'flatten', { axis: 1 }),
    node('Gemm', ['f', 'fc1.weight', 'fc1.bias'], ['h1'], 'fc1', { transB: 1 }),
    node('Relu', ['h1'], ['r3'], 'relu3'),
    node('Gemm', ['r3', 'fc2.weight', 'fc2.bias'], ['logits'], 'fc2', { transB: 1 }),
    node('Softmax', ['logits'], ['probabilities'], 'softmax', { axis: 1 }),
  ];
  return buildModel({
    name: 'cnn-small',
    nodes,
    initializers: inits,
    inputs: [valueInfo('image', ['batch', 1, 28, 28])],
    outputs: [valueInfo('probabilities', ['batch', 10])],
    docString: 'Small CNN classifier (28x28), He-initialised (seeded), untrained.',
  });
}

/** One fully connected layer y = x W (W: in x out) as a single MatMul, as in EIE's benchmark. */
export function buildFcLayer(name: string, inFeatures: number, outFeatures: number, seed: number): onnx.ModelProto {
  const rng = new SeededRandom(seed);
  return buildModel({
    name,
    nodes: [node('MatMul', ['x', `${name}.weight`], ['y'], name)],
    initializers: [floatTensor(`${name}.weight`, [inFeatures, outFeatures], heWeights(rng, inFeatures * outFeatures, inFeatures))],
    inputs: [valueInfo('x', ['batch', inFeatures])],
    outputs: [valueInfo('y', ['batch', outFeatures])],
    docString: `${name}: ${inFeatures}x${outFeatures} fully connected layer (EIE benchmark shape), He-initialised.`,
  });
}

/** EIE's benchmark layers (Han et al., ISCA 2016): name, in, out. */
export const EIE_LAYERS: readonly { id: string; title: string; inFeatures: number; outFeatures: number }[] = [
  { id: 'fc-alexnet-fc6', title: 'AlexNet FC6', inFeatures: 9216, outFeatures: 4096 },
  { id: 'fc-alexnet-fc7', title: 'AlexNet FC7', inFeatures: 4096, outFeatures: 4096 },
  { id: 'fc-alexnet-fc8', title: 'AlexNet FC8', inFeatures: 4096, outFeatures: 1000 },
  { id: 'fc-vgg16-fc6', title: 'VGG16 FC6', inFeatures: 25088, outFeatures: 4096 },
  { id: 'fc-vgg16-fc7', title: 'VGG16 FC7', inFeatures: 4096, outFeatures: 4096 },
  { id: 'fc-vgg16-fc8', title: 'VGG16 FC8', inFeatures: 4096, outFeatures: 1000 },
];

export const DEMO_MODELS: readonly DemoModelSpec[] = [
  {
    id: 'cnn-small',
    title: 'Small CNN (28x28 classifier)',
    description: '2 conv layers + 2 fully connected layers, 0.85 M parameters; weights mostly in the FC head, as in AlexNet.',
    bundled: true,
    build: () => buildCnnSmall(),
  },
  {
    id: 'mlp-lenet-300-100',
    title: 'LeNet-300-100 MLP',
    description: '784-300-100-10 fully connected network (Deep Compression pruned it to 8% of its weights).',
    bundled: true,
    build: () => buildLenet300100(),
  },
  {
    id: 'lenet-mnist',
    title: 'LeNet-300-100 trained on MNIST',
    description: '784-300-100-10 MLP trained deterministically on MNIST digits (about 97.6% held-out accuracy); test digits in resources/data/mnist-test-500.json.',
    bundled: true,
    // Trains for about 30 s: only called when the committed file is missing or to check it.
    build: () => trainLenetMnist().model,
  },
  ...EIE_LAYERS.map((layer, i) => ({
    id: layer.id,
    title: `${layer.title} (${layer.inFeatures}x${layer.outFeatures})`,
    description: `Single fully connected layer with the shape of ${layer.title} in EIE's benchmark; generated on first use (${((layer.inFeatures * layer.outFeatures * 4) / 1e6).toFixed(0)} MB).`,
    bundled: false,
    build: () => buildFcLayer(layer.id.replace(/^fc-/, '').replace(/-/g, '_'), layer.inFeatures, layer.outFeatures, 6000 + i),
  })),
];

export const DEFAULT_DEMO_MODEL_ID = 'cnn-small';

export function demoModelPath(spec: DemoModelSpec, dirs: { bundledDir: string; generatedDir: string }): string {
  return join(spec.bundled ? dirs.bundledDir : dirs.generatedDir, `${spec.id}.onnx`);
}

/** Make sure a demo model's file exists (generating it when needed) and return its path. */
export async function ensureDemoModel(spec: DemoModelSpec, dirs: { bundledDir: string; generatedDir: string }): Promise<string> {
  const path = demoModelPath(spec, dirs);
  if (!existsSync(path)) await writeModel(path, spec.build());
  return path;
}
