/**
 * A brushed time range, aggregated: for each lane, which op types took the time inside [fromMs, toMs]
 * (a span crossing an edge counts with the part inside the range, and its phases in proportion), and
 * what each counter read over it. Pure, so the sums are unit-tested; BrushSummary.svelte shows them.
 */
import { PHASES, type Phase } from './palette';
import type { CounterTrack, LaneSpan, TimelineLane } from './timeline-data';
import { firstStartingAtOrAfter } from './timeline-layout';

export interface RangeRow {
  opType: string;
  /** Spans that overlap the range. */
  spans: number;
  /** Time inside the range, ms. */
  timeMs: number;
  /** timeMs over the lane's op time inside the range. */
  share: number;
  phaseMs: Record<Phase, number>;
}

export interface LaneRange {
  laneKey: string;
  /** Op time inside the range, ms (gaps between ops excluded). */
  opTimeMs: number;
  /** By time, longest first. */
  rows: RangeRow[];
}

function longestSpanMs(spans: readonly LaneSpan[]): number {
  let longest = 0;
  for (const span of spans) longest = Math.max(longest, span.durMs);
  return longest;
}

export function aggregateRange(lanes: readonly TimelineLane[], fromMs: number, toMs: number): LaneRange[] {
  const [lo, hi] = fromMs <= toMs ? [fromMs, toMs] : [toMs, fromMs];
  return lanes.map((lane) => {
    const byType = new Map<string, RangeRow>();
    let opTimeMs = 0;
    const spans = lane.spans;
    for (let i = firstStartingAtOrAfter(spans, lo - longestSpanMs(spans)); i < spans.length && spans[i].startMs <= hi; i++) {
      const span = spans[i];
      const insideMs = Math.min(hi, span.startMs + span.durMs) - Math.max(lo, span.startMs);
      // A zero-length span at an edge or inside still counts as an op seen in the range.
      if (insideMs < 0 || (insideMs === 0 && (span.startMs < lo || span.startMs > hi))) continue;
      const opType = lane.run.ops[span.opIndex].opType;
      const row = byType.get(opType) ?? { opType, spans: 0, timeMs: 0, share: 0, phaseMs: { memory: 0, compute: 0, overhead: 0 } };
      row.spans++;
      row.timeMs += insideMs;
      for (const phase of PHASES) row.phaseMs[phase] += insideMs * span.shares[phase];
      byType.set(opType, row);
      opTimeMs += insideMs;
    }
    const rows = [...byType.values()].sort((a, b) => b.timeMs - a.timeMs || a.opType.localeCompare(b.opType));
    for (const row of rows) row.share = opTimeMs > 0 ? row.timeMs / opTimeMs : 0;
    return { laneKey: lane.key, opTimeMs, rows };
  });
}

export interface CounterInRange {
  name: string;
  unit: string;
  /** Time-weighted mean of the step line over the part of the range it covers. */
  mean: number;
  max: number;
}

/**
 * Each counter of a lane over [fromMs, toMs]: a sample holds until the next (a step line, as drawn), so the
 * mean weighs each value by how long it held inside the range. Counters with no sample at or before the
 * range's end are left out.
 */
export function countersInRange(tracks: readonly CounterTrack[], laneKey: string, fromMs: number, toMs: number): CounterInRange[] {
  const [lo, hi] = fromMs <= toMs ? [fromMs, toMs] : [toMs, fromMs];
  const out: CounterInRange[] = [];
  for (const track of tracks) {
    const points = track.lines.find((l) => l.laneKey === laneKey)?.points;
    if (!points || points.length === 0) continue;
    let weighted = 0;
    let covered = 0;
    let max = -Infinity;
    for (let i = 0; i < points.length; i++) {
      const [t, value] = points[i];
      const until = i + 1 < points.length ? points[i + 1][0] : t; // the last sample holds for no time
      const a = Math.max(lo, t);
      const b = Math.min(hi, until);
      if (t > hi) break;
      if (b > a) {
        weighted += value * (b - a);
        covered += b - a;
      }
      if (until > lo || (t >= lo && t <= hi)) max = Math.max(max, value);
    }
    if (covered > 0) out.push({ name: track.name, unit: track.unit, mean: weighted / covered, max });
  }
  return out;
}
