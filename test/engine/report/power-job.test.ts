/**
 * Energy from a real profile job to the exports: onnxruntime runs an FC layer in the run worker while
 * the engine's sampler reads a fake RAPL tree (EDGESCOPE_SYSFS_ROOT) whose energy counter this test
 * advances at a fixed power, and the energy table, energy.csv and report.html's section carry that
 * power and energy per inference.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { csvParseRows } from 'd3';
import { describe, expect, it } from 'vitest';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import { renderCsvFiles } from '../../../src/main/engine/report/exports/render';
import { renderPower } from '../../../src/main/engine/report/html/power-section';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import { runPower } from '../../../src/shared/power';
import { tempDir, writeTree } from '../counters/helpers';

const PACKAGE_W = 12;
const ZONE = 'class/powercap/intel-rapl:0';

describe('energy per inference from a profile job on a fake RAPL tree', () => {
  it('reaches the energy table, energy.csv and report.html with the scripted power', async () => {
    const root = writeTree(tempDir('power-job-sysfs'), {
      [`${ZONE}/name`]: 'package-0\n',
      [`${ZONE}/max_energy_range_uj`]: '262143328850\n',
      [`${ZONE}/energy_uj`]: `${'0'.repeat(15)}\n`,
    });
    const dir = tempDir('power-job');
    const modelPath = join(dir, 'fc.onnx');
    await writeModel(modelPath, buildFcLayer('fc', 256, 256, 1));
    // The package draws PACKAGE_W watts: W x 1000 uJ per elapsed millisecond. The counter is rewritten in
    // place at a fixed width, never truncated: the sampler may read it from another thread mid-update.
    const counter = openSync(join(root, ZONE, 'energy_uj'), 'r+');
    const t0 = performance.now();
    const meter = setInterval(() => writeSync(counter, `${String(Math.round((performance.now() - t0) * PACKAGE_W * 1000)).padStart(15, '0')}\n`, 0), 5);
    const saved = process.env.EDGESCOPE_SYSFS_ROOT;
    process.env.EDGESCOPE_SYSFS_ROOT = root;
    try {
      const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };
      const { report } = await runProfileJob(env, { modelPath, batch: 1, threads: 1, warmup: 1, runs: 5, minTimeMs: 1500, profiledRuns: 1 }, join(dir, 'out'));
      const run = report.variants[0].runs[0];
      const [row] = runPower(run).energy.filter((e) => e.series === 'power.rapl.package-0');
      expect(row.source).toBe(`${root}/${ZONE}/energy_uj`);
      // The counter moves in 5 ms steps read at the sampler's own instants: close to, not exactly, the power.
      expect(row.averageW!).toBeGreaterThan(PACKAGE_W * 0.8);
      expect(row.averageW!).toBeLessThan(PACKAGE_W * 1.2);
      expect(row.coverage!).toBeGreaterThan(0.5);
      const windowS = (run.timedWindow.endMs - run.timedWindow.startMs) / 1000;
      expect(row.joules!).toBeCloseTo(row.averageW! * windowS, 9);
      expect(row.joulesPerInference!).toBeCloseTo(row.joules! / run.latenciesMs.length, 12);

      const csv = csvParseRows(renderCsvFiles(report).find((f) => f.name === 'energy.csv')!.content);
      const packageRow = csv.find((r) => r[2] === 'power.rapl.package-0')!;
      expect(packageRow.slice(0, 2)).toEqual(['dense', 'cpu']);
      expect(Number(packageRow[6])).toBeCloseTo(row.joulesPerInference! * 1000, 9);
      expect(renderPower(report).value).toContain('power.rapl.package-0');
      // The frequency and temperature series are missing from this tree: the verdict says why.
      expect(runPower(run).throttling).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/^unavailable: no cpufreq in sysfs/) });
    } finally {
      clearInterval(meter);
      closeSync(counter);
      if (saved === undefined) delete process.env.EDGESCOPE_SYSFS_ROOT;
      else process.env.EDGESCOPE_SYSFS_ROOT = saved;
    }
  }, 300_000);
});
