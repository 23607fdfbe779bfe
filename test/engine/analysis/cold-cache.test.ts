/**
 * Cold-cache mode: the flush itself, the cold-vs-warm arithmetic on known numbers, and real
 * onnxruntime runs in the run worker (a batch-1 matrix-vector product whose 16 MiB of weights
 * fit in this machine's last-level cache when warm).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CacheFlusher,
  coldCacheFlushBytes,
  coldCacheReport,
  isColdProfiledRun,
} from '../../../src/main/engine/analysis/cold-cache';
import { lastLevelCacheBytes, readLinuxCaches } from '../../../src/main/engine/machine/machine-info';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { defaultWorkerScriptPath, RunWorker } from '../../../src/main/engine/run/runner';
import { aggregateOps, parseTrace, readTraceFile, type AggregatedOp } from '../../../src/main/engine/trace/ort-trace';
import { reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import { parseCommand } from '../../../src/main/cli/args';
import { validateProfileRequest } from '../../../src/shared/api-validate';
import { tempDir } from '../../helpers';

const MiB = 1024 * 1024;
const dir = tempDir('cold-cache');

function aggregated(name: string, durUsPerRun: number[]): AggregatedOp {
  return { name, opType: 'MatMul', provider: 'CPUExecutionProvider', durUs: 0, durUsPerRun, startOffsetUs: 0, timing: 'host', sample: {} as AggregatedOp['sample'] };
}

describe('cold-cache flush', () => {
  it('sizes the flush at 3x the last-level cache', () => {
    expect(coldCacheFlushBytes(32 * MiB)).toBe(96 * MiB);
    expect(coldCacheFlushBytes(0)).toBe(96 * MiB); // unknown LLC: a large desktop LLC assumed
  });

  it('reads one word of every cache line of the buffer on each flush', () => {
    const flusher = new CacheFlusher(8 * MiB);
    const ms = flusher.flush();
    expect(ms).toBeGreaterThan(0);
    expect(flusher.readChecksum).toBe((8 * MiB) / 64);
    flusher.flush();
    expect(flusher.readChecksum).toBe((2 * 8 * MiB) / 64);
    expect(() => new CacheFlusher(10)).toThrow(RangeError);
  });

  it('alternates profiled runs warm, cold, warm, ...', () => {
    expect([0, 1, 2, 3].map(isColdProfiledRun)).toEqual([false, true, false, true]);
  });
});

describe('coldCacheReport', () => {
  it('gives cold, warm and cold - warm per op from medians, in the run\'s op order', () => {
    const report = coldCacheReport({
      opNames: ['conv', 'fc', 'relu'],
      warm: [aggregated('fc', [100, 110, 90]), aggregated('conv', [50, 50, 52]), aggregated('relu', [5, 5, 5])],
      cold: [aggregated('fc', [300, 310, 290]), aggregated('conv', [48, 49, 47]), aggregated('relu', [5, 5, 5])],
      info: { flushBytes: 96 * MiB, flushMs: [12, 10, 11, 30], profiledCold: [false, true, false, true, false, true] },
      lastLevelCacheBytes: 32 * MiB,
    });
    expect(report).toMatchObject({ flushBytes: 96 * MiB, lastLevelCacheBytes: 32 * MiB, flushes: 4, flushMedianMs: 11.5, warmRuns: 3, coldRuns: 3 });
    expect(report.ops.map(({ pValue, ...rest }) => rest)).toEqual([
      // Cold faster than warm is noise, not negative DRAM time: clamped at 0.
      { op: 0, name: 'conv', warmUs: 50, coldUs: 48, dramUs: 0, dramShare: 0 },
      { op: 1, name: 'fc', warmUs: 100, coldUs: 300, dramUs: 200, dramShare: 200 / 300 },
      { op: 2, name: 'relu', warmUs: 5, coldUs: 5, dramUs: 0, dramShare: 0 },
    ]);
    // 3 vs 3 fully separated samples: the exact two-sided p-value is 2 / C(6, 3) = 0.1.
    expect(report.ops[1].pValue).toBeCloseTo(0.1, 12);
    expect(report.totals).toEqual({ warmUs: 155, coldUs: 353, dramUs: 200 });
  });

  it('leaves out the p-value under 3 runs a side, and ops missing from a half', () => {
    const report = coldCacheReport({
      opNames: ['a', 'b'],
      warm: [aggregated('a', [1, 2])],
      cold: [aggregated('a', [3, 4]), aggregated('b', [1, 1, 1])],
      info: { flushBytes: 64, flushMs: [], profiledCold: [false, true] },
      lastLevelCacheBytes: 0,
    });
    expect(report.ops).toEqual([{ op: 0, name: 'a', warmUs: 1.5, coldUs: 3.5, dramUs: 2, dramShare: 2 / 3.5, pValue: null }]);
    expect(report.flushMedianMs).toBe(0);
  });
});

const llcBytes = lastLevelCacheBytes(readLinuxCaches());
/** 2048 x 2048 fp32 = 16 MiB of weights: in the LLC when warm (if it holds 32 MiB), in DRAM after a flush. */
const FC = { inFeatures: 2048, outFeatures: 2048 };

