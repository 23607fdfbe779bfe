/**
 * The engine's side of the run worker: spawn, talk, cancel.
 *
 * A child process rather than a worker_thread because cancelling a blocked native
 * run() is only possible by killing its process, and because a native crash in an EP
 * then costs one run, not the app.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError, fromApiError } from '../../../shared/errors';
import { packageRoot } from '../files/package-root';
import type { FromWorker, ProbeResult, RunPhase, RunResult, RunSpec, ToWorker } from './messages';
import type { EngineTask, EngineTaskResult } from './tasks';

/** The compiled worker script: beside this file when compiled, else in the package's dist. */
export function defaultWorkerScriptPath(): string {
  const beside = join(__dirname, 'worker.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'node', 'src', 'main', 'engine', 'run', 'worker.js');
  if (!existsSync(built)) {
    throw new EdgescopeError('E_INTERNAL', `run worker not built (${built} missing): run npm run build:node`);
  }
  return built;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (phase: RunPhase, done: number, total: number) => void;
}

const OUTPUT_TAIL_CHARS = 4000;

export class RunWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private outputTail = '';
  private exitError: EdgescopeError | null = null;
  private cancelled = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => this.onMessage(m));
    child.stdout?.on('data', (d: Buffer) => this.capture(d));
    child.stderr?.on('data', (d: Buffer) => this.capture(d));
    child.on('exit', (code, signal) => {
      const reason = this.cancelled
        ? new EdgescopeError('E_CANCELLED', 'run cancelled')
        : new EdgescopeError('E_RUN_FAILED', `the run worker exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})${this.lastOutputLine()}`);
      this.exitError = reason;
      for (const p of this.pending.values()) p.reject(reason);
      this.pending.clear();
    });
  }

  /** Start a worker process and wait until it has loaded onnxruntime. */
  static start(scriptPath = defaultWorkerScriptPath()): Promise<RunWorker> {
    const child = fork(scriptPath, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const worker = new RunWorker(child);
    return new Promise((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.type === 'ready') {
          child.off('exit', onExit);
          resolve(worker);
        }
      };
      const onExit = () => {
        child.off('message', onReady);
        reject(worker.exitError ?? new EdgescopeError('E_RUN_FAILED', `the run worker failed to start${worker.lastOutputLine()}`));
      };
      child.once('message', onReady);
      child.once('exit', onExit);
    });
  }

  /** False once the process has exited (crashed, killed or disposed). */
  get alive(): boolean {
    return this.exitError === null;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  run(spec: RunSpec, onProgress?: (phase: RunPhase, done: number, total: number) => void): Promise<RunResult> {
    return this.request({ type: 'run', id: this.nextId++, spec }, onProgress) as Promise<RunResult>;
  }

  probe(eps: string[], probeModelPath: string): Promise<ProbeResult[]> {
    return this.request({ type: 'probe', id: this.nextId++, eps, probeModelPath }) as Promise<ProbeResult[]>;
  }

  /** Engine work too slow for the caller's thread (see tasks.ts). */
  task<T extends EngineTask>(task: T): Promise<EngineTaskResult<T['kind']>> {
    return this.request({ type: 'task', id: this.nextId++, task }) as Promise<EngineTaskResult<T['kind']>>;
  }

  /** Cancel whatever runs: kill the process; pending requests reject with E_CANCELLED. */
  cancel(): void {
    this.cancelled = true;
    this.child.kill('SIGKILL');
  }

  async dispose(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.cancelled = true;
    this.child.kill('SIGKILL');
    await exited;
  }

  private request(message: ToWorker, onProgress?: Pending['onProgress']): Promise<unknown> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject, onProgress });
      this.child.send(message);
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress':
        p.onProgress?.(m.phase, m.done, m.total);
        return;
      case 'run-result':
        this.pending.delete(m.id);
        p.resolve(m.result);
        return;
      case 'probe-result':
        this.pending.delete(m.id);
        p.resolve(m.results);
        return;
      case 'task-result':
        this.pending.delete(m.id);
        p.resolve(m.result);
        return;
      case 'error':
        this.pending.delete(m.id);
        p.reject(fromApiError(m.error));
        return;
      default: {
        const unknown: never = m;
        throw new Error(`unknown worker message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private capture(data: Buffer): void {
    this.outputTail = (this.outputTail + data.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  }

  /** What ORT printed last, for errors about crashes (its log lines are otherwise kept quiet). */
  private lastOutputLine(): string {
    const line = this.outputTail.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').pop()?.trim();
    return line ? `: ${line.slice(0, 300)}` : '';
  }
}
