/**
 * `edgescope import`: vendor tool measurements (OpenVINO benchmark_app, TFLite
 * benchmark_model) as an edgescope report, from a recorded file or by launching the tool.
 */
import { resolve } from 'node:path';
import { engineEnv } from '../engine/engine';
import { runImportJob } from '../engine/import/import-job';
import type { VendorFormat } from '../engine/import/vendor-profile';
import type { ImportCommand } from './args';
import { table } from './summary-table';

export async function importVendor(cmd: ImportCommand, argv: string[]): Promise<number> {
  const { report, files, historyError } = await runImportJob(
    engineEnv(),
    {
      format: cmd.format as VendorFormat,
      file: cmd.file,
      run: cmd.run,
      model: cmd.model,
      device: cmd.device,
      iterations: cmd.iterations,
      outDir: resolve(cmd.outDir),
    },
    { commandLine: ['edgescope', ...argv] },
  );
  // As profile does: the import stands even when the history could not record it.
  if (historyError) process.stderr.write(`edgescope: warning: the import was not recorded in the history: ${historyError}\n`);
  if (cmd.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const run = report.variants[0].runs[0];
  const top = [...run.ops].sort((a, b) => b.durUs - a.durUs).slice(0, 10);
  const lines = [
    `${run.ep}: ${run.ops.length} ops, latency mean ${run.latencyMs.mean.toFixed(3)} ms, median ${run.latencyMs.median.toFixed(3)} ms (vendor-reported)`,
    table(
      ['op', 'type', 'avg ms', 'share', 'GFLOP'],
      top.map((o) => [o.name, o.opType, (o.durUs / 1000).toFixed(3), `${((100 * o.durUs) / Math.max(run.totals.opUs, 1e-9)).toFixed(1)}%`, o.flops === null ? '' : (o.flops / 1e9).toFixed(4)]),
    ),
    ...report.warnings.map((w) => `note: ${w}`),
    `wrote ${files.report}`,
    `wrote ${files.html}`,
    `wrote ${files.trace}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
