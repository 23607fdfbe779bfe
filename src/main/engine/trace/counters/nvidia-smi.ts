/**
 * NVIDIA GPU power, clocks, temperature and utilization from ONE long-lived nvidia-smi child
 * per sampling session (spawning it per sample would cost ~100 ms of driver start-up each):
 *
 *   nvidia-smi --query-gpu=<NVIDIA_SMI_FIELDS> --format=csv,noheader,nounits -lms <period>
 *
 * prints one CSV row per GPU every period. Rows are stamped on the job clock when they arrive
 * (nvidia-smi's own timestamp is local wall time with ms resolution and no zone, so it is only
 * kept in `source` as a sanity reference, never used for alignment). Fields the GPU does not
 * report read `[N/A]` or `[Not Supported]`: that series is then unavailable with that reason.
 *
 * Series per GPU index i (gpu<i>.*): power W, energy J (power integrated over the arrival
 * times, trapezoid rule, cumulative from the first row), clock.sm and clock.mem MHz,
 * temperature °C, utilization and utilization.memory %, memory.used MiB.
 * On Ampere and newer, power.draw is a 1 s average (nvidia-smi docs): quote per-run energy
 * over runs of several seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CounterSeries } from '../../../../shared/report';
import { availableSeries, unavailableSeries, type PolledSource, type Sample } from './series';

export const NVIDIA_SMI_FIELDS = [
  'timestamp',
  'index',
  'power.draw',
  'clocks.sm',
  'clocks.mem',
  'temperature.gpu',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
] as const;

/** The numeric fields and the series each becomes. */
const METRICS = [
  { field: 'power.draw', suffix: 'power', unit: 'W' },
  { field: 'clocks.sm', suffix: 'clock.sm', unit: 'MHz' },
  { field: 'clocks.mem', suffix: 'clock.mem', unit: 'MHz' },
  { field: 'temperature.gpu', suffix: 'temperature', unit: '°C' },
  { field: 'utilization.gpu', suffix: 'utilization', unit: '%' },
  { field: 'utilization.memory', suffix: 'utilization.memory', unit: '%' },
  { field: 'memory.used', suffix: 'memory.used', unit: 'MiB' },
] as const;

type MetricField = (typeof METRICS)[number]['field'];

/** A field's value, or why it has none ('[N/A]', '[Not Supported]'). */
export type FieldValue = number | { missing: string };

export interface NvidiaSmiRow {
  timestamp: string;
  index: number;
  values: Record<MetricField, FieldValue>;
}

/** nvidia-smi's command line for a sampling period (it takes whole milliseconds). */
export function nvidiaSmiArgs(periodMs: number): string[] {
  return [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(Math.max(1, Math.round(periodMs)))];
}

/** One CSV row of the query above; null for anything else (blank lines, driver messages). */
export function parseNvidiaSmiRow(line: string): NvidiaSmiRow | null {
  const cells = line.split(',').map((c) => c.trim());
  if (cells.length !== NVIDIA_SMI_FIELDS.length) return null;
  const index = Number(cells[1]);
  if (!Number.isInteger(index) || cells[1] === '') return null;
  const values = {} as Record<MetricField, FieldValue>;
  for (const { field } of METRICS) {
    const cell = cells[NVIDIA_SMI_FIELDS.indexOf(field)];
    const value = Number(cell);
    values[field] = cell !== '' && Number.isFinite(value) ? value : { missing: cell || 'empty' };
  }
  return { timestamp: cells[0], index, values };
}

/** Cumulative energy (J) of power samples [tMs, W], trapezoid rule; the first sample is 0 J. */
export function integrateEnergy(power: readonly Sample[]): Sample[] {
  const energy: Sample[] = [];
  let joules = 0;
  for (let i = 0; i < power.length; i++) {
    if (i > 0) joules += ((power[i][1] + power[i - 1][1]) / 2) * ((power[i][0] - power[i - 1][0]) / 1000);
    energy.push([power[i][0], joules]);
  }
  return energy;
}

export interface NvidiaSmiOptions {
  periodMs: number;
  clockOriginNs: bigint;
  /** Default 'nvidia-smi', looked up on PATH. */
  binary?: string;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface GpuRows {
  firstTimestamp: string;
  samples: Map<MetricField, Sample[]>;
  missing: Map<MetricField, string>;
}

const SOURCE = 'nvidia-smi --query-gpu';

export class NvidiaSmiSession implements PolledSource {
  private child: ChildProcess | null = null;
  private failure: string | null = null;
  private readonly gpus = new Map<number, GpuRows>();
  private pending = '';
  private stderr = '';
  /** The first stdout line that was not a row. */
  private message: string | null = null;
  private exitNote: string | null = null;

  private constructor(private readonly options: NvidiaSmiOptions) {}

  /** Why the child could not be started; null when it runs. */
  get startFailure(): string | null {
    return this.failure;
  }

