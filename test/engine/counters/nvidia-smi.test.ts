import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  integrateEnergy,
  NVIDIA_SMI_FIELDS,
  NvidiaSmiSession,
  parseNvidiaSmiRow,
} from '../../../src/main/engine/trace/counters/nvidia-smi';
import { startSampler } from '../../../src/main/engine/trace/counters';
import { FIXTURES, fixtureText, sleep, tempDir, waitFor } from './helpers';

/** A directory holding an executable `nvidia-smi` that runs the fake, and the env that puts it first on PATH. */
function fakeNvidiaSmiOnPath(env: Record<string, string>): { env: NodeJS.ProcessEnv; argsFile: string } {
  const bin = tempDir('nvsmi-bin');
  const argsFile = join(bin, 'args.json');
  const script = join(bin, 'nvidia-smi');
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${join(FIXTURES, 'nvidia-smi-fake.js')}" "$@"\n`);
  chmodSync(script, 0o755);
  return { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_NVIDIA_SMI_ARGS: argsFile, ...env }, argsFile };
}

describe('parseNvidiaSmiRow', () => {
  it('reads every field of a documented csv,noheader,nounits row', () => {
    const row = parseNvidiaSmiRow(fixtureText('nvidia-smi-two-gpus.csv').split('\n')[2]);
    expect(row).toEqual({
      timestamp: '2024/05/14 10:21:33.201',
      index: 0,
      values: {
        'power.draw': 182.37,
        'clocks.sm': 1695,
        'clocks.mem': 1215,
        'temperature.gpu': 47,
        'utilization.gpu': 99,
        'utilization.memory': 71,
        'memory.used': 10240,
      },
    });
  });

  it('keeps [N/A] and [Not Supported] as the reason a field is missing', () => {
    const row = parseNvidiaSmiRow(fixtureText('nvidia-smi-jetson-na.csv').split('\n')[0])!;
    expect(row.values['power.draw']).toEqual({ missing: '[N/A]' });
    expect(row.values['utilization.memory']).toEqual({ missing: '[Not Supported]' });
    expect(row.values['clocks.sm']).toBe(1300);
  });

  it('ignores lines that are not rows of the query', () => {
    expect(parseNvidiaSmiRow('')).toBeNull();
    expect(parseNvidiaSmiRow(fixtureText('nvidia-smi-driver-failed.txt').trim())).toBeNull();
    expect(parseNvidiaSmiRow('timestamp, index, power.draw [W]')).toBeNull();
  });
});

describe('integrateEnergy', () => {
  it('is the trapezoid integral of W over seconds', () => {
    // 100 W for 1 s, then a ramp 100 -> 300 W over 0.5 s: 100 J + 100 J.
    expect(integrateEnergy([[0, 100], [1000, 100], [1500, 300]])).toEqual([[0, 0], [1000, 100], [1500, 200]]);
  });
});

