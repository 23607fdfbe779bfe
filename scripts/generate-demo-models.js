#!/usr/bin/env node
'use strict';
// Regenerates the committed demo models in resources/models from their deterministic builders
// (src/main/engine/model/demo-models.ts). Run after `npm run build:node`.
const { join } = require('node:path');
const { writeFileSync } = require('node:fs');
const root = join(__dirname, '..');
const { DEMO_MODELS } = require(join(root, 'dist/node/src/main/engine/model/demo-models.js'));
const { encodeModel } = require(join(root, 'dist/node/src/main/engine/model/onnx-io.js'));
for (const spec of DEMO_MODELS.filter((d) => d.bundled)) {
  const path = join(root, 'resources', 'models', `${spec.id}.onnx`);
  const bytes = encodeModel(spec.build());
  writeFileSync(path, bytes);
  console.log(`${path}: ${bytes.length} bytes`);
}
