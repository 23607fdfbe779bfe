/**
 * LSTM gate matmuls on the sparse kernels (docs/hybrid-execution.md): for LSTMs with W and R
 * pruned to 90%, ORT's LSTM on the whole model against the hybrid executor's LSTM steps (forced
 * sparse), both in the run worker with equal threads, and what the policy chooses unforced.
 *
 * Run on a quiet machine: npx tsc -p tsconfig.node.json && node dist/node/bench/hybrid-lstm.js [THREADS]
 * Prints a table, then one JSON line: per shape ortUs, hybridUs (medians per inference), speedup,
 * the policy's LSTM decision (denseUs, sparseUs, choice) and the hybrid outputs' error against ORT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../src/shared/random';
import { median } from '../src/main/engine/analysis/stats';
import { buildModel, floatTensor, node, valueInfo } from '../src/main/engine/model/graph-builder';
import { resolveInputs } from '../src/main/engine/model/inputs';
import { readModel, writeModel } from '../src/main/engine/model/onnx-io';
import { summarizeModel } from '../src/main/engine/model/summary';
import type { RunSpec } from '../src/main/engine/run/messages';
import { RunWorker } from '../src/main/engine/run/runner';

interface Shape {
  hidden: number;
  input: number;
  seq: number;
  batch: number;
}

const SHAPES: Shape[] = [
  { hidden: 128, input: 128, seq: 8, batch: 1 },
  { hidden: 256, input: 256, seq: 8, batch: 1 },
  { hidden: 512, input: 512, seq: 8, batch: 1 },
  { hidden: 1024, input: 1024, seq: 8, batch: 1 },
  { hidden: 512, input: 512, seq: 32, batch: 1 },
  { hidden: 512, input: 512, seq: 8, batch: 8 },
];
const SPARSITY = 0.9;
const RUNS = 50;

function prunedLstm(s: Shape, seed: number) {
  const rng = new SeededRandom(seed);
  const weights = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => (rng.next() < SPARSITY ? 0 : rng.normal() / Math.sqrt(fanIn * (1 - SPARSITY))));
  const H = s.hidden;
  return buildModel({
    name: `lstm-${H}`,
    nodes: [node('LSTM', ['X', 'W', 'R', 'B'], ['Y', 'Y_h', 'Y_c'], 'lstm', { hidden_size: H })],
    initializers: [
      floatTensor('W', [1, 4 * H, s.input], weights(4 * H * s.input, s.input)),
      floatTensor('R', [1, 4 * H, H], weights(4 * H * H, H)),
      floatTensor('B', [1, 8 * H], Float32Array.from({ length: 8 * H }, () => rng.uniform(-0.1, 0.1))),
    ],
    inputs: [valueInfo('X', [s.seq, s.batch, s.input])],
    outputs: [valueInfo('Y', [s.seq, 1, s.batch, H]), valueInfo('Y_h', [1, s.batch, H]), valueInfo('Y_c', [1, s.batch, H])],
    opset: 14,
  });
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? availableParallelism());
  const dir = mkdtempSync(join(tmpdir(), 'edgescope-bench-lstm-'));
  const worker = await RunWorker.start();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const [i, s] of SHAPES.entries()) {
      const modelPath = join(dir, `lstm-${i}.onnx`);
      await writeModel(modelPath, prunedLstm(s, i + 1));
      const spec = (hybrid?: RunSpec['hybrid']): RunSpec => ({
        modelPath,
        ep: 'cpu',
        threads,
        graphOptimizationLevel: 'all',
        inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch: s.batch, dims: {}, shapes: {}, values: {}, seed: 1 }),
        seed: 1,
        warmupRuns: 5,
        timedRuns: RUNS,
        minTimeMs: 0,
        profiledRuns: 0,
        profileDir: dir,
        returnOutputs: false,
        clockOriginNs: process.hrtime.bigint().toString(),
        ...(hybrid ? { hybrid } : {}),
      });
      const ort = await worker.run(spec());
      const forced = await worker.run(spec({ overrides: { lstm: 'sparse' } }));
      const policy = await worker.run(spec({ overrides: {} }));
      const decision = policy.hybrid!.decisions.find((d) => d.node === 'lstm')!;
      const ortUs = median(ort.latenciesMs) * 1000;
      const hybridUs = median(forced.latenciesMs) * 1000;
      rows.push({
        ...s,
        density: 1 - SPARSITY,
        ortUs,
        hybridUs,
        speedup: ortUs / hybridUs,
        maxRelError: forced.hybrid!.check.maxRelError,
        policy: { choice: decision.choice, denseUs: decision.denseUs, sparseUs: decision.sparseUs, reason: decision.reason },
      });
    }
  } finally {
    await worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : String(v));
  process.stdout.write(`LSTM, W and R ${SPARSITY * 100}% pruned, ${threads} threads (us per inference, medians of ${RUNS})\n`);
  process.stdout.write('hidden input seq batch    ORT  hybrid speedup  policy\n');
  for (const r of rows) {
    const p = r.policy as { choice: string };
    process.stdout.write(
      `${[r.hidden, r.input, r.seq, r.batch].map((v) => String(v).padStart(5)).join(' ')} ${fmt(r.ortUs).padStart(7)} ${fmt(r.hybridUs).padStart(7)} ${(r.speedup as number).toFixed(2).padStart(6)}x  ${p.choice}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ threads, rows })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench hybrid-lstm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
