/**
 * Small files under /proc and /sys, opened once and re-read in place.
 *
 * A pread at offset 0 on a kept descriptor makes procfs and sysfs regenerate the file's
 * contents, so each tick costs one syscall instead of open+read+close (measured on Node 20,
 * Linux: about 3.7 us for /proc/<pid>/stat and 7 us for /proc/<pid>/status on a kept fd,
 * versus 14 us for readFileSync of the same stat file). A kept /proc/<pid> descriptor also
 * pins the process it was opened for: once that process is reaped, reads fail with ESRCH
 * instead of silently reading a new process that reused the pid.
 *
 * The file system is injected so tests can produce errors root cannot provoke with chmod
 * (tests run as root, which bypasses file permissions).
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

export interface CounterFs {
  openSync(path: string): number;
  /** pread: reads at `position` without moving the descriptor's offset. */
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
  readdirSync(path: string): string[];
}

export const nodeCounterFs: CounterFs = {
  openSync: (path) => openSync(path, 'r'),
  readSync: (fd, buffer, offset, length, position) => readSync(fd, buffer, offset, length, position),
  closeSync: (fd) => closeSync(fd),
  readdirSync: (path) => readdirSync(path),
};

/** /proc/<pid>/status is about 1.4 KiB; most sysfs attributes are a few bytes. */
const INITIAL_BUFFER_BYTES = 4096;

export class KeptFile {
  private buffer = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fs: CounterFs,
    /** The sampling thread reads a duplicate of it (sampling-thread.ts). */
    readonly fd: number,
  ) {}

  /** Throws the fs error (ENOENT, EACCES, ...) when the file cannot be opened. */
  static open(path: string, fs: CounterFs): KeptFile {
    return new KeptFile(path, fs, fs.openSync(path));
  }

  /** The whole file as text, read from offset 0. Throws the fs error (e.g. ESRCH). */
  readText(): string {
    for (;;) {
      const bytes = this.fs.readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
      // A full buffer may mean a truncated read: grow and read again from the start.
      if (bytes < this.buffer.length) return this.buffer.toString('latin1', 0, bytes);
      this.buffer = Buffer.allocUnsafe(this.buffer.length * 2);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fs.closeSync(this.fd);
  }
}

/**
 * A reading's view of its files: the text of `file` at this reading, or undefined when the
 * file was not read at it (not due). Throws the read's errno error (ESRCH, EACCES, ...).
 * The JS timer reads on the spot (readNow); the sampling thread's readings are replayed from
 * what it read (sampling-thread.ts). Readers take both through one code path.
 */
export type ReadFile = (file: KeptFile) => string | undefined;

export const readNow: ReadFile = (file) => file.readText();

/** Opens, reads and closes: for files read once (names, ranges). */
export function readTextOnce(path: string, fs: CounterFs): string {
  const file = KeptFile.open(path, fs);
  try {
    return file.readText();
  } finally {
    file.close();
  }
}

/** The errno code of a Node fs error ('ENOENT', 'EACCES', ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Directory entries, or [] when the directory does not exist. Other errors are thrown. */
export function listDirOrEmpty(path: string, fs: CounterFs): string[] {
  try {
    return fs.readdirSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * The number a sysfs attribute holds, or undefined when the read has none: an empty or torn read (a
 * file caught mid-rewrite, which fake trees in tests do and sysfs never does) is no reading, where
 * Number('') would give 0 (for RAPL, a wraparound and a burst of megawatts).
 */
export function attributeNumber(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}
