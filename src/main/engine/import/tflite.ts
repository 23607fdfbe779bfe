/**
 * TFLite benchmark_model output with --enable_op_profiling=true (the tool's stdout/log).
 *
 * Read: the parameter echo (`Graph: [...]`, delegate flags), the regular runs' `count=N first=
 * ... avg=... std=...` line, `Inference timings in us: Init: .., First inference: .., Warmup
 * (avg): .., Inference (avg): ..`, and the "Operator-wise Profiling Info for Regular Benchmark
 * Runs" section: its Run Order table (one row per node, columns named in the bracketed header;
 * older versions have a [start] column, newer ones not) and its Summary by node type table.
 * "Profiling Info for Benchmark Initialization" is the interpreter's setup, not inference: skipped.
 */
import { readFileSync } from 'node:fs';
import { malformed, parseMs, type VendorLatency, type VendorOp, type VendorProfile } from './vendor-profile';

const REGULAR_SECTION = 'Operator-wise Profiling Info for Regular Benchmark Runs';
const TIMINGS = /Inference timings in us: Init: ([^,]+), First inference: ([^,]+), Warmup \(avg\): ([^,]+), Inference \(avg\): (\S+)/;
const COUNT_LINE = /^(?:INFO: )?count=(\d+) first=(\S+) curr=\S+ min=(\S+) max=(\S+) avg=(\S+) std=(\S+)/;

export interface NodeTypeSummary {
  opType: string;
  count: number;
  avgMs: number;
  timesCalled: number;
}

export interface TfliteProfile extends VendorProfile {
  byNodeType: NodeTypeSummary[];
}

/** Log prefixes some builds add ("INFO: ", Android's "I tflite  : "). */
function stripPrefix(line: string): string {
  return line.replace(/^(INFO: |I tflite\s*: )/, '');
}

