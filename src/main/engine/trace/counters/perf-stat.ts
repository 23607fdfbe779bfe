/**
 * Parser for `perf stat -x, -I <ms>` output (pure: text in, per-event interval counts out).
 *
 * Each data line is
 *   time,[aggregation id,]value,unit,event,run_ns,pcnt_running,metric_value,metric_unit
 * where `time` (space-padded) is seconds since perf started counting, at the END of the
 * interval the row covers, and the aggregation id column appears with --per-thread
 * ('node-5265'), --per-core etc. One interval's rows are printed together, with the same
 * time text. Values:
 *   <not supported>  the event cannot be measured on this CPU or kernel;
 *   <not counted>    the event was never scheduled in this interval (for a thread: it did
 *                    not run) - no data, which is not the same as 0;
 *   a number         already scaled by perf when pcnt_running < 100 (multiplexing).
 * The same event can come in several rows per interval: one per thread with --per-thread,
 * and on Intel hybrid CPUs one per core type (cpu_core/cycles/, cpu_atom/cycles/). Rows
 * are summed under the event's base name ('cycles'); modifiers perf adds for non-root
 * users ('cycles:u') are dropped.
 * Anything else perf writes to the same stream (warnings, errors) is kept as text.
 */

export type PerfCount = number | 'not counted' | 'not supported';

export interface PerfStatRow {
  /** Seconds since perf started counting, at the end of the interval. */
  timeSec: number;
  /** The aggregation column ('node-5265' with --per-thread), or null when absent. */
  aggregation: string | null;
  count: PerfCount;
  unit: string;
  /** As printed, e.g. 'cycles:u' or 'cpu_core/cycles/'. */
  event: string;
  runNs: number;
  pcntRunning: number;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const NOT_COUNTED = '<not counted>';
const NOT_SUPPORTED = '<not supported>';

function isCountToken(token: string): boolean {
  return token === NOT_COUNTED || token === NOT_SUPPORTED || NUMBER.test(token);
}

/** One line of `perf stat -x, -I` output, or null when it is not a data row. */
export function parsePerfStatLine(line: string): PerfStatRow | null {
  const fields = line.split(',');
  const timeText = fields[0].trim();
  if (!NUMBER.test(timeText) || fields.length < 6) return null;
  // The aggregation id is never a bare number or a <not ...> marker: that tells the layouts apart.
  const valueAt = isCountToken(fields[1]) ? 1 : 2;
  if (fields.length < valueAt + 5 || !isCountToken(fields[valueAt])) return null;
  const value = fields[valueAt];
  const event = fields[valueAt + 2];
  if (event === '') return null;
  return {
    timeSec: Number(timeText),
    aggregation: valueAt === 2 ? fields[1] : null,
    count: value === NOT_COUNTED ? 'not counted' : value === NOT_SUPPORTED ? 'not supported' : Number(value),
    unit: fields[valueAt + 1],
    event,
    runNs: Number(fields[valueAt + 3]),
    pcntRunning: Number(fields[valueAt + 4]),
  };
}

/** 'cycles:u' -> 'cycles'; 'cpu_atom/cycles/u' -> 'cycles'; 'LLC-load-misses' unchanged. */
export function baseEventName(event: string): string {
  const pmuForm = /^[^/]+\/([^/]+)\/[^/]*$/.exec(event);
  const name = pmuForm ? pmuForm[1] : event;
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

export interface PerfEventData {
  /** Base event name. */
  event: string;
  /** [interval end in perf's seconds, count summed over the interval's counted rows]. */
  samples: [number, number][];
  countedRows: number;
  notCountedRows: number;
  notSupportedRows: number;
  /** Lowest pcnt_running of a counted row: below 100 means perf scaled multiplexed counts. */
  minPcntRunning: number;
}

const MAX_OTHER_LINES = 50;

export class PerfStatParser {
  private partialLine = '';
  /** Interval being accumulated: its time, and per event the sum of counted rows (null: none counted). */
  private openIntervalSec: number | null = null;
  private readonly openSums = new Map<string, number | null>();
  private readonly data = new Map<string, PerfEventData>();
  private intervalsDone = 0;
  /** Lines that are not data rows: perf's warnings and errors. */
  readonly otherLines: string[] = [];
  /** Largest interval time seen so far, or null before the first row. */
  latestTimeSec: number | null = null;

  /** Accepts any chunking of the stream; a trailing partial line waits for the next chunk. */
  feed(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.acceptLine(line);
  }

  /** End of stream: the last line and the last interval are complete. */
  end(): void {
    if (this.partialLine !== '') this.acceptLine(this.partialLine);
    this.partialLine = '';
    this.closeInterval();
  }

  get completedIntervals(): number {
    return this.intervalsDone;
  }

  event(name: string): PerfEventData | undefined {
    return this.data.get(name);
  }

  /** True once an interval has completed and every event in it was <not supported>. */
  allEventsUnsupported(): boolean {
    if (this.intervalsDone === 0 || this.data.size === 0) return false;
    return [...this.data.values()].every((d) => d.countedRows === 0 && d.notCountedRows === 0);
  }

  private acceptLine(line: string): void {
    const row = parsePerfStatLine(line);
    if (!row) {
      const text = line.trim();
      if (text !== '' && this.otherLines.length < MAX_OTHER_LINES) this.otherLines.push(text);
      return;
    }
    if (this.openIntervalSec !== null && row.timeSec !== this.openIntervalSec) this.closeInterval();
    this.openIntervalSec = row.timeSec;
    this.latestTimeSec = Math.max(this.latestTimeSec ?? row.timeSec, row.timeSec);

    const name = baseEventName(row.event);
    const data = this.eventData(name);
    const sum = this.openSums.get(name) ?? null;
    if (typeof row.count === 'number') {
      data.countedRows += 1;
      data.minPcntRunning = Math.min(data.minPcntRunning, row.pcntRunning);
      this.openSums.set(name, (sum ?? 0) + row.count);
    } else {
      if (row.count === 'not counted') data.notCountedRows += 1;
      else data.notSupportedRows += 1;
      this.openSums.set(name, sum);
    }
  }

  private eventData(name: string): PerfEventData {
    let data = this.data.get(name);
    if (!data) {
      data = { event: name, samples: [], countedRows: 0, notCountedRows: 0, notSupportedRows: 0, minPcntRunning: 100 };
      this.data.set(name, data);
    }
    return data;
  }

  private closeInterval(): void {
    if (this.openIntervalSec === null) return;
    for (const [name, sum] of this.openSums) {
      if (sum !== null) this.eventData(name).samples.push([this.openIntervalSec, sum]);
    }
    this.openSums.clear();
    this.openIntervalSec = null;
    this.intervalsDone += 1;
  }
}
