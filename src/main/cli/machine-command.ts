/**
 * `edgescope machine`: this machine's characterization (cache levels' and DRAM bandwidth,
 * peak fp32 and int8, t0) from the per-machine cache, or measured now in a run worker.
 */
import type { BackendStatus } from '../../shared/report';
import { engineEnv } from '../engine/engine';
import { characterizationFor, DRAM_LEVEL, type MachineCharacterization } from '../engine/machine/characterization';
import { machineInventory } from '../engine/machine/machine-info';
import { probeBackends, requireBackends } from '../engine/run/backends';
import { RunWorker } from '../engine/run/runner';
import { formatBandwidth, formatBytes, formatDurationUs, formatFlopRate } from '../engine/report/html/format';
import type { MachineCommand } from './args';
import { table } from './summary-table';

export async function characterizeMachine(
  cmd: MachineCommand,
  onProgress?: (fraction: number, message: string) => void,
): Promise<MachineCharacterization> {
  const env = engineEnv();
  const machine = await machineInventory();
  return characterizationFor(
    {
      cacheDir: env.cacheDir,
      fingerprint: machine.fingerprint,
      caches: machine.caches,
      clockOriginNs: process.hrtime.bigint(),
      onProgress,
      startWorker: async () => {
        const worker = await RunWorker.start(env.workerScriptPath);
        try {
          const statuses: BackendStatus[] = await probeBackends(worker, env.cacheDir);
          requireBackends([cmd.ep], statuses);
          return worker;
        } catch (err) {
          await worker.dispose();
          throw err;
        }
      },
    },
    cmd.ep,
    cmd.threads ?? machine.cores,
    cmd.recalibrate,
  );
}

/** One row per level and thread count measured, then the compute ceilings. */
export function formatMachine(m: MachineCharacterization): string {
  const counts = [...new Set(m.bandwidthCurve.map((p) => p.threads))].sort((a, b) => a - b);
  const levels = [...m.caches.map((c) => ({ level: c.level, bytes: formatBytes(c.bytes), plateau: c.bandwidthBytesPerSec, note: c.overheadBound ? 'bound by t0' : '' })),
    { level: DRAM_LEVEL, bytes: '', plateau: m.dramBandwidthBytesPerSec, note: '' }];
  const rows = levels.map((l) => {
    const points = m.bandwidthCurve.filter((p) => p.level === l.level);
    const sets = [...new Set(points.map((p) => p.workingSetBytes))].map((b) => formatBytes(b)).join(', ');
    const perThreads = counts.map((t) => {
      const best = Math.max(0, ...points.filter((p) => p.threads === t).map((p) => p.bandwidthBytesPerSec));
      return best > 0 ? formatBandwidth(best) : '';
    });
    return [l.level, l.bytes, sets, ...perThreads, formatBandwidth(l.plateau), l.note];
  });
  const headers = ['level', 'size', 'working sets', ...counts.map((t) => `best ${t}T`), `plateau ${m.threads}T`, ''];
  const rightAligned = [1, ...counts.map((_, i) => 3 + i), 3 + counts.length];
  const int8 = m.peakInt8OpsPerSec !== null ? formatFlopRate(m.peakInt8OpsPerSec).replace('FLOP/s', 'OP/s') : `unavailable: ${m.int8Unavailable ?? 'unknown reason'}`;
  return [
    `machine ${m.fingerprint}  ep ${m.ep}  threads ${m.threads}  ${m.cached ? `cached (measured ${m.measuredAt})` : `measured in ${(m.measurementMs / 1000).toFixed(1)} s`}`,
    '',
    table(headers, rows, rightAligned),
    '',
    `DRAM ceiling (profile)  ${formatBandwidth(m.memoryBandwidthBytesPerSec)}`,
    `peak fp32               ${formatFlopRate(m.peakFlopsPerSec)}`,
    `peak int8               ${int8}`,
    `t0 (per-op overhead)    ${formatDurationUs(m.opOverheadUs)}`,
  ].join('\n');
}
