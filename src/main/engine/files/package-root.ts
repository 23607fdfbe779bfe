/**
 * Where edgescope is installed: the nearest folder above this module with edgescope's
 * package.json (the repository in development, the package when installed). Bundled
 * (electron-vite) and compiled (tsc) builds both sit below it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function packageName(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

export function packageRoot(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && packageName(dir) === 'edgescope') return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