describe('NvidiaSmiSession', () => {
  it('runs one nvidia-smi child with the documented query and turns its rows into series per GPU', async () => {
    const { env, argsFile } = fakeNvidiaSmiOnPath({ FAKE_NVIDIA_SMI_ROWS: join(FIXTURES, 'nvidia-smi-two-gpus.csv') });
    const session = await NvidiaSmiSession.start({ periodMs: 20, clockOriginNs: process.hrtime.bigint(), env });
    // Wait for rows rather than a fixed time: the fake's start-up is slow on a loaded machine.
    await waitFor(() => (session.series().find((s) => s.name === 'gpu0.power')?.samples?.length ?? 0) >= 5, 10_000);
    session.close();
    const series = session.series();
    expect(JSON.parse(readFileSync(argsFile, 'utf8'))).toEqual([
      `--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`,
      '--format=csv,noheader,nounits',
      '-lms',
      '20',
    ]);
    const byName = new Map(series.map((s) => [s.name, s]));
    expect([...byName.keys()].filter((n) => n.startsWith('gpu0.'))).toEqual([
      'gpu0.power', 'gpu0.energy', 'gpu0.clock.sm', 'gpu0.clock.mem', 'gpu0.temperature',
      'gpu0.utilization', 'gpu0.utilization.memory', 'gpu0.memory.used',
    ]);
    expect(byName.has('gpu1.power')).toBe(true);
    const power = byName.get('gpu0.power')!;
    expect(power.available).toBe(true);
    expect(power.samples!.length).toBeGreaterThanOrEqual(4);
    // Replayed in order, looping: 68.52, 182.37, 241.90, 238.44, 68.52, ...
    expect(power.samples!.slice(0, 4).map(([, w]) => w)).toEqual([68.52, 182.37, 241.9, 238.44]);
    expect(byName.get('gpu1.power')!.samples!.every(([, w]) => w > 24 && w < 24.2)).toBe(true);
    // Samples are on the job clock, increasing.
    const times = power.samples!.map(([t]) => t);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    // Energy is the integral of the same samples.
    expect(byName.get('gpu0.energy')!.samples).toEqual(integrateEnergy(power.samples!));
    expect(byName.get('gpu0.clock.sm')!.samples![1][1]).toBe(1695);
  });

  it('marks fields the GPU does not report unavailable with nvidia-smi\'s words', async () => {
    const { env } = fakeNvidiaSmiOnPath({ FAKE_NVIDIA_SMI_ROWS: join(FIXTURES, 'nvidia-smi-jetson-na.csv') });
    const session = await NvidiaSmiSession.start({ periodMs: 20, clockOriginNs: process.hrtime.bigint(), env });
    await waitFor(() => session.series().some((s) => s.name === 'gpu0.utilization'), 10_000);
    session.close();
    const byName = new Map(session.series().map((s) => [s.name, s]));
    expect(byName.get('gpu0.power')).toMatchObject({ available: false, reason: 'power.draw reads [N/A] on this GPU' });
    expect(byName.get('gpu0.energy')).toMatchObject({ available: false, reason: 'power.draw reads [N/A] on this GPU' });
    expect(byName.get('gpu0.utilization.memory')).toMatchObject({ available: false, reason: 'utilization.memory reads [Not Supported] on this GPU' });
    expect(byName.get('gpu0.utilization')!.available).toBe(true);
  });

  it('says nvidia-smi was not found when it is not on PATH', async () => {
    const session = await NvidiaSmiSession.start({
      periodMs: 20,
      clockOriginNs: process.hrtime.bigint(),
      env: { ...process.env, PATH: tempDir('empty-path') },
    });
    session.close();
    const series = session.series();
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ name: 'gpu.power', available: false });
    expect(series[0].reason).toMatch(/^nvidia-smi not found \(/);
  });

  it('passes on what nvidia-smi says when it cannot reach the driver', async () => {
    const { env } = fakeNvidiaSmiOnPath({ FAKE_NVIDIA_SMI_FAIL: join(FIXTURES, 'nvidia-smi-driver-failed.txt') });
    const session = await NvidiaSmiSession.start({ periodMs: 20, clockOriginNs: process.hrtime.bigint(), env });
    await waitFor(() => /NVIDIA-SMI/.test(session.series()[0].reason ?? ''), 10_000);
    session.close();
    const [series] = session.series();
    expect(series.available).toBe(false);
    expect(series.reason).toMatch(/^NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
  });
});

describe('startSampler with GPU and thermal readers', () => {
  it('adds the nvidia-smi series and the thermal series of the sysfs root it is given', async () => {
    const { env, argsFile } = fakeNvidiaSmiOnPath({ FAKE_NVIDIA_SMI_ROWS: join(FIXTURES, 'nvidia-smi-two-gpus.csv') });
    const sysfsRoot = tempDir('sampler-sysfs');
    cpSync(join(__dirname, '../../fixtures/sysfs/thermal-intel-laptop'), sysfsRoot, { recursive: true });
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    // startSampler spawns nvidia-smi with this process's environment: point it at the fixture for this test.
    const keys = ['PATH', 'FAKE_NVIDIA_SMI_ROWS', 'FAKE_NVIDIA_SMI_ARGS'] as const;
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    for (const k of keys) process.env[k] = env[k];
    try {
      const sampler = await startSampler({ pid: child.pid!, clockOriginNs: process.hrtime.bigint(), sysfsRoot, perf: 'off', periodMs: 20 });
      // The fake writes its arguments as it starts; its first row follows at once, the next 100 ms later.
      await waitFor(() => existsSync(argsFile), 10_000);
      await sleep(300);
      const series = await sampler.stop();
      const byName = new Map(series.map((s) => [s.name, s]));
      expect(byName.get('gpu0.power')!.available).toBe(true);
      expect(byName.get('gpu1.energy')!.available).toBe(true);
      expect(byName.get('cpu.frequency.cpu0')!.samples![0][1]).toBe(3400);
      expect(byName.get('temperature.coretemp.Package id 0')!.available).toBe(true);
      expect(byName.get('cpu.throttle.package')!.available).toBe(true);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      child.kill('SIGKILL');
    }
  });
});
