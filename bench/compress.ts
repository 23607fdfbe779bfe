/**
 * Benchmark: structured pruning, thinning and the whole compress pipeline on a
 * 138.3M-parameter VGG16-sized fully connected stack (the shapes of bench/quantize.ts:
 * 25088x4096, 4096x4096, 4096x3680, 3680x1000, He-uniform weights from a fixed seed).
 *
 * Each case runs in a child process that only builds the model and runs that case, so its
 * peak RSS (process.resourceUsage().maxRSS) is the case's own; the ratio is to the fp32
 * weight bytes (553 MB). Cases:
 *   prune:<granularity>  pruneLayers in place at 90% (nm:2:4 at its own 50%) on every layer
 *   thin                 rows pruned 50%, then thinModel
 *   pipeline             compressModel: prune 90% element + int8-dynamic, the model handed over
 *                        (consumeInput: pruned in place, as compress does after reading the file)
 * The target for prune + int8 is under 5 s and under 2.5x the weight bytes.
 *
 *   npm run build:node && node dist/node/bench/compress.js [--cases prune:element,thin,...]
 */
import { spawnSync } from 'node:child_process';
import { compressModel } from '../src/main/engine/compress/compress-model';
import { parseGranularity, pruneLayers } from '../src/main/engine/compress/granularity';
import { thinModel } from '../src/main/engine/compress/thin';
import { buildModel, floatTensor, node, valueInfo } from '../src/main/engine/model/graph-builder';
import type { onnx } from '../src/main/engine/model/onnx-io';
import { SeededRandom } from '../src/shared/random';

const STACK: [number, number][] = [
  [25088, 4096],
  [4096, 4096],
  [4096, 3680],
  [3680, 1000],
];
const PARAMS = STACK.reduce((s, [a, b]) => s + a * b, 0);
const CASES = ['prune:element', 'prune:row', 'prune:column', 'prune:block:4x4', 'prune:nm:2:4', 'thin', 'pipeline'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** MatMul -> Relu chain (Relu so that thinning has a chain to follow). */
function vggStack(): onnx.ModelProto {
  const rng = new SeededRandom(16);
  const initializers: onnx.ITensorProto[] = [];
  const nodes: onnx.INodeProto[] = [];
  let x = 'x';
  STACK.forEach(([fin, fout], l) => {
    const w = new Float32Array(fin * fout);
    const bound = Math.sqrt(6 / fin);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * bound;
    initializers.push(floatTensor(`fc${l}.weight`, [fin, fout], w));
    const last = l === STACK.length - 1;
    nodes.push(node('MatMul', [x, `fc${l}.weight`], [last ? 'y' : `fc${l}.mm`], `fc${l}`));
    if (!last) nodes.push(node('Relu', [`fc${l}.mm`], [`fc${l}.out`], `relu${l}`));
    x = `fc${l}.out`;
  });
  return buildModel({
    name: 'vgg16-fc-stack',
    nodes,
    initializers,
    inputs: [valueInfo('x', ['batch', STACK[0][0]])],
    outputs: [valueInfo('y', ['batch', STACK[STACK.length - 1][1]])],
  });
}

const layers = STACK.map((_, l) => `fc${l}.weight`);

async function child(name: string): Promise<void> {
  const model = vggStack();
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let detail = '';
  if (name.startsWith('prune:')) {
    const granularity = parseGranularity(name.slice('prune:'.length));
    const sparsity = granularity.kind === 'nm' ? 1 - granularity.n / granularity.m : 0.9;
    const result = pruneLayers(model, layers.map((layer) => ({ layer, sparsity, granularity })), { inPlace: true });
    detail = `sparsity ${result.sparsity.toFixed(4)}`;
  } else if (name === 'thin') {
    const pruned = pruneLayers(model, layers.map((layer) => ({ layer, sparsity: 0.5, granularity: { kind: 'row' } as const })), { inPlace: true });
    const mid = process.hrtime.bigint();
    const thinned = thinModel(pruned.model);
    detail = `prune ${(Number(mid - start) / 1e9).toFixed(2)} s, thin ${(Number(process.hrtime.bigint() - mid) / 1e9).toFixed(2)} s; removed ${thinned.layers.map((l) => l.removed).join('/')}`;
  } else if (name === 'pipeline') {
    const result = await compressModel(
      model,
      { prune: { sparsity: 0.9, granularity: { kind: 'element' } }, quantize: { mode: 'int8-dynamic' }, consumeInput: true },
      { runWorker: () => Promise.reject(new Error('not needed')) },
    );
    detail = `stages ${result.stages.join('+')}, ${result.quantization!.filter((q) => q.quantized).length} layers quantized`;
  } else throw new Error(`unknown case ${name} (cases: ${CASES.join(', ')})`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({ name, seconds, cpuSeconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, rssAfterBuildBytes: rssBefore, detail }));
}

function main(): void {
  const weightBytes = PARAMS * 4;
  const cases = arg('cases')?.split(',') ?? CASES;
  console.log(`compress benchmark: ${(PARAMS / 1e6).toFixed(1)}M params (${(weightBytes / 2 ** 20).toFixed(0)} MiB fp32), one child process per case`);
  let failed = false;
  for (const name of cases) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', __filename, '--child', name], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      console.log(`  ${name.padEnd(18)} FAILED: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      failed = true;
      continue;
    }
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const ratio = m.maxRssBytes / weightBytes;
    const target = name === 'pipeline' ? ` (target < 5 s, < 2.5x: ${m.seconds < 5 && ratio < 2.5 ? 'PASS' : 'FAIL'})` : '';
    console.log(`  ${name.padEnd(18)} ${m.seconds.toFixed(2)} s (CPU ${m.cpuSeconds.toFixed(2)} s), peak RSS ${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB = ${ratio.toFixed(2)}x weights; ${m.detail}${target}`);
    console.log(JSON.stringify({ benchmark: 'compress', ...m, weightBytes, rssRatio: ratio }));
  }
  if (failed) process.exitCode = 1;
}

if (process.argv.includes('--child')) {
  child(process.argv[process.argv.indexOf('--child') + 1]).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else main();
