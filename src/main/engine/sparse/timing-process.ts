/** The engine's side of the sparse timing process (./timing-worker.ts): start, ask, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError, fromApiError } from '../../../shared/errors';
import { packageRoot } from '../files/package-root';
import type { FromTimingWorker, SparseTimingResult, SparseTimingSpec } from './timing-messages';

function timingWorkerPath(): string {
  const beside = join(__dirname, 'timing-worker.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'node', 'src', 'main', 'engine', 'sparse', 'timing-worker.js');
  if (!existsSync(built)) throw new EdgescopeError('E_INTERNAL', `sparse timing worker not built (${built} missing): run npm run build:node`);
  return built;
}

export class SparseTimingProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: SparseTimingResult): void; reject(e: Error): void }>();
  private exitError: EdgescopeError | undefined;
  private stderrTail = '';

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromTimingWorker) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.result);
      else p.reject(fromApiError(m.error));
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      const last = this.stderrTail.trim().split('\n').pop()?.trim();
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      this.exitError = new EdgescopeError('E_RUN_FAILED', `the sparse timing process exited unexpectedly (${how})${last ? `: ${last.slice(0, 300)}` : ''}`);
      for (const p of this.pending.values()) p.reject(this.exitError);
      this.pending.clear();
    });
  }

  static start(): Promise<SparseTimingProcess> {
    const child = fork(timingWorkerPath(), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    const proc = new SparseTimingProcess(child);
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(proc));
      child.once('exit', () => reject(proc.exitError ?? new EdgescopeError('E_RUN_FAILED', 'the sparse timing process failed to start')));
    });
  }

  time(spec: SparseTimingSpec): Promise<SparseTimingResult> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ type: 'time', id, spec });
    });
  }

  async dispose(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