  /** Resolves once the child is running, or once it is known that it cannot start. */
  static async start(options: NvidiaSmiOptions): Promise<NvidiaSmiSession> {
    const session = new NvidiaSmiSession(options);
    await session.spawnChild();
    return session;
  }

  private async spawnChild(): Promise<void> {
    const binary = this.options.binary ?? 'nvidia-smi';
    const child = spawn(binary, nvidiaSmiArgs(this.options.periodMs), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.options.env ?? process.env,
    });
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.on('error', (err) => resolve(err)); // also swallows a later kill() failure
    });
    if (spawned) {
      const code = (spawned as NodeJS.ErrnoException).code;
      this.failure =
        code === 'ENOENT'
          ? `nvidia-smi not found (no NVIDIA driver installed, or ${binary} not on PATH)`
          : `nvidia-smi could not start: ${code ?? spawned.message}`;
      return;
    }
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.receive(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (this.stderr.length < 4096) this.stderr += chunk;
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.exitNote = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.child = null;
    });
  }

  private nowMs(): number {
    return Number(process.hrtime.bigint() - this.options.clockOriginNs) / 1e6;
  }

  private receive(chunk: string): void {
    const tMs = this.nowMs();
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      const row = parseNvidiaSmiRow(line);
      if (row) this.record(tMs, row);
      // nvidia-smi prints its failures ("NVIDIA-SMI has failed ...") on stdout.
      else if (line.trim() && this.message === null) this.message = line.trim();
    }
  }

  private record(tMs: number, row: NvidiaSmiRow): void {
    let gpu = this.gpus.get(row.index);
    if (!gpu) this.gpus.set(row.index, (gpu = { firstTimestamp: row.timestamp, samples: new Map(), missing: new Map() }));
    for (const { field } of METRICS) {
      const value = row.values[field];
      if (typeof value === 'number') {
        let samples = gpu.samples.get(field);
        if (!samples) gpu.samples.set(field, (samples = []));
        samples.push([tMs, value]);
      } else if (!gpu.missing.has(field)) {
        gpu.missing.set(field, value.missing);
      }
    }
  }

  /** Rows arrive on their own; nothing to read on the sampler's tick. */
  poll(): void {}

  close(): void {
    const child = this.child;
    this.child = null;
    child?.kill('SIGTERM');
  }

  series(): CounterSeries[] {
    if (this.failure !== null) return [unavailableSeries('gpu.power', 'W', SOURCE, this.failure)];
    if (this.gpus.size === 0) {
      const said = this.message ?? (this.stderr.trim().split('\n')[0] || (this.exitNote ? `nvidia-smi ${this.exitNote}` : 'nvidia-smi printed no GPU rows'));
      return [unavailableSeries('gpu.power', 'W', SOURCE, said)];
    }
    return [...this.gpus.entries()].sort(([a], [b]) => a - b).flatMap(([index, gpu]) => this.gpuSeries(index, gpu));
  }

  private gpuSeries(index: number, gpu: GpuRows): CounterSeries[] {
    const source = `${SOURCE} GPU ${index} (first row ${gpu.firstTimestamp})`;
    const out: CounterSeries[] = [];
    for (const { field, suffix, unit } of METRICS) {
      const name = `gpu${index}.${suffix}`;
      const samples = gpu.samples.get(field);
      // A field that reads [N/A] on some rows and numbers on others keeps its numbers.
      const series = samples ? availableSeries(name, unit, source, samples) : unavailableSeries(name, unit, source, `${field} reads ${gpu.missing.get(field)} on this GPU`);
      out.push(series);
      if (field === 'power.draw') {
        out.push(
          samples
            ? availableSeries(`gpu${index}.energy`, 'J', `${source}, power.draw integrated`, integrateEnergy(samples))
            : unavailableSeries(`gpu${index}.energy`, 'J', source, series.reason!),
        );
      }
    }
    return out;
  }
}

/**
 * nvidia-smi's own start-up and each query cost CPU next to the run being measured: it is
 * never asked for rows more often than this, whatever the sampler's period.
 */
export const NVIDIA_SMI_MIN_PERIOD_MS = 100;

/** binary -> why it cannot start: "not found" holds for the life of this process, so later runs skip the spawn. */
const notFound = new Map<string, string>();

/** The GPU power source of one sampling session: a running nvidia-smi, or its reason for being unavailable. */
export async function startNvidiaSmi(options: NvidiaSmiOptions): Promise<PolledSource> {
  const binary = options.binary ?? 'nvidia-smi';
  const known = notFound.get(binary);
  if (known !== undefined) {
    const series = [unavailableSeries('gpu.power', 'W', SOURCE, known)];
    return { poll: () => {}, close: () => {}, series: () => series };
  }
  const session = await NvidiaSmiSession.start({ ...options, periodMs: Math.max(options.periodMs, NVIDIA_SMI_MIN_PERIOD_MS) });
  const reason = session.startFailure;
  if (reason?.startsWith('nvidia-smi not found') && options.env === undefined) notFound.set(binary, reason);
  return session;
}
