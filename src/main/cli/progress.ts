/**
 * A one-line progress bar on an interactive terminal. Without a terminal (CI logs,
 * pipes) nothing is printed, so stderr carries only the error line, if any.
 */
export interface ProgressPrinter {
  update(stage: string, fraction: number, message: string): void;
  done(): void;
}

export function progressPrinter(): ProgressPrinter {
  const tty = process.stderr.isTTY === true;
  const width = 24;
  return {
    update(stage, fraction, message) {
      if (!tty) return;
      const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const line = `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${stage}: ${message}`;
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 100) - 1)}`);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}
