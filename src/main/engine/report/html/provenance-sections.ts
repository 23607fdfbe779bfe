/**
 * The parts of the HTML report that say what was measured, where and how: the header
 * (model, machine, ceilings, settings), warnings, and the environment section at the end
 * (backends, ceilings per run, every setting, tool versions).
 */
import type { Ceilings, EnvironmentInfo, ProfileSettings, Report } from '../../../../shared/report';
import {
  formatBandwidth,
  formatBytes,
  formatCount,
  formatDurationUs,
  formatFixed,
  formatFlopRate,
  formatInteger,
  formatPercent,
  formatShape,
  formatShortHash,
} from './format';
import { html, type HtmlValue, type SafeHtml } from './safe-html';
import { table, yesNo } from './table';
import { runLabel } from './variant-runs';

function keyValues(entries: readonly [string, HtmlValue][]): SafeHtml {
  return html`<dl class="kv">${entries.map(([key, value]) => html`<dt>${key}</dt><dd>${value}</dd>`)}</dl>`;
}

function card(title: string, body: SafeHtml): SafeHtml {
  return html`<section class="card"><h3>${title}</h3>${body}</section>`;
}

/** The run conditions (governor, frequency, temperature, power, drivers): a reading, or why there is none. */
function conditionsList(env: EnvironmentInfo): SafeHtml {
  const mhz = (v: number | string) => (typeof v === 'number' ? `${formatInteger(v)} MHz` : v);
  const list = (v: string[] | string) => (Array.isArray(v) ? v.join(', ') || 'none' : v);
  const f = env.cpuFrequencyMhz;
  return keyValues([
    ['collected', formatTimestamp(env.collectedAt)],
    ['CPU governor', env.cpuGovernor],
    // One reason when all three are unreadable for the same one.
    ['CPU frequency (cpu0)', typeof f.current === 'string' && f.current === f.min && f.current === f.max ? f.current : `current ${mhz(f.current)} · min ${mhz(f.min)} · max ${mhz(f.max)}`],
    ['temperatures', Array.isArray(env.temperatures) ? env.temperatures.map((t) => `${t.sensor} ${formatFixed(t.celsius, 1)} °C`).join(', ') : env.temperatures],
    ['power source', env.powerSource],
    ['GPU drivers', list(env.gpuDrivers)],
    ['Vulkan drivers', list(env.vulkanDrivers)],
    ['model files', Object.entries(env.modelSha256).map(([id, sha]) => `${id} ${formatShortHash(sha)}`).join(', ')],
  ]);
}

/** "2025-11-28T09:14:41.512Z" -> "2025-11-28 09:14:41 UTC"; anything else unchanged. */
export function formatTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** The last component of a POSIX or Windows path. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** "90% (per layer)": the pruned variants' target sparsities and how they were applied. */
function pruning(settings: ProfileSettings): string {
  if (settings.pruneSparsities.length === 0) return 'none';
  const scope = settings.pruneScope === 'global' ? 'global' : 'per layer';
  return `${settings.pruneSparsities.map((s) => formatPercent(s, 0)).join(', ')} (${scope})`;
}

/** FLOP per byte where compute and memory bounds meet (pi / beta). */
function ridgePoint(ceilings: Ceilings): number {
  return ceilings.peakFlopsPerSec / ceilings.memoryBandwidthBytesPerSec;
}

function ceilingsSource(ceilings: Ceilings): string {
  return ceilings.cached ? `cached, measured ${formatTimestamp(ceilings.measuredAt)}` : 'measured by this job';
}

export function renderHeader(report: Report): SafeHtml {
  const { model, machine, settings, tool } = report;
  const ceilings = machine.ceilings;
  const opMix = Object.entries(model.opHistogram)
    .sort((a, b) => b[1] - a[1])
    .map(([opType, count]) => `${opType} ${count}`)
    .join(', ');
  const modelCard = keyValues([
    ['sha256', html`<span class="mono" title="${model.sha256}">${formatShortHash(model.sha256)}</span>`],
    ['parameters', html`${formatCount(model.parameterCount)} <span class="muted">(${formatInteger(model.parameterCount)})</span>`],
    ['weights', formatBytes(model.weightBytes)],
    ['file', formatBytes(model.fileBytes)],
    ['nodes', html`${formatInteger(model.opCount)} <span class="muted">(${opMix})</span>`],
    ['inputs', model.inputs.map((input) => `${input.name}: ${input.dtype}[${input.shape.map((d) => d ?? '?').join('×')}]`).join(', ')],
  ]);
  const machineCard = keyValues([
    ['CPU', machine.cpu],
    ['cores', `${machine.cores} physical, ${machine.logicalCores} logical`],
    ['memory', formatBytes(machine.memoryBytes)],
    ['caches', machine.caches.map((c) => `${c.level} ${formatBytes(c.bytes)}`).join(' · ')],
    ['OS', `${machine.os} (${machine.arch})`],
  ]);
  const ceilingsCard = keyValues([
    ['DRAM bandwidth', formatBandwidth(ceilings.memoryBandwidthBytesPerSec)],
    ['cache bandwidth', formatBandwidth(ceilings.cacheBandwidthBytesPerSec)],
    ['peak compute', formatFlopRate(ceilings.peakFlopsPerSec)],
    ['op overhead t0', formatDurationUs(ceilings.opOverheadUs)],
    ['ridge point', `${formatFixed(ridgePoint(ceilings), 1)} FLOP/B`],
    ['for', `${ceilings.ep}, ${ceilings.threads} threads; ${ceilingsSource(ceilings)}`],
  ]);
  const settingsCard = keyValues([
    ['EPs', settings.eps.join(', ')],
    ['threads · batch', `${settings.threads} · ${settings.batch}`],
    ['runs', `${settings.warmupRuns} warm-up, ${settings.timedRuns} timed, ${settings.profiledRuns} profiled`],
    ['graph optimization', settings.graphOptimizationLevel],
    ['pruning', pruning(settings)],
    ['seed', String(settings.seed)],
  ]);
  return html`<header>
  <div class="eyebrow">${tool.name} ${tool.version} · ONNX Runtime ${tool.onnxruntimeVersion} · Node ${tool.nodeVersion} · generated ${formatTimestamp(report.generatedAt)}</div>
  <h1>${fileName(model.path)}</h1>
  <div class="path mono">${model.path}</div>
  <div class="facts">
    ${card('Model', modelCard)}
    ${card('Machine', machineCard)}
    ${card('Ceilings', ceilingsCard)}
    ${card('Settings', settingsCard)}
  </div>
</header>`;
}

