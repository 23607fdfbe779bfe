/**
 * Does the DRAM bandwidth edgescope measures agree with a STREAM triad measured the same way?
 *
 * The ceilings (src/main/engine/machine/ceilings.ts) time an ONNX Add c = a + b over arrays of
 * max(32 Mi, LLC) floats each, from onnxruntime's profiler kernel times, best of N, counting 12 bytes
 * per element (two reads and a write; the write-allocate read uncounted, as STREAM does). Here the
 * triad c = a + s * b is an ONNX graph on arrays of the same size, run and timed the same way: in the
 * run worker, on the CPU EP with all the machine's cores, the kernel times of a profiled run summed.
 *
 * onnxruntime has no fused multiply-add for tensors, so the triad runs as two kernels, Mul (t = s * b:
 * 8 B/element) and Add (c = a + t: 12 B/element): 20 B/element really move, against STREAM's 12 for its
 * single fused loop. Both figures are printed; the comparison with the Add ceiling uses the bytes that
 * moved (that is what a bandwidth is), and STREAM's convention is shown beside it.
 *
 * The Add and the triad are measured in alternating rounds in one worker, so both see the same
 * neighbours; the medians over rounds of each round's best are reported, with their ratio.
 *
 * Run: npx tsc -p tsconfig.node.json && node dist/node/bench/stream-triad.js
 * Prints one JSON line, then one line for people. Goal: the triad within 20% of the ceiling's bandwidth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/main/engine/analysis/stats';
import { engineEnv } from '../src/main/engine/engine';
import { constantInput, readCachedEntry, streamModel } from '../src/main/engine/machine/ceilings';
import { lastLevelCacheBytes, machineInventory } from '../src/main/engine/machine/machine-info';
import { buildModel, floatTensor, node, valueInfo } from '../src/main/engine/model/graph-builder';
import { writeModel } from '../src/main/engine/model/onnx-io';
import type { RunSpec } from '../src/main/engine/run/messages';
import { RunWorker } from '../src/main/engine/run/runner';
import { parseTrace, readTraceFile } from '../src/main/engine/trace/ort-trace';
import type { Ceilings } from '../src/shared/report';

const ROUNDS = 5;
const PROFILED_RUNS = 8;
const SCALAR = 3;
const GOAL = 0.2;
/** Bytes per element each kernel moves (float32; write-allocate reads not counted). */
const ADD_BYTES = 12;
const MUL_BYTES = 8;
const STREAM_TRIAD_BYTES = 12;

function triadModel(): ReturnType<typeof buildModel> {
  return buildModel({
    name: 'stream-triad',
    nodes: [node('Mul', ['b', 's'], ['t'], 'triad_scale'), node('Add', ['a', 't'], ['c'], 'triad_add')],
    initializers: [floatTensor('s', [1], new Float32Array([SCALAR]))],
    inputs: [valueInfo('a', ['n']), valueInfo('b', ['n'])],
    outputs: [valueInfo('c', ['n'])],
  });
}

/** Per profiled run, the sum of its kernel times, µs (the profiling session's own first run left out). */
async function runKernelSumsUs(worker: RunWorker, spec: RunSpec): Promise<number[]> {
  const result = await worker.run(spec);
  const trace = parseTrace(readTraceFile(result.profilePath!));
  await rm(result.profilePath!, { force: true });
  return trace.runs.slice(1).map((r) => r.kernels.reduce((sum, k) => sum + k.durUs, 0));
}

async function main(): Promise<void> {
  const env = engineEnv();
  const machine = await machineInventory();
  const llc = lastLevelCacheBytes(machine.caches);
  const elements = Math.max(32 * 1024 * 1024, Math.ceil(llc)); // as ceilings.ts: each array >= 4x the LLC in bytes
  const threads = machine.cores;
  const dir = mkdtempSync(join(tmpdir(), 'edgescope-triad-'));
  const worker = await RunWorker.start(env.workerScriptPath);
  try {
    const triadPath = join(dir, 'triad.onnx');
    const addPath = join(dir, 'add.onnx');
    await writeModel(triadPath, triadModel());
    await writeModel(addPath, streamModel());
    const spec = (modelPath: string): RunSpec => ({
      modelPath,
      ep: 'cpu',
      threads,
      graphOptimizationLevel: 'all',
      inputs: [constantInput('a', [elements]), constantInput('b', [elements])],
      seed: 1,
      warmupRuns: 2,
      timedRuns: 1,
      minTimeMs: 0,
      profiledRuns: PROFILED_RUNS,
      profileDir: dir,
      returnOutputs: false,
      clockOriginNs: process.hrtime.bigint().toString(),
    });
    const addBest: number[] = [];
    const triadBest: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      addBest.push(Math.min(...(await runKernelSumsUs(worker, spec(addPath)))));
      triadBest.push(Math.min(...(await runKernelSumsUs(worker, spec(triadPath)))));
    }
    const addUs = median(addBest);
    const triadUs = median(triadBest);
    const addBandwidth = (ADD_BYTES * elements) / (addUs / 1e6);
    const triadBandwidth = ((ADD_BYTES + MUL_BYTES) * elements) / (triadUs / 1e6);
    const triadStreamConvention = (STREAM_TRIAD_BYTES * elements) / (triadUs / 1e6);
    const ratio = triadBandwidth / addBandwidth;
    const cached = readCachedEntry<Ceilings>(env.cacheDir, 'ceilings', machine.fingerprint, 'cpu', threads);
    const result = {
      elements,
      arrayBytes: elements * 4,
      threads,
      rounds: ROUNDS,
      addKernelUs: addUs,
      triadKernelsUs: triadUs,
      addBandwidthBytesPerSec: addBandwidth,
      triadBandwidthBytesPerSec: triadBandwidth,
      triadStreamConventionBytesPerSec: triadStreamConvention,
      triadOverAdd: ratio,
      cachedCeilingBytesPerSec: cached?.memoryBandwidthBytesPerSec ?? null,
      goal: GOAL,
      pass: Math.abs(ratio - 1) <= GOAL,
    };
    console.log(JSON.stringify(result));
    const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB/s`;
    console.log(
      `DRAM bandwidth, ${threads} threads, arrays of ${(elements * 4) / 2 ** 20} MiB: Add ceiling ${gb(addBandwidth)}; ` +
        `triad ${gb(triadBandwidth)} (${(ratio * 100).toFixed(0)}% of the ceiling; ${gb(triadStreamConvention)} in STREAM's 12 B/element)` +
        `${cached ? `; the profile's cached ceiling ${gb(cached.memoryBandwidthBytesPerSec)}` : ''} -> within ${GOAL * 100}%: ${result.pass ? 'yes' : 'NO'}`,
    );
  } finally {
    await worker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
