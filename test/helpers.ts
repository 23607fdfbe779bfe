/** Shared test helpers: temporary folders that clean themselves up. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const tempDirs: string[] = [];
// Registered once per test file (this module is imported at its top), so tempDir works
// both at file level and inside a test.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory `edgescope-<prefix>-XXXXXX`, removed after the test file. */
export function tempDir(prefix = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `edgescope-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

export const REPO_ROOT = join(__dirname, '..');
