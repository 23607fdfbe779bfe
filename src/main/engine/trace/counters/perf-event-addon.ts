/**
 * Loads the perf_event_open addon (native/perf, built by scripts/build-native.js at npm
 * install). Never throws: a machine without it (not Linux, no compiler, disabled) gets
 * `{ available: false, reason }` and the sampler falls back to `perf stat`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLine } from '../../../../shared/errors';
import { packageRoot } from '../../files/package-root';

/** EDGESCOPE_PERF_ADDON=off makes the addon unavailable (tests of the fallback route). */
export const PERF_ADDON_ENV = 'EDGESCOPE_PERF_ADDON';

/** One event as the addon opens it (struct perf_event_attr's type and config). */
export interface NativeEventSpec {
  type: number;
  config: number;
  /** Try kernel mode too; the addon falls back to user mode only when that is denied. */
  kernel: boolean;
}

export interface NativeEventStatus {
  opened: boolean;
  /** Counted with exclude_kernel: kernel-mode counting was denied (perf_event_paranoid). */
  userOnly: boolean;
  errno?: number;
  /** 'ENOENT', 'EACCES', ... */
  code?: string;
  message?: string;
}

/** What native/perf/src/addon.cc exports. */
export interface PerfEventBinding {
  /** Opens each group on every thread of pid (inherit=1). status[g][e] says how event e of group g fared. */
  open(pid: number, groups: NativeEventSpec[][]): { handle: unknown; threads: number; rowWidth: number; status: NativeEventStatus[][] };
  /**
   * One row per (thread, group) that opened, rowWidth long: [group, enabled ns, running ns,
   * raw value of each event of the group (NaN: not open)]. Unscaled; a failed read is all NaN.
   */
  read(handle: unknown): Float64Array;
  close(handle: unknown): void;
}

export type PerfAddonStatus = { available: true; binding: PerfEventBinding } | { available: false; reason: string };

export function defaultPerfAddonDir(): string {
  return join(packageRoot(), 'native', 'perf');
}

export function perfAddonPath(dir = defaultPerfAddonDir()): string {
  return join(dir, 'build', 'Release', 'edgescope_perf.node');
}

const loaded = new Map<string, PerfEventBinding>();

/** `addonDir` is for tests of other build trees; everything else uses this installation's. */
export function loadPerfEventAddon(addonDir = defaultPerfAddonDir()): PerfAddonStatus {
  if (process.env[PERF_ADDON_ENV] === 'off') return { available: false, reason: `perf addon disabled by ${PERF_ADDON_ENV}=off` };
  if (process.platform !== 'linux') return { available: false, reason: `perf_event_open is Linux only (this is ${process.platform})` };
  const path = perfAddonPath(addonDir);
  const cached = loaded.get(path);
  if (cached) return { available: true, binding: cached };
  if (!existsSync(path)) return { available: false, reason: `perf addon not built (${whyNotBuilt(addonDir)})` };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const binding = require(path) as PerfEventBinding;
    loaded.set(path, binding);
    return { available: true, binding };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { available: false, reason: `perf addon failed to load (${oneLine(message)})` };
  }
}

function whyNotBuilt(addonDir: string): string {
  try {
    const reason = readFileSync(join(addonDir, 'build', 'unavailable.txt'), 'utf8').trim();
    if (reason) return oneLine(reason);
  } catch {
    // no record: the build never ran
  }
  return 'run npm install, or node scripts/build-native.js perf';
}
