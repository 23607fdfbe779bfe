#!/usr/bin/env node
'use strict';
// Trains LeNet-300-100 on MNIST (seeded, deterministic) and writes the committed files:
// resources/models/lenet-300-100-mnist.onnx and resources/data/mnist-test-500.json.
// Run after `npm run build:node` (npm run train-mnist does both).
const { join } = require('node:path');
const root = join(__dirname, '..');
const { writeLenetMnistResources } = require(join(root, 'dist/node/src/main/engine/model/train/lenet-mnist.js'));

writeLenetMnistResources(join(root, 'resources'), (epoch, loss) => console.log(`epoch ${epoch + 1}: mean loss ${loss.toFixed(4)}`))
  .then((r) => {
    console.log(`${r.modelPath}: sha256 ${r.sha256}`);
    console.log(`${r.testSetPath}`);
    console.log(`accuracy: train ${(r.trainAccuracy * 100).toFixed(2)}%, held-out test ${(r.testAccuracy * 100).toFixed(2)}%`);
  })
  .catch((err) => {
    console.error(`train-mnist: ${err.message}`);
    process.exit(1);
  });
