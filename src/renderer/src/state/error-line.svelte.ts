/**
 * The one line of error text the app shows. Anything that fails (a call, a file read, a job) reports here,
 * with what was being attempted; the newest error replaces the previous one.
 */
import { ApiCallError } from '../api/client';

function describeError(err: unknown): string {
  if (err instanceof ApiCallError) return `${err.message} (${err.code})`;
  if (err instanceof Error) return err.message;
  return String(err);
}

export class ErrorLine {
  message = $state<string | null>(null);

  show(attempt: string, err: unknown): void {
    this.message = `${attempt}: ${describeError(err)}`.replace(/\s+/g, ' ');
  }

  clear(): void {
    this.message = null;
  }
}
