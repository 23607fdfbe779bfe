/**
 * Benchmark: quantization speed and what the quantized variants buy at run time.
 *
 * (a) Prune 90% + int8-dynamic of a 138.3M-parameter VGG16-sized fully connected stack:
 *     VGG16's classifier (25088x4096, 4096x4096, 4096x1000 = 123.6M) with one more
 *     4096x3680 layer standing in for VGG16's 14.7M convolution parameters, its output
 *     feeding a 3680x1000 last layer (4096x3680 + 3680x1000 = 18.8M replace 4096x1000 =
 *     4.1M). Targets: under 5 s, peak RSS under 2.5x the fp32 weight bytes. It runs in a
 *     child process that does only that job, and the peak is that process's
 *     process.resourceUsage().maxRSS (the weights are generated in that process too).
 *     Pruning is prune.ts's own kernel (zeroSmallest) applied in place to each layer, as
 *     pruneModel does after copying: a copy of 552 MB of weights would itself use 1x of the
 *     2.5x budget.
 * (b) int8-dynamic, int8-weight and int4-weight variants of EIE's FC layers vs fp32 ORT
 *     dense at batch 1 on the CPU EP: medians over rounds of timed runs in the run worker,
 *     the variants alternating within each round, speedup = fp32 median / variant median.
 *
 *   npm run build:node && node dist/node/bench/quantize.js [--part a|b] [--layers id,id] [--rounds N] [--runs N] [--threads N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/main/engine/analysis/stats';
import { zeroSmallest } from '../src/main/engine/compress/prune';
import { quantizeModel, type QuantizeMode } from '../src/main/engine/compress/quantize';
import { buildFcLayer, EIE_LAYERS } from '../src/main/engine/model/demo-models';
import { buildModel, floatTensor, node, valueInfo } from '../src/main/engine/model/graph-builder';
import { floatValues, onnx, writeModel } from '../src/main/engine/model/onnx-io';
import type { RunSpec } from '../src/main/engine/run/messages';
import { RunWorker } from '../src/main/engine/run/runner';
import { SeededRandom } from '../src/shared/random';

const TARGET_SECONDS = 5;
const TARGET_RSS_RATIO = 2.5;
const VGG_STACK: [number, number][] = [
  [25088, 4096],
  [4096, 4096],
  [4096, 3680],
  [3680, 1000],
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Uniform weights in +-sqrt(6 / fan-in) (He-uniform): fast to generate, same magnitudes as He-normal. */
function vggStack(): onnx.ModelProto {
  const rng = new SeededRandom(16);
  const initializers: onnx.ITensorProto[] = [];
  const nodes: onnx.INodeProto[] = [];
  let x = 'x';
  VGG_STACK.forEach(([fin, fout], l) => {
    const w = new Float32Array(fin * fout);
    const bound = Math.sqrt(6 / fin);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * bound;
    initializers.push(floatTensor(`fc${l}.weight`, [fin, fout], w));
    const y = l === VGG_STACK.length - 1 ? 'y' : `fc${l}.out`;
    nodes.push(node('MatMul', [x, `fc${l}.weight`], [y], `fc${l}`));
    x = y;
  });
  return buildModel({
    name: 'vgg16-fc-stack',
    nodes,
    initializers,
    inputs: [valueInfo('x', ['batch', VGG_STACK[0][0]])],
    outputs: [valueInfo('y', ['batch', VGG_STACK[VGG_STACK.length - 1][1]])],
  });
}

/** Part (a)'s child: build, then time prune + quantize; one JSON line on stdout. */
async function childA(): Promise<void> {
  const model = vggStack();
  const params = VGG_STACK.reduce((s, [a, b]) => s + a * b, 0);
  const start = process.hrtime.bigint();
  for (const t of model.graph!.initializer!) {
    const w = floatValues(t);
    zeroSmallest(w, Math.round(0.9 * w.length));
  }
  const pruned = process.hrtime.bigint();
  const result = await quantizeModel(model, { mode: 'int8-dynamic' }, { runWorker: () => Promise.reject(new Error('not needed')) });
  const end = process.hrtime.bigint();
  console.log(
    JSON.stringify({
      params,
      weightBytes: params * 4,
      pruneSeconds: Number(pruned - start) / 1e9,
      quantizeSeconds: Number(end - pruned) / 1e9,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      quantizedLayers: result.layers.filter((l) => l.quantized).length,
    }),
  );
}

function partA(): boolean {
  const r = spawnSync(process.execPath, [__filename, '--child-a'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`part (a) child failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const seconds = m.pruneSeconds + m.quantizeSeconds;
  const rssRatio = m.maxRssBytes / m.weightBytes;
  const pass = seconds < TARGET_SECONDS && rssRatio < TARGET_RSS_RATIO;
  console.log(
    `(a) prune 90% + int8-dynamic, ${(m.params / 1e6).toFixed(1)}M params (${(m.weightBytes / 2 ** 20).toFixed(0)} MiB fp32): ` +
      `${seconds.toFixed(2)} s (prune ${m.pruneSeconds.toFixed(2)} + quantize ${m.quantizeSeconds.toFixed(2)}; target < ${TARGET_SECONDS} s), ` +
      `peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB = ${rssRatio.toFixed(2)}x weights (target < ${TARGET_RSS_RATIO}x) ${pass ? 'PASS' : 'FAIL'}`,
  );
  console.log(JSON.stringify({ benchmark: 'quantize-vgg-stack', ...m, seconds, rssRatio, pass }));
  return pass;
}

const VARIANTS: ('fp32' | QuantizeMode)[] = ['fp32', 'int8-dynamic', 'int8-weight', 'int4-weight'];

async function partB(): Promise<void> {
  const ids = arg('layers')?.split(',');
  const layers = EIE_LAYERS.filter((l) => !ids || ids.includes(l.id));
  const rounds = Number(arg('rounds') ?? 5);
  const runs = Number(arg('runs') ?? 30);
  const threads = Number(arg('threads') ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'edgescope-bench-quantize-'));
  const worker = await RunWorker.start();
  console.log(`(b) EIE FC layers, batch 1, cpu EP, ${threads} threads, median of ${rounds} rounds x ${runs} runs (us); speedup vs fp32`);
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

async function main(): Promise<void> {
  if (process.argv.includes('--child-a')) return childA();
  const part = arg('part');
  let pass = true;
  if (!part || part === 'a') pass = partA();
  if (!part || part === 'b') await partB();
  if (!pass) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
