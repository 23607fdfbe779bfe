import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { nodeCounterFs, type CounterFs } from '../../../src/main/engine/trace/counters/kept-file';
import type { CounterSeries } from '../../../src/shared/report';

export const FIXTURES = join(__dirname, '../../fixtures/counters');

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

import { tempDir } from '../../helpers';

export { tempDir };

/** The /proc series every sampler returns first, in this order. */
export const PROC_SERIES_NAMES = ['cpu.utilization', 'cpu.time', 'memory.rss', 'memory.peakRss', 'faults.minor', 'faults.major'];

/** Writes files (path relative to root -> content) and returns root. */
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function errnoError(code: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: open '${path}'`);
  err.code = code;
  return err;
}

/**
 * The real fs, except that opening any path in `failures` throws that errno code: tests run
 * as root, and root opens a chmod 000 file without complaint.
 */
export function fsFailingOpen(failures: Record<string, string>): CounterFs {
  return {
    ...nodeCounterFs,
    openSync: (path) => {
      if (path in failures) throw errnoError(failures[path], path);
      return nodeCounterFs.openSync(path);
    },
  };
}

/** The real fs, but reads on descriptors opened for `path` throw `code` once `broken()` says so. */
export function fsFailingReads(path: string, code: string, broken: () => boolean): CounterFs {
  const fds = new Set<number>();
  return {
    ...nodeCounterFs,
    openSync: (p) => {
      const fd = nodeCounterFs.openSync(p);
      if (p === path) fds.add(fd);
      return fd;
    },
    readSync: (fd, buffer, offset, length, position) => {
      if (fds.has(fd) && broken()) throw errnoError(code, path);
      return nodeCounterFs.readSync(fd, buffer, offset, length, position);
    },
  };
}

export type FakePerfMode = 'replay' | 'repeat' | 'wedged' | 'fail';

export interface FakePerf {
  binary: string;
  /** What the fake wrote at start: its pid, its hrtime origin, the arguments it was given. */
  state(): { pid: number; startNs: bigint; args: string[] };
  /** The interval times it printed, in seconds since startNs. */
  printedTimesSec(): number[];
  /** Resolves once the fake is set up (a SIGINT from then on is handled, as with perf after its start-up). */
  ready(): Promise<void>;
}

/**
 * An executable standing in for perf (see test/fixtures/counters/fake-perf.js), replaying
 * `fixture`: a file name in the fixtures folder or an absolute path.
 */
export function fakePerf(mode: FakePerfMode, fixture: string): FakePerf {
  const dir = tempDir('fake-perf');
  const stateFile = join(dir, 'state.json');
  const binary = join(dir, 'perf');
  const script = `#!/bin/sh\nexec "${process.execPath}" "${join(FIXTURES, 'fake-perf.js')}" ${mode} "${isAbsolute(fixture) ? fixture : join(FIXTURES, fixture)}" "${stateFile}" "$@"\n`;
  writeFileSync(binary, script);
  chmodSync(binary, 0o755);
  return {
    binary,
    state: () => {
      const raw = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; startNs: string; args: string[] };
      return { ...raw, startNs: BigInt(raw.startNs) };
    },
    printedTimesSec: () =>
      existsSync(`${stateFile}.times`) ? readFileSync(`${stateFile}.times`, 'utf8').trim().split('\n').map(Number) : [],
    ready: () => waitFor(() => existsSync(stateFile)),
  };
}

/** perf-software-standin.sh copied to an executable temp file. */
export function softwarePerfStandin(): string {
  const binary = join(tempDir('perf-standin'), 'perf');
  copyFileSync(join(FIXTURES, 'perf-software-standin.sh'), binary);
  chmodSync(binary, 0o755);
  return binary;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** A sampler's series by name. */
export function seriesByName(series: CounterSeries[]): Record<string, CounterSeries> {
  return Object.fromEntries(series.map((s) => [s.name, s]));
}

/** Processes a test observes, killed by killAll() (call it in afterEach) so none outlives its test. */
export class ObservedChildren {
  private readonly children: ChildProcess[] = [];

  /** Keeps `child` for killAll(). */
  track<T extends ChildProcess>(child: T): T {
    this.children.push(child);
    return child;
  }

  /** A Node child spinning on the CPU for `ms` ms of wall time. */
  busy(ms: number): ChildProcess {
    return this.track(spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], { stdio: 'ignore' }));
  }

  killAll(): void {
    for (const child of this.children.splice(0)) child.kill('SIGKILL');
  }
}