function fcSpec(modelPath: string, overrides: Partial<RunSpec>): RunSpec {
  return {
    modelPath,
    ep: 'cpu',
    threads: 1,
    graphOptimizationLevel: 'all',
    inputs: [{ name: 'x', dtype: 'float32', dims: [1, FC.inFeatures] }],
    seed: 1,
    warmupRuns: 3,
    timedRuns: 10,
    minTimeMs: 0,
    profiledRuns: 12,
    profileDir: dir,
    returnOutputs: false,
    clockOriginNs: process.hrtime.bigint().toString(),
    ...overrides,
  };
}

describe('cold-cache mode in the run worker (real onnxruntime)', () => {
  it('flushes before each timed and each cold profiled run, outside the latencies, and cold is not faster than warm', async () => {
    const modelPath = join(dir, 'fc-2048.onnx');
    await writeModel(modelPath, buildFcLayer('fc', FC.inFeatures, FC.outFeatures, 3));
    const flushBytes = coldCacheFlushBytes(llcBytes);
    const worker = await RunWorker.start();
    try {
      const result = await worker.run(fcSpec(modelPath, { coldCacheFlushBytes: flushBytes }));
      const info = result.coldCache!;
      expect(info.flushBytes).toBe(flushBytes);
      // The worker reports every flush: one per timed run, one per cold profiled run.
      expect(result.latenciesMs).toHaveLength(10);
      expect(info.flushMs).toHaveLength(10 + 12);
      expect(info.flushMs.every((ms) => ms > 0)).toBe(true);
      expect(info.profiledCold).toEqual(Array.from({ length: 24 }, (_, i) => i % 2 === 1));
      expect(result.profiledWindows).toHaveLength(24);
      // The flushes happened inside the timed window but outside every latency.
      const timedWindowMs = result.timedWindow.endMs - result.timedWindow.startMs;
      const timedFlushMs = info.flushMs.slice(0, 10).reduce((s, v) => s + v, 0);
      expect(timedWindowMs).toBeGreaterThanOrEqual(result.latenciesMs.reduce((s, v) => s + v, 0) + timedFlushMs);

      const trace = parseTrace(readTraceFile(result.profilePath!));
      const profiled = trace.runs.slice(1);
      expect(profiled).toHaveLength(24);
      const warm = aggregateOps(profiled.filter((_, r) => !info.profiledCold[r]));
      const cold = aggregateOps(profiled.filter((_, r) => info.profiledCold[r]));
      const report = coldCacheReport({ opNames: warm.map((o) => o.name), warm, cold, info, lastLevelCacheBytes: llcBytes });
      const fc = report.ops.find((o) => o.name === 'fc')!;
      expect(fc.pValue).not.toBeNull();
      const context = `warm ${fc.warmUs} us, cold ${fc.coldUs} us, p ${fc.pValue}, flush ${report.flushMedianMs.toFixed(1)} ms of ${flushBytes / MiB} MiB`;
      // Not significantly faster when cold (the load on this shared machine makes both noisy).
      expect(fc.coldUs >= fc.warmUs || fc.pValue! >= 0.05, context).toBe(true);
      expect(fc.dramShare).toBeGreaterThanOrEqual(0);
      expect(fc.dramShare).toBeLessThan(1);
    } finally {
      await worker.dispose();
    }
  }, 120_000);

  it('runs no flush without cold-cache mode', async () => {
    const modelPath = join(dir, 'fc-small.onnx');
    await writeModel(modelPath, buildFcLayer('fc', 64, 64, 3));
    const worker = await RunWorker.start();
    try {
      const result = await worker.run(fcSpec(modelPath, { inputs: [{ name: 'x', dtype: 'float32', dims: [1, 64] }], profiledRuns: 2 }));
      expect(result.coldCache).toBeUndefined();
      expect(result.profiledWindows).toHaveLength(2);
    } finally {
      await worker.dispose();
    }
  });
});

