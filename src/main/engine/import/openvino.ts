/**
 * OpenVINO benchmark_app (2022.3) output: the per-layer performance counters written with
 * `-report_type average_counters|detailed_counters` (benchmark_<type>_report.csv, or .json
 * with `-json_stats`) and the run summary (benchmark_report.csv / benchmark_report.json).
 *
 * CSV layout (statistics_report.cpp): ';'-separated, every line ends with the separator;
 * a header `layerName;execStatus;layerType;execType;realTime (ms);cpuTime (ms)`, one row per
 * layer, a `Total` row, a blank line. detailed_counters repeats the table once per infer
 * request; they are averaged by layer name, as benchmark_app's own average does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { malformed, parseMs, type VendorLatency, type VendorOp, type VendorProfile } from './vendor-profile';

const COUNTER_HEADER = ['layerName', 'execStatus', 'layerType', 'execType', 'realTime (ms)', 'cpuTime (ms)'];

interface Counters {
  ops: VendorOp[];
  /** Layers the device skipped (NOT_RUN, OPTIMIZED_OUT): no time, not in the timeline. */
  skipped: number;
  /** Infer requests the table(s) cover (detailed_counters: one table each). */
  tables: number;
}

interface Summary {
  device: string | null;
  modelPath: string | null;
  latency: VendorLatency | null;
  throughputPerSec?: number;
  firstRunMs?: number;
}

function fields(line: string): string[] {
  const parts = line.split(';');
  if (parts.length > 1 && parts[parts.length - 1].trim() === '') parts.pop(); // trailing separator
  return parts.map((p) => p.trim());
}

/** Several tables of one layer each: averaged by name, in first-seen order. */
function averageTables(tables: VendorOp[][]): VendorOp[] {
  const sums = new Map<string, VendorOp>();
  for (const table of tables) {
    for (const op of table) {
      const seen = sums.get(op.name);
      if (seen) seen.avgMs += op.avgMs;
      else sums.set(op.name, { ...op });
    }
  }
  return [...sums.values()].map((op) => ({ ...op, avgMs: op.avgMs / tables.length }));
}

export function parseOpenVinoCountersCsv(text: string, file: string): Counters {
  const tables: VendorOp[][] = [];
  let current: VendorOp[] | null = null;
  let skipped = 0;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    const f = fields(raw);
    if (f[0] === 'layerName') {
      if (COUNTER_HEADER.some((h, k) => f[k] !== h)) malformed(file, lineNo, `unexpected header '${raw.trim()}' (expected ${COUNTER_HEADER.join(';')})`);
      current = [];
      tables.push(current);
      continue;
    }
    if (!current) malformed(file, lineNo, `expected the header ${COUNTER_HEADER.join(';')} before any row`);
    if (f[0] === 'Total') {
      current = null;
      continue;
    }
    if (f.length < 6) malformed(file, lineNo, `expected 6 ';'-separated fields (layerName;execStatus;layerType;execType;realTime;cpuTime), got ${f.length}`);
    const [name, status, layerType, execType, realTime] = f;
    const avgMs = parseMs(realTime, file, lineNo, 'realTime (ms)');
    if (status !== 'EXECUTED') {
      if (!['NOT_RUN', 'OPTIMIZED_OUT'].includes(status)) malformed(file, lineNo, `unknown execStatus '${status}'`);
      skipped++;
      continue;
    }
    current.push({ name, opType: layerType, execType, avgMs });
  }
  if (tables.length === 0) malformed(file, null, `no performance-counter table (header ${COUNTER_HEADER.join(';')}) found`);
  return { ops: averageTables(tables), skipped: tables.length > 1 ? Math.round(skipped / tables.length) : skipped, tables: tables.length };
}

/** True while `prefix` can still be the start of valid JSON. */
function validSoFar(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    // Valid so far: the parser ran out of input, here or at the end ('at position <length>').
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message)?.[1];
    return /end of (JSON )?input/i.test(message) || Number(at) === prefix.length;
  }
}

/**
 * Line of the first character that makes `text` invalid JSON (Node 20's messages do not
 * always give a position): the shortest invalid prefix, by bisection.
 */
function jsonErrorLine(text: string): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (validSoFar(text.slice(0, mid + 1))) lo = mid + 1;
    else hi = mid;
  }
  return text.slice(0, lo + 1).split('\n').length;
}