export function renderWarnings(report: Report): SafeHtml {
  const failures = report.variants.flatMap((variant) =>
    variant.failures.map((failure) => `${runLabel(variant.id, failure.ep)} failed: ${failure.error}`),
  );
  const items = [...report.warnings, ...failures];
  if (items.length === 0) return html``;
  return html`<section class="warnings" id="warnings"><h2>Warnings</h2><ul>${items.map((item) => html`<li>${item}</li>`)}</ul></section>`;
}

export function renderEnvironment(report: Report): SafeHtml {
  const { settings, tool, machine, model } = report;
  const backends = table(
    [
      { header: 'EP', cell: (b) => b.ep },
      { header: 'bundled', cell: (b) => yesNo(b.bundled) },
      { header: 'available', cell: (b) => yesNo(b.available) },
      { header: 'reason', className: 'flags', cell: (b) => b.reason ?? '' },
    ],
    report.backends,
  );
  const ceilings = table<Ceilings>(
    [
      { header: 'EP', cell: (c) => c.ep },
      { header: 'threads', numeric: true, cell: (c) => c.threads },
      { header: 'DRAM bandwidth', unit: 'GB/s', numeric: true, cell: (c) => formatFixed(c.memoryBandwidthBytesPerSec / 1e9, 1) },
      { header: 'cache bandwidth', unit: 'GB/s', numeric: true, cell: (c) => formatFixed(c.cacheBandwidthBytesPerSec / 1e9, 1) },
      { header: 'peak compute', unit: 'GFLOP/s', numeric: true, cell: (c) => formatFixed(c.peakFlopsPerSec / 1e9, 1) },
      { header: 't0', unit: 'µs', numeric: true, cell: (c) => formatFixed(c.opOverheadUs, 2) },
      { header: 'ridge point', unit: 'FLOP/B', numeric: true, cell: (c) => formatFixed(ridgePoint(c), 1) },
      { header: 'LLC assumed', numeric: true, cell: (c) => formatBytes(c.lastLevelCacheBytes) },
      { header: 'source', cell: ceilingsSource },
    ],
    machine.ceilingsByRun.length > 0 ? machine.ceilingsByRun : [machine.ceilings],
  );
  const record = (values: Record<string, number | number[]>) =>
    Object.entries(values)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? formatShape(value) : value}`)
      .join(', ') || 'none';
  const settingsList = keyValues([
    ['execution providers', settings.eps.join(', ')],
    ['intra-op threads', String(settings.threads)],
    ['batch', String(settings.batch)],
    ['symbolic dims', record(settings.dims)],
    ['input shapes', record(settings.shapes)],
    ['constant inputs', record(settings.inputValues)],
    ['warm-up runs', String(settings.warmupRuns)],
    ['timed runs', settings.minTimeMs > 0 ? `${settings.timedRuns}, for at least ${formatFixed(settings.minTimeMs, 0)} ms` : String(settings.timedRuns)],
    ['profiled runs', String(settings.profiledRuns)],
    ['graph optimization', settings.graphOptimizationLevel],
    ['seed', String(settings.seed)],
    ['pruning', pruning(settings)],
    ['counter sample period', `${formatFixed(settings.samplePeriodMs, 0)} ms`],
  ]);
  const toolList = keyValues([
    ['edgescope', tool.version],
    ['ONNX Runtime', tool.onnxruntimeVersion],
    ['Node.js', tool.nodeVersion],
    ['command line', tool.commandLine ? html`<code>${tool.commandLine.join(' ')}</code>` : '—'],
    ['machine fingerprint', html`<code>${machine.fingerprint}</code>`],
    ['model', html`IR ${model.irVersion}, ${model.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}, from ${model.producer || 'unknown producer'}`],
    ['model sha256', html`<code>${model.sha256}</code>`],
    ['outputs', model.outputs.map((output) => `${output.name}: ${output.dtype}[${output.shape.map((d) => d ?? '?').join('×')}]`).join(', ')],
  ]);
  return html`<section id="environment">
  <h2>Environment</h2>
  <h3>Backends</h3>${backends}
  <h3>Ceilings</h3>
  <p class="lede">Measured on this machine for each EP and thread count profiled: streaming bandwidth with working sets far larger than the last-level cache (DRAM) and fitting in it (cache), best FLOP/s of a large GEMM, and t0, the fixed cost of a trivial op.</p>
  ${ceilings}
  <div class="facts">${card('Settings', settingsList)}${card('Tools and model', toolList)}${report.environment ? card('Run conditions', conditionsList(report.environment)) : ''}</div>
</section>`;
}
