/**
 * Plain-text tables for the terminal: the profile summary, the model summary and the
 * device inventory.
 */
import type { LatencyStats, ModelInfo, Report } from '../../shared/report';
import type { DeviceBackend, DeviceInventory } from '../engine/devices/inventory';
import {
  formatBandwidth,
  formatBytes,
  formatCount,
  formatDurationMs,
  formatDurationUs,
  formatFlopRate,
  formatPercent,
  formatPValue,
  formatRatio,
  formatShape,
} from '../engine/report/html/format';
import { runConditions } from '../../shared/run-conditions';

export function table(headers: string[], rows: string[][], rightAligned: readonly number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Runs in the statistics, with the warm-up runs steady-state detection left out and the outliers it flagged. */
function runCount(stats: LatencyStats): string {
  const notes = [
    stats.warmupDiscarded ? `-${stats.warmupDiscarded} warm-up` : '',
    stats.outlierRuns?.length ? `${stats.outlierRuns.length} outlier${stats.outlierRuns.length > 1 ? 's' : ''}` : '',
    stats.steady === false ? 'not steady' : '',
  ].filter((n) => n !== '');
  return notes.length > 0 ? `${stats.n} (${notes.join(', ')})` : String(stats.n);
}

/** Per run: energy per inference by source, a throttling verdict, and in cold-cache mode the ops caches helped most. */
function runExtras(report: Report): string[] {
  const out: string[] = [];
  for (const v of report.variants) {
    for (const r of v.runs) {
      const label = `${v.id}@${r.ep}`;
      const energy = (r.energy ?? []).filter((e) => e.joulesPerInference !== undefined);
      if (energy.length > 0) {
        out.push(`energy   ${label}: ${energy.map((e) => `${(e.joulesPerInference! * 1000).toFixed(3)} mJ/inference (${e.series}, ${e.averageW?.toFixed(2) ?? '?'} W)`).join(', ')}`);
      }
      if (r.throttling && typeof r.throttling === 'object' && r.throttling.throttled) out.push(`throttle ${label}: ${r.throttling.evidence.join('; ')}`);
      if (r.coldCache) {
        const c = r.coldCache;
        out.push(`cold cache ${label}: ${c.warmRuns} warm / ${c.coldRuns} cold profiled runs, flush ${formatBytes(c.flushBytes)} in ${formatDurationMs(c.flushMedianMs)}; ops warm ${formatDurationUs(c.totals.warmUs)}, cold ${formatDurationUs(c.totals.coldUs)}, DRAM share ${formatPercent(c.totals.coldUs > 0 ? c.totals.dramUs / c.totals.coldUs : 0, 0)}`);
        const top = [...c.ops].sort((a, b) => b.dramUs - a.dramUs).slice(0, 8);
        out.push(table(['op', 'warm', 'cold', 'DRAM (cold - warm)', 'share', 'p'], top.map((o) => [o.name, formatDurationUs(o.warmUs), formatDurationUs(o.coldUs), formatDurationUs(o.dramUs), formatPercent(o.dramShare, 0), formatPValue(o.pValue)]), [1, 2, 3, 4, 5]));
      }
    }
  }
  if (out.length > 0) out.unshift('');
  return out;
}

export function formatProfileSummary(report: Report, files: { report: string; html: string; trace: string; models: string[] }): string {
  const { machine, model } = report;
  const c = machine.ceilings;
  const out: string[] = [];
  out.push(`model    ${model.path}`);
  out.push(`         ${formatCount(model.parameterCount)} parameters, ${formatBytes(model.weightBytes)} of weights, ${model.opCount} nodes`);
  out.push(`machine  ${machine.cpu}, ${machine.cores} cores, ${formatBytes(machine.memoryBytes)} RAM`);
  out.push(
    `ceilings ${formatBandwidth(c.memoryBandwidthBytesPerSec)} DRAM, ${formatBandwidth(c.cacheBandwidthBytesPerSec)} cache, ${formatFlopRate(c.peakFlopsPerSec)}, t0 ${formatDurationUs(c.opOverheadUs)}${c.cached ? ' (cached)' : ''}`,
  );
  if (report.environment) out.push(`runs on  ${runConditions(report.environment)}`);
  out.push('');
  const runRows = report.variants.flatMap((v) =>
    v.runs.map((r) => {
      const t = r.totals;
      const split = t.opUs > 0 ? `${formatPercent(t.memoryUs / t.opUs, 0)} / ${formatPercent(t.computeUs / t.opUs, 0)} / ${formatPercent(t.overheadUs / t.opUs, 0)}` : '-';
      return [
        v.id,
        r.ep,
        `${formatPercent(v.sparsity, 1)}`,
        formatDurationMs(r.latencyMs.median),
        `[${formatDurationMs(r.latencyMs.ci95[0])}, ${formatDurationMs(r.latencyMs.ci95[1])}]`,
        formatDurationMs(r.latencyMs.p90),
        runCount(r.latencyMs),
        `${r.throughputPerSec.toFixed(1)}/s`,
        split,
      ];
    }),
  );
  out.push(table(['variant', 'ep', 'sparsity', 'median', '95% CI', 'p90', 'n', 'throughput', 'mem / compute / overhead'], runRows, [2, 3, 5, 6, 7]));
  if (report.comparisons.length > 0) {
    out.push('');
    const rows = report.comparisons.map((cmp) => [
      `${cmp.candidate}@${cmp.ep} vs ${cmp.baseline}@${cmp.baselineEp}`,
      formatRatio(cmp.speedupMedian),
      `[${formatRatio(cmp.ci95[0])}, ${formatRatio(cmp.ci95[1])}]`,
      cmp.significant ? 'yes' : 'no',
      formatPValue(cmp.mannWhitney?.p),
      `${formatBytes(cmp.baselineFileBytes)} -> ${formatBytes(cmp.candidateFileBytes)}`,
    ]);
    out.push(table(['comparison', 'speedup', '95% CI', 'significant', 'p (Mann-Whitney)', 'file size'], rows, [1, 2, 4]));
  }
  const verified = report.variants.filter((v) => v.verification);
  if (verified.length > 0) {
    out.push('');
    out.push(
      table(
        ['variant', 'max |err|', 'mean |err|', 'cosine', 'top-1 agreement'],
        verified.map((v) => {
          const ver = v.verification!;
          return [v.id, ver.maxAbsError.toExponential(2), ver.meanAbsError.toExponential(2), ver.cosine.toFixed(4), formatPercent(ver.top1Agreement, 0)];
        }),
        [1, 2, 3, 4],
      ),
    );
  }
  out.push(...runExtras(report));
  for (const w of report.warnings) out.push(`warning: ${w}`);
  out.push('');
  out.push(`wrote ${files.report}`);
  out.push(`      ${files.html}`);
  out.push(`      ${files.trace}`);
  for (const m of files.models) out.push(`      ${m}`);
  return out.join('\n');
}

export function formatModelSummary(model: ModelInfo): string {
  const out: string[] = [];
  out.push(`model       ${model.path}`);
  out.push(`sha256      ${model.sha256}`);
  out.push(`producer    ${model.producer || '-'} (IR ${model.irVersion}, ${model.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')})`);
  out.push(`parameters  ${formatCount(model.parameterCount)} (${formatBytes(model.weightBytes)}), ${model.opCount} nodes`);
  out.push('');
  out.push(
    table(
      ['', 'name', 'dtype', 'shape'],
      [
        ...model.inputs.map((i) => ['input', i.name, i.dtype, `[${i.shape.map((d) => d ?? '?').join(', ')}]`]),
        ...model.outputs.map((o) => ['output', o.name, o.dtype, `[${o.shape.map((d) => d ?? '?').join(', ')}]`]),
      ],
    ),
  );
  out.push('');
  out.push(table(['op type', 'count'], Object.entries(model.opHistogram).map(([k, v]) => [k, String(v)]), [1]));
  out.push('');
  out.push(
    table(
      ['initializer', 'dtype', 'shape', 'bytes', 'sparsity'],
      model.initializers.map((i) => [i.name, i.dtype, formatShape(i.dims), formatBytes(i.bytes), formatPercent(i.sparsity, 1)]),
      [3, 4],
    ),
  );
  return out.join('\n');
}

function formatMhz(mhz: number | null): string | null {
  return mhz === null ? null : `${(mhz / 1000).toFixed(2)} GHz`;
}

/** A device's candidate EPs, one a line under the device: ep, yes/no, reason. */
function backendLines(backends: readonly DeviceBackend[]): string[] {
  if (backends.length === 0) return ['    no execution provider or vendor runtime can use it'];
  const width = Math.max(...backends.map((b) => b.ep.length));
  return backends.map((b) => `    ${b.ep.padEnd(width)}  ${b.available ? 'yes' : 'no '}  ${b.reason ?? ''}`.trimEnd());
}

export function formatDeviceInventory(inv: DeviceInventory): string {
  const { cpu } = inv;
  const out: string[] = [];
  const frequency = [formatMhz(cpu.currentMhz), cpu.maxMhz === null ? null : `max ${formatMhz(cpu.maxMhz)}`].filter((f) => f !== null);
  out.push(`cpu      ${cpu.model} (${cpu.arch}), ${cpu.cores} cores, ${cpu.logicalCores} threads, ${frequency.length > 0 ? frequency.join(', ') : 'frequency unknown'}`);
  if (cpu.caches.length > 0) out.push(`         caches ${cpu.caches.map((c) => `${c.level} ${formatBytes(c.bytes)}`).join(', ')}`);
  out.push(`memory   ${formatBytes(inv.memoryBytes)}`);
  out.push(`os       ${inv.os}`);
  out.push('');
  if (inv.gpus.length === 0) out.push('gpus: none found');
  else out.push('gpus');
  for (const g of inv.gpus) {
    const ids = g.vendorId && g.productId ? `${g.vendorId}:${g.productId}` : null;
    const details = [ids, g.address, g.vramBytes !== null ? formatBytes(g.vramBytes) : null, g.driver ? `driver ${g.driver}` : null].filter((d) => d !== null);
    out.push(`  ${g.name}${details.length > 0 ? ` [${details.join(', ')}]` : ''}`, ...backendLines(g.backends));
  }
  out.push('');
  if (inv.accelerators.length === 0) out.push('accelerators: none recognised');
  else out.push('accelerators');
  for (const a of inv.accelerators) {
    out.push(`  ${a.name} [${a.bus} ${a.vendorId}:${a.productId}, ${a.address}]: ${a.state}`);
    if (a.note) out.push(`    note: ${a.note}`);
    out.push(...backendLines(a.backends));
  }
  out.push('');
  out.push('execution providers of this onnxruntime-node');
  out.push(table(['ep', 'available', 'reason'], inv.eps.map((e) => [e.name, e.available ? 'yes' : 'no', e.reason ?? ''])));
  for (const note of inv.notes) out.push(`note: ${note}`);
  return out.join('\n');
}
