/**
 * Finding an external program: the path an environment variable names (used as given, and
 * only if executable), else the first of its names found executable on PATH.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `override` (an env var's value) when set, else the first of `names` on env.PATH; null when absent. */
export function findExecutable(names: readonly string[], env: NodeJS.ProcessEnv, override?: string): string | null {
  if (override) return isExecutable(override) ? override : null;
  for (const dir of (env.PATH ?? '').split(delimiter).filter((d) => d !== '')) {
    for (const name of names) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}