function headerColumns(line: string): string[] {
  return [...line.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
}

/**
 * One table row: the first column (a node type, which may contain spaces) and, for the run
 * order table, the last (a name, which may too) around a run of numeric columns.
 */
function splitRow(line: string, numericColumns: number, hasName: boolean): { first: string; numbers: string[]; name: string } | null {
  const num = String.raw`(-?[\d.]+(?:e[+-]?\d+)?%?)`;
  const pattern = new RegExp(String.raw`^\s*(.+?)\s+` + Array(numericColumns).fill(num).join(String.raw`\s+`) + (hasName ? String.raw`\s+(.+?)\s*$` : String.raw`\s*$`));
  const m = pattern.exec(line);
  if (!m) return null;
  return { first: m[1].trim(), numbers: m.slice(2, 2 + numericColumns), name: hasName ? m[2 + numericColumns] : '' };
}

/** '[MobilenetV1/Conv2d_0/Relu6]:0' -> 'MobilenetV1/Conv2d_0/Relu6'; 'Delegate/Conv (NHWC) GEMM:2' -> 'Delegate/Conv (NHWC) GEMM'. */
export function tfliteNodeName(raw: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(raw);
  if (bracketed) return bracketed[1];
  return raw.replace(/:\d+$/, '');
}

function deviceOf(text: string, ops: VendorOp[]): { device: string; note?: string } {
  if (ops.some((o) => o.opType === 'edgetpu-custom-op') || /libedgetpu|edgetpu delegate/i.test(text)) return { device: 'edgetpu' };
  if (/Use gpu: \[1\]/.test(text)) return { device: 'gpu' };
  if (/Use NNAPI: \[1\]|Use nnapi: \[1\]/.test(text) || ops.some((o) => o.opType === 'TfLiteNnapiDelegate')) return { device: 'nnapi' };
  if (/Use hexagon: \[1\]/.test(text)) return { device: 'hexagon' };
  return { device: 'cpu', note: 'no delegate named in the output: taken as a CPU run (give --device otherwise)' };
}

export function parseTfliteOutput(text: string, file: string): TfliteProfile {
  const lines = text.split(/\r?\n/).map(stripPrefix);
  const ops: VendorOp[] = [];
  const byNodeType: NodeTypeSummary[] = [];
  let latency: VendorLatency | null = null;
  let initMs: number | undefined;
  let firstRunMs: number | undefined;
  let modelPath: string | null = null;
  let countLine: { lineNo: number; m: RegExpExecArray } | null = null;

  let section: 'none' | 'regular' = 'none';
  let table: 'none' | 'run-order' | 'other' | 'by-type' = 'none';
  let columns: string[] = [];

  for (const [i, line] of lines.entries()) {
    const lineNo = i + 1;
    const graph = /^Graph: \[(.*)\]\s*$/.exec(line);
    if (graph) modelPath = graph[1];
    const count = COUNT_LINE.exec(line);
    if (count) countLine = { lineNo, m: count };
    const timings = TIMINGS.exec(line);
    if (timings) {
      initMs = parseMs(timings[1], file, lineNo, 'Init') / 1000;
      firstRunMs = parseMs(timings[2], file, lineNo, 'First inference') / 1000;
      latency = { meanMs: parseMs(timings[4], file, lineNo, 'Inference (avg)') / 1000 };
      // The regular runs' count line comes just before: it has n, min, max and std.
      if (countLine && Math.abs(Number(countLine.m[5]) - Number(timings[4])) <= 0.5 + 1e-6 * Number(timings[4])) {
        const m = countLine.m;
        latency = {
          meanMs: latency.meanMs,
          minMs: parseMs(m[3], file, countLine.lineNo, 'min') / 1000,
          maxMs: parseMs(m[4], file, countLine.lineNo, 'max') / 1000,
          stddevMs: parseMs(m[6], file, countLine.lineNo, 'std') / 1000,
          count: Number(m[1]),
        };
      }
    }

    if (line.includes('Profiling Info for Benchmark Initialization')) section = 'none';
    if (line.includes(REGULAR_SECTION)) {
      section = 'regular';
      table = 'none';
      continue;
    }
    if (section !== 'regular') continue;
    if (/^=+ Run Order =+/.test(line.trim())) table = 'run-order';
    else if (/^=+ Summary by node type =+/.test(line.trim())) table = 'by-type';
    else if (/^=+ .* =+$/.test(line.trim())) table = 'other';
    if (/^=+ .* =+$/.test(line.trim())) {
      columns = [];
      continue;
    }
    if (line.trim() === '') {
      if (columns.length > 0) table = 'none'; // a blank line ends a table
      continue;
    }
    if (table === 'none' || table === 'other') continue;
    if (line.trim().startsWith('[')) {
      columns = headerColumns(line);
      continue;
    }
    if (columns.length === 0) malformed(file, lineNo, `table row before its [column] header: '${line.trim()}'`);
    if (table === 'run-order') {
      const numeric = columns.length - 2; // [node type] ... [Name]
      const row = splitRow(line, numeric, true);
      if (!row) malformed(file, lineNo, `cannot read the Run Order row '${line.trim()}' (expected ${columns.join(', ')})`);
      const avgIdx = columns.indexOf('avg ms') - 1;
      if (avgIdx < 0) malformed(file, lineNo, 'Run Order header has no [avg ms] column');
      ops.push({ name: tfliteNodeName(row.name), opType: row.first, avgMs: parseMs(row.numbers[avgIdx], file, lineNo, 'avg ms') });
    } else if (table === 'by-type') {
      const row = splitRow(line, columns.length - 1, false);
      if (!row) malformed(file, lineNo, `cannot read the Summary by node type row '${line.trim()}'`);
      const col = (name: string) => row.numbers[columns.indexOf(name) - 1];
      byNodeType.push({
        opType: row.first,
        count: parseMs(col('count'), file, lineNo, 'count'),
        avgMs: parseMs(col('avg ms'), file, lineNo, 'avg ms'),
        timesCalled: parseMs(col('times called'), file, lineNo, 'times called'),
      });
    }
  }

  if (ops.length === 0) {
    malformed(file, null, `no "${REGULAR_SECTION}" Run Order table (run benchmark_model with --enable_op_profiling=true)`);
  }
  const notes: string[] = [];
  const { device, note } = deviceOf(text, ops);
  if (note) notes.push(note);
  if (!latency) notes.push('no "Inference timings in us" line: latency is the sum of the per-op averages');
  const typeTotal = byNodeType.reduce((s, t) => s + t.avgMs, 0);
  const opTotal = ops.reduce((s, o) => s + o.avgMs, 0);
  if (byNodeType.length > 0 && Math.abs(typeTotal - opTotal) > 0.05 * Math.max(opTotal, 1e-9)) {
    notes.push(`the summary by node type (${typeTotal.toFixed(3)} ms) and the run order (${opTotal.toFixed(3)} ms) disagree by more than 5%`);
  }
  return {
    format: 'tflite',
    tool: 'tflite-benchmark_model',
    device,
    modelPath,
    ops,
    latency,
    initMs,
    firstRunMs,
    files: [file],
    notes,
    byNodeType,
  };
}

export function readTflite(path: string): TfliteProfile {
  return parseTfliteOutput(readFileSync(path, 'utf8'), path);
}