function parseJson(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    malformed(file, jsonErrorLine(text), `not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) malformed(file, 1, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function nodesOf(table: unknown, file: string, where: string): { ops: VendorOp[]; skipped: number } {
  const nodes = (table as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) malformed(file, null, `${where}.nodes is not a list`);
  const ops: VendorOp[] = [];
  let skipped = 0;
  for (const [i, n] of nodes.entries()) {
    const node = n as Record<string, unknown>;
    const at = `${where}.nodes[${i}]`;
    if (typeof node?.name !== 'string' || typeof node.node_type !== 'string') malformed(file, null, `${at} lacks a name or node_type`);
    const realTime = Number(node.real_time);
    if (!Number.isFinite(realTime) || realTime < 0) malformed(file, null, `${at}.real_time '${String(node.real_time)}' is not a non-negative number`);
    if (node.status !== 'EXECUTED') {
      skipped++;
      continue;
    }
    ops.push({ name: node.name, opType: node.node_type, execType: typeof node.exec_type === 'string' ? node.exec_type : undefined, avgMs: realTime });
  }
  return { ops, skipped };
}

export function parseOpenVinoCountersJson(json: Record<string, unknown>, file: string): Counters | null {
  if (json.avg_performance !== undefined) {
    const { ops, skipped } = nodesOf(json.avg_performance, file, 'avg_performance');
    return { ops, skipped, tables: 1 };
  }
  if (json.detailed_performance !== undefined) {
    const tables = json.detailed_performance;
    if (!Array.isArray(tables) || tables.length === 0) malformed(file, null, 'detailed_performance is not a non-empty list');
    const parsed = tables.map((t, i) => nodesOf(t, file, `detailed_performance[${i}]`));
    return { ops: averageTables(parsed.map((p) => p.ops)), skipped: parsed[0].skipped, tables: tables.length };
  }
  return null;
}

function finite(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** benchmark_report.json: cmd_options, configuration_setup, execution_results. */
export function parseOpenVinoSummaryJson(json: Record<string, unknown>): Summary | null {
  const results = json.execution_results as Record<string, unknown> | undefined;
  const cmd = (json.cmd_options ?? {}) as Record<string, unknown>;
  if (!results && !json.cmd_options) return null;
  const device = [cmd.target_device, cmd.d, cmd.device].find((d): d is string => typeof d === 'string' && d !== '') ?? null;
  const modelPath = [cmd.m, cmd.model, cmd.network].find((d): d is string => typeof d === 'string' && d !== '') ?? null;
  const mean = finite(results?.latency_avg);
  const latency: VendorLatency | null = mean === undefined ? null : {
    meanMs: mean,
    medianMs: finite(results?.latency_median),
    minMs: finite(results?.latency_min),
    maxMs: finite(results?.latency_max),
    count: finite(results?.iterations_num),
  };
  return { device, modelPath, latency, throughputPerSec: finite(results?.throughput), firstRunMs: finite(results?.first_inference_time) };
}

/** benchmark_report.csv: `key;value;` lines in sections; keys are benchmark_app's labels. */
export function parseOpenVinoSummaryCsv(text: string): Summary {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const f = fields(line);
    if (f.length >= 2 && f[0] !== '') values.set(f[0].toLowerCase(), f[1]);
  }
  const find = (pattern: RegExp): string | undefined => [...values.entries()].find(([k]) => pattern.test(k))?.[1];
  const mean = finite(find(/^average latency/));
  return {
    device: find(/^(target device|device|d)$/) ?? null,
    modelPath: find(/^(path to the model|model|network|m)$/) ?? null,
    latency: mean === undefined ? null : {
      meanMs: mean,
      medianMs: finite(find(/^median latency/)),
      minMs: finite(find(/^min latency/)),
      maxMs: finite(find(/^max latency/)),
      count: finite(find(/^total number of iterations/)),
    },
    throughputPerSec: finite(find(/^throughput/)),
    firstRunMs: finite(find(/^first inference time/)),
  };
}

const COUNTER_FILES = ['benchmark_average_counters_report', 'benchmark_detailed_counters_report'];

function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * A benchmark_app output file, and what benchmark_app wrote next to it: counters and
 * summary complete each other whichever of them FILE is.
 */
export function readOpenVino(path: string): VendorProfile {
  const text = readFileSync(path, 'utf8');
  const dir = dirname(path);
  const files = [path];
  const notes: string[] = [];
  let counters: Counters | null = null;
  let summary: Summary | null = null;

  if (path.toLowerCase().endsWith('.json')) {
    const json = parseJson(text, path);
    counters = parseOpenVinoCountersJson(json, path);
    summary = parseOpenVinoSummaryJson(json);
    if (!counters && !summary) malformed(path, 1, 'neither performance counters (avg_performance, detailed_performance) nor benchmark results (execution_results)');
  } else if (/^\s*layerName;/m.test(text)) {
    counters = parseOpenVinoCountersCsv(text, path);
  } else {
    summary = parseOpenVinoSummaryCsv(text);
  }

  if (!counters) {
    for (const name of COUNTER_FILES) {
      const json = join(dir, `${name}.json`);
      const csv = join(dir, `${name}.csv`);
      const jsonText = readIfExists(json);
      if (jsonText !== null) counters = parseOpenVinoCountersJson(parseJson(jsonText, json), json);
      else {
        const csvText = readIfExists(csv);
        if (csvText !== null) counters = parseOpenVinoCountersCsv(csvText, csv);
      }
      if (counters) {
        files.push(jsonText !== null ? json : csv);
        break;
      }
    }
    if (!counters) malformed(path, null, `has no per-layer counters, and no ${COUNTER_FILES.join('.csv/.json or ')}.csv/.json is next to it (run benchmark_app with -report_type average_counters)`);
  }
  if (!summary || !summary.latency) {
    const jsonPath = join(dir, 'benchmark_report.json');
    const csvPath = join(dir, 'benchmark_report.csv');
    const jsonText = basename(path) === 'benchmark_report.json' ? null : readIfExists(jsonPath);
    const csvText = basename(path) === 'benchmark_report.csv' ? null : readIfExists(csvPath);
    const found = jsonText !== null ? parseOpenVinoSummaryJson(parseJson(jsonText, jsonPath)) : csvText !== null ? parseOpenVinoSummaryCsv(csvText) : null;
    if (found) {
      files.push(jsonText !== null ? jsonPath : csvPath);
      summary = { ...found, device: summary?.device ?? found.device, modelPath: summary?.modelPath ?? found.modelPath };
    }
  }
  if (counters.skipped > 0) notes.push(`${counters.skipped} layers the device did not run (NOT_RUN, OPTIMIZED_OUT) are left out`);
  if (counters.tables > 1) notes.push(`per-layer times are the average of ${counters.tables} infer requests' detailed counters`);
  return {
    format: 'openvino',
    tool: 'openvino-benchmark_app',
    device: summary?.device ?? null,
    modelPath: summary?.modelPath ?? null,
    ops: counters.ops,
    latency: summary?.latency ?? null,
    firstRunMs: summary?.firstRunMs,
    throughputPerSec: summary?.throughputPerSec,
    files,
    notes,
  };
}
