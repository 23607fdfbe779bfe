'use strict';
// The reference for bench/harness-overhead: a bare onnxruntime-node loop with the session
// options the run worker uses, timing each run() the same way. Prints one JSON line.
const ort = require('onnxruntime-node');
const { SeededRandom } = require('../dist/node/src/shared/random.js');
const { generateInputData } = require('../dist/node/src/main/engine/model/inputs.js');

async function main() {
  const { modelPath, threads, inputs, warmup, runs, seed } = JSON.parse(process.argv[2]);
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const rng = new SeededRandom(seed);
  const feeds = {};
  for (const input of inputs) feeds[input.name] = new ort.Tensor(input.dtype, generateInputData(input, rng), input.dims);
  for (let i = 0; i < warmup + 1; i++) await session.run(feeds);
  const latenciesMs = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    latenciesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await session.release();
  process.stdout.write(`${JSON.stringify({ latenciesMs })}\n`);
}
main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
