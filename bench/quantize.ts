/**
 * Benchmark: what the quantized variants buy at run time. int8-dynamic, int8-weight and
 * int4-weight variants of EIE's FC layers vs fp32 ORT dense at batch 1 on the CPU EP:
 * medians over rounds of timed runs in the run worker, the variants alternating within each
 * round, speedup = fp32 median / variant median. (The speed of pruning + quantizing itself,
 * on a 138M-parameter model, is bench/compress.ts's `pipeline` case.)
 *
 *   npm run build:node && node dist/node/bench/quantize.js [--layers id,id] [--rounds N] [--runs N] [--threads N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/main/engine/analysis/stats';
import { quantizeModel, type QuantizeMode } from '../src/main/engine/compress/quantize';
import { buildFcLayer, EIE_LAYERS } from '../src/main/engine/model/demo-models';
import { writeModel } from '../src/main/engine/model/onnx-io';
import type { RunSpec } from '../src/main/engine/run/messages';
import { RunWorker } from '../src/main/engine/run/runner';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const VARIANTS: ('fp32' | QuantizeMode)[] = ['fp32', 'int8-dynamic', 'int8-weight', 'int4-weight'];

async function main(): Promise<void> {
  const ids = arg('layers')?.split(',');
  const layers = EIE_LAYERS.filter((l) => !ids || ids.includes(l.id));
  const rounds = Number(arg('rounds') ?? 5);
  const runs = Number(arg('runs') ?? 30);
  const threads = Number(arg('threads') ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'edgescope-bench-quantize-'));
  const worker = await RunWorker.start();
  console.log(`EIE FC layers, batch 1, cpu EP, ${threads} threads, median of ${rounds} rounds x ${runs} runs (us); speedup vs fp32`);
  try {
    for (const [i, layer] of layers.entries()) {
      const fp32 = buildFcLayer(layer.id, layer.inFeatures, layer.outFeatures, 1000 + i);
      const paths = new Map<string, string>();
      for (const v of VARIANTS) {
        const model = v === 'fp32' ? fp32 : (await quantizeModel(fp32, { mode: v }, { runWorker: () => Promise.reject(new Error('not needed')) })).model;
        const path = join(dir, `${layer.id}.${v}.onnx`);
        await writeModel(path, model);
        paths.set(v, path);
      }
      const medians = new Map<string, number[]>(VARIANTS.map((v) => [v, []]));
      for (let r = 0; r < rounds; r++) {
        // Alternate the order so drift in the machine's state does not favour one variant.
        for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          const spec: RunSpec = {
            modelPath: paths.get(v)!,
            ep: 'cpu',
            threads,
            graphOptimizationLevel: 'all',
            inputs: [{ name: 'x', dtype: 'float32', dims: [1, layer.inFeatures] }],
            seed: 1,
            warmupRuns: 5,
            timedRuns: runs,
            minTimeMs: 0,
            profiledRuns: 0,
            profileDir: dir,
            returnOutputs: false,
            clockOriginNs: process.hrtime.bigint().toString(),
          };
          medians.get(v)!.push(median((await worker.run(spec)).latenciesMs) * 1000);
        }
      }
      const us = new Map(VARIANTS.map((v) => [v, median(medians.get(v)!)]));
      const base = us.get('fp32')!;
      const weightMiB = (layer.inFeatures * layer.outFeatures * 4) / 2 ** 20;
      const cells = VARIANTS.map((v) => (v === 'fp32' ? `fp32 ${base.toFixed(0)}` : `${v} ${us.get(v)!.toFixed(0)} (${(base / us.get(v)!).toFixed(2)}x)`));
      console.log(`  ${layer.title.padEnd(12)} ${layer.inFeatures}x${layer.outFeatures} (${weightMiB.toFixed(0)} MiB fp32): ${cells.join(', ')}`);
      console.log(JSON.stringify({ benchmark: 'quantize-eie', layer: layer.id, weightMiB, medianUs: Object.fromEntries(us), speedup: Object.fromEntries(VARIANTS.map((v) => [v, base / us.get(v)!])) }));
    }
  } finally {
    await worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
