/**
 * EIE's CPU table reproduced: the same measurement as `edgescope bench eie` (onnxruntime
 * dense in the run worker vs the native sparse kernels in the sparse timing process, equal
 * threads), all nine layers at batch 1 and 64, plus each layer's sparse bandwidth as a
 * fraction of this machine's measured DRAM bandwidth when `edgescope machine` has cached it.
 * Each layer also runs in EIE's own format (`eieFormat`: 4-bit relative indices into 16 k-means
 * shared weights) against ORT dense on the weight-shared matrix; bench/eie-format.ts compares that
 * kernel with CSR16 alone.
 *
 * Run on a quiet machine: npx tsc -p tsconfig.node.json && node dist/node/bench/eie.js [THREADS]
 * Prints the table, then one JSON line (the `bench eie --json` result plus the goal checks).
 * Goals (issue 5): batch 1, density <= 11%: speedup >= EIE's CPU speedup; sparse bandwidth
 * >= 50% of the machine's DRAM bandwidth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatEieBench, GOAL_MAX_DENSITY } from '../src/main/cli/bench-command';
import { engineEnv } from '../src/main/engine/engine';
import { readCachedEntry } from '../src/main/engine/machine/ceilings';
import type { MachineCharacterization } from '../src/main/engine/machine/characterization';
import { machineInventory } from '../src/main/engine/machine/machine-info';
import { runEieBench } from '../src/main/engine/sparse/eie-bench';

const BANDWIDTH_GOAL = 0.5;

/** The DRAM bandwidth `edgescope machine` cached for this thread count, if any (never measured here). */
async function cachedDramBandwidth(cacheDir: string, threads: number): Promise<number | undefined> {
  const { fingerprint } = await machineInventory();
  return readCachedEntry<MachineCharacterization>(cacheDir, 'machine', fingerprint, 'cpu', threads)?.dramBandwidthBytesPerSec;
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? availableParallelism());
  const env = engineEnv();
  const workDir = mkdtempSync(join(tmpdir(), 'edgescope-bench-eie-'));
  try {
    const result = await runEieBench({ batches: [1, 64], threads, workDir, workerScriptPath: env.workerScriptPath });
    const dram = await cachedDramBandwidth(env.cacheDir, threads);
    const batch1 = result.layers.filter((l) => l.batch === 1);
    const goalLayers = batch1.filter((l) => l.density <= GOAL_MAX_DENSITY + 1e-9);
    const checks = {
      speedupGoalMet: goalLayers.filter((l) => l.eieCpuSpeedup !== null && l.speedup >= l.eieCpuSpeedup).map((l) => l.name),
      speedupGoalMissed: goalLayers.filter((l) => l.eieCpuSpeedup !== null && l.speedup < l.eieCpuSpeedup).map((l) => l.name),
      dramBandwidthBytesPerSec: dram ?? null,
      // The bandwidth goal is about streaming from DRAM: layers whose sparse matrix fits the cache are listed apart.
      bandwidthFractionOfDram: dram
        ? Object.fromEntries(batch1.map((l) => [`${l.name} (${l.sparseRegime})`, l.sparseBandwidthBytesPerSec / dram]))
        : null,
      bandwidthGoal: BANDWIDTH_GOAL,
    };
    process.stdout.write(`${formatEieBench(result)}\n`);
    if (!dram) process.stdout.write("no cached DRAM bandwidth for this thread count: run 'edgescope machine --threads N' first\n");
    process.stdout.write(`${JSON.stringify({ ...result, checks })}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench eie: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
