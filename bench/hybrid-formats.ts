/**
 * The hybrid executor's storage format choice (docs/hybrid-execution.md, "Storage format"):
 * 1. per layer shape (the break-even table's defaults: EIE's FC layers and LeNet's first) and
 *    ladder density, ORT dense against the sparse kernel in each candidate format, timed in the
 *    break-even calibration process exactly as a run times a layer;
 * 2. LeNet-300-100 pruned 90% run hybrid in the run worker, every layer forced sparse and then as
 *    the policy chooses: each layer's chosen format, its candidates' times, and the latency.
 *
 * Run on a quiet machine: npx tsc -p tsconfig.node.json && node dist/node/bench/hybrid-formats.js [THREADS] [BATCHES]
 * (BATCHES comma-separated, default 1,8; sell is a candidate at batch 1 on AVX-512 builds only).
 * Prints tables, then one JSON line: {threads, buildInfo, table: [...], lenet: [...]}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/main/engine/analysis/stats';
import { pruneModel } from '../src/main/engine/compress/prune';
import { buildLenet300100 } from '../src/main/engine/model/demo-models';
import { resolveInputs } from '../src/main/engine/model/inputs';
import { readModel, writeModel } from '../src/main/engine/model/onnx-io';
import { summarizeModel } from '../src/main/engine/model/summary';
import type { RunSpec } from '../src/main/engine/run/messages';
import { RunWorker } from '../src/main/engine/run/runner';
import { breakEvenTable } from '../src/main/engine/sparse/hybrid/break-even-calibration';
import { DEFAULT_SHAPES } from '../src/main/engine/sparse/hybrid/break-even-table';

const RUNS = 200;

const us = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1)).padStart(8);

async function lenetRuns(threads: number, dir: string): Promise<Record<string, unknown>[]> {
  const modelPath = join(dir, 'lenet.pruned-0.9.onnx');
  await writeModel(modelPath, pruneModel(buildLenet300100(), { sparsity: 0.9, global: false }).model);
  const worker = await RunWorker.start();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const mode of ['forced sparse', 'policy'] as const) {
      const overrides: Record<string, 'sparse'> = mode === 'policy' ? {} : { 'fc1/MatMul': 'sparse', 'fc2/MatMul': 'sparse', 'fc3/MatMul': 'sparse' };
      const spec: RunSpec = {
        modelPath, ep: 'cpu', threads, graphOptimizationLevel: 'all',
        inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch: 1, dims: {}, shapes: {}, values: {}, seed: 1 }),
        seed: 1, warmupRuns: 20, timedRuns: RUNS, minTimeMs: 0, profiledRuns: 0, profileDir: dir, returnOutputs: false,
        clockOriginNs: process.hrtime.bigint().toString(), hybrid: { overrides },
      };
      const result = await worker.run(spec);
      const h = result.hybrid!;
      rows.push({
        mode,
        latencyUs: median(result.latenciesMs) * 1000,
        maxRelError: h.check.maxRelError,
        decisions: h.decisions.map((d) => ({ node: d.node, choice: d.choice, format: d.format, denseUs: d.denseUs, sparseUs: d.sparseUs, reason: d.reason })),
        packed: h.sparseLayers.map((l) => ({ node: l.node, format: l.format, matrixBytes: l.matrixBytes })),
      });
    }
  } finally {
    await worker.dispose();
  }
  return rows;
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? availableParallelism());
  const batches = (process.argv[3] ?? '1,8').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'edgescope-bench-formats-'));
  try {
    const table = await breakEvenTable({ cacheDir: join(dir, 'cache'), fingerprint: 'bench', shapes: DEFAULT_SHAPES, batches, threads, recalibrate: true });
    process.stdout.write(`Sparse formats against ORT dense, ${threads} threads, kernels ${JSON.stringify(table.buildInfo)} (medians, us)\n`);
    process.stdout.write('rows x cols   batch density    dense   csr16   csr32    sell  fastest  break-even\n');
    for (const e of table.entries) {
      for (const p of e.points) {
        const t = (f: string) => p.candidates?.find((c) => c.format === f)?.sparseUs;
        const shape = `${e.rows}x${e.cols}`.padEnd(12);
        process.stdout.write(`${shape} ${String(e.batch).padStart(5)} ${`${(p.density * 100).toFixed(0)}%`.padStart(7)} ${us(p.denseUs)}${us(t('csr16'))}${us(t('csr32'))}${us(t('sell'))}  ${(p.format ?? '-').padEnd(7)}  ${(e.breakEvenDensity * 100).toFixed(1)}% (${e.crossover})\n`);
      }
    }
    const lenet = await lenetRuns(threads, dir);
    process.stdout.write('\nLeNet-300-100 pruned 90%, batch 1, hybrid in the run worker (median us per inference)\n');
    for (const r of lenet) {
      const decisions = r.decisions as { node: string; choice: string; format?: string }[];
      process.stdout.write(`${String(r.mode).padEnd(14)} ${us(r.latencyUs as number)}  ${decisions.map((d) => `${d.node}: ${d.choice}${d.format ? ` (${d.format})` : ''}`).join(', ')}\n`);
    }
    process.stdout.write(`${JSON.stringify({ threads, buildInfo: table.buildInfo, table: table.entries, lenet })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench hybrid-formats: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