describe('cold-cache mode in a profile job', () => {
  it('reports cold and warm per op next to the warm op table', async () => {
    const modelPath = join(dir, 'fc-job.onnx');
    await writeModel(modelPath, buildFcLayer('fc', FC.inFeatures, FC.outFeatures, 4));
    const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };
    const { report } = await runProfileJob(
      env,
      { modelPath, batch: 1, threads: 1, warmup: 2, runs: 5, profiledRuns: 6, coldCache: true },
      join(dir, 'out-job'),
    );
    expect(report.settings.coldCache).toBe(true);
    const run = report.variants[0].runs[0];
    const cc = run.coldCache!;
    expect(cc.lastLevelCacheBytes).toBe(run.ceilings.lastLevelCacheBytes);
    expect(cc.flushBytes).toBe(coldCacheFlushBytes(run.ceilings.lastLevelCacheBytes));
    expect(cc).toMatchObject({ warmRuns: 6, coldRuns: 6, flushes: run.latenciesMs.length + 6 });
    expect(cc.ops.map((o) => run.ops[o.op].name)).toEqual(cc.ops.map((o) => o.name));
    const fc = cc.ops.find((o) => o.name === 'fc')!;
    // The op table holds the warm runs.
    expect(run.ops[fc.op].durUsPerRun).toHaveLength(6);
    expect(fc.dramUs).toBeCloseTo(Math.max(0, fc.coldUs - fc.warmUs), 9);
    // Spans cover all 12 profiled runs.
    expect(new Set(run.spans.map((s) => s.run)).size).toBe(12);
    // Power and throttling fields say why they are unavailable on this VM (no RAPL, battery, GPU, cpufreq).
    expect(run.energy!.length).toBeGreaterThan(0);
    for (const e of run.energy!) expect(e.joulesPerInference !== undefined || e.unavailable?.startsWith('unavailable: ')).toBe(true);
    expect(run.throttling).toBeDefined();
    expect(reportSchemaErrors(report)).toEqual([]);
  }, 300_000);
});

describe('asking for cold-cache mode', () => {
  it('is --cold-cache on the command line and coldCache in a request', () => {
    const command = parseCommand(['profile', 'model.onnx', '--cold-cache']);
    expect(command).toMatchObject({ command: 'profile', request: { coldCache: true } });
    expect(parseCommand(['profile', 'model.onnx'])).not.toHaveProperty('request.coldCache');
    expect(validateProfileRequest({ modelPath: 'm.onnx', coldCache: true })).toEqual({ modelPath: 'm.onnx', coldCache: true });
    expect(() => validateProfileRequest({ modelPath: 'm.onnx', coldCache: 'yes' })).toThrow(/'coldCache' must be a boolean/);
  });
});
