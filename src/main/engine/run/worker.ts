/**
 * The run worker: a child process that owns onnxruntime-node.
 *
 * InferenceSession.run() blocks the JS thread for the whole inference, so it never runs
 * in a process that must stay responsive (the app, the CLI's progress, the sampler).
 * Cancelling is killing this process. Everything ORT prints goes to this process's
 * stdout/stderr, which the engine captures and never forwards to the user's terminal.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { toApiError, EdgescopeError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/random';
import { generateInputData } from '../model/inputs';
import type { FromWorker, OutputTensor, ProbeResult, RunResult, RunSpec, ToWorker } from './messages';
import { knownEp } from './ep-names';
import { ortProviderEntry } from './ep-options';
import { condenseOrtError } from './ort-errors';
import { runHybrid } from '../sparse/hybrid/worker-run';
import { runEngineTask } from './tasks';
import { CacheFlusher, isColdProfiledRun } from '../analysis/cold-cache';

function send(message: FromWorker): void {
  process.send?.(message);
}

function nowMs(originNs: bigint): number {
  return Number(process.hrtime.bigint() - originNs) / 1e6;
}

const ORT_OPT_LEVEL = { disabled: 'disabled', basic: 'basic', extended: 'extended', all: 'all' } as const;

function sessionOptions(spec: RunSpec, profile: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ortProviderEntry(spec.ep, spec.epOptions) as ort.InferenceSession.ExecutionProviderConfig],
    intraOpNumThreads: spec.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: ORT_OPT_LEVEL[spec.graphOptimizationLevel],
    logSeverityLevel: 3,
    enableProfiling: profile,
    profileFilePrefix: profile ? join(spec.profileDir, `ort-profile-${process.pid}`) : undefined,
  };
}

function makeFeeds(spec: RunSpec): Record<string, ort.Tensor> {
  if (spec.feeds) {
    return Object.fromEntries(Object.entries(spec.feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.dims)]));
  }
  const rng = new SeededRandom(spec.seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of spec.inputs) {
    const data = generateInputData(input, rng);
    const type = input.dtype as ort.Tensor.Type;
    feeds[input.name] = new ort.Tensor(type, data as ort.Tensor.DataType, input.dims);
  }
  return feeds;
}

async function createSession(spec: RunSpec, profile: boolean): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(spec.modelPath, sessionOptions(spec, profile));
  } catch (err) {
    throw new EdgescopeError('E_RUN_FAILED', `onnxruntime could not create a ${spec.ep} session for ${spec.modelPath}: ${condenseOrtError(err)}`);
  }
}

async function runOnce(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, spec: RunSpec): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return await session.run(feeds);
  } catch (err) {
    const inputs = spec.inputs.map((i) => `${i.name}[${i.dims.join(',')}]`).join(', ');
    throw new EdgescopeError(
      'E_RUN_FAILED',
      `inference failed on ${spec.ep} with generated inputs ${inputs}: ${condenseOrtError(err)} (set real shapes or values with --shape, --dim or --input)`,
    );
  }
}

function toOutputTensors(outputs: ort.InferenceSession.OnnxValueMapType): OutputTensor[] {
  return Object.entries(outputs).flatMap(([name, value]) => {
    const tensor = value as ort.Tensor;
    if (!tensor || typeof tensor !== 'object' || !('data' in tensor) || typeof tensor.data === 'string') return [];
    const src = tensor.data as ArrayLike<number | bigint>;
    if (Array.isArray(src)) return []; // string tensors
    const data = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
    return [{ name, dtype: tensor.type, dims: [...tensor.dims], data }];
  });
}

async function run(id: number, spec: RunSpec): Promise<RunResult> {
  const origin = BigInt(spec.clockOriginNs);
  const feeds = makeFeeds(spec);
  const progress = (phase: 'session' | 'first-run' | 'warmup' | 'timed' | 'profiled', done: number, total: number) =>
    send({ type: 'progress', id, phase, done, total });

  progress('session', 0, 1);
  const t0 = process.hrtime.bigint();
  const session = await createSession(spec, false);
  const sessionCreateMs = Number(process.hrtime.bigint() - t0) / 1e6;

  progress('first-run', 0, 1);
  const f0 = process.hrtime.bigint();
  const firstOutputs = await runOnce(session, feeds, spec);
  const firstRunMs = Number(process.hrtime.bigint() - f0) / 1e6;
  const outputs = spec.returnOutputs ? toOutputTensors(firstOutputs) : undefined;

  for (let i = 0; i < spec.warmupRuns; i++) {
    progress('warmup', i, spec.warmupRuns);
    await session.run(feeds);
  }

  // Cold-cache mode: evict the caches before each timed run, outside its latency.
  const flusher = spec.coldCacheFlushBytes ? new CacheFlusher(spec.coldCacheFlushBytes) : null;
  const flushMs: number[] = [];

  const latenciesMs: number[] = [];
  const timedStart = nowMs(origin);
  const deadline = timedStart + spec.minTimeMs;
  let lastProgress = 0;
  while (latenciesMs.length < spec.timedRuns || nowMs(origin) < deadline) {
    if (flusher) flushMs.push(flusher.flush());
    const start = process.hrtime.bigint();
    await session.run(feeds);
    latenciesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    const now = nowMs(origin);
    if (now - lastProgress > 100) {
      lastProgress = now;
      progress('timed', latenciesMs.length, spec.timedRuns);
    }
  }
  const timedWindow = { startMs: timedStart, endMs: nowMs(origin) };
  await session.release();

  let profilePath: string | undefined;
  const profiledWindows: { startMs: number; endMs: number }[] = [];
  // In cold-cache mode profiled runs alternate warm and cold: profiledRuns of each.
  const profiledCold: boolean[] = [];
  const profiledTotal = flusher ? 2 * spec.profiledRuns : spec.profiledRuns;
  if (spec.profiledRuns > 0) {
    const profiled = await createSession(spec, true);
    // One extra run first: it absorbs allocation, and the parser drops it.
    for (let i = 0; i <= profiledTotal; i++) {
      progress('profiled', i, profiledTotal + 1);
      const cold = flusher !== null && i > 0 && isColdProfiledRun(i - 1);
      if (cold) flushMs.push(flusher.flush());
      const startMs = nowMs(origin);
      await profiled.run(feeds);
      if (i > 0) {
        profiledWindows.push({ startMs, endMs: nowMs(origin) });
        if (flusher) profiledCold.push(cold);
      }
    }
    profiled.endProfiling();
    await profiled.release();
    const prefix = `ort-profile-${process.pid}`;
    const files = readdirSync(spec.profileDir).filter((f) => f.startsWith(prefix) && f.endsWith('.json')).sort();
    if (files.length === 0) throw new EdgescopeError('E_RUN_FAILED', 'onnxruntime wrote no profile file');
    profilePath = join(spec.profileDir, files[files.length - 1]);
  }

  return {
    pid: process.pid,
    sessionCreateMs,
    firstRunMs,
    latenciesMs,
    timedWindow,
    profiledWindows,
    profilePath,
    outputs,
    ...(flusher ? { coldCache: { flushBytes: flusher.bytes, flushMs, profiledCold } } : {}),
  };
}

/** Try each EP on a tiny model; the error ORT gives is the reason it is unavailable. */
async function probe(eps: string[], probeModelPath: string): Promise<ProbeResult[]> {
  const bundled = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  const results: ProbeResult[] = [];
  for (const ep of eps) {
    const known = knownEp(ep);
    if (!known) {
      results.push({ ep, available: false, reason: 'unknown execution provider' });
      continue;
    }
    if (!known.platforms.includes(process.platform)) {
      results.push({ ep, available: false, reason: `${known.title} is not available on ${process.platform}: ${known.installHint}` });
      continue;
    }
    if (ep !== 'cpu' && bundled.get(ep) === false) {
      results.push({ ep, available: false, reason: `not bundled with this onnxruntime-node: ${known.installHint}` });
      continue;
    }
    if (ep !== 'cpu' && !bundled.has(ep)) {
      results.push({ ep, available: false, reason: `not in this onnxruntime-node build: ${known.installHint}` });
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(probeModelPath, { executionProviders: [ep], logSeverityLevel: 3 });
      await session.release();
      results.push({ ep, available: true });
    } catch (err) {
      results.push({ ep, available: false, reason: `${condenseOrtError(err)}${known.installHint ? ` (${known.installHint})` : ''}` });
    }
  }
  return results;
}

ort.env.logLevel = 'error';

process.on('message', (message: ToWorker) => {
  const handle = async (): Promise<void> => {
    switch (message.type) {
      case 'run':
        send({
          type: 'run-result',
          id: message.id,
          result: message.spec.hybrid
            ? await runHybrid(message.spec, (phase, done, total) => send({ type: 'progress', id: message.id, phase, done, total }))
            : await run(message.id, message.spec),
        });
        return;
      case 'probe':
        send({ type: 'probe-result', id: message.id, results: await probe(message.eps, message.probeModelPath) });
        return;
      case 'task':
        send({ type: 'task-result', id: message.id, result: await runEngineTask(message.task) });
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unknown worker message ${JSON.stringify(unknown)}`);
      }
    }
  };
  handle().catch((err: unknown) => send({ type: 'error', id: message.id, error: toApiError(err) }));
});

// The engine is the only reason to live: when it goes away (even by SIGKILL), stop at once
// rather than finish a run nobody will read.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
